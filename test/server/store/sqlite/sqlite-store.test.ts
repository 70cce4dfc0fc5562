/**
 * What only the SQLite adapter does: its schema versions and migrations, WAL mode, durability of
 * an awaited write, the checkpointer, crash recovery of online spans, and the files it leaves. The
 * Store port's behaviour itself is the conformance suite's (test/server/store/store-conformance.ts).
 */
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { openSqliteStore, type SqliteStore } from '../../../../server/store/sqlite/sqlite-store.js';
import { ManualSync } from '../../../helpers/manual-wal-sync.js';
import {
  dropChangesAndReplies,
  dropFiles,
  dropGroupReceipts,
  dropGroups,
  dropLookAlikeKeys,
  dropMessageSearch,
  dropReactions,
  dropReceipts,
  undoGroupSearch,
} from '../../../helpers/old-schema.js';
import { SCHEMA_VERSION } from '../../../../server/store/sqlite/migrations.js';
import { makeTempDir } from '../../../helpers/server.js';
import { GROUPS_CREATED_MAX, GROUP_MEMBERS_MAX } from '../../../../src/shared/limits.js';
import { searchTerms } from '../../../../src/shared/search-query.js';

const LIMITS = { maxMembers: GROUP_MEMBERS_MAX, maxCreated: GROUPS_CREATED_MAX };

const dir = makeTempDir('messenger-sqlite-store-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function withUsers(store: SqliteStore, names: string[]): Promise<void> {
  await Promise.all(names.map((name) => store.accounts.create(name, 'x', 0)));
}

function send(store: SqliteStore, from: string, to: string, text: string, sentAt: number) {
  return store.messages.insertDirect({ from, to, text, sentAt });
}

