/** What a fuzz target declares: how to run one input, where to start, and what to mutate with. */
export interface FuzzTarget {
  /** Also the name of its corpus folder, fuzz/corpus/<name>/. */
  readonly name: string;
  /** Runs one input; throws when an invariant of the code under test is broken. */
  run(data: Buffer): void;
  /** Starting inputs, always run before the stored corpus. */
  seeds(): Buffer[];
  readonly maxLength: number;
  /** Share of the time budget, relative to the other targets': more for more code to reach. */
  readonly timeWeight: number;
  readonly dictionary: readonly string[];
  readonly fieldNames: readonly string[];
}

/** Thrown by a target when the code under test answered wrongly (as opposed to crashing). */
export class InvariantError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvariantError';
  }
}

export function invariant(condition: boolean, message: string): asserts condition {
  if (!condition) throw new InvariantError(message);
}
