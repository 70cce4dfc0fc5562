/** Registration refuses usernames that look like existing ones; older look-alike accounts keep working. */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { hashPassword } from '../../server/accounts.js';
import { lookAlikeKeys, skeleton } from '../../server/look-alike.js';
import { openSqliteStore } from '../../server/store/sqlite/sqlite-store.js';
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
} from '../helpers/old-schema.js';
import { RawClient } from '../helpers/raw-client.js';
import { useServerFixture } from '../helpers/server-fixture.js';
import { TEST_KDF_COST, startTestServer } from '../helpers/server.js';

const fixture = useServerFixture({ checkFrames: true, dirPrefix: 'look-alike-' });
const { track } = fixture;

const LOOK_ALIKE = {
  code: 'username_look_alike',
  message: expect.stringMatching(/looks too much like an existing username/),
};

async function openRegistration(): Promise<RawClient> {
  fixture.server = await startTestServer({ openRegistration: true });
  const client = track(await RawClient.open(fixture.server.port));
  await client.call('register', { username: 'leia', password: 'rebel' });
  return client;
}

/** Both keys of a and b, side by side: a look-alike pair shares at least one. */
function sharesKey(a: string, b: string): boolean {
  const [x, y] = [lookAlikeKeys(a), lookAlikeKeys(b)];
  return x.asWritten === y.asWritten || x.folded === y.folded;
}

describe('look-alike keys', () => {
  it('uses the Unicode confusables skeleton', () => {
    expect(skeleton('Ieia')).toBe('leia');
    expect(skeleton('1eia')).toBe('leia');
    expect(skeleton('y0da')).toBe('yOda');
    expect(skeleton('rnace')).toBe(skeleton('mace'));
    expect(skeleton('уоda')).toBe('yoda'); // Cyrillic у and о
  });

  it('pairs names that differ in case or in look-alike characters, and nothing else', () => {
    const pairs: [string, string][] = [
      ['Ieia', 'leia'],
      ['Ieia', 'ieia'],
      ['YODA', 'yoda'],
      ['Y0DA', 'yoda'],
      ['hans_1', 'hans_l'],
      ['mace', 'rnace'],
    ];
    for (const [a, b] of pairs) expect(sharesKey(a, b), `${a} ~ ${b}`).toBe(true);
    const distinct: [string, string][] = [
      ['leia', 'lela'],
      ['yoda', 'yodas'],
      ['hans', 'han.s'],
      ['IEIA', 'leia'],
      ['luke', 'duke'],
    ];
    for (const [a, b] of distinct) expect(sharesKey(a, b), `${a} !~ ${b}`).toBe(false);
  });
});

describe('registration of look-alike names', () => {
  it('refuses a name confusable with an existing one, with a clear error', async () => {
    const client = await openRegistration();
    for (const username of ['Ieia', 'LEIA', '1eia', 'YODA', 'Yoda', 'y0da', 'HANS']) {
      expect(await client.fail('register', { username, password: 'x' }), username).toEqual(LOOK_ALIKE);
    }
    expect(await client.fail('register', { username: 'leia', password: 'x' })).toMatchObject({
      code: 'username_taken',
    });
    // Names are ASCII: a Cyrillic look-alike never gets as far as the look-alike check.
    expect(await client.fail('register', { username: 'уoda', password: 'x' })).toMatchObject({
      code: 'invalid_request',
      message: expect.stringMatching(/letters, digits/),
    });
    for (const username of ['Ieia', 'YODA', 'y0da']) {
      expect((await client.call('checkuser', { username })).exists).toBe(false);
    }
  });

  it('accepts unrelated names, and then refuses look-alikes of those too', async () => {
    const client = await openRegistration();
    for (const username of ['rey', 'finn', 'lela', 'yodas', 'han.s']) {
      expect(await client.call('register', { username, password: 'jakku' })).toEqual({ username });
    }
    expect(await client.fail('register', { username: 'REY', password: 'x' })).toEqual(LOOK_ALIKE);
    await client.call('login', { username: 'finn', password: 'jakku' });
  });

  it('lets exactly one of two racing look-alike registrations win', async () => {
    fixture.server = await startTestServer({ openRegistration: true });
    const [a, b] = [
      track(await RawClient.open(fixture.server.port)),
      track(await RawClient.open(fixture.server.port)),
    ];
    // Both pass the early check; the one whose hash finishes second meets the check at insert.
    const replies = await Promise.all([
      a.request('register', { username: 'rey', password: 'one' }),
      b.request('register', { username: 'REY', password: 'two' }),
    ]);
    const codes = replies.map((reply) => (reply.ok ? 'created' : reply.error.code)).sort();
    expect(codes).toEqual(['created', 'username_look_alike']);
  });
});

describe('look-alike accounts made before the check', () => {
  /** A database as the server before this check left it (schema version 4), holding leia and Ieia. */
  async function databaseBeforeTheCheck(): Promise<string> {
    const dbPath = join(fixture.dir, `before-${Date.now()}.db`);
    await openSqliteStore(dbPath).close();
    const db = new Database(dbPath);
    undoGroupSearch(db);
    dropFiles(db);
    dropGroupReceipts(db);
    dropReactions(db);
    dropMessageSearch(db);
    dropGroups(db);
    dropReceipts(db);
    dropChangesAndReplies(db);
    dropLookAlikeKeys(db);
    db.pragma('user_version = 4');
    const insert = db.prepare('INSERT INTO users (name, password_hash, created_at) VALUES (?, ?, 0)');
    insert.run('leia', await hashPassword('rebel', TEST_KDF_COST));
    insert.run('Ieia', await hashPassword('impostor', TEST_KDF_COST));
    db.close();
    return dbPath;
  }

  it('keeps both working after the migration, and refuses new look-alikes of either', async () => {
    const dbPath = await databaseBeforeTheCheck();
    fixture.server = await startTestServer({ dbPath, openRegistration: true });
    const leia = track(await RawClient.login(fixture.server.port, 'leia', 'rebel'));
    const impostor = track(await RawClient.login(fixture.server.port, 'Ieia', 'impostor'));
    await leia.call('message', { to: 'Ieia', text: 'which of us is which?' });
    await impostor.waitFor((event) => event.type === 'message');
    const client = track(await RawClient.open(fixture.server.port));
    for (const username of ['LEIA', 'ieia', '1eia']) {
      expect(await client.fail('register', { username, password: 'x' }), username).toEqual(LOOK_ALIKE);
    }
  });
});
