/**
 * The core's side of the gateway processes (server/gateway.ts): forks them, accepts connections
 * (paused, nothing read) and passes each to the gateway holding the fewest, and gives every
 * connection back to the core as a GatewaySocket, which
 * behaves like the net.Socket a Session expects (the subset in ClientSocket). With gateways, the
 * core holds a client descriptor only between accept and hand-over, so connections are no longer
 * capped by one process's RLIMIT_NOFILE, and a fan-out is written by several processes.
 *
 * Flow control: a GatewaySocket's writableLength is the bytes on their way to its gateway plus what
 * the gateway last reported as still unread by the client, so a Session's output accounting (its
 * high-water mark, 'drain', the slow-reader cap) covers the bytes between the two processes too.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import type { Server, Socket } from 'node:net';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { CoreCommand, FromGateway, GatewayEvent, GatewaySetup, ToGateway } from './gateway-wire.js';

/** True under tsx (development, tests); false in the built server (out/node), which is plain JS. */
const RUNNING_SOURCE = import.meta.url.endsWith('.ts');
const GATEWAY_ENTRY = fileURLToPath(
  new URL(RUNNING_SOURCE ? './gateway.ts' : './gateway.js', import.meta.url),
);

/**
 * A gateway runs the same way as this process: from source, through tsx's loader (resolved here so
 * any cwd works; tsx is a dev dependency, absent from an installed package), or as built JS.
 */
function gatewayExecArgv(): string[] {
  if (!RUNNING_SOURCE) return [];
  return ['--import', pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href];
}

/** Above this much unsent output a write returns false and 'drain' follows, like net.Socket. */
const HIGH_WATER = 64 * 1024;

/** How long startGateways waits for a gateway to report it is ready. */
const START_TIMEOUT_MS = 30_000;

class Link {
  private outgoing: CoreCommand[] = [];
  readonly sockets = new Map<number, GatewaySocket>();
  /** Connections handed over and not yet announced back with 'open' (for even filling). */
  adopting = 0;

  constructor(
    readonly child: ChildProcess,
    private readonly onSocket: (socket: GatewaySocket) => void,
  ) {
    child.on('message', (message: FromGateway) => {
      if (Array.isArray(message)) for (const event of message) this.receive(event);
    });
    // A gateway that dies takes its connections with it.
    child.on('exit', () => {
      for (const socket of this.sockets.values()) socket.gone();
    });
  }

  send(command: CoreCommand): void {
    if (this.outgoing.length === 0) setImmediate(this.flush);
    this.outgoing.push(command);
  }

  /**
   * Queues a write. A fan-out writes one Buffer to many connections in a row: those writes join
   * into one command, so the bytes cross the channel once per gateway, not once per connection.
   * Only adjacent writes join, which keeps every connection's commands in order.
   */
  write(id: number, data: Uint8Array): void {
    const last = this.outgoing.at(-1);
    if (last?.t === 'fanout' && last.data === data) last.ids.push(id);
    else if (last?.t === 'write' && last.data === data) {
      this.outgoing[this.outgoing.length - 1] = { t: 'fanout', ids: [last.id, id], data };
    } else this.send({ t: 'write', id, data });
  }

  private readonly flush = (): void => {
    const batch = this.outgoing;
    this.outgoing = [];
    if (this.child.connected) this.child.send(batch satisfies ToGateway);
  };

  get load(): number {
    return this.sockets.size + this.adopting;
  }

  adopt(socket: Socket): void {
    this.adopting++;
    this.child.send({ t: 'adopt' } satisfies ToGateway, socket, (error) => {
      if (error) {
        this.adopting--;
        socket.destroy();
      }
    });
  }

  private receive(event: GatewayEvent): void {
    if (event.t === 'abandoned') {
      this.adopting = Math.max(0, this.adopting - 1);
      return;
    }
    if (event.t === 'open') {
      this.adopting = Math.max(0, this.adopting - 1);
      const socket = new GatewaySocket(this, event.id, event.address);
      this.sockets.set(event.id, socket);
      this.onSocket(socket);
      return;
    }
    const socket = this.sockets.get(event.id);
    if (!socket) return;
    if (event.t === 'data') socket.received(event.data);
    else if (event.t === 'ack') socket.acknowledged(event.bytes, event.buffered);
    else socket.gone();
  }
}

/** A connection held by a gateway, as the core sees it. */
export class GatewaySocket extends EventEmitter {
  destroyed = false;
  writable = true;
  writableNeedDrain = false;
  /** Written here, not yet taken by the gateway. */
  private inTransit = 0;
  /** Taken by the gateway, not yet read by the client (as of its last report). */
  private unread = 0;

  constructor(
    private readonly link: Link,
    private readonly id: number,
    readonly remoteAddress: string | undefined,
  ) {
    super();
  }

  get writableLength(): number {
    return this.inTransit + this.unread;
  }

  setNoDelay(): this {
    return this; // the gateway sets it on the real socket
  }

  write(data: Uint8Array): boolean {
    if (!this.writable) return false;
    this.link.write(this.id, data);
    this.inTransit += data.byteLength;
    if (this.writableLength > HIGH_WATER) this.writableNeedDrain = true;
    return !this.writableNeedDrain;
  }

