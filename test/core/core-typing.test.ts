/**
 * Typing notices in the client core: what it sends as the person types (throttled, a stop only
 * when the peer may still show the indicator, none after a message), and who it reports typing to
 * this user (ended by a stop, a message from them, their logout, or the notice's ttl).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CoreError } from '../../src/main/core/errors.js';
import { TypingNotices, TypingPeers } from '../../src/main/core/typing.js';
import { TYPING_REFRESH_MS, TYPING_TTL_MS } from '../../src/shared/limits.js';
import { RawClient } from '../helpers/raw-client.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { disposeCores, loggedIn } from './support.js';

describe('core: typing against the server', () => {
  let server: TestServer;
  const clients: RawClient[] = [];

  beforeEach(async () => {
    server = await startTestServer();
  });
  afterEach(async () => {
    for (const client of clients.splice(0)) client.close();
    await disposeCores();
    await server.close();
  });

  /** hans's raw connection receives yoda's message: the notices sent before it are in by then. */
  async function barrier(hans: RawClient, yoda: Awaited<ReturnType<typeof loggedIn>>): Promise<void> {
    const sent = await yoda.core.call('sendMessage', 'hans', 'barrier');
    const id = sent.ok ? sent.value.message?.id : undefined;
    await hans.waitFor((event) => event.type === 'message' && event.message.id === id);
  }

  it('sends one notice per refresh period while the person types, one stop, and none after a message', async () => {
    const hans = await RawClient.login(server.port, 'hans', 'falcon');
    clients.push(hans);
    const yoda = await loggedIn(server.port, 'yoda', 'wise');
    for (let key = 0; key < 10; key++)
      expect(await yoda.core.call('typing', 'hans', true)).toEqual({ ok: true, value: {} });
    await yoda.core.call('typing', 'hans', false);
    await yoda.core.call('typing', 'hans', false);
    await barrier(hans, yoda);
    expect(hans.eventsOf('typing').map((event) => event.typing)).toEqual([true, false]);
    // Typing again after a stop, and after a message, goes at once; the message needs no stop.
    await yoda.core.call('typing', 'hans', true);
    await barrier(hans, yoda);
    await yoda.core.call('typing', 'hans', true);
    await yoda.core.call('typing', 'hans', true);
    await barrier(hans, yoda);
    expect(hans.eventsOf('typing').map((event) => event.typing)).toEqual([true, false, true, true]);
  });

  it('reports who is typing, and ends it at a stop, a message from them and their logout', async () => {
    const hans = await loggedIn(server.port, 'hans', 'falcon');
    const yoda = await loggedIn(server.port, 'yoda', 'wise');
    const luke = await loggedIn(server.port, 'luke', 'skywalker');
    const typing = () => hans.log.of('typing').at(-1)?.peers;
    await yoda.core.call('typing', 'hans', true);
    await hans.log.waitFor('typing', (event) => event.peers.includes('yoda'));
    await luke.core.call('typing', 'hans', true);
    await hans.log.waitFor('typing', (event) => event.peers.length === 2);
    expect(typing()).toEqual(['luke', 'yoda']);
    await yoda.core.call('typing', 'hans', false);
    await hans.log.waitFor('typing', (event) => event.peers.join() === 'luke');
    await luke.core.call('sendMessage', 'hans', 'hi');
    await hans.log.waitFor('message');
    // The message and the end of luke's typing come together, the indicator first.
    expect(typing()).toEqual([]);
    await yoda.core.call('typing', 'hans', true);
    await hans.log.waitFor('typing', (event) => event.peers.join() === 'yoda');
    await yoda.core.call('logout');
    await hans.log.waitFor('presence', (event) => event.user === 'yoda' && !event.online);
    expect(typing()).toEqual([]);
  });

  it('sends nothing and does not fail when logged out', async () => {
    const hans = await loggedIn(server.port, 'hans', 'falcon');
    await hans.core.call('logout');
    expect(await hans.core.call('typing', 'yoda', true)).toEqual({ ok: true, value: {} });
    expect(await hans.core.call('typing', 'no spaces', true)).toMatchObject({
      ok: false,
      error: { code: 'invalid_argument' },
    });
  });
});

describe('core: typing expiry and throttle (fake clock)', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('drops a typer after the notice ttl unless refreshed, and a refresh restarts it', () => {
    const changes: string[][] = [];
    const peers = new TypingPeers((now) => changes.push(now));
    peers.note('yoda', true, TYPING_TTL_MS);
    vi.advanceTimersByTime(TYPING_TTL_MS - 1);
    expect(peers.peers()).toEqual(['yoda']);
    peers.note('yoda', true, TYPING_TTL_MS);
    vi.advanceTimersByTime(TYPING_TTL_MS - 1);
    expect(peers.peers()).toEqual(['yoda']);
    vi.advanceTimersByTime(1);
    expect(peers.peers()).toEqual([]);
    expect(changes).toEqual([['yoda'], []]);
  });

  it('refreshes every TYPING_REFRESH_MS, skips a stop once the indicator ran out, and waits out rate_limited', async () => {
    const sent: string[] = [];
    let refuse = false;
    const notices = new TypingNotices(async (to, typing) => {
      sent.push(`${to}:${typing}`);
      if (refuse) throw new CoreError('rate_limited', 'slow down', { retryAfterMs: 10_000 });
    });
    notices.update('hans', true);
    vi.advanceTimersByTime(TYPING_REFRESH_MS - 1);
    notices.update('hans', true);
    vi.advanceTimersByTime(1);
    notices.update('hans', true);
    expect(sent).toEqual(['hans:true', 'hans:true']);
    vi.advanceTimersByTime(TYPING_TTL_MS);
    notices.update('hans', false);
    expect(sent).toHaveLength(2);
    refuse = true;
    notices.update('luke', true);
    await vi.advanceTimersByTimeAsync(0);
    refuse = false;
    // Refused: quiet for the server's retryAfterMs (10 s), past the usual refresh period.
    vi.advanceTimersByTime(10_000 - 1);
    notices.update('luke', true);
    expect(sent).toEqual(['hans:true', 'hans:true', 'luke:true']);
    vi.advanceTimersByTime(1);
    notices.update('luke', true);
    expect(sent).toEqual(['hans:true', 'hans:true', 'luke:true', 'luke:true']);
  });
});
