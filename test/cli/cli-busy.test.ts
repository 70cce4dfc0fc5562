/**
 * The terminal client meets `busy`: a scripted server refuses the first `message` and the first
 * `broadcast` as busy (nothing stored) and accepts them when sent again. The client retries
 * quietly: it prints nothing it would not print for a message or broadcast that went through at
 * once, and sends the same message again with the same client id.
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { FrameDecoder, encodeFrame } from '../../src/shared/codec.js';
import { fakeHelloResult, until, type Received } from '../core/support.js';
import { killClients, loggedInClient } from './cli-harness.js';

const servers: net.Server[] = [];

afterEach(async () => {
  await killClients();
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

const BUSY = { code: 'busy', message: 'the server is busy', retryAfterMs: 60 };

/** What the scripted server answers to everything but the first message and broadcast. */
function resultFor(frame: Received): unknown {
  switch (frame.type) {
    case 'hello':
      return fakeHelloResult;
    case 'checkuser':
      return { exists: true };
    case 'login':
      return { username: 'hans', pendingOffline: 0 };
    case 'message': {
      const message = { id: 7, from: 'hans', to: frame.to, text: frame.text, sentAt: 1_700_000_000_000 };
      return { message, online: true };
    }
    case 'broadcast':
      return { delivered: 1, blockedBy: 0, sentAt: 1_700_000_000_000, id: 3 };
    default:
      return {};
  }
}

async function busyOnceServer() {
  const frames: Received[] = [];
  const server = net.createServer((socket) => {
    const decoder = new FrameDecoder();
    socket.on('data', (chunk: Buffer) => {
      for (const line of decoder.push(chunk)) {
        const frame = JSON.parse(line) as Received;
        frames.push(frame);
        const first = frames.filter((f) => f.type === frame.type).length === 1;
        const reply =
          first && (frame.type === 'message' || frame.type === 'broadcast')
            ? { type: 'reply', id: frame.id, ok: false, error: BUSY }
            : { type: 'reply', id: frame.id, ok: true, result: resultFor(frame) };
        socket.write(encodeFrame(reply as never));
      }
    });
    socket.on('error', () => undefined);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as net.AddressInfo).port, frames };
}

describe('terminal client: a busy server', () => {
  it('retries a refused message and broadcast quietly, the message with the same client id', async () => {
    const fake = await busyOnceServer();
    const hans = await loggedInClient(fake.port, 'hans', 'falcon');
    hans.send('message yoda are you there?', 'broadcast hello all');
    const sent = (type: string) => fake.frames.filter((f) => f.type === type);
    await until(() => sent('message').length === 2 && sent('broadcast').length === 2);
    const [first, retry] = sent('message');
    expect(retry?.clientId).toBe(first?.clientId);
    expect(retry?.text).toBe('are you there?');
    expect(sent('broadcast').map((f) => f.text)).toEqual(['hello all', 'hello all']);
    hans.send('logout');
    expect(await hans.exitCode()).toBe(0);
    expect(hans.rest()).toEqual([]);
  });
});
