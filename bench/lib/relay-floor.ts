/**
 * The floor under direct messaging in Node on this machine: a bare relay that speaks just enough of
 * this project's protocol for the load generator (hello, login, message, ack) and does nothing
 * else. No storage, no validation, no limits, no presence: a message gets the next id, the sender a
 * reply and the recipient the message, with the same write batching as the real server (one write
 * per connection per event-loop turn). It runs in its own process like the server, so the same
 * generator drives it and the same /proc figures apply. Whatever this reaches, a Node server that
 * also stores each message durably cannot beat, so the table shows it beside the server's figures.
 */
import { spawn } from 'node:child_process';
import { children } from './pool.js';
import { stopChild, waitForLine, type Running } from './servers.js';

/** Plain CommonJS so it needs no loader; prints its port once listening. */
const RELAY_SOURCE = `
const net = require('node:net');
const byName = new Map();
const dirty = new Set();
let nextMessageId = 1;
let flushScheduled = false;

function flush() {
  flushScheduled = false;
  for (const conn of dirty) {
    if (!conn.socket.destroyed) conn.socket.write(conn.out);
    conn.out = '';
  }
  dirty.clear();
}

function queue(conn, line) {
  conn.out += line + '\\n';
  dirty.add(conn);
  if (!flushScheduled) {
    flushScheduled = true;
    setImmediate(flush);
  }
}

function reply(conn, id, result) {
  queue(conn, JSON.stringify({ type: 'reply', id, ok: true, result }));
}

function handle(conn, frame) {
  switch (frame.type) {
    case 'login':
      conn.name = frame.username;
      byName.set(conn.name, conn);
      return reply(conn, frame.id, { username: conn.name, pendingOffline: 0 });
    case 'message': {
      const message = { id: nextMessageId++, from: conn.name, to: frame.to, text: frame.text, sentAt: Date.now() };
      const recipient = byName.get(frame.to);
      if (recipient) queue(recipient, JSON.stringify({ type: 'message', message, offline: false }));
      return reply(conn, frame.id, { message, online: recipient !== undefined });
    }
    default:
      return reply(conn, frame.id, {});
  }
}

const server = net.createServer((socket) => {
  socket.setNoDelay(true);
  const conn = { socket, name: undefined, out: '' };
  let carry = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk) => {
    const lines = (carry + chunk).split('\\n');
    carry = lines.pop();
    for (const line of lines) if (line) handle(conn, JSON.parse(line));
  });
  socket.on('error', () => {});
  socket.on('close', () => {
    if (conn.name !== undefined && byName.get(conn.name) === conn) byName.delete(conn.name);
    dirty.delete(conn);
  });
});
server.listen(0, '127.0.0.1', () => process.stdout.write('listening ' + server.address().port + '\\n'));
process.on('SIGTERM', () => process.exit(0));
`;

export async function startRelayFloor(): Promise<Running> {
  const child = spawn(process.execPath, ['-e', RELAY_SOURCE], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.add(child);
  let port: number;
  try {
    port = Number((await waitForLine(child, /listening (\d+)/, 10_000))[1]);
  } catch (error) {
    await stopChild(child, 1000);
    throw error;
  }
  child.stdout.resume();
  return {
    name: 'floor',
    host: '127.0.0.1',
    port,
    pid: child.pid as number,
    child,
    dir: '',
    stop: () => stopChild(child, 3000),
  };
}
