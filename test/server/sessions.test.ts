import { describe, expect, it } from 'vitest';
import { credentialSchema } from '../../src/shared/protocol.js';
import { P2P_CREDENTIAL_TTL_MS, PROTOCOL_VERSION } from '../../src/shared/limits.js';
import { RawClient } from '../helpers/raw-client.js';
import { useServerFixture } from '../helpers/server-fixture.js';
import { startTestServer } from '../helpers/server.js';

const fixture = useServerFixture({ checkFrames: true });
const { track } = fixture;
const login = async (name: string, password: string, extra = {}) =>
  track(await RawClient.login(fixture.server.port, name, password, extra));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const KEY = `${'A'.repeat(42)}Q=`;

describe('connection lifecycle', () => {
  it('answers hello with the server limits', async () => {
    fixture.server = await startTestServer({ timeoutSeconds: 42 });
    const client = track(await RawClient.connect(fixture.server.port));
    const hello = await client.call('hello', { version: PROTOCOL_VERSION });
    expect(hello).toMatchObject({ version: PROTOCOL_VERSION, openRegistration: false, timeoutSeconds: 42 });
    expect(hello.limits.maxFrameBytes).toBe(65536);
    expect((await client.fail('hello', { version: PROTOCOL_VERSION })).code).toBe('invalid_request');
  });

  it('closes after an unsupported version', async () => {
    fixture.server = await startTestServer();
    const client = track(await RawClient.connect(fixture.server.port));
    expect((await client.fail('hello', { version: 99 })).code).toBe('unsupported_version');
    await client.waitClosed();
  });

  it('requires hello first and login before commands', async () => {
    fixture.server = await startTestServer();
    const client = track(await RawClient.connect(fixture.server.port));
    expect((await client.fail('login', { username: 'yoda', password: 'wise' })).code).toBe('hello_required');
    expect((await client.fail('whoelse', {})).code).toBe('hello_required');
    await client.call('hello', { version: PROTOCOL_VERSION });
    for (const [type, params] of [
      ['whoelse', {}],
      ['message', { to: 'hans', text: 'x' }],
      ['logout', {}],
      ['activity', {}],
      ['ack', { upTo: 1 }],
    ] as const) {
      expect((await client.fail(type, params as never)).code).toBe('login_required');
    }
    await client.call('login', { username: 'yoda', password: 'wise' });
  });

  it('logs out on request: reply, presence to others, close', async () => {
    fixture.server = await startTestServer();
    const hans = await login('hans', 'falcon');
    const yoda = await login('yoda', 'wise');
    expect(await yoda.call('logout', {})).toEqual({});
    await yoda.waitClosed();
    await hans.waitFor((e) => e.type === 'presence' && e.user === 'yoda' && !e.online);
    // and yoda can log in again right away
    await login('yoda', 'wise');
  });

  it('sends logged_out shutdown to everyone when the server stops', async () => {
    fixture.server = await startTestServer();
    const yoda = await login('yoda', 'wise');
    await fixture.server.stop();
    expect(await yoda.waitFor((e) => e.type === 'logged_out')).toEqual({
      type: 'logged_out',
      reason: 'shutdown',
    });
    await yoda.waitClosed();
  });
});

describe('idle timeout', () => {
  it('logs out a user who sent nothing, and receiving messages or acking is not activity', async () => {
    fixture.server = await startTestServer({ timeoutSeconds: 1 });
    const hans = await login('hans', 'falcon');
    const yoda = await login('yoda', 'wise');
    const started = Date.now();
    // hans keeps talking to yoda; yoda only acks
    const chatter = setInterval(() => {
      void hans.request('message', { to: 'yoda', text: 'ping' });
    }, 200);
    try {
      const seen = new Set<number>();
      const ackLoop = setInterval(() => {
        for (const e of yoda.eventsOf('message')) {
          if (!seen.has(e.message.id)) {
            seen.add(e.message.id);
            void yoda.request('ack', { upTo: e.message.id });
          }
        }
      }, 100);
      const event = await yoda.waitFor((e) => e.type === 'logged_out', 4000);
      clearInterval(ackLoop);
      expect(event).toEqual({ type: 'logged_out', reason: 'timeout' });
      expect(Date.now() - started).toBeGreaterThanOrEqual(900);
      await yoda.waitClosed();
      await hans.waitFor((e) => e.type === 'presence' && e.user === 'yoda' && !e.online);
      expect(hans.closed).toBe(false);
    } finally {
      clearInterval(chatter);
    }
  });

  it('any request other than ack resets the timer (activity included)', async () => {
    fixture.server = await startTestServer({ timeoutSeconds: 2 });
    const yoda = await login('yoda', 'wise');
    for (let i = 0; i < 6; i++) {
      await sleep(500);
      await yoda.call(i % 2 === 0 ? 'activity' : 'whoelse', {});
    }
    expect(yoda.eventsOf('logged_out')).toEqual([]);
    expect(yoda.closed).toBe(false);
  });

  it('closes connections that never log in after the pre-login limit', async () => {
    fixture.server = await startTestServer({ preLoginTimeoutSeconds: 0.5 });
    const client = track(await RawClient.open(fixture.server.port));
    await client.waitClosed(3000);
  });
});

