/**
 * Group commit: nothing waiting on a write runs before its transaction is committed AND a WAL sync
 * that started after that commit has finished. The sync is a controllable fake here so every
 * interleaving is deterministic; the transactions are real (SQLite file, WAL mode).
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GroupCommit, walFileSync } from '../../../../server/store/sqlite/group-commit.js';
import { ManualSync } from '../../../helpers/manual-wal-sync.js';
import { makeTempDir } from '../../../helpers/server.js';

const dir = makeTempDir('messenger-group-commit-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

let db: Database.Database;
let reader: Database.Database;
let wal: ManualSync;
let group: GroupCommit;
let syncErrors: Error[];
let n = 0;

beforeEach(() => {
  const path = join(dir, `g${n++}.db`);
  db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.exec('CREATE TABLE t (v TEXT)');
  // A second connection sees committed rows only.
  reader = new Database(path, { readonly: true });
  const count = reader.prepare('SELECT count(*) FROM t').pluck();
  wal = new ManualSync(() => count.get() as number);
  syncErrors = [];
  group = new GroupCommit(db, wal, (error) => syncErrors.push(error));
});
afterEach(() => {
  reader.close();
  db.close();
});

const insert = (v: string): void => {
  group.write(() => db.prepare('INSERT INTO t VALUES (?)').run(v));
};

describe('group commit', () => {
  it('runs callbacks only after the commit and the sync that covers it, in order', async () => {
    const ran: string[] = [];
    insert('a');
    group.afterDurable(() => ran.push('a'));
    insert('b');
    group.afterDurable(() => ran.push('b'));
    await turn();
    // Committed (the sync started with both rows visible to another connection) but not synced.
    expect(wal.pending.map((s) => s.probeAtStart)).toEqual([2]);
    expect(ran).toEqual([]);
    wal.finish();
    expect(ran).toEqual(['a', 'b']);
  });

  it('gathers the writes made during an in-flight sync into one transaction, committed and synced after it', async () => {
    const ran: string[] = [];
    insert('a');
    group.afterDurable(() => ran.push('a'));
    await turn();
    insert('b');
    group.afterDurable(() => ran.push('b'));
    await turn();
    insert('c');
    group.afterDurable(() => ran.push('c'));
    await turn();
    expect(wal.pending).toHaveLength(1);
    // The later writes share one transaction, still open while the first sync runs.
    expect(reader.prepare('SELECT count(*) FROM t').pluck().get()).toBe(1);
    wal.finish();
    expect(ran).toEqual(['a']);
    // One sync covers both later commits, started after both.
    expect(wal.pending.map((s) => s.probeAtStart)).toEqual([3]);
    wal.finish();
    expect(ran).toEqual(['a', 'b', 'c']);
  });

  it('runs a callback at once when nothing is pending, and after the in-flight sync otherwise', async () => {
    const ran: string[] = [];
    group.afterDurable(() => ran.push('idle'));
    expect(ran).toEqual(['idle']);
    insert('a');
    await turn();
    // A read-only reply may show the committed row: it waits for the sync in flight.
    group.afterDurable(() => ran.push('read'));
    expect(ran).toEqual(['idle']);
    wal.finish();
    expect(ran).toEqual(['idle', 'read']);
    expect(wal.pending).toHaveLength(0);
  });

  it('flush commits and syncs at once, and the in-flight sync does not run callbacks twice', async () => {
    const ran: string[] = [];
    insert('a');
    group.afterDurable(() => ran.push('a'));
    await turn();
    insert('b');
    group.afterDurable(() => ran.push('b'));
    group.flush();
    expect(wal.blockingSyncs).toBe(1);
    expect(ran).toEqual(['a', 'b']);
    expect(reader.prepare('SELECT count(*) FROM t').pluck().get()).toBe(2);
    wal.finish();
    expect(ran).toEqual(['a', 'b']);
    group.flush();
    expect(wal.blockingSyncs).toBe(1);
  });

  it('closes the WAL file only after the sync in flight, which then runs nothing twice', async () => {
    const ran: string[] = [];
    insert('a');
    group.afterDurable(() => ran.push('a'));
    await turn();
    group.close();
    expect(ran).toEqual(['a']);
    expect(wal.closed).toBe(0);
    // Even a failing late sync is moot: close() synced everything itself.
    wal.finish(new Error('EBADF'));
    expect(wal.closed).toBe(1);
    expect(ran).toEqual(['a']);
    expect(syncErrors).toEqual([]);
  });

  it('never runs the callbacks of a failed sync and reports the failure', async () => {
    const ran: string[] = [];
    insert('a');
    group.afterDurable(() => ran.push('a'));
    await turn();
    wal.finish(new Error('EIO'));
    expect(ran).toEqual([]);
    expect(syncErrors.map((e) => e.message)).toEqual(['EIO']);
  });

  it('syncs the real WAL file of a database', async () => {
    const path = join(dir, 'real.db');
    const real = new Database(path);
    real.pragma('journal_mode = WAL');
    real.exec('CREATE TABLE t (v TEXT)');
    const sync = walFileSync(path);
    const realGroup = new GroupCommit(real, sync);
    try {
      const ran: string[] = [];
      realGroup.write(() => real.prepare('INSERT INTO t VALUES (?)').run('x'));
      realGroup.afterDurable(() => ran.push('x'));
      await expect.poll(() => ran, { timeout: 5000 }).toEqual(['x']);
    } finally {
      sync.close();
      real.close();
    }
  });
});
