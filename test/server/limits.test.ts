/**
 * Resource limits (docs/reliability.md "Resource limits"): per-connection rate limit, slowloris
 * timeout before login, the slow-reader output cap, the streamed offline backlog, and the caps on
 * connections per address and in total. Each limit is set small here so the test is quick.
 */
import { describe, expect, it, onTestFinished } from 'vitest';
import { PROTOCOL_VERSION, TEXT_MAX_LENGTH } from '../../src/shared/limits.js';
import type { ServerEvent } from '../../src/shared/protocol.js';
import { RawClient } from '../helpers/raw-client.js';
import { useServerFixture } from '../helpers/server-fixture.js';
import { startTestServer } from '../helpers/server.js';

const fixture = useServerFixture();
const { track } = fixture;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Two logged-in users can still message each other both ways. */
async function expectChatting(
  [a, aName]: [RawClient, string],
  [b, bName]: [RawClient, string],
  text: string,
): Promise<void> {
  const isText = (e: ServerEvent) => e.type === 'message' && e.message.text === text;
  await a.call('message', { to: bName, text });
  await b.waitFor(isText);
  await b.call('message', { to: aName, text });
  await a.waitFor(isText);
}

describe('per-connection rate limit', () => {
  it('answers rate_limited over the burst, recovers when the client slows down, cuts off a flood', async () => {
    fixture.server = await startTestServer({ rateLimit: 10, rateBurst: 20 });
    const yoda = track(await RawClient.login(fixture.server.port, 'yoda', 'wise'));
    const hans = track(await RawClient.login(fixture.server.port, 'hans', 'falcon'));
    // 30 requests at once: the bucket (20 minus hello and login) runs dry and goes a little into debt
    // (about 12 are refused; fewer if the machine is slow and the bucket refills meanwhile).
    const replies = await Promise.all(Array.from({ length: 30 }, () => yoda.request('activity', {})));
    const limited = replies.filter((reply) => !reply.ok && reply.error.code === 'rate_limited');
    expect(limited.length).toBeGreaterThanOrEqual(5);
    const retry = Math.max(...limited.map((reply) => (reply.ok ? 0 : (reply.error.retryAfterMs ?? 0))));
    expect(retry).toBeGreaterThan(0);
    expect(yoda.closed).toBe(false);
    // A client that waits as told is served again.
    await sleep(retry + 100);
    await yoda.call('whoelse', {});
    // A client that keeps going far past the limit is disconnected; nobody else notices.
    for (let i = 0; i < 200; i++) yoda.sendRaw(`{"type":"activity","id":${1000 + i}}\n`);
    await yoda.waitClosed();
    await hans.waitFor((e) => e.type === 'presence' && e.user === 'yoda' && !e.online);
    const luke = track(await RawClient.login(fixture.server.port, 'luke', 'skywalker'));
    await expectChatting([luke, 'luke'], [hans, 'hans'], 'unaffected by the flood');
  });

  it('counts frames before hello and bad frames too', async () => {
    fixture.server = await startTestServer({ rateLimit: 10, rateBurst: 5 });
    const client = track(await RawClient.connect(fixture.server.port));
    for (let i = 0; i < 100; i++) client.sendRaw('not json\n');
    await client.waitClosed();
    expect(client.eventsOf('error').some((e) => e.error.code === 'rate_limited')).toBe(true);
  });

  it('does not limit a default server at human or bench rates (100 pipelined messages)', async () => {
    fixture.server = await startTestServer();
    const yoda = track(await RawClient.login(fixture.server.port, 'yoda', 'wise'));
    const hans = track(await RawClient.login(fixture.server.port, 'hans', 'falcon'));
    const replies = await Promise.all(
      Array.from({ length: 100 }, (_, i) => yoda.request('message', { to: 'hans', text: `m${i}` })),
    );
    expect(replies.every((reply) => reply.ok)).toBe(true);
    await hans.waitFor(() => hans.eventsOf('message').length === 100);
  });
});

describe('frame nesting', () => {
  it('refuses deeply nested JSON before parsing it, keeping the connection', async () => {
    fixture.server = await startTestServer();
    const client = track(await RawClient.connect(fixture.server.port));
    client.sendRaw(`${'['.repeat(60_000)}\n`);
    client.sendRaw(`{"type":"hello","id":1,"version":1,"client":${'{"a":'.repeat(17)}1${'}'.repeat(17)}}\n`);
    await client.waitFor(() => client.eventsOf('error').length === 2);
    expect(client.eventsOf('error').map((e) => e.error.message)).toEqual([
      'frame nests deeper than 16 levels',
      'frame nests deeper than 16 levels',
    ]);
    // Brackets inside strings do not count.
    await client.call('hello', { version: PROTOCOL_VERSION, client: '[[[[[[[[[[[[[[[[[[[[[[[[' });
  });
});

describe('slowloris before login', () => {
  it('closes a connection that trickles an unfinished frame, but not a logged-in user', async () => {
    fixture.server = await startTestServer({ partialFrameTimeoutSeconds: 1 });
    const slow = track(await RawClient.connect(fixture.server.port));
    slow.sendRaw('{"type":"hel');
    const trickle = setInterval(() => slow.sendRaw(' '), 50);
    try {
      await slow.waitClosed(5000);
    } finally {
      clearInterval(trickle);
    }
    expect(slow.eventsOf('logged_out')).toEqual([{ type: 'logged_out', reason: 'timeout' }]);

    // Finishing frames in time keeps the connection; after login a slow frame is not cut off.
    const fine = track(await RawClient.connect(fixture.server.port));
    fine.sendRaw('{"type":"hello",');
    await sleep(100);
    fine.sendRaw(`"id":99,"version":${PROTOCOL_VERSION}}\n`);
    await fine.call('login', { username: 'yoda', password: 'wise' });
    fine.sendRaw('{"type":"whoelse",');
    await sleep(1300);
    expect(fine.closed).toBe(false);
    const reply = new Promise((resolve) => fine.socket.once('data', resolve));
    fine.sendRaw('"id":7}\n');
    await reply;
    expect(fine.closed).toBe(false);
  });
});

