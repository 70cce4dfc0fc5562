/**
 * Broadcasts kept: each is stored once, and listed for exactly the users it reached (the online
 * ones who had not blocked the sender) and for the sender, across logins and restarts.
 */
import { describe, expect, it } from 'vitest';
import { openStorage } from '../../server/storage.js';
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
  it('stores one row per broadcast, whatever the audience', () => {
    const dir = makeTempDir('messenger-broadcasts-');
    const path = join(dir, 'b.db');
    const storage = openStorage(path);
    try {
      for (let i = 0; i < 1000; i++) storage.openSpan(`u${i}`);
      storage.insertBroadcast(storage.reserveBroadcastId(), 'u0', 'to a thousand', 1, ['u7']);
      storage.openSpan('late');
      storage.closeSpan('u1');
      storage.insertBroadcast(storage.reserveBroadcastId(), 'u2', 'second', 2, []);
      expect(storage.broadcastPage('u999', Number.MAX_SAFE_INTEGER, 10).map((b) => b.text)).toEqual([
        'second',
        'to a thousand',
      ]);
      expect(storage.broadcastPage('u1', Number.MAX_SAFE_INTEGER, 10).map((b) => b.text)).toEqual([
        'to a thousand',
      ]);
      expect(storage.broadcastPage('u7', Number.MAX_SAFE_INTEGER, 10).map((b) => b.text)).toEqual(['second']);
      expect(storage.broadcastPage('late', Number.MAX_SAFE_INTEGER, 10).map((b) => b.text)).toEqual([
        'second',
      ]);
      expect(storage.broadcastPage('nobody', Number.MAX_SAFE_INTEGER, 10)).toEqual([]);
    } finally {
      storage.close();
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
