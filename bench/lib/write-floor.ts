/**
 * The floor under any fan-out in Node on this machine: a bare net.Server writes one broadcast-sized
 * frame to each of N loopback sockets whose readers live in another process, and times the loop.
 * No protocol, no validation, no storage: just socket.write per connection. A broadcast from the
 * server cannot be faster than this (every recipient costs one write system call), so the table
 * shows it beside the broadcast figure.
 */
import { spawn } from 'node:child_process';
import net from 'node:net';
import { children } from './pool.js';
import { round, sleep } from './stats.js';
import { LOOPBACK_SOURCES } from './sources.js';

/** The readers: plain CommonJS so it needs no loader; says "ready" once every connection is up. */
const READER_SOURCE = `
const net = require('node:net');
const [port, count, ...sources] = process.argv.slice(1);
const total = Number(count);
// At most 64 connects in flight: a burst past the listen backlog costs SYN retransmits (1 s, 3 s, ...).
let started = 0;
let open = 0;
const sockets = [];
const next = () => {
  if (started >= total) return;
  const i = started++;
  const socket = net.connect({ port: Number(port), host: '127.0.0.1', localAddress: sources[i % sources.length] });
  socket.on('connect', () => {
    if (++open === total) process.stdout.write('ready\\n');
    next();
  });
  socket.on('data', () => {});
  socket.on('error', (error) => { console.error(String(error)); process.exit(1); });
  sockets.push(socket);
};
for (let i = 0; i < 64; i++) next();
process.stdin.on('data', () => process.exit(0));
`;

export interface WriteFloor {
  sockets: number;
  /** Median over the rounds: time to write the frame to every socket. */
  loopMs: number;
  microsPerWrite: number;
}

export async function writeFloor(count: number, rounds = 5): Promise<WriteFloor> {
  const sockets: net.Socket[] = [];
  const server = net.createServer((socket) => {
    socket.setNoDelay(true);
    socket.on('error', () => {});
    sockets.push(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  const reader = spawn(
    process.execPath,
    ['-e', READER_SOURCE, String(port), String(count), ...LOOPBACK_SOURCES],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  children.add(reader);
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('write floor: readers not connected in 60 s')), 60_000);
      reader.stdout.once('data', () => (clearTimeout(timer), resolve()));
      reader.once('exit', (code) => (clearTimeout(timer), reject(new Error(`readers exited ${code}`))));
    });
    while (sockets.length < count) await sleep(10);
    const frame = `${JSON.stringify({ type: 'broadcast', from: 'sender0', text: 'x'.repeat(60), sentAt: Date.now() })}\n`;
    const loops: number[] = [];
    for (let i = 0; i < rounds; i++) {
      await sleep(200);
      const t0 = performance.now();
      for (const socket of sockets) socket.write(frame);
      loops.push(performance.now() - t0);
    }
    loops.sort((a, b) => a - b);
    const loopMs = loops[Math.floor(loops.length / 2)] as number;
    return { sockets: count, loopMs: round(loopMs, 2), microsPerWrite: round((loopMs * 1000) / count, 2) };
  } finally {
    reader.stdin.end('bye');
    reader.kill();
    children.delete(reader);
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  }
}
