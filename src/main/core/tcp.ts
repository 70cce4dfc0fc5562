/** TCP plumbing shared by the server connection and the P2P side. */
import net from 'node:net';
import tls from 'node:tls';
import type { FrameDecoder } from '../../shared/codec.js';
import { CoreError } from './errors.js';

/** TLS to the server: verified against `ca` (PEM) when given, else the system's root CAs. */
export interface TlsOptions {
  ca?: string;
  /** Name the certificate must carry (default: host). */
  servername?: string;
}

/**
 * Connects with a timeout (over TLS 1.2+ when `secure` is given, resolving once the server's
 * certificate has been verified); failures reject with a CoreError of `code`.
 */
export function openTcp(
  host: string,
  port: number,
  timeoutMs: number,
  code: CoreError['code'],
  secure?: TlsOptions,
): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = secure
      ? tls.connect({
          host,
          port,
          ca: secure.ca,
          servername: secure.servername ?? (net.isIP(host) ? undefined : host),
          minVersion: 'TLSv1.2',
        })
      : net.connect({ host, port });
    const fail = (message: string): void => {
      socket.destroy();
      reject(new CoreError(code, message));
    };
    const timer = setTimeout(() => fail(`no answer from ${host}:${port}`), timeoutMs);
    socket.once('error', (error) => {
      clearTimeout(timer);
      fail(`cannot reach ${host}:${port}: ${error.message}`);
    });
    socket.once(secure ? 'secureConnect' : 'connect', () => {
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
