/** The client core against the real server (in-process, port 0, temporary SQLite file). */
import { afterEach, beforeEach, describe, expect, it, onTestFinished } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { RawClient } from '../helpers/raw-client.js';
import { PROTOCOL_VERSION } from '../../src/shared/limits.js';
import { Relay } from '../helpers/relay.js';
import { disposeCores, loggedIn, makeCore, until } from './support.js';

let server: TestServer;

beforeEach(async () => {
  server = await startTestServer({ blockDurationSeconds: 1 });
});

afterEach(async () => {
  await disposeCores();
  await server.close();
});

describe('core: login', () => {
  it('reports unknown users, wrong passwords with attempts left, the lock and duplicate logins', async () => {
    const { core } = makeCore(server.port);
    expect(await core.call('login', 'ethan', 'x')).toMatchObject({
      ok: false,
      error: { code: 'unknown_user' },
    });
    const first = await core.call('login', 'yoda', 'aaa');
    expect(first).toMatchObject({ ok: false, error: { code: 'wrong_password', attemptsLeft: 2 } });
    await core.call('login', 'yoda', 'bbb');
    const third = await core.call('login', 'yoda', 'ccc');
    expect(third).toMatchObject({ ok: false, error: { code: 'wrong_password_locked' } });
    const locked = await core.call('login', 'yoda', 'wise');
    expect(locked.ok ? undefined : locked.error.retryAfterMs).toBeGreaterThan(0);

    await loggedIn(server.port, 'hans', 'falcon');
    const again = makeCore(server.port).core;
    expect(await again.call('login', 'hans', 'falcon')).toMatchObject({
      ok: false,
      error: { code: 'already_logged_in' },
    });
  });

  it('validates arguments before anything reaches the server', async () => {
    const { core } = makeCore(server.port);
    const bad = await core.call('login', 'no spaces allowed', 'x');
    expect(bad).toMatchObject({ ok: false, error: { code: 'invalid_argument' } });
    expect(await core.call('whoElse')).toMatchObject({ ok: false, error: { code: 'not_logged_in' } });
  });

  it('keeps state and emits it on every change', async () => {
    const { core, log } = await loggedIn(server.port, 'yoda', 'wise');
    const state = await core.call('getState');
    expect(state).toMatchObject({
      ok: true,
      value: { connection: 'connected', username: 'yoda', privateSessions: [], queued: 0 },
    });
    expect(log.of('state').at(-1)?.state.username).toBe('yoda');
    await core.call('logout');
    expect(log.of('state').at(-1)?.state).toMatchObject({ connection: 'disconnected', username: null });
    expect(log.of('logged_out')).toEqual([{ kind: 'logged_out', reason: 'user' }]);
  });
});

describe('core: messaging', () => {
  it('delivers direct messages, broadcasts and presence', async () => {
    const yoda = await loggedIn(server.port, 'yoda', 'wise');
    const hans = await loggedIn(server.port, 'hans', 'falcon');
    await yoda.log.waitFor('presence', (e) => e.user === 'hans' && e.online);
    const sent = await yoda.core.call('sendMessage', 'hans', 'hello, hans');
    expect(sent).toMatchObject({ ok: true, value: { online: true, queued: false } });
    const got = await hans.log.waitFor('message');
    expect(got.message).toMatchObject({ from: 'yoda', to: 'hans', text: 'hello, hans' });
    expect(got.offline).toBe(false);
    await hans.core.call('broadcast', 'hi, everyone');
    expect((await yoda.log.waitFor('broadcast')).text).toBe('hi, everyone');
    expect(await yoda.core.call('whoElse')).toEqual({ ok: true, value: ['hans'] });
    expect(await yoda.core.call('sendMessage', 'yoda', 'me')).toMatchObject({
      error: { code: 'self_target' },
    });
  });

  it('delivers offline messages oldest first, acknowledges them, and never shows one twice', async () => {
    const yoda = await loggedIn(server.port, 'yoda', 'wise');
    await yoda.core.call('sendMessage', 'hans', 'one');
    await yoda.core.call('sendMessage', 'hans', 'two');
    const hans = await loggedIn(server.port, 'hans', 'falcon');
    await until(() => hans.log.of('message').length === 2);
    expect(hans.log.of('message').map((e) => [e.message.text, e.offline])).toEqual([
      ['one', true],
      ['two', true],
    ]);
    await hans.core.call('logout');
    // The acks were sent: a raw login as hans gets nothing redelivered.
    const raw = await RawClient.connect(server.port);
    await raw.call('hello', { version: PROTOCOL_VERSION });
    const login = await raw.call('login', { username: 'hans', password: 'falcon' });
    expect(login.pendingOffline).toBe(0);
    raw.close();
  });
});

