/**
 * The fuzzing engine (fuzz/engine/) on a planted bug: coverage feedback must be what finds it, the
 * corpus must keep what reached new code, and a merge must keep one smallest input per block.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CorpusDir } from '../../fuzz/engine/corpus.js';
import { CoverageTracker } from '../../fuzz/engine/coverage.js';
import { FuzzLoop, type LoopOptions } from '../../fuzz/engine/loop.js';
import type { FuzzTarget } from '../../fuzz/engine/target.js';

const RUNS = 50_000;
const options: LoopOptions = {
  maxTotalTimeMs: 120_000,
  maxRuns: RUNS,
  seed: 42,
  batchSize: 64,
  save: true,
  log: () => {},
};

let dir: string;
let coverage: CoverageTracker;
let target: FuzzTarget;
let PlantedBug: new () => Error;

// One tracker for the file, started before the fixture loads (as the worker does): functions
// compiled before coverage starts would have no block counters.
beforeAll(async () => {
  coverage = new CoverageTracker((url) => url.includes('fixtures/planted'));
  coverage.start();
  ({ plantedTarget: target, PlantedBug } = await import('./fixtures/planted.js'));
});
afterAll(() => coverage.stop());
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'fuzz-engine-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A tracker that never reports a block: the same loop, fuzzing blind. */
class NoCoverage extends CoverageTracker {
  override take(): Set<string> {
    return new Set();
  }
}

describe('the fuzzing loop', () => {
  it('finds a bug behind three byte comparisons, guided by coverage, and keeps the steps in the corpus', () => {
    const report = new FuzzLoop(target, coverage, new CorpusDir(dir), undefined, options).run();
    expect(report.crash?.error).toBeInstanceOf(PlantedBug);
    expect([...report.crash!.input.subarray(0, 3)]).toEqual([0x91, 0x37, 0x6b]);
    expect(report.execs).toBeLessThan(RUNS);
    // The seed and the inputs that passed the first and then the second comparison.
    const stored = new CorpusDir(dir).load();
    expect(stored.some((input) => input[0] === 0x91 && input[1] === 0x37)).toBe(true);
  });

  it('does not find it blind in the same number of runs', () => {
    const blind = new NoCoverage(() => false);
    const report = new FuzzLoop(target, blind, new CorpusDir(dir), undefined, options).run();
    expect(report.crash).toBeUndefined();
    expect(report.execs).toBe(RUNS);
  });

  it('merges a corpus down to the seed and the smallest input per block', () => {
    const corpus = new CorpusDir(dir);
    for (const bytes of [[0x91], [0x91, 0x01], [0x91, 0x37], [0x91, 0x37, 0x00], [0x02]])
      corpus.save(Buffer.from(bytes));
    const report = new FuzzLoop(target, coverage, corpus, undefined, options).merge();
    expect(report.crash).toBeUndefined();
    const kept = corpus.load().map((input) => [...input]);
    expect(kept).toEqual([[0x91], [0x91, 0x37], [...Buffer.from('abcd')]]);
    expect(readdirSync(dir)).toHaveLength(3);
  });
});
