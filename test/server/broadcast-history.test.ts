/**
 * Broadcasts kept: each is stored once, and listed for exactly the users it reached (the online
 * ones who had not blocked the sender) and for the sender, across logins and restarts.
 */
import { describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../server/store/sqlite/sqlite-store.js';
import { RawClient } from '../helpers/raw-client.js';
import { useServerFixture } from '../helpers/server-fixture.js';
import { makeTempDir, startTestServer } from '../helpers/server.js';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';

const fixture = useServerFixture({ checkFrames: true });
const { track } = fixture;
const login = async (name: string, password: string) =>
  track(await RawClient.login(fixture.server.port, name, password));

async function keptFor(client: RawClient, before?: number, limit = 50) {
  const page = await client.call('broadcasts', before === undefined ? { limit } : { before, limit });
  return page.broadcasts.map((b) => `${b.from}: ${b.text}`);
}

describe('broadcasts kept', () => {
  it('lists a broadcast for the sender and the users online then, not for those offline or blocking', async () => {
    fixture.server = await startTestServer();
    const yoda = await login('yoda', 'wise');
    const hans = await login('hans', 'falcon');
    const luke = await login('luke', 'skywalker');
    await hans.call('block', { user: 'yoda' });
    const first = await yoda.call('broadcast', { text: 'all of you' });
    expect(first).toMatchObject({ delivered: 1, blockedBy: 1, id: 1 });
    await luke.call('logout', {});
    await hans.call('unblock', { user: 'yoda' });
    await hans.call('broadcast', { text: 'luke is away' });

    // Read after logging in again: what each one received or sent, oldest first.
    const lukeAgain = await login('luke', 'skywalker');
    expect(await keptFor(yoda)).toEqual(['yoda: all of you', 'hans: luke is away']);
    expect(await keptFor(hans)).toEqual(['hans: luke is away']);
    expect(await keptFor(lukeAgain)).toEqual(['yoda: all of you']);
    // Unblocking later does not hand hans what he did not receive.
    expect(hans.eventsOf('broadcast')).toEqual([]);
  });

  it('pages the newest first, each page oldest first', async () => {
    fixture.server = await startTestServer();
    const yoda = await login('yoda', 'wise');
    const hans = await login('hans', 'falcon');
    for (let i = 1; i <= 7; i++) await yoda.call('broadcast', { text: `b${i}` });
    const newest = await hans.call('broadcasts', { limit: 3 });
    expect(newest.broadcasts.map((b) => b.text)).toEqual(['b5', 'b6', 'b7']);
    expect(newest.hasMore).toBe(true);
    const older = await hans.call('broadcasts', { before: newest.broadcasts[0]?.id ?? 0, limit: 3 });
    expect(older.broadcasts.map((b) => b.text)).toEqual(['b2', 'b3', 'b4']);
    const oldest = await hans.call('broadcasts', { before: older.broadcasts[0]?.id ?? 0, limit: 3 });
    expect(oldest).toMatchObject({ broadcasts: [{ text: 'b1', from: 'yoda' }], hasMore: false });
    const event = hans.eventsOf('broadcast').at(-1);
    expect(newest.broadcasts.at(-1)).toEqual({
      id: event?.id,
      from: 'yoda',
      text: 'b7',
      sentAt: event?.sentAt,
    });
  });

  it('keeps them across a server restart, and lists none sent while the user was offline', async () => {
    fixture.server = await startTestServer();
    const yoda = await login('yoda', 'wise');
    const hans = await login('hans', 'falcon');
    await yoda.call('broadcast', { text: 'before the restart' });
    await fixture.server.restart();
    yoda.close();
    hans.close();
    const yodaAgain = await login('yoda', 'wise');
    await yodaAgain.call('broadcast', { text: 'hans is not here' });
    const hansAgain = await login('hans', 'falcon');
    expect(await keptFor(hansAgain)).toEqual(['yoda: before the restart']);
    expect(await keptFor(yodaAgain)).toEqual(['yoda: before the restart', 'yoda: hans is not here']);
  });
});

describe('broadcast storage', () => {
  it('stores one row per broadcast, whatever the audience', async () => {
    const dir = makeTempDir('messenger-broadcasts-');
    const path = join(dir, 'b.db');
    const store = openSqliteStore(path);
    const texts = async (name: string) =>
      (await store.broadcasts.page(name, Number.MAX_SAFE_INTEGER, 10)).map((b) => b.text);
    try {
      // Who was online is recorded per account (last-seen times reference users).
      const names = [...Array.from({ length: 1000 }, (_, i) => `u${i}`), 'late'];
      await Promise.all(names.map((name) => store.accounts.create(name, 'x', 0)));
      await Promise.all(names.slice(0, 1000).map((name) => store.presence.online(name, 1)));
      await store.broadcasts.insert({ from: 'u0', text: 'to a thousand', sentAt: 1, excluded: ['u7'] });
      await store.presence.online('late', 2);
      await store.presence.offline('u1', 2);
      await store.broadcasts.insert({ from: 'u2', text: 'second', sentAt: 2, excluded: [] });
      expect(await texts('u999')).toEqual(['second', 'to a thousand']);
      expect(await texts('u1')).toEqual(['to a thousand']);
      expect(await texts('u7')).toEqual(['second']);
      expect(await texts('late')).toEqual(['second']);
      expect(await texts('nobody')).toEqual([]);
    } finally {
      await store.close();
    }
    const db = new Database(path, { readonly: true });
    try {
      expect(db.prepare('SELECT count(*) FROM broadcasts').pluck().get()).toBe(2);
    } finally {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
