/**
 * A message whose reply is lost with the connection is resent after reconnecting, with the same
 * client id, so the server can store it exactly once (the server side is in test/server/idempotent-send.test.ts).
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { FrameDecoder, encodeFrame } from '../../src/shared/codec.js';
import { disposeCores, fakeHelloResult, makeCore, until, type Received } from './support.js';

const servers: net.Server[] = [];

afterEach(async () => {
  await disposeCores();
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

/** Answers hello and login; drops the connection instead of answering the first `message`. */
async function serverThatLosesTheFirstReply() {
  const messages: Received[] = [];
  const server = net.createServer((socket) => {
    const decoder = new FrameDecoder();
    socket.on('data', (chunk: Buffer) => {
      for (const line of decoder.push(chunk)) {
        const frame = JSON.parse(line) as Received;
        if (frame.type === 'message') {
          messages.push(frame);
          if (messages.length === 1) {
            socket.destroy();
            return;
          }
          const message = { id: 42, from: 'hans', to: frame.to, text: frame.text, sentAt: 1_700_000_000_000 };
          socket.write(
            encodeFrame({ type: 'reply', id: frame.id, ok: true, result: { message, online: false } }),
          );
          continue;
        }
        const result =
          frame.type === 'hello'
            ? fakeHelloResult
            : frame.type === 'login'
              ? { username: 'hans', pendingOffline: 0 }
              : {};
        socket.write(encodeFrame({ type: 'reply', id: frame.id, ok: true, result }));
      }
    });
    socket.on('error', () => undefined);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as net.AddressInfo).port, messages };
}

describe('core: sending when the reply is lost', () => {
  it('queues the message and resends it once reconnected, with the same client id', async () => {
    const fake = await serverThatLosesTheFirstReply();
    const { core, log } = makeCore(fake.port);
    expect((await core.call('login', 'hans', 'falcon')).ok).toBe(true);

    const sent = await core.call('sendMessage', 'yoda', 'are you there?');
    expect(sent).toEqual({ ok: true, value: { online: false, queued: true, clientId: expect.any(String) } });

    await until(() => log.of('queued_sent').length === 1);
    expect(fake.messages).toHaveLength(2);
    const [first, retry] = fake.messages;
    expect(first?.clientId).toMatch(/^[A-Za-z0-9_-]{8,64}$/);
    expect(retry?.clientId).toBe(first?.clientId);
    expect(sent.ok && sent.value.clientId).toBe(first?.clientId);
    expect(retry?.text).toBe('are you there?');
    expect(log.of('queued_sent').map((event) => event.message.id)).toEqual([42]);
    expect(core.getState().queued).toBe(0);
  });

  it('gives every new message its own client id', async () => {
    const fake = await serverThatLosesTheFirstReply();
    const { core } = makeCore(fake.port);
    await core.call('login', 'hans', 'falcon');
    await core.call('sendMessage', 'yoda', 'one');
    await core.call('sendMessage', 'yoda', 'two');
    await until(() => fake.messages.filter((m) => m.text === 'two').length === 1);
    const ids = new Set(fake.messages.map((m) => `${m.text as string}:${m.clientId as string}`));
    expect(ids.size).toBe(2); // 'one' twice with one id, 'two' once with another
    expect(fake.messages.find((m) => m.text === 'one')?.clientId).not.toBe(
      fake.messages.find((m) => m.text === 'two')?.clientId,
    );
  });
});
