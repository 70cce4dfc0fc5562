/** Is a messenger server listening at host:port? Used by `npm start` before starting one. */
import { connect } from 'node:net';
import { PROTOCOL_VERSION } from '../../src/shared/limits.js';

/** 'messenger' when a messenger server answers hello there, 'other' for something else, 'none' when nothing listens. */
export function probeServer(
  host: string,
  port: number,
  timeoutMs = 2_000,
): Promise<'messenger' | 'other' | 'none'> {
  return new Promise((done) => {
    const socket = connect({ host, port });
    let answer = '';
    let connected = false;
    let settled = false;
    const finish = (result: 'messenger' | 'other' | 'none'): void => {
      if (settled) return;
      settled = true;
      socket.destroy();
      done(result);
    };
    socket.setTimeout(timeoutMs, () => finish('other'));
    socket.on('error', () => finish(connected ? 'other' : 'none'));
    socket.once('close', () => finish(connected ? 'other' : 'none'));
    socket.once('connect', () => {
      connected = true;
      socket.write(
        `${JSON.stringify({ type: 'hello', id: 1, version: PROTOCOL_VERSION, client: 'npm-start' })}\n`,
      );
    });
    socket.on('data', (chunk) => {
      answer += chunk.toString('utf8');
      if (!answer.includes('\n')) return;
      try {
        const reply = JSON.parse(answer.slice(0, answer.indexOf('\n'))) as { type?: string; id?: number };
        finish(reply.type === 'reply' && reply.id === 1 ? 'messenger' : 'other');
      } catch {
        finish('other');
      }
    });
  });
}
