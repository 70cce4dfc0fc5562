/** The client core's message search against the real server (in-process, port 0). */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { disposeCores, loggedIn } from './support.js';

let server: TestServer;

beforeEach(async () => {
  server = await startTestServer();
});

afterEach(async () => {
  await disposeCores();
  await server.close();
});

describe('core: searchMessages', () => {
  it('returns the server’s matches, newest first, with snippet marks, a page at a time', async () => {
    const yoda = await loggedIn(server.port, 'yoda', 'wise');
    const hans = await loggedIn(server.port, 'hans', 'falcon');
    const ids = [];
    for (const text of ['hyperdrive broken', 'still no hyperdrive', 'hyperdrive fixed']) {
      const sent = await yoda.core.call('sendMessage', 'hans', text);
      if (!sent.ok || !sent.value.message) throw new Error('send failed');
      ids.push(sent.value.message.id);
    }
    const first = await hans.core.call('searchMessages', { query: 'hyper*', limit: 2 });
    expect(first).toMatchObject({ ok: true, value: { hasMore: true } });
    if (!first.ok) return;
    expect(first.value.results.map((r) => r.id)).toEqual([ids[2], ids[1]]);
    expect(first.value.results[0]).toMatchObject({ peer: 'yoda', from: 'yoda', snippet: 'hyperdrive fixed' });
    expect(first.value.results[0]?.marks).toEqual([[0, 10]]);
    const next = await hans.core.call('searchMessages', {
      query: 'hyper*',
      limit: 2,
      before: first.value.results[1]?.id,
    });
    expect(next).toMatchObject({ ok: true, value: { hasMore: false, results: [{ id: ids[0] }] } });
  });

  it('refuses a query without words before it reaches the server, and passes on the server’s errors', async () => {
    const yoda = await loggedIn(server.port, 'yoda', 'wise');
    const empty = await yoda.core.call('searchMessages', { query: '""', limit: 5 });
    expect(empty).toMatchObject({ ok: false, error: { code: 'invalid_argument' } });
    const unknown = await yoda.core.call('searchMessages', { query: 'hi', peer: 'nobody', limit: 5 });
    expect(unknown).toMatchObject({ ok: false, error: { code: 'unknown_user' } });
  });
});
