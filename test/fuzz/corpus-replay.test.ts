/**
 * Every input the fuzzer kept (fuzz/corpus/), and every seed, still holds its target's invariants:
 * the stored corpus is a regression suite that runs with the other tests, in well under a second.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CorpusDir } from '../../fuzz/engine/corpus.js';
import { targets } from '../../fuzz/targets.js';

const CORPUS_ROOT = join(import.meta.dirname, '../../fuzz/corpus');

describe('the fuzz corpus', () => {
  for (const target of targets.values()) {
    it(`${target.name}: every stored input and seed keeps the target's invariants`, () => {
      const stored = new CorpusDir(join(CORPUS_ROOT, target.name)).load();
      expect(stored.length).toBeGreaterThan(0);
      for (const input of [...target.seeds(), ...stored]) target.run(input);
    });
  }
});
