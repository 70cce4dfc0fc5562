/**
 * Typing notices (docs/protocol.md, `typing`): relayed live to the peer, never stored, hidden from
 * blockers and from users the typer blocked, rate-limited per connection, and not activity.
 */
import { describe, expect, it } from 'vitest';
import { TYPING_BURST, TYPING_PER_SECOND, TYPING_TTL_MS } from '../../src/shared/limits.js';
import type { ServerEvent } from '../../src/shared/protocol.js';
import { snapshotDatabase } from '../helpers/db-snapshot.js';
import { RawClient } from '../helpers/raw-client.js';
import { useServerFixture } from '../helpers/server-fixture.js';
import { startTestServer } from '../helpers/server.js';

const fixture = useServerFixture({ checkFrames: true });
const login = async (name: string, password: string) =>
  fixture.track(await RawClient.login(fixture.server.port, name, password));
const typingFrom = (client: RawClient, from: string) =>
  client.eventsOf('typing').filter((event) => event.from === from);

/**
 * Waits until `to` has a direct message from `from` sent after this call: typing notices from
 * `from` sent before it have arrived by then (one sender's frames reach a user in order).
 */
async function barrier(from: RawClient, to: RawClient, toName: string): Promise<void> {
  const { message } = await from.call('message', { to: toName, text: 'barrier' });
  await to.waitFor((event) => event.type === 'message' && event.message.id === message.id);
}