  /** Nothing to do: every write of a turn already crosses to the gateway in one batch (Link). */
  cork(): void {}
  uncork(): void {}

  end(data?: string): this {
    if (!this.writable) return this;
    this.writable = false;
    this.link.send({ t: 'end', id: this.id, data });
    return this;
  }

  destroy(): this {
    if (this.destroyed) return this;
    this.link.send({ t: 'destroy', id: this.id });
    this.gone();
    return this;
  }

  pause(): this {
    this.link.send({ t: 'pause', id: this.id });
    return this;
  }

  resume(): this {
    this.link.send({ t: 'resume', id: this.id });
    return this;
  }

  received(data: Uint8Array): void {
    if (!this.destroyed) this.emit('data', Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  }

  acknowledged(bytes: number, unread: number): void {
    this.inTransit = Math.max(0, this.inTransit - bytes);
    this.unread = unread;
    if (this.writableNeedDrain && this.writableLength <= HIGH_WATER / 2) {
      this.writableNeedDrain = false;
      this.emit('drain');
    }
  }

  /** The connection is over (closed by the client, destroyed, or its gateway exited). */
  gone(): void {
    if (this.link.sockets.get(this.id) !== this) return;
    this.link.sockets.delete(this.id);
    this.destroyed = true;
    this.writable = false;
    // net.Socket emits 'close' asynchronously too; callers rely on finishing their turn first.
    process.nextTick(() => this.emit('close', false));
  }
}

export interface Gateways {
  /** Per gateway: the connections it holds or is taking over (it gets the next one when fewest). */
  loads(): number[];
  /** Resolves once every connection has closed, or after graceMs. */
  drained(graceMs: number): Promise<void>;
  /** Stops the gateways (their remaining connections close). */
  stop(): Promise<void>;
}

/**
 * Forks `count` gateways; from then on every connection `listener` accepts goes to the gateway
 * with the fewest, and onSocket hears of it once that gateway has it. `listener` must be created
 * with pauseOnConnect, so that the core reads nothing of a connection before handing it over.
 */
export async function startGateways(
  count: number,
  listener: Server,
  setup: GatewaySetup,
  onSocket: (socket: GatewaySocket) => void,
  /** Hears of a gateway that died and of its replacement (or of a failed replacement). */
  onRestart: (message: string) => void = () => {},
): Promise<Gateways> {
  let links: Link[] = [];
  let stopping = false;
  const launch = async (): Promise<Link> => {
    const child = fork(GATEWAY_ENTRY, [], {
      execArgv: gatewayExecArgv(),
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const link = new Link(child, onSocket);
    links.push(link);
    let ready = false;
    // A gateway that dies takes only its own connections; a new one takes its place (not for one
    // that fails to start: that is an error of startGateways, or of the replacement).
    child.once('exit', (code, signal) => {
      links = links.filter((other) => other !== link);
      if (stopping || !ready) return;
      onRestart(
        `gateway ${child.pid} exited (${signal ?? code}); its connections are closed; starting another`,
      );
      launch().catch((error: unknown) => onRestart(`could not start a gateway: ${String(error)}`));
    });
    await started(child, setup);
    ready = true;
    return link;
  };
  try {
    for (let i = 0; i < count; i++) await launch();
  } catch (error) {
    stopping = true;
    for (const link of links) link.child.kill('SIGKILL');
    throw error;
  }
  listener.on('connection', (socket: Socket) => {
    socket.on('error', () => {});
    const live = links.filter((link) => link.child.connected);
    if (live.length === 0) {
      socket.destroy();
      return;
    }
    live.reduce((least, link) => (link.load < least.load ? link : least)).adopt(socket);
  });
  const open = (): number => links.reduce((sum, link) => sum + link.sockets.size, 0);
  return {
    loads: () => links.map((link) => link.load),
    drained: async (graceMs) => {
      const until = Date.now() + graceMs;
      while (open() > 0 && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 20));
    },
    stop: async () => {
      stopping = true;
      await Promise.all(
        links.map(
          ({ child }) =>
            new Promise<void>((resolve) => {
              if (child.exitCode !== null || child.signalCode !== null) return resolve();
              child.once('exit', () => resolve());
              if (child.connected) child.send({ t: 'stop' } satisfies ToGateway);
              setTimeout(() => child.kill('SIGKILL'), 2000).unref();
            }),
        ),
      );
    },
  };
}

function started(child: ChildProcess, setup: GatewaySetup): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error('gateway did not start in time')), START_TIMEOUT_MS);
    const fail = (error: Error): void => {
      clearTimeout(timer);
      child.off('message', onMessage);
      reject(error);
    };
    const onMessage = (message: FromGateway): void => {
      if (Array.isArray(message) || message.t !== 'listening') return;
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      resolve();
    };
    const onExit = (code: number | null): void => fail(new Error(`gateway exited (${code}) while starting`));
    child.on('message', onMessage);
    child.once('exit', onExit);
    child.send(setup satisfies ToGateway);
  });
}
