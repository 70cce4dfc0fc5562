/** TCP plumbing shared by the server connection and the P2P side. */
import net from 'node:net';
import type { FrameDecoder } from '../../shared/codec.js';
import { CoreError } from './errors.js';

/** Connects with a timeout; failures reject with a CoreError of `code`. */
export function openTcp(
  host: string,
  port: number,
  timeoutMs: number,
  code: CoreError['code'],
): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    const fail = (message: string): void => {
      socket.destroy();
      reject(new CoreError(code, message));
    };
    const timer = setTimeout(() => fail(`no answer from ${host}:${port}`), timeoutMs);
    socket.once('error', (error) => {
      clearTimeout(timer);
      fail(`cannot reach ${host}:${port}: ${error.message}`);
    });
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      resolve(socket);
    });
  });
}

/**
 * Feeds a chunk to the decoder and hands each complete line to `onLine` while `isOpen()` holds.
 * Returns false when the peer sent a frame over the size limit (the stream is then unusable).
 */
export function feedLines(
  decoder: FrameDecoder,
  chunk: Buffer,
  isOpen: () => boolean,
  onLine: (line: string) => void,
): boolean {
  let lines: string[];
  try {
    lines = decoder.push(chunk);
  } catch {
    return false;
  }
  for (const line of lines) {
    if (!isOpen()) break;
    onLine(line);
  }
  return true;
}
