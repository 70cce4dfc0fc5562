/** The corpus on disk: one file per input, named by the SHA-1 of its bytes (so saves are idempotent). */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function inputName(data: Buffer): string {
  return createHash('sha1').update(data).digest('hex');
}

export class CorpusDir {
  constructor(private readonly dir: string) {}

  /** Stored inputs, smallest first (the order a merge keeps the smallest input per feature). */
  load(): Buffer[] {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch {
      return [];
    }
    return names
      .filter((name) => /^[0-9a-f]{40}$/.test(name))
      .map((name) => readFileSync(join(this.dir, name)))
      .sort((a, b) => a.length - b.length);
  }

  save(data: Buffer): void {
    mkdirSync(this.dir, { recursive: true });
    writeFileSync(join(this.dir, inputName(data)), data);
  }

  /** Replaces the stored corpus with exactly `inputs`. */
  replaceWith(inputs: Buffer[]): void {
    rmSync(this.dir, { recursive: true, force: true });
    for (const data of inputs) this.save(data);
  }
}
