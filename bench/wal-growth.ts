/**
 * How large the SQLite WAL grows under writes that never pause, and what keeping it bounded costs
 * the writer (server/store/sqlite/checkpointer.ts). Stores direct messages through the real
 * SqliteStore back to back, 1,000 at a time, for N seconds, and prints the write rate, the largest
 * WAL seen, and how long each checkpoint the writer ran itself took.
 *
 *   node --import tsx bench/wal-growth.ts [seconds, default 20]
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { openSqliteStore } from '../server/store/sqlite/sqlite-store.js';

const USERS = ['a', 'b', 'c', 'd'];
const BATCH = 1000;

type Pragma = (source: string) => unknown;

/** Times every checkpoint the store's own connection runs (the writer's copies). */
function timeWriterCheckpoints(db: { pragma: Pragma }): number[] {
  const original = db.pragma.bind(db);
  const durations: number[] = [];
  db.pragma = (source) => {
    if (!source.startsWith('wal_checkpoint')) return original(source);
    const started = performance.now();
    const result = original(source);
    durations.push(Math.round((performance.now() - started) * 10) / 10);
    return result;
  };
  return durations;
}

async function main(seconds: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'wal-growth-'));
  const path = join(dir, 'bench.db');
  const store = openSqliteStore(path);
  try {
    const copies = timeWriterCheckpoints((store as unknown as { db: { pragma: Pragma } }).db);
    for (const name of USERS) await store.accounts.create(name, 'unused', 0);
    const started = performance.now();
    let stored = 0;
    let largestWal = 0;
    while (performance.now() - started < seconds * 1000) {
      const batch = [];
      for (let i = 0; i < BATCH; i++, stored++) {
        const from = USERS[stored % USERS.length] as string;
        const to = USERS[(stored + 1) % USERS.length] as string;
        batch.push(
          store.messages.insertDirect({
            from,
            to,
            text: 'y'.repeat(200),
            sentAt: stored,
            clientId: `wal-${stored}-id`,
          }),
        );
      }
      await Promise.all(batch);
      largestWal = Math.max(largestWal, statSync(`${path}-wal`).size);
    }
    const elapsed = (performance.now() - started) / 1000;
    const result = {
      stored,
      perSecond: Math.round(stored / elapsed),
      largestWalMb: Math.round(largestWal / 2 ** 20),
      writerCheckpointsMs: copies,
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main(Number(process.argv[2] ?? 20));