describe('startprivate introductions', () => {
  it('pushes an offer to the peer and returns its address to the requester', async () => {
    fixture.server = await startTestServer();
    const hans = await login('hans', 'falcon', { p2pPort: 40001, publicKey: KEY });
    const yoda = await login('yoda', 'wise', { p2pPort: 40002 });
    const before = Date.now();
    const intro = await yoda.call('startprivate', { user: 'hans' });
    expect(intro).toMatchObject({ user: 'hans', host: '127.0.0.1', port: 40001, publicKey: KEY });
    expect(credentialSchema.safeParse(intro.credential).success).toBe(true);
    expect(intro.credential).toHaveLength(43);
    expect(intro.expiresAt).toBeGreaterThanOrEqual(before + P2P_CREDENTIAL_TTL_MS);
    const offer = await hans.waitFor((e) => e.type === 'p2p_offer');
    expect(offer).toEqual({
      type: 'p2p_offer',
      from: 'yoda',
      credential: intro.credential,
      expiresAt: intro.expiresAt,
    });
    // every introduction gets a fresh credential
    const second = await yoda.call('startprivate', { user: 'hans' });
    expect(second.credential).not.toBe(intro.credential);
  });

  it('reports every error code', async () => {
    fixture.server = await startTestServer();
    const yoda = await login('yoda', 'wise', { p2pPort: 40002 });
    expect((await yoda.fail('startprivate', { user: 'yoda' })).code).toBe('self_target');
    expect((await yoda.fail('startprivate', { user: 'bbb' })).code).toBe('unknown_user');
    expect((await yoda.fail('startprivate', { user: 'hans' })).code).toBe('peer_offline');
    const hans = await login('hans', 'falcon', { p2pPort: 40001 });
    await hans.call('block', { user: 'yoda' });
    expect((await yoda.fail('startprivate', { user: 'hans' })).code).toBe('blocked_by_recipient');
    await login('luke', 'skywalker'); // no p2pPort: cannot accept private chats
    const luke = await yoda.fail('startprivate', { user: 'luke' });
    expect(luke.code).toBe('peer_offline');
    expect(luke.message).toMatch(/private/);
    expect(hans.eventsOf('p2p_offer')).toEqual([]);
  });

  it('gives a blocked user the same reply whether the blocker is online or offline', async () => {
    fixture.server = await startTestServer();
    const yoda = await login('yoda', 'wise', { p2pPort: 40002 });
    const hans = await login('hans', 'falcon', { p2pPort: 40001 });
    await hans.call('block', { user: 'yoda' });
    const whileOnline = await yoda.fail('startprivate', { user: 'hans' });
    await hans.call('logout', {});
    await hans.waitClosed();
    const whileOffline = await yoda.fail('startprivate', { user: 'hans' });
    const luke = await login('luke', 'skywalker'); // online, but cannot accept private chats
    await luke.call('block', { user: 'yoda' });
    const withoutListener = await yoda.fail('startprivate', { user: 'luke' });
    expect(whileOnline).toEqual({ code: 'blocked_by_recipient', message: 'hans has blocked you' });
    expect(whileOffline).toEqual(whileOnline);
    expect(withoutListener).toEqual({ code: 'blocked_by_recipient', message: 'luke has blocked you' });
  });
});