describe('bounded output per connection', () => {
  it('disconnects a client that stops reading, keeps its messages for later, and serves the others', async () => {
    fixture.server = await startTestServer({ maxOutputBytes: 256 * 1024, rateLimit: 0 });
    const victim = track(await RawClient.login(fixture.server.port, 'hans', 'falcon'));
    const yoda = track(await RawClient.login(fixture.server.port, 'yoda', 'wise'));
    const luke = track(await RawClient.login(fixture.server.port, 'luke', 'skywalker'));
    victim.socket.pause(); // never reads again
    const text = 'x'.repeat(TEXT_MAX_LENGTH - 10);
    let sent = 0;
    // Kernel buffers absorb a few MB first; stop as soon as the server reports hans offline.
    for (; sent < 20_000; sent++) {
      const result = await yoda.call('message', { to: 'hans', text: `${sent} ${text}` });
      if (!result.online) {
        sent++;
        break;
      }
    }
    await yoda.waitFor((e) => e.type === 'presence' && e.user === 'hans' && !e.online);
    await expectChatting([yoda, 'yoda'], [luke, 'luke'], 'still fine');
    // Nothing was acknowledged, so every message is delivered at the next login, in order.
    victim.close();
    const again = track(await RawClient.open(fixture.server.port));
    const login = await again.call('login', { username: 'hans', password: 'falcon' });
    expect(login.pendingOffline).toBe(sent);
    await expect
      .poll(() => again.eventsOf('message').length, { timeout: 20_000 })
      .toBeGreaterThanOrEqual(sent);
    expect(again.eventsOf('message').map((e) => Number(e.message.text.split(' ')[0]))).toEqual(
      Array.from({ length: sent }, (_, i) => i),
    );
    expect(again.closed).toBe(false);
  });

  it('streams an offline backlog larger than the cap with backpressure instead of cutting it off', async () => {
    fixture.server = await startTestServer({ maxOutputBytes: 512 * 1024, rateLimit: 0 });
    const yoda = track(await RawClient.login(fixture.server.port, 'yoda', 'wise'));
    const count = 1500;
    const text = 'b'.repeat(2000); // 1500 × 2 KB = 3 MB, six times the cap
    await Promise.all(
      Array.from({ length: count }, (_, i) => yoda.call('message', { to: 'hans', text: `${i} ${text}` })),
    );
    const warnings: Error[] = [];
    const onWarning = (warning: Error): void => void warnings.push(warning);
    process.on('warning', onWarning);
    onTestFinished(() => void process.off('warning', onWarning));
    const hans = track(await RawClient.open(fixture.server.port));
    const slowReader = setInterval(() => hans.socket.pause(), 5);
    const resumer = setInterval(() => hans.socket.resume(), 7);
    // Meanwhile new messages arrive: they must come after the backlog, in order.
    const live = Array.from({ length: 20 }, (_, i) => `live ${i}`);
    try {
      const login = await hans.call('login', { username: 'hans', password: 'falcon' });
      expect(login.pendingOffline).toBe(count);
      for (const t of live)
        await yoda.call('message', { to: 'hans', text: `${count + live.indexOf(t)} ${t}` });
      await hans.waitFor(() => hans.eventsOf('message').length === count + live.length, 20_000);
    } finally {
      clearInterval(slowReader);
      clearInterval(resumer);
      hans.socket.resume();
    }
    const order = hans.eventsOf('message').map((e) => Number(e.message.text.split(' ')[0]));
    expect(order).toEqual(Array.from({ length: count + live.length }, (_, i) => i));
    expect(hans.closed).toBe(false);
    // Each wait for the socket to drain cleans up after itself (the server runs in this process).
    expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
  });
});

describe('connection caps', () => {
  it('caps connections per remote address; other addresses are not affected', async () => {
    fixture.server = await startTestServer({ maxConnectionsPerAddress: 3 });
    const port = fixture.server.port;
    const three = await Promise.all([1, 2, 3].map(() => RawClient.open(port)));
    three.forEach(track);
    const fourth = track(await RawClient.connect(port));
    await fourth.waitClosed();
    expect(fourth.eventsOf('error').map((e) => e.error.code)).toEqual(['rate_limited']);
    // Another loopback address has its own allowance.
    const elsewhere = track(await RawClient.connect(port, '127.0.0.1', '127.0.0.2'));
    await elsewhere.call('hello', { version: PROTOCOL_VERSION });
    // A closed connection frees its slot.
    three[0]?.close();
    await expect
      .poll(async () => {
        const next = track(await RawClient.connect(port));
        const reply = await Promise.race([
          next.request('hello', { version: PROTOCOL_VERSION }),
          next.waitClosed().then(() => undefined),
        ]);
        return reply?.ok === true;
      })
      .toBe(true);
  });

  it('caps connections in total', async () => {
    fixture.server = await startTestServer({ maxConnections: 2, maxConnectionsPerAddress: 0 });
    // Read once: the cap is per node, so with several test nodes every connection goes to one.
    const { port } = fixture.server;
    track(await RawClient.login(port, 'yoda', 'wise'));
    track(await RawClient.login(port, 'hans', 'falcon'));
    const third = track(await RawClient.connect(port, '127.0.0.1', '127.0.0.3'));
    await third.waitClosed();
    expect(third.eventsOf('error')[0]?.error.message).toMatch(/2 connections/);
  });
});
