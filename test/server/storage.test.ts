import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { openStorage } from '../../server/storage.js';
import { dropLookAlikeKeys } from '../helpers/old-schema.js';
import { makeTempDir } from '../helpers/server.js';

const dir = makeTempDir('messenger-storage-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('storage', () => {
  it('migrates a fresh file to the current schema version in WAL mode', () => {
    const path = join(dir, 'schema.db');
    openStorage(path).close();
    const db = new Database(path, { readonly: true });
    try {
      expect(db.pragma('user_version', { simple: true })).toBe(5);
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    } finally {
      db.close();
    }
    // reopening an up-to-date file is a no-op
    openStorage(path).close();
  });

  it('refuses a database from a newer server', () => {
    const path = join(dir, 'future.db');
    const db = new Database(path);
    db.pragma('user_version = 99');
    db.close();
    expect(() => openStorage(path)).toThrow(/newer/);
  });

  it('pages and summarises a 100,000-message conversation quickly (indexed)', () => {
    const storage = openStorage(join(dir, 'big.db'));
    try {
      storage.createUser('a', 'x', 0);
      storage.createUser('b', 'x', 0);
      storage.createUser('c', 'x', 0);
      for (let i = 0; i < 100_000; i++)
        storage.insertMessage(i % 3 ? 'a' : 'b', i % 3 ? 'b' : 'a', `m${i}`, i);
      storage.insertMessage('c', 'a', 'other', 1);
      storage.flush();
      const started = performance.now();
      let before = Number.MAX_SAFE_INTEGER;
      for (let page = 0; page < 50; page++) {
        const rows = storage.historyPage('a', 'b', before, 101);
        expect(rows).toHaveLength(101);
        before = rows[99]?.id as number;
      }
      const deep = storage.historyPage('b', 'a', 50_000, 100);
      expect(deep[0]?.id).toBe(49_999);
      const pagesMs = performance.now() - started;
      expect(pagesMs).toBeLessThan(500);
      const peers = storage.conversationPeers('a');
      expect(peers.map((p) => p.peer)).toEqual(['c', 'b']);
      expect(storage.unreadFrom('a', 'b')).toBe(33_334);
      storage.markRead('a', 'b', 99_000);
      expect(storage.unreadFrom('a', 'b')).toBe(334);
      expect(storage.countUndelivered('b')).toBe(66_666);
      storage.acknowledge('b', 50_000);
      expect(storage.countUndelivered('b')).toBe(33_333);
    } finally {
      storage.close();
    }
  });

  it('runs after-commit callbacks in order, once the tick transaction is committed and synced', async () => {
    const storage = openStorage(join(dir, 'tick.db'));
    try {
      const order: string[] = [];
      storage.createUser('a', 'x', 0);
      storage.afterCommit(() => order.push('first'));
      storage.createUser('b', 'x', 0);
      storage.afterCommit(() => order.push('second'));
      expect(order).toEqual([]);
      // Committed on setImmediate; the WAL's fdatasync then runs on the thread pool.
      await new Promise((resolve) => setImmediate(resolve));
      await vi.waitFor(() => expect(order).toEqual(['first', 'second']));
      storage.afterCommit(() => order.push('immediate'));
      expect(order).toEqual(['first', 'second', 'immediate']);
    } finally {
      storage.close();
    }
  });

  it('migrates a version 2 database: conversations come from the new pairs table, unread counts unchanged', () => {
    const path = join(dir, 'v2.db');
    const storage = openStorage(path);
    for (const name of ['ann', 'bob', 'cy']) storage.createUser(name, 'x', 0);
    storage.insertMessage('ann', 'bob', 'hi bob', 1);
    storage.insertMessage('bob', 'ann', 'hi ann', 2);
    storage.insertMessage('cy', 'ann', 'hey', 3);
    storage.close();
    // Back to schema 2 as it was: no pairs table, the two per-message indexes (and no schema 4 tables).
    const db = new Database(path);
    dropLookAlikeKeys(db);
    db.exec(`DROP TABLE pairs;
      DROP TABLE broadcasts;
      DROP TABLE online_spans;
      CREATE INDEX messages_by_sender ON messages(sender, recipient, id);
      CREATE INDEX messages_by_recipient ON messages(recipient, sender, id);`);
    db.pragma('user_version = 2');
    db.close();
    const migrated = openStorage(path);
    try {
      expect(migrated.conversationPeers('ann')).toEqual([
        { peer: 'cy', lastId: 3 },
        { peer: 'bob', lastId: 2 },
      ]);
      expect(migrated.conversationPeers('bob')).toEqual([{ peer: 'ann', lastId: 2 }]);
      expect(migrated.unreadFrom('ann', 'bob')).toBe(1);
      expect(migrated.unreadFrom('bob', 'ann')).toBe(1);
      expect(migrated.conversationPeers('nobody')).toEqual([]);
    } finally {
      migrated.close();
    }
    const check = new Database(path, { readonly: true });
    try {
      expect(check.pragma('user_version', { simple: true })).toBe(5);
      const indexes = check
        .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'messages'")
        .pluck()
        .all();
      expect(indexes).not.toContain('messages_by_sender');
      expect(indexes).not.toContain('messages_by_recipient');
    } finally {
      check.close();
    }
  });

  it('migrates a version 3 database: its data stays, broadcasts are kept from then on', () => {
    const path = join(dir, 'v3.db');
    const storage = openStorage(path);
    for (const name of ['ann', 'bob']) storage.createUser(name, 'x', 0);
    storage.insertMessage('ann', 'bob', 'hi bob', 1);
    storage.close();
    const db = new Database(path);
    dropLookAlikeKeys(db);
    db.exec('DROP TABLE broadcasts; DROP TABLE online_spans;');
    db.pragma('user_version = 3');
    db.close();
    const migrated = openStorage(path);
    try {
      expect(migrated.conversationPeers('bob')).toEqual([{ peer: 'ann', lastId: 1 }]);
      migrated.openSpan('ann');
      migrated.openSpan('bob');
      expect(migrated.reserveBroadcastId()).toBe(1);
      migrated.insertBroadcast(1, 'ann', 'first kept', 2, []);
      expect(migrated.broadcastPage('bob', Number.MAX_SAFE_INTEGER, 10)).toEqual([
        { id: 1, from: 'ann', text: 'first kept', sentAt: 2 },
      ]);
    } finally {
      migrated.close();
    }
  });

  it('ends the online spans a crash left open at the last broadcast, when the store opens again', () => {
    const path = join(dir, 'crash.db');
    const before = openStorage(path);
    before.openSpan('ann');
    before.insertBroadcast(before.reserveBroadcastId(), 'bob', 'while ann was online', 1, []);
    // No closeSpan: the server died with ann online.
    before.close();
    const after = openStorage(path);
    try {
      after.openSpan('bob');
      expect(after.reserveBroadcastId()).toBe(2);
      after.insertBroadcast(2, 'bob', 'after the crash', 2, []);
      expect(after.broadcastPage('ann', Number.MAX_SAFE_INTEGER, 10).map((b) => b.text)).toEqual([
        'while ann was online',
      ]);
    } finally {
      after.close();
    }
  });

  it('leaves only the database file behind when closed, checkpointer included', () => {
    const sub = join(dir, 'closed');
    mkdirSync(sub);
    const storage = openStorage(join(sub, 'c.db'));
    storage.createUser('a', 'x', 0);
    storage.close();
    expect(readdirSync(sub)).toEqual(['c.db']);
  });

  it('checkpoints the WAL into the database file from its worker thread, not in a commit', async () => {
    const path = join(dir, 'checkpoint.db');
    const storage = openStorage(path);
    try {
      storage.createUser('a', 'x', 0);
      storage.createUser('b', 'x', 0);
      storage.flush();
      const before = statSync(path).size;
      for (let i = 0; i < 5000; i++) storage.insertMessage('a', 'b', `message ${i}`.padEnd(200, '.'), i);
      storage.flush();
      // Committed rows live in the WAL; only a checkpoint copies them into the database file.
      expect(statSync(path).size).toBe(before);
      await vi.waitFor(() => expect(statSync(path).size).toBeGreaterThan(before + 1_000_000), {
        timeout: 5000,
      });
    } finally {
      storage.close();
    }
  });
});