describe('core: reconnect', () => {
  it('re-logs in after a server restart and flushes queued messages exactly once, in order', async () => {
    // A relay keeps the address stable even if the restarted server cannot get its old port back.
    const relay = new Relay(() => server.port);
    const port = await relay.start();
    onTestFinished(() => relay.close());
    const yoda = await loggedIn(port, 'yoda', 'wise');
    const hans = await loggedIn(port, 'hans', 'falcon');
    await server.stop();
    await until(() => yoda.core.getState().connection === 'reconnecting');
    const queued = await yoda.core.call('sendMessage', 'hans', 'while you were out 1');
    await yoda.core.call('sendMessage', 'hans', 'while you were out 2');
    expect(queued).toEqual({
      ok: true,
      value: { online: false, queued: true, clientId: expect.any(String) },
    });
    expect(yoda.core.getState().queued).toBe(2);
    await server.restart();
    await until(() => hans.log.of('message').length >= 2, 10_000);
    await until(() => yoda.core.getState().queued === 0 && yoda.core.getState().connection === 'connected');
    // The sender hears of each queued message under the id its send call returned.
    const first = await yoda.log.waitFor('queued_sent');
    expect(first.clientId).toBe(queued.ok ? queued.value.clientId : undefined);
    expect(first.message).toMatchObject({ from: 'yoda', to: 'hans', text: 'while you were out 1' });
    expect(yoda.log.of('queued_sent').map((e) => e.message.text)).toEqual([
      'while you were out 1',
      'while you were out 2',
    ]);
    const sent = await yoda.core.call('sendMessage', 'hans', 'after');
    expect(sent).toMatchObject({ ok: true, value: { queued: false } });
    await until(() => hans.log.of('message').length >= 3);
    expect(hans.log.of('message').map((e) => e.message.text)).toEqual([
      'while you were out 1',
      'while you were out 2',
      'after',
    ]);
    expect(hans.log.of('logged_out')).toEqual([]);
  });

  it('reports a queued message the server refuses once it is back, and sends the rest', async () => {
    // The relay stands for yoda's network: only yoda loses the server, hans stays connected.
    const relay = new Relay(server.port);
    const port = await relay.start();
    onTestFinished(() => relay.close());
    const yoda = await loggedIn(port, 'yoda', 'wise');
    const hans = await loggedIn(server.port, 'hans', 'falcon');
    relay.cut();
    await until(() => yoda.core.getState().connection === 'reconnecting');
    const refused = await yoda.core.call('sendMessage', 'hans', 'you will not see this');
    const accepted = await yoda.core.call('sendMessage', 'ethan', 'nor this');
    expect(refused).toMatchObject({ ok: true, value: { queued: true } });
    expect(accepted).toMatchObject({ ok: true, value: { queued: true } });
    expect((await hans.core.call('block', 'yoda')).ok).toBe(true);
    relay.restore();

    const failures = await until(() => yoda.log.of('queued_failed').length === 2).then(() =>
      yoda.log.of('queued_failed'),
    );
    expect(failures).toEqual([
      {
        kind: 'queued_failed',
        clientId: refused.ok ? refused.value.clientId : '',
        to: 'hans',
        text: 'you will not see this',
        error: { code: 'blocked_by_recipient', message: 'hans has blocked you' },
      },
      expect.objectContaining({ to: 'ethan', error: expect.objectContaining({ code: 'unknown_user' }) }),
    ]);
    expect(yoda.core.getState().queued).toBe(0);
    expect(yoda.log.of('queued_sent')).toEqual([]);
    expect(hans.log.of('message')).toEqual([]);
  });

  it('does not reconnect after an inactivity logout', async () => {
    await server.restart({ timeoutSeconds: 1 });
    const yoda = await loggedIn(server.port, 'yoda', 'wise');
    await yoda.log.waitFor('logged_out', (e) => e.reason === 'timeout', 5_000);
    expect(yoda.core.getState()).toMatchObject({ connection: 'disconnected', username: null });
  });
});
