/**
 * The core passes the server's receipts on: a `receipt` event when the peer's app got (it acks by
 * itself) and read your messages, the marks with history and conversations, and the read receipts
 * setting.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { AppEvent } from '../../src/shared/api.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { disposeCores, loggedIn, until } from './support.js';

let server: TestServer | undefined;

afterEach(async () => {
  await disposeCores();
  await server?.close();
  server = undefined;
});

type Receipt = Extract<AppEvent, { kind: 'receipt' }>;

describe('core: receipts', () => {
  it('reports delivered when the peer’s app got a message and read when it marked it read', async () => {
    server = await startTestServer({ users: { alice: 'alice-pw', bob: 'bob-pw' } });
    const alice = await loggedIn(server.port, 'alice', 'alice-pw');
    const bob = await loggedIn(server.port, 'bob', 'bob-pw');
    const sent = await alice.core.call('sendMessage', 'bob', 'hello');
    if (!sent.ok || !sent.value.message) throw new Error('send failed');
    const id = sent.value.message.id;
    const receipts = () => alice.log.of('receipt') as Receipt[];

    // Bob's core acknowledges what it shows without being asked.
    await until(() => receipts().some((r) => r.deliveredUpTo === id));
    expect(receipts().some((r) => r.readUpTo !== undefined)).toBe(false);
    expect(await bob.core.call('markRead', 'alice', id)).toEqual({ ok: true, value: {} });
    await until(() => receipts().some((r) => r.readUpTo === id));
    expect(receipts().at(-1)).toEqual({ kind: 'receipt', peer: 'bob', readUpTo: id });

    const history = await alice.core.call('history', { peer: 'bob', limit: 10 });
    expect(history).toMatchObject({ ok: true, value: { deliveredUpTo: id, readUpTo: id } });
    const list = await alice.core.call('conversations');
    expect(list).toMatchObject({ ok: true, value: [{ peer: 'bob', deliveredUpTo: id, readUpTo: id }] });
  });

  it('reads and changes the read receipts setting', async () => {
    server = await startTestServer({ users: { alice: 'alice-pw' } });
    const alice = await loggedIn(server.port, 'alice', 'alice-pw');
    expect(await alice.core.call('getSettings')).toEqual({ ok: true, value: { readReceipts: true } });
    expect(await alice.core.call('setReadReceipts', false)).toEqual({
      ok: true,
      value: { readReceipts: false },
    });
    expect(await alice.core.call('getSettings')).toEqual({ ok: true, value: { readReceipts: false } });
    expect(await alice.core.call('setReadReceipts', 'no' as never)).toMatchObject({
      ok: false,
      error: { code: 'invalid_argument' },
    });
  });
});