describe('typing notices', () => {
  it('reach the peer with a ttl, start and stop, and nobody else', async () => {
    fixture.server = await startTestServer();
    const yoda = await login('yoda', 'wise');
    const hans = await login('hans', 'falcon');
    const luke = await login('luke', 'skywalker');
    expect(await yoda.call('typing', { to: 'hans', typing: true })).toEqual({});
    const started = await hans.waitFor((event) => event.type === 'typing');
    expect(started).toEqual({ type: 'typing', from: 'yoda', typing: true, ttlMs: TYPING_TTL_MS });
    await yoda.call('typing', { to: 'hans', typing: false });
    await hans.waitFor(() => typingFrom(hans, 'yoda').length === 2);
    expect(typingFrom(hans, 'yoda').map((event) => event.typing)).toEqual([true, false]);
    await barrier(yoda, luke, 'luke');
    expect(luke.eventsOf('typing')).toEqual([]);
    expect(yoda.eventsOf('typing')).toEqual([]);
  });

  it('never reach a user who blocked the typer, nor a user the typer blocked', async () => {
    fixture.server = await startTestServer();
    const yoda = await login('yoda', 'wise');
    const hans = await login('hans', 'falcon');
    await hans.call('block', { user: 'yoda' });
    // The reply is the same as for a peer who takes it: it does not tell yoda about the block.
    expect(await yoda.call('typing', { to: 'hans', typing: true })).toEqual({});
    await hans.call('unblock', { user: 'yoda' });
    await yoda.call('block', { user: 'hans' });
    expect(await yoda.call('typing', { to: 'hans', typing: true })).toEqual({});
    await yoda.call('unblock', { user: 'hans' });
    await barrier(yoda, hans, 'hans');
    expect(hans.eventsOf('typing')).toEqual([]);
    // Once neither blocks the other, notices flow again.
    await yoda.call('typing', { to: 'hans', typing: true });
    await hans.waitFor((event) => event.type === 'typing' && event.from === 'yoda');
  });

  it('are never stored: the database is unchanged, and a login or reconnect brings none', async () => {
    fixture.server = await startTestServer();
    const yoda = await login('yoda', 'wise');
    const hans = await login('hans', 'falcon');
    const before = await snapshotDatabase(fixture.server.dbPath);
    await yoda.call('typing', { to: 'hans', typing: true });
    await hans.waitFor((event) => event.type === 'typing');
    // luke is offline: accepted, and dropped.
    expect(await yoda.call('typing', { to: 'luke', typing: true })).toEqual({});
    expect(await snapshotDatabase(fixture.server.dbPath)).toBe(before);
    hans.close();
    const hansAgain = await login('hans', 'falcon');
    const luke = await login('luke', 'skywalker');
    await barrier(yoda, hansAgain, 'hans');
    await barrier(yoda, luke, 'luke');
    expect(hansAgain.eventsOf('typing')).toEqual([]);
    expect(luke.eventsOf('typing')).toEqual([]);
    expect(await luke.call('history', { peer: 'yoda', limit: 10 })).toMatchObject({
      messages: [{ text: 'barrier' }],
    });
  });

  it('refuse a flood with rate_limited: the peer gets no more than the allowance, and others are unaffected', async () => {
    fixture.server = await startTestServer();
    const yoda = await login('yoda', 'wise');
    const hans = await login('hans', 'falcon');
    const luke = await login('luke', 'skywalker');
    const startedAt = Date.now();
    const replies = await Promise.all(
      Array.from({ length: 40 }, () => yoda.request('typing', { to: 'hans', typing: true })),
    );
    const elapsedSeconds = (Date.now() - startedAt) / 1000;
    const accepted = replies.filter((reply) => reply.ok).length;
    const refused = replies.flatMap((reply) => (reply.ok ? [] : [reply.error]));
    expect(accepted).toBeGreaterThanOrEqual(TYPING_BURST);
    expect(accepted).toBeLessThanOrEqual(TYPING_BURST + Math.ceil(elapsedSeconds * TYPING_PER_SECOND));
    expect(refused.length).toBe(40 - accepted);
    for (const error of refused) {
      expect(error.code).toBe('rate_limited');
      expect(error.retryAfterMs).toBeGreaterThan(0);
    }
    // Another user's notices, and the flooder's other requests, go through meanwhile.
    await luke.call('typing', { to: 'hans', typing: true });
    await barrier(yoda, hans, 'hans');
    expect(typingFrom(hans, 'yoda')).toHaveLength(accepted);
    expect(typingFrom(hans, 'luke')).toHaveLength(1);
  });

  it('refuse bad input with a clear error and relay nothing', async () => {
    fixture.server = await startTestServer();
    const yoda = await login('yoda', 'wise');
    const hans = await login('hans', 'falcon');
    expect((await yoda.fail('typing', { to: 'nobody', typing: true })).code).toBe('unknown_user');
    expect((await yoda.fail('typing', { to: 'yoda', typing: true })).code).toBe('self_target');
    const invalid = [
      { to: 'hans', typing: 'yes' },
      { to: 'hans' },
      { to: '', typing: true },
      { to: 'h'.repeat(33), typing: true },
      { to: 'hans ', typing: false },
    ];
    for (const params of invalid) {
      const error = await yoda.fail('typing', params as never);
      expect(error.code, JSON.stringify(params)).toBe('invalid_request');
    }
    const stranger = fixture.track(await RawClient.open(fixture.server.port));
    expect((await stranger.fail('typing', { to: 'hans', typing: true })).code).toBe('login_required');
    await barrier(yoda, hans, 'hans');
    expect(hans.eventsOf('typing')).toEqual([]);
  });

  it('do not keep a session alive: a user who only types is logged out at the idle timeout', async () => {
    fixture.server = await startTestServer({ timeoutSeconds: 1 });
    const yoda = await login('yoda', 'wise');
    const hans = await login('hans', 'falcon');
    const typing = setInterval(() => void yoda.request('typing', { to: 'hans', typing: true }), 200);
    try {
      const out = await yoda.waitFor(
        (event): event is ServerEvent<'logged_out'> => event.type === 'logged_out',
      );
      expect(out).toEqual({ type: 'logged_out', reason: 'timeout' });
    } finally {
      clearInterval(typing);
    }
    expect(typingFrom(hans, 'yoda').length).toBeGreaterThan(0);
  });
});
