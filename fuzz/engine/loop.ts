/**
 * The coverage-guided loop. Mutants run in batches with one coverage take per batch (the take is
 * what costs, about a millisecond); a batch that reached a new block is replayed one input at a time
 * to find which inputs did, and those join the corpus.
 */
import type { CorpusDir } from './corpus.js';
import type { CoverageTracker } from './coverage.js';
import type { Heartbeat } from './heartbeat.js';
import { Mutator } from './mutate.js';
import { Random } from './random.js';
import type { FuzzTarget } from './target.js';

export interface LoopOptions {
  /** Stop after this long (milliseconds) or this many mutants, whichever comes first. */
  maxTotalTimeMs: number;
  maxRuns: number;
  seed: number;
  batchSize: number;
  /** Write inputs that reach new blocks to the corpus folder. */
  save: boolean;
  log: (line: string) => void;
}

export interface Crash {
  input: Buffer;
  error: unknown;
}

export interface LoopReport {
  target: string;
  execs: number;
  corpusSize: number;
  features: number;
  seconds: number;
  crash?: Crash;
}

class CrashFound extends Error {
  constructor(readonly crash: Crash) {
    super('crash');
  }
}

export class FuzzLoop {
  private readonly known = new Set<string>();
  private readonly corpus: Buffer[] = [];
  private readonly random: Random;
  private readonly mutator: Mutator;
  private execs = 0;

  constructor(
    private readonly target: FuzzTarget,
    private readonly coverage: CoverageTracker,
    private readonly corpusDir: CorpusDir,
    private readonly heartbeat: Heartbeat | undefined,
    private readonly options: LoopOptions,
  ) {
    this.random = new Random(options.seed);
    this.mutator = new Mutator(this.random, target);
  }

  /** Runs the seeds and the stored corpus, then mutates until the time or run budget is spent. */
  run(): LoopReport {
    const started = performance.now();
    try {
      for (const seed of this.target.seeds()) this.tryAdd(seed, { keep: true });
      for (const input of this.corpusDir.load()) this.tryAdd(input);
      if (this.corpus.length === 0) this.tryAdd(Buffer.alloc(0), { keep: true, save: false });
      this.options.log(
        `${this.target.name}: loaded corpus of ${this.corpus.length}, ${this.known.size} blocks`,
      );
      this.mutateUntil(started);
    } catch (error) {
      if (error instanceof CrashFound) return this.report(started, error.crash);
      throw error;
    }
    return this.report(started);
  }

  /**
   * Keeps the seeds and, of the stored inputs (smallest first), only those that reach a block the
   * kept ones do not.
   */
  merge(): LoopReport {
    const started = performance.now();
    const seeds = this.target.seeds();
    const stored = this.corpusDir.load();
    try {
      this.learnBlocks([...seeds, ...stored]);
      for (const seed of seeds) this.tryAdd(seed, { keep: true, save: false });
      for (const input of stored) this.tryAdd(input, { save: false });
    } catch (error) {
      if (error instanceof CrashFound) return this.report(started, error.crash);
      throw error;
    }
    this.corpusDir.replaceWith(this.corpus);
    return this.report(started);
  }

  /**
   * Runs every input once so the tracker knows all the blocks they tell apart (see coverage.ts):
   * otherwise an input could be dropped for a block that only a later input made visible.
   */
  private learnBlocks(inputs: Buffer[]): void {
    for (const input of inputs) {
      this.execute(input);
      this.coverage.take();
    }
  }

  private mutateUntil(started: number): void {
    let lastLog = started;
    while (this.execs < this.options.maxRuns && performance.now() - started < this.options.maxTotalTimeMs) {
      this.runBatch();
      if (performance.now() - lastLog > 10_000) {
        lastLog = performance.now();
        this.options.log(this.status(started));
      }
    }
  }

  private runBatch(): void {
    const batch: Buffer[] = [];
    for (let i = 0; i < this.options.batchSize && this.execs < this.options.maxRuns; i++) {
      const mutant = this.mutator.mutate(this.random.pick(this.corpus), this.random.pick(this.corpus));
      this.execute(mutant);
      batch.push(mutant);
    }
    const reached = this.coverage.take();
    if (!this.isNew(reached)) return;
    this.findNew(batch);
    // Blocks that ran only once in the batch (lazy initialisation) must not trigger replays forever.
    for (const feature of reached) this.known.add(feature);
  }

  /** Bisects a group that reached new blocks down to the inputs that did: a take per half. */
  private findNew(group: Buffer[]): void {
    if (group.length === 1) {
      this.tryAdd(group[0]!);
      return;
    }
    const middle = group.length >> 1;
    for (const half of [group.slice(0, middle), group.slice(middle)]) {
      this.coverage.take();
      for (const input of half) this.execute(input);
      if (this.isNew(this.coverage.take())) this.findNew(half);
    }
  }

  /** Runs one input alone; it joins the corpus if it reached a new block (a seed always does). */
  private tryAdd(input: Buffer, { keep = false, save = this.options.save } = {}): void {
    this.coverage.take();
    this.execute(input);
    const reached = this.coverage.take();
    if (!keep && !this.isNew(reached)) return;
    for (const feature of reached) this.known.add(feature);
    this.corpus.push(input);
    if (save) this.corpusDir.save(input);
  }

  private execute(input: Buffer): void {
    this.heartbeat?.beat(input);
    this.execs++;
    try {
      this.target.run(input);
    } catch (error) {
      throw new CrashFound({ input, error });
    }
  }

  private isNew(reached: Set<string>): boolean {
    for (const feature of reached) if (!this.known.has(feature)) return true;
    return false;
  }

  private status(started: number): string {
    const seconds = (performance.now() - started) / 1000;
    return `${this.target.name}: ${this.execs} execs (${Math.round(this.execs / seconds)}/s), corpus ${this.corpus.length}, ${this.known.size} blocks`;
  }

  private report(started: number, crash?: Crash): LoopReport {
    return {
      target: this.target.name,
      execs: this.execs,
      corpusSize: this.corpus.length,
      features: this.known.size,
      seconds: (performance.now() - started) / 1000,
      ...(crash ? { crash } : {}),
    };
  }
}
