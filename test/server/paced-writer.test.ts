import net from 'node:net';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { PacedWriter } from '../../server/paced-writer.js';

/** A socket that records what is done to it, with room for everything (no backpressure). */
function recordingSocket() {
  const calls: string[] = [];
  return {
    calls,
    writableLength: 0,
    writableNeedDrain: false,
    write: (data: Uint8Array) => {
      calls.push(`write ${Buffer.from(data).toString()}`);
      return true;
    },
    end: () => calls.push('end'),
    cork: () => calls.push('cork'),
    uncork: () => calls.push('uncork'),
  };
}

describe('PacedWriter', () => {
  it('corks a socket for the rest of the turn it was written in, so the turn sends as one', async () => {
    const socket = recordingSocket();
    const writer = new PacedWriter(socket);
    writer.write('a');
    writer.write('b');
    await Promise.resolve().then(() => writer.write('c')); // a promise continuation of the same turn
    expect(socket.calls).toEqual(['cork', 'write a', 'write b', 'write c']);
    await nextTurn();
    expect(socket.calls.at(-1)).toBe('uncork');
    writer.write('d');
    await nextTurn();
    expect(socket.calls.slice(5)).toEqual(['cork', 'write d', 'uncork']);
  });

  it('uncorks every socket written in the turn', async () => {
    const sockets = [recordingSocket(), recordingSocket(), recordingSocket()];
    for (const socket of sockets) new PacedWriter(socket).write('x');
    await nextTurn();
    for (const socket of sockets) expect(socket.calls).toEqual(['cork', 'write x', 'uncork']);
  });

  describe('on a real socket', () => {
    const cleanup: (() => void)[] = [];
    afterEach(() => {
      for (const close of cleanup.splice(0)) close();
    });

    it('delivers the frames of several turns whole and in order', async () => {
      const received: Buffer[] = [];
      const server = net.createServer((socket) => socket.on('data', (chunk) => received.push(chunk)));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      cleanup.push(() => server.close());
      const port = (server.address() as net.AddressInfo).port;
      const client = net.connect(port, '127.0.0.1');
      cleanup.push(() => client.destroy());
      await new Promise<void>((resolve) => client.once('connect', resolve));
      const writer = new PacedWriter(client);
      const expected: string[] = [];
      for (let turn = 0; turn < 3; turn++) {
        for (let i = 0; i < 200; i++) {
          const line = `{"turn":${turn},"i":${i}}\n`;
          expected.push(line);
          writer.write(line);
        }
        await nextTurn();
      }
      const total = expected.join('');
      await expect
        .poll(() => Buffer.concat(received).length, { timeout: 5000 })
        .toBe(Buffer.byteLength(total));
      expect(Buffer.concat(received).toString()).toBe(total);
    });
  });
});
