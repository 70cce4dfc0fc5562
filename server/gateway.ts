/**
 * A gateway process: owns the client connections the core accepts and hands over, and relays
 * bytes between them and the core (server/gateway-link.ts). It parses nothing: frames,
 * limits, sessions and everything else stay in the core. It exists because one process can hold
 * only so many sockets (RLIMIT_NOFILE) and make only so many write system calls per second.
 */
import type { Socket } from 'node:net';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import type { CoreCommand, FromGateway, GatewayEvent, ToGateway } from './gateway-wire.js';

const sockets = new Map<number, Socket>();
let nextId = 1;
let outgoing: GatewayEvent[] = [];
/** Bytes taken per connection since the last report; connections that drained report 0. */
const taken = new Map<number, number>();
/** A connection's unsent output above this destroys it (setup; the core keeps below it). */
let maxOutputBytes = Number.POSITIVE_INFINITY;
/**
 * Connections with output their client has not read: reported every PROGRESS_REPORT_MS, so the
 * core sees whether a backed-up client reads at all (a socket says nothing until it drains).
 */
const waiting = new Set<number>();
const PROGRESS_REPORT_MS = 250;
let progressTimer: NodeJS.Timeout | undefined;

function send(message: FromGateway): void {
  if (process.connected) process.send?.(message);
}

function scheduleFlush(): void {
  if (outgoing.length === 0 && taken.size === 0) setImmediate(flush);
}

function queue(event: GatewayEvent): void {
  scheduleFlush();
  outgoing.push(event);
}

function noteTaken(id: number, bytes: number): void {
  scheduleFlush();
  taken.set(id, (taken.get(id) ?? 0) + bytes);
}

function flush(): void {
  for (const [id, bytes] of taken) {
    const socket = sockets.get(id);
    if (socket) outgoing.push({ t: 'ack', id, bytes, buffered: socket.writableLength });
  }
  taken.clear();
  const batch = outgoing;
  outgoing = [];
  if (batch.length > 0) send(batch);
}

function accept(socket: Socket): void {
  const id = nextId++;
  sockets.set(id, socket);
  socket.setNoDelay(true);
  queue({ t: 'open', id, address: socket.remoteAddress });
  socket.on('data', (data: Buffer) => queue({ t: 'data', id, data }));
  socket.on('error', () => {});
  socket.on('drain', () => noteTaken(id, 0));
  socket.on('close', () => {
    sockets.delete(id);
    waiting.delete(id);
    queue({ t: 'close', id });
  });
}

/**
 * Connections written during the batch being applied, their sockets corked: one that gets several
 * frames in a batch (the presence of many logins, a backlog page) sends them in one system call
 * when the batch ends, not one each.
 */
const corked = new Map<number, Socket>();

function write(id: number, socket: Socket, data: Uint8Array): void {
  if (!corked.has(id)) {
    socket.cork();
    corked.set(id, socket);
  }
  socket.write(data);
  noteTaken(id, data.byteLength);
  if (socket.writableLength > maxOutputBytes) {
    corked.delete(id);
    socket.destroy();
  }
}

function uncorkAll(): void {
  for (const [id, socket] of corked) {
    socket.uncork();
    if (socket.writableLength > 0) watchProgress(id);
  }
  corked.clear();
}

function apply(command: CoreCommand): void {
  if (command.t === 'fanout') {
    for (const id of command.ids) {
      const socket = sockets.get(id);
      if (socket) write(id, socket, command.data);
    }
    return;
  }
  const socket = sockets.get(command.id);
  if (!socket) return;
  switch (command.t) {
    case 'write':
      write(command.id, socket, command.data);
      break;
    case 'end':
      if (command.data === undefined) socket.end();
      else socket.end(command.data);
      break;
    case 'destroy':
      socket.destroy();
      break;
    case 'pause':
      socket.pause();
      break;
    case 'resume':
      socket.resume();
      break;
  }
}

function watchProgress(id: number): void {
  waiting.add(id);
  progressTimer ??= setInterval(reportProgress, PROGRESS_REPORT_MS);
}

function reportProgress(): void {
  for (const id of waiting) {
    // Reported once more when it reaches 0: a socket emits 'drain' only after a write it refused.
    noteTaken(id, 0);
    if ((sockets.get(id)?.writableLength ?? 0) === 0) waiting.delete(id);
  }
  if (waiting.size > 0) return;
  clearInterval(progressTimer);
  progressTimer = undefined;
}

let tlsServer: TlsServer | undefined;

process.on('message', (message: ToGateway, handle?: unknown) => {
  if (Array.isArray(message)) {
    for (const command of message) apply(command);
    uncorkAll();
    return;
  }
  switch (message.t) {
    case 'adopt':
      // A raw TCP connection; with TLS, the handshake happens here (a tls.Server that never
      // listens takes a connection through its 'connection' event).
      if (tlsServer) tlsServer.emit('connection', handle as Socket);
      else accept(handle as Socket);
      break;
    case 'setup':
      maxOutputBytes = message.maxOutputBytes;
      if (message.tls) {
        tlsServer = createTlsServer(
          {
            cert: message.tls.cert,
            key: message.tls.key,
            minVersion: 'TLSv1.2',
            handshakeTimeout: message.tls.handshakeTimeoutMs,
          },
          accept,
        );
        tlsServer.on('tlsClientError', (_error: Error, socket: Socket) => {
          socket.destroy();
          // The core counts it as on its way here until it hears one way or the other.
          queue({ t: 'abandoned' });
        });
      }
      send({ t: 'listening' });
      break;
    case 'stop':
      for (const socket of sockets.values()) socket.destroy();
      process.disconnect();
      break;
  }
});
// The core going away ends the gateway, whatever the reason.
process.on('disconnect', () => process.exit(0));
