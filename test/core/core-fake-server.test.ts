/** The core against a scripted server: redelivered ids are dropped, acks are batched, bad frames are survived. */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { FrameDecoder, encodeFrame } from '../../src/shared/codec.js';
import { MAX_FRAME_BYTES } from '../../src/shared/limits.js';
import { disposeCores, fakeHelloResult, makeCore, until, type Received } from './support.js';

const servers: net.Server[] = [];

afterEach(async () => {
  await disposeCores();
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

function message(id: number, text: string) {
  return {
    type: 'message',
    offline: true,
    message: { id, from: 'yoda', to: 'hans', text, sentAt: 1_700_000_000_000 + id },
  };
}

/** A server that answers hello/login and, after login, pushes `afterLogin`. Records what it receives. */
async function fakeServer(afterLogin: string[]) {
  const received: Received[] = [];
  const sockets: net.Socket[] = [];
  const server = net.createServer((socket) => {
    sockets.push(socket);
    const decoder = new FrameDecoder();
    socket.on('data', (chunk: Buffer) => {
      for (const line of decoder.push(chunk)) {
        const frame = JSON.parse(line) as Received;
        received.push(frame);
        const result =
          frame.type === 'hello'
            ? fakeHelloResult
            : frame.type === 'login'
              ? { username: 'hans', pendingOffline: 2 }
              : {};
        socket.write(encodeFrame({ type: 'reply', id: frame.id, ok: true, result }));
        if (frame.type === 'login') socket.write(afterLogin.join(''));
      }
    });
    socket.on('error', () => undefined);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as net.AddressInfo).port, received, sockets };
}

describe('core: inbound frames from the server', () => {
  it('shows a redelivered message once and acknowledges the batch with one ack', async () => {
    const fake = await fakeServer([
      encodeFrame(message(5, 'one')),
      encodeFrame(message(6, 'two')),
      encodeFrame(message(5, 'one')),
    ]);
    const { core, log } = makeCore(fake.port);
    expect((await core.call('login', 'hans', 'falcon')).ok).toBe(true);
    await until(() => fake.received.some((frame) => frame.type === 'ack'));
    expect(log.of('message').map((e) => e.message.id)).toEqual([5, 6]);
    expect(fake.received.filter((frame) => frame.type === 'ack').map((frame) => frame.upTo)).toEqual([6]);
  });

  it('drops invalid frames without crashing and keeps the session', async () => {
    const fake = await fakeServer([
      'not json\n',
      encodeFrame({ type: 'message', message: { id: -1 } }),
      encodeFrame({ type: 'presence', user: 'bad name!', online: true, at: 1 }),
      encodeFrame({ type: 'reply', id: 999, ok: true, result: {} }),
      encodeFrame(message(7, 'still here')),
    ]);
    const { core, log } = makeCore(fake.port);
    expect((await core.call('login', 'hans', 'falcon')).ok).toBe(true);
    await log.waitFor('message');
    expect(log.of('message').map((e) => e.message.text)).toEqual(['still here']);
    expect(log.of('presence')).toEqual([]);
    expect(core.getState().connection).toBe('connected');
  });

  it('closes the connection on an oversized frame and reconnects', async () => {
    const fake = await fakeServer([`${'x'.repeat(MAX_FRAME_BYTES + 10)}\n`]);
    const { core } = makeCore(fake.port);
    expect((await core.call('login', 'hans', 'falcon')).ok).toBe(true);
    await until(() => fake.received.filter((frame) => frame.type === 'login').length >= 2);
    expect(fake.sockets.length).toBeGreaterThanOrEqual(2);
  });
});