describe('the SQLite store', () => {
  it('migrates a fresh file to the current schema version in WAL mode', async () => {
    const path = join(dir, 'schema.db');
    await openSqliteStore(path).close();
    const db = new Database(path, { readonly: true });
    try {
      expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    } finally {
      db.close();
    }
    // reopening an up-to-date file is a no-op
    await openSqliteStore(path).close();
  });

  it('refuses a database from a newer server', () => {
    const path = join(dir, 'future.db');
    const db = new Database(path);
    db.pragma('user_version = 99');
    db.close();
    expect(() => openSqliteStore(path)).toThrow(/newer/);
  });

  it('pages and summarises a 100,000-message conversation quickly (indexed)', async () => {
    const store = openSqliteStore(join(dir, 'big.db'));
    try {
      await withUsers(store, ['a', 'b', 'c']);
      const sends = [];
      for (let i = 0; i < 100_000; i++)
        sends.push(send(store, i % 3 ? 'a' : 'b', i % 3 ? 'b' : 'a', `m${i}`, i));
      sends.push(send(store, 'c', 'a', 'other', 1));
      await Promise.all(sends);
      const started = performance.now();
      let before = Number.MAX_SAFE_INTEGER;
      for (let page = 0; page < 50; page++) {
        const rows = await store.messages.historyPage('a', 'b', before, 101);
        expect(rows).toHaveLength(101);
        before = rows[99]?.id as number;
      }
      const deep = await store.messages.historyPage('b', 'a', 50_000, 100);
      expect(deep[0]?.id).toBe(49_999);
      expect(performance.now() - started).toBeLessThan(500);
      const unreadFromB = async () =>
        (await store.messages.conversations('a')).find((row) => row.peer === 'b')?.unread;
      expect((await store.messages.conversations('a')).map((row) => row.peer)).toEqual(['c', 'b']);
      expect(await unreadFromB()).toBe(33_334);
      await store.messages.markRead('a', 'b', 99_000);
      expect(await unreadFromB()).toBe(334);
      expect(await store.messages.countUndelivered('b')).toBe(66_666);
      const firstHalf = (await store.messages.undeliveredAfter('b', 0, 100_000))
        .map((message) => message.id)
        .filter((id) => id <= 50_000);
      await store.messages.acknowledge('b', firstHalf);
      expect(await store.messages.countUndelivered('b')).toBe(33_333);
    } finally {
      await store.close();
    }
  });

  it('resolves a write only once it is committed and its WAL sync has finished', async () => {
    const path = join(dir, 'durable.db');
    let wal: ManualSync | undefined;
    const store = openSqliteStore(path, { walSync: () => (wal = new ManualSync()) });
    const sync = wal as unknown as ManualSync;
    const reader = new Database(path, { readonly: true });
    try {
      let created = false;
      const write = store.accounts.create('a', 'x', 0).then(() => (created = true));
      // A read issued after the write waits for it too: nothing is seen before it is on disk.
      let seen = false;
      const read = store.accounts.exists('a').then(() => (seen = true));
      await expect.poll(() => sync.pending.length).toBe(1);
      expect(reader.prepare('SELECT count(*) FROM users').pluck().get()).toBe(1);
      expect([created, seen]).toEqual([false, false]);
      sync.finish();
      await Promise.all([write, read]);
      expect([created, seen]).toEqual([true, true]);
    } finally {
      sync.auto = true;
      reader.close();
      await store.close();
    }
  });

  it('migrates a version 2 database: conversations come from the new pairs table, unread counts unchanged', async () => {
    const path = join(dir, 'v2.db');
    const store = openSqliteStore(path);
    await withUsers(store, ['ann', 'bob', 'cy']);
    await send(store, 'ann', 'bob', 'hi bob', 1);
    await send(store, 'bob', 'ann', 'hi ann', 2);
    await send(store, 'cy', 'ann', 'hey', 3);
    await store.close();
    // Back to schema 2 as it was: no pairs table, the two per-message indexes (and no schema 4 tables).
    const db = new Database(path);
    undoGroupSearch(db);
    dropFiles(db);
    dropGroupReceipts(db);
    dropReactions(db);
    dropMessageSearch(db);
    dropGroups(db);
    dropReceipts(db);
    dropChangesAndReplies(db);
    dropLookAlikeKeys(db);
    db.exec(`DROP TABLE pairs;
      DROP TABLE broadcasts;
      DROP TABLE online_spans;
      CREATE INDEX messages_by_sender ON messages(sender, recipient, id);
      CREATE INDEX messages_by_recipient ON messages(recipient, sender, id);`);
    db.pragma('user_version = 2');
    db.close();
    const migrated = openSqliteStore(path);
    const summary = async (name: string) =>
      (await migrated.messages.conversations(name)).map(({ peer, last, unread }) => [peer, last.id, unread]);
    try {
      expect(await summary('ann')).toEqual([
        ['cy', 3, 1],
        ['bob', 2, 1],
      ]);
      expect(await summary('bob')).toEqual([['ann', 2, 1]]);
      expect(await summary('nobody')).toEqual([]);
    } finally {
      await migrated.close();
    }
    const check = new Database(path, { readonly: true });
    try {
      expect(check.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
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

  it('migrates a version 3 database: its data stays, broadcasts are kept from then on', async () => {
    const path = join(dir, 'v3.db');
    const store = openSqliteStore(path);
    await withUsers(store, ['ann', 'bob']);
    await send(store, 'ann', 'bob', 'hi bob', 1);
    await store.close();
    const db = new Database(path);
    undoGroupSearch(db);
    dropFiles(db);
    dropGroupReceipts(db);
    dropReactions(db);
    dropMessageSearch(db);
    dropGroups(db);
    dropReceipts(db);
    dropChangesAndReplies(db);
    dropLookAlikeKeys(db);
    db.exec('DROP TABLE broadcasts; DROP TABLE online_spans;');
    db.pragma('user_version = 3');
    db.close();
    const migrated = openSqliteStore(path);
    try {
      expect((await migrated.messages.conversations('bob')).map((row) => row.peer)).toEqual(['ann']);
      await migrated.presence.online('ann', 1);
      await migrated.presence.online('bob', 1);
      expect(
        await migrated.broadcasts.insert({ from: 'ann', text: 'first kept', sentAt: 2, excluded: [] }),
      ).toBe(1);
      expect(await migrated.broadcasts.page('bob', Number.MAX_SAFE_INTEGER, 10)).toEqual([
        { id: 1, from: 'ann', text: 'first kept', sentAt: 2 },
      ]);
    } finally {
      await migrated.close();
    }
  });

  it('migrates a version 9 database: a sender has its own edits, so none is pending for it; reactions work', async () => {
    const path = join(dir, 'v9.db');
    const store = openSqliteStore(path);
    await withUsers(store, ['ann', 'bob']);
    const sent = await send(store, 'ann', 'bob', 'helo', 1);
    if (!('message' in sent)) throw new Error('refused');
    const { id } = sent.message;
    await store.close();
    const db = new Database(path);
    undoGroupSearch(db);
    dropFiles(db);
    dropGroupReceipts(db);
    dropReactions(db);
    // An edit made by a version 9 server: the revision moved, the sender's had no column yet.
    db.prepare("UPDATE messages SET text = 'hello', edited_at = 2, revision = 1 WHERE id = ?").run(id);
    db.pragma('user_version = 9');
    db.close();
    const migrated = openSqliteStore(path);
    try {
      expect(await migrated.messages.changesAfter('ann', 0, 10)).toEqual([]);
      await migrated.messages.react({ id, user: 'bob', emoji: '👍', add: true, at: 3 });
      const [change] = await migrated.messages.changesAfter('ann', 0, 10);
      expect(change).toMatchObject({
        revision: 2,
        message: { reactions: [{ emoji: '👍', users: ['bob'] }] },
      });
    } finally {
      await migrated.close();
    }
  });

  it("migrates a version 10 database: a group's receipts come from its delivery rows", async () => {
    const path = join(dir, 'v10.db');
    const store = openSqliteStore(path);
    await withUsers(store, ['ann', 'bob', 'cy']);
    const made = await store.groups.create(
      { name: 'g', creator: 'ann', members: ['bob', 'cy'], at: 1 },
      LIMITS,
    );
    if ('refused' in made) throw new Error('refused');
    const posted = [];
    for (const text of ['one', 'two']) {
      const result = await store.groups.insertMessage({ from: 'ann', group: made.id, text, sentAt: 2 });
      if ('refused' in result) throw new Error('refused');
      posted.push(result.message.id);
    }
    const [one, two] = posted as [number, number];
    await store.messages.acknowledge('bob', [one, two]);
    await store.messages.acknowledge('cy', [two]);
    await store.close();
    const db = new Database(path);
    undoGroupSearch(db);
    dropFiles(db);
    dropGroupReceipts(db);
    db.pragma('user_version = 10');
    db.close();
    const migrated = openSqliteStore(path);
    try {
      expect((await migrated.groups.receipts('ann', made.id)).members).toMatchObject([
        { member: 'bob', since: one, deliveredUpTo: two },
        { member: 'cy', since: one, deliveredUpTo: one - 1 },
      ]);
    } finally {
      await migrated.close();
    }
  });

  it('migrates a version 12 database: its group messages become searchable by the members, its broadcasts too, the indexes stay whole', async () => {
    const path = join(dir, 'v12.db');
    const store = openSqliteStore(path);
    await withUsers(store, ['ann', 'bob', 'cy']);
    const made = await store.groups.create({ name: 'g', creator: 'ann', members: ['bob'], at: 1 }, LIMITS);
    if ('refused' in made) throw new Error('refused');
    const posted = await store.groups.insertMessage({
      from: 'bob',
      group: made.id,
      text: 'old plan',
      sentAt: 2,
    });
    if ('refused' in posted) throw new Error('refused');
    await store.messages.changeDirect({
      id: posted.message.id,
      sender: 'bob',
      at: 3,
      text: 'new plan',
      editableSince: 0,
    });
    const direct = await send(store, 'cy', 'ann', 'plan b', 4);
    if (!('message' in direct)) throw new Error('refused');
    await store.presence.online('ann', 5);
    const kept = await store.broadcasts.insert({
      from: 'ann',
      text: 'plan c for all',
      sentAt: 6,
      excluded: [],
    });
    await store.close();
    const db = new Database(path);
    undoGroupSearch(db);
    db.pragma('user_version = 12');
    db.close();
    const migrated = openSqliteStore(path);
    const search = (user: string, query: string) =>
      migrated.messages.search({
        user,
        terms: searchTerms(query),
        before: Number.MAX_SAFE_INTEGER,
        limit: 10,
      });
    try {
      expect((await search('ann', 'plan')).map((hit) => hit.id)).toEqual([
        direct.message.id,
        posted.message.id,
      ]);
      expect(await search('ann', 'old')).toEqual([]);
      expect(await search('cy', 'new')).toEqual([]);
      const broadcasts = await migrated.broadcasts.search({
        user: 'ann',
        terms: searchTerms('plan'),
        before: Number.MAX_SAFE_INTEGER,
        limit: 10,
      });
      expect(broadcasts.map((hit) => hit.id)).toEqual([kept]);
    } finally {
      await migrated.close();
    }
    const check = new Database(path);
    try {
      // Compares the index with its content: a group row taken out with other values than it was put in with would fail.
      check.exec("INSERT INTO message_search (message_search, rank) VALUES ('integrity-check', 1)");
      check.exec("INSERT INTO broadcast_search (broadcast_search, rank) VALUES ('integrity-check', 1)");
    } finally {
      check.close();
    }
  });

  it('migrates a version 11 database: its messages stay as they were, files attach from then on', async () => {
    const path = join(dir, 'v11.db');
    const store = openSqliteStore(path);
    await withUsers(store, ['ann', 'bob']);
    const sent = await send(store, 'ann', 'bob', 'before files', 1);
    if (!('message' in sent)) throw new Error('refused');
    await store.close();
    const db = new Database(path);
    undoGroupSearch(db);
    dropFiles(db);
    db.pragma('user_version = 11');
    db.close();
    const migrated = openSqliteStore(path);
    try {
      expect(await migrated.messages.messageById(sent.message.id)).toEqual(sent.message);
      const file = { name: 'a.png', size: 3, mime: 'image/png', sha256: 'c'.repeat(64) };
      const withFile = await migrated.messages.insertDirect({
        from: 'ann',
        to: 'bob',
        text: '',
        sentAt: 2,
        file,
      });
      expect('message' in withFile && withFile.message.file).toEqual(file);
      expect(await migrated.files.blobInUse(file.sha256)).toBe(true);
    } finally {
      await migrated.close();
    }
  });

  it('ends the online spans a crash left open at the last broadcast, when the store opens again', async () => {
    const path = join(dir, 'crash.db');
    const before = openSqliteStore(path);
    await withUsers(before, ['ann', 'bob']);
    await before.presence.online('ann', 1);
    await before.broadcasts.insert({ from: 'bob', text: 'while ann was online', sentAt: 1, excluded: [] });
    // No offline: the server died with ann online.
    await before.close();
    const after = openSqliteStore(path);
    try {
      await after.presence.online('bob', 2);
      expect(
        await after.broadcasts.insert({ from: 'bob', text: 'after the crash', sentAt: 2, excluded: [] }),
      ).toBe(2);
      expect((await after.broadcasts.page('ann', Number.MAX_SAFE_INTEGER, 10)).map((b) => b.text)).toEqual([
        'while ann was online',
      ]);
    } finally {
      await after.close();
    }
  });

  it('leaves only the database file behind when closed, checkpointer included', async () => {
    const sub = join(dir, 'closed');
    mkdirSync(sub);
    const store = openSqliteStore(join(sub, 'c.db'));
    await store.accounts.create('a', 'x', 0);
    await store.close();
    expect(readdirSync(sub)).toEqual(['c.db']);
  });

  it('truncates a WAL grown by a burst from its worker thread once writes stop, and goes on writing in it', async () => {
    const path = join(dir, 'truncate.db');
    const store = openSqliteStore(path, { walIdleTruncateMs: 400 });
    try {
      await withUsers(store, ['a', 'b']);
      const burst = async (from: number): Promise<void> => {
        const sends = [];
        for (let i = from; i < from + 3000; i++) sends.push(send(store, 'a', 'b', 'x'.repeat(1000), i));
        await Promise.all(sends);
      };
      await burst(0);
      const grown = statSync(`${path}-wal`).size;
      expect(grown).toBeGreaterThan(2_000_000);
      // Once idle, the checkpointer copies the WAL and truncates it.
      await vi.waitFor(() => expect(statSync(`${path}-wal`).size).toBe(0), { timeout: 10_000 });
      // Writing goes on in the truncated WAL, and nothing was lost.
      await burst(3000);
      await store.close();
      const reopened = openSqliteStore(path);
      const page = await reopened.messages.historyPage('a', 'b', Number.MAX_SAFE_INTEGER, 1);
      expect(page.map((m) => m.sentAt)).toEqual([5999]);
      await reopened.close();
    } finally {
      await store.close();
    }
  });

  it('keeps the WAL near its restart size under writes that never pause, and loses nothing', async () => {
    const path = join(dir, 'restart.db');
    const restartBytes = 2 * 2 ** 20;
    const store = openSqliteStore(path, { walRestartBytes: restartBytes, walIdleTruncateMs: 60_000 });
    try {
      await withUsers(store, ['a', 'b']);
      // Batches of writes back to back, each committed while the checkpointer copies the last:
      // without the RESTART checkpoint no copy ever catches up and the WAL grows with every batch.
      let sent = 0;
      let largestWal = 0;
      while (sent < 40_000) {
        const sends = [];
        for (let i = 0; i < 500; i++, sent++) sends.push(send(store, 'a', 'b', 'x'.repeat(1000), sent));
        await Promise.all(sends);
        largestWal = Math.max(largestWal, statSync(`${path}-wal`).size);
      }
      // 40,000 messages of 1 kB (and their search index) wrote well over 40 MB of WAL frames; the
      // WAL stays a few restart sizes long. The margin is for a loaded machine, where the
      // checkpointer thread gets the CPU late (seen at 8.1× with four agents' tests running).
      expect(largestWal).toBeLessThan(12 * restartBytes);
      await store.close();
      const reopened = openSqliteStore(path);
      const page = await reopened.messages.historyPage('a', 'b', Number.MAX_SAFE_INTEGER, 1);
      expect(page.map((m) => m.sentAt)).toEqual([sent - 1]);
      expect(await reopened.messages.countUndelivered('b')).toBe(sent);
      await reopened.close();
    } finally {
      await store.close();
    }
  });

  it('checkpoints the WAL into the database file from its worker thread, not in a commit', async () => {
    const path = join(dir, 'checkpoint.db');
    // Checkpoints 3 s apart: the sends below take well under that even on a busy machine, so a
    // grown file right after them could only come from a commit.
    const store = openSqliteStore(path, { checkpointIntervalMs: 3000 });
    try {
      await withUsers(store, ['a', 'b']);
      store.flush();
      const before = statSync(path).size;
      const sends = [];
      for (let i = 0; i < 5000; i++) sends.push(send(store, 'a', 'b', `message ${i}`.padEnd(200, '.'), i));
      await Promise.all(sends);
      // Committed rows live in the WAL; only a checkpoint copies them into the database file.
      expect(statSync(path).size).toBe(before);
      // Within the next interval, unless the machine is so busy that the worker's turn comes late.
      await vi.waitFor(() => expect(statSync(path).size).toBeGreaterThan(before + 1_000_000), {
        timeout: 20_000,
      });
    } finally {
      await store.close();
    }
  });
});
