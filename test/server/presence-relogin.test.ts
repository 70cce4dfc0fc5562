/**
 * A user who logs in again while the logout of its previous session is still being recorded: the
 * new session's announcements must still carry its block list. The race is made deterministic by
 * holding the store's offline record open (a real SQLite store and a real in-process bus; only the
 * timing of one store call is controlled).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ServerFrame } from '../../src/shared/protocol.js';
import { Blocks } from '../../server/blocks.js';
import type { PresenceEvent } from '../../server/bus/bus.js';
import { LocalBus } from '../../server/bus/local-bus.js';
import { Presence, type OnlineUser } from '../../server/presence.js';
import { openSqliteStore, type SqliteStore } from '../../server/store/sqlite/sqlite-store.js';
import type { PresenceLog } from '../../server/store/store.js';

let dir: string | undefined;
let store: SqliteStore | undefined;
let bus: LocalBus | undefined;

afterEach(async () => {
  await bus?.close();
  await store?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = store = bus = undefined;
});

function onlineUser(username: string): OnlineUser {
  return {
    username,
    remoteAddress: '127.0.0.1',
    watchesPresence: true,
    send: (_frame: ServerFrame) => {},
    sendEncoded: () => {},
    sendTracked: () => {},
    evict: () => {},
    holdLive: () => {},
    catchUp: () => {},
  };
}

describe('presence: logging in again during a logout', () => {
  it('announces the new session with the blocks of the user, after the old logout finishes', async () => {
    dir = mkdtempSync(join(tmpdir(), 'presence-relogin-'));
    store = openSqliteStore(join(dir, 'chat.db'));
    await store.accounts.create('yoda', 'hash', Date.now());
    await store.accounts.create('luke', 'hash', Date.now());
    await store.blocks.add('yoda', 'luke');

    // The offline record of the first session waits until the test lets it finish.
    let finishOffline!: () => void;
    const offlineHeld = new Promise<void>((resolve) => (finishOffline = resolve));
    const log = store.presence;
    const heldLog: PresenceLog = {
      online: (name, at) => log.online(name, at),
      offline: async (name, at) => {
        await offlineHeld;
        await log.offline(name, at);
      },
      seenSince: (since) => log.seenSince(since),
      everyoneOffline: () => log.everyoneOffline(),
    };

    const events: PresenceEvent[] = [];
    bus = new LocalBus();
    await bus.start({
      deliver: () => {},
      broadcast: () => {},
      presence: (event) => events.push(event),
      usersLost: () => {},
      usersEvicted: () => {},
      holdLive: () => {},
      resync: () => {},
    });
    const presence = new Presence(bus, heldLog, new Blocks(store.blocks));

    const first = onlineUser('yoda');
    expect(await presence.claim(first)).toBe(true);
    const loggingOut = presence.release(first);
    // The directory entry is gone before the offline record: the second session's claim succeeds.
    const second = onlineUser('yoda');
    await waitUntil(async () => (await bus!.lookup('yoda')) === undefined);
    expect(await presence.claim(second)).toBe(true);
    finishOffline();
    await loggingOut;
    await presence.announce('yoda', true);

    expect(events.map(({ online, blocked }) => ({ online, blocked }))).toEqual([
      { online: false, blocked: ['luke'] },
      { online: true, blocked: ['luke'] },
    ]);
  });
});

async function waitUntil(condition: () => Promise<boolean>): Promise<void> {
  while (!(await condition())) await new Promise((resolve) => setImmediate(resolve));
}
