/**
 * Coverage feedback for the fuzzer from V8's own block coverage (the inspector's precise coverage,
 * the data behind NODE_V8_COVERAGE), so no instrumentation step or native addon is needed.
 *
 * A "feature" is one source block that ran. V8 lists a block only when its count differs from the
 * block around it, so a block that ran exactly as often as its parent is not listed in that take;
 * we remember every block ever listed and credit it with the count of the innermost block listed
 * around it in the current take.
 */
import { Session } from 'node:inspector';

interface Range {
  startOffset: number;
  endOffset: number;
  count: number;
}
interface FunctionCoverage {
  ranges: Range[];
}
interface ScriptCoverage {
  url: string;
  functions: FunctionCoverage[];
}

export class CoverageTracker {
  private readonly session = new Session();
  /** Every block ever listed, per script URL and function start: the universe features come from. */
  private readonly blocks = new Map<string, Map<number, Set<string>>>();

  /** `measured` picks the scripts whose blocks count (the code under test, not the fuzzer's own). */
  constructor(private readonly measured: (url: string) => boolean) {}

  /** Call before the code under test is loaded: functions compiled earlier may lack block counters. */
  start(): void {
    this.session.connect();
    this.post('Profiler.enable');
    this.post('Profiler.startPreciseCoverage', { callCount: true, detailed: true });
    this.take();
  }

  stop(): void {
    this.post('Profiler.stopPreciseCoverage');
    this.session.disconnect();
  }

  /** The blocks that ran since the last take (counts reset on every take). */
  take(): Set<string> {
    const features = new Set<string>();
    const result = this.post('Profiler.takePreciseCoverage') as { result: ScriptCoverage[] };
    for (const script of result.result) {
      if (!this.measured(script.url)) continue;
      for (const fn of script.functions) this.collect(script.url, fn.ranges, features);
    }
    return features;
  }

  private collect(url: string, ranges: Range[], features: Set<string>): void {
    const own = ranges[0];
    if (!own || own.count === 0) return;
    const known = this.knownBlocks(url, own.startOffset);
    for (const range of ranges) known.add(`${range.startOffset}-${range.endOffset}`);
    for (const block of known) {
      const [start, end] = block.split('-').map(Number) as [number, number];
      if (innermostCount(ranges, start, end) > 0) features.add(`${url}#${block}`);
    }
  }

  private knownBlocks(url: string, functionStart: number): Set<string> {
    let byFunction = this.blocks.get(url);
    if (!byFunction) this.blocks.set(url, (byFunction = new Map()));
    let known = byFunction.get(functionStart);
    if (!known) byFunction.set(functionStart, (known = new Set()));
    return known;
  }

  /** The inspector answers a same-thread session synchronously, so the callback has run on return. */
  private post(method: string, params?: object): unknown {
    let answer: unknown;
    let failure: Error | null = null;
    this.session.post(method, params, (error, result) => {
      failure = error;
      answer = result;
    });
    if (failure) throw failure;
    return answer;
  }
}

/** V8 lists ranges outermost first; the last one containing the block is the innermost. */
function innermostCount(ranges: Range[], start: number, end: number): number {
  let count = 0;
  for (const range of ranges) {
    if (range.startOffset <= start && end <= range.endOffset) count = range.count;
  }
  return count;
}
