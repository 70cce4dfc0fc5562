/**
 * One load-generator connection, speaking either this project's protocol (newline-delimited JSON,
 * see src/shared/protocol.ts) or IRC (for the ngircd peer). Built for many thousands of instances in
 * one process: line framing with Buffer.indexOf, and JSON is parsed only when the connection is not
 * in `quiet` mode (idle clients only count lines and bytes).
 */
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { nowMicros } from './stats.js';

/** ours: this project's protocol; irc: ngircd; xmpp: ejabberd (bench/lib/xmpp-client.ts). */
export type Kind = 'ours' | 'irc' | 'xmpp';
/** The line-based protocols, which this file's Client speaks. */
export type LineKind = Exclude<Kind, 'xmpp'>;

export interface Receipt {
  /** Payload text of a direct message or broadcast. */
  text: string;
  /** True for a direct message (ours: `message` event; IRC: PRIVMSG to a nick). */
  direct: boolean;
  offline: boolean;
}

/** What the workers need of a connection, whatever protocol it speaks. */
export interface LoadClient {
  readonly name: string;
  quiet: boolean;
  closed: boolean;
  bytesIn: number;
  linesIn: number;
  /** Sends a direct message and resolves once the server has handled it. */
  send(to: string, text: string): Promise<unknown>;
  /** Fire and forget (open loop). */
  sendNoWait(to: string, text: string): void;
  broadcast(text: string, channel: string): Promise<unknown>;
  close(): Promise<void>;
  destroy(): void;
}

export interface ClientHooks {
  onReceipt(client: LoadClient, receipt: Receipt, atMicros: number): void;
  /** An error reply to a fire-and-forget request (open loop). */
  onOrphanError?(code: string): void;
  /** Any other event of ours (`receipt`, `presence`, …), by its type. */
  onOtherEvent?(type: string): void;
}

interface Pending {
  resolve: (frame: Record<string, unknown>) => void;
  reject: (error: Error) => void;
}

const NL = 0x0a;

/** Resolves once the socket is connected; rejects if it fails or closes first. */
export function connected(socket: net.Socket): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
    socket.once('close', () => reject(new Error('closed while connecting')));
  });
}

/** Writes `farewell`, half-closes, and waits (at most 2 s, then destroys) for the socket to close. */
export function endSocket(socket: net.Socket, farewell: string): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      socket.destroy();
      resolve();
    }, 2000);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    socket.end(farewell);
  });
}

export class Client implements LoadClient {
  readonly socket: net.Socket;
  quiet = false;
  linesIn = 0;
  bytesIn = 0;
  closed = false;
  /** Largest direct-message id seen and not yet acknowledged (ours). */
  private ackUpTo = 0;
  private unacked = 0;
  private ackTimer: NodeJS.Timeout | undefined;
  private nextId = 1;
  /**
   * Messages carry a client id as the app's do (the server stores it in a unique index, so retries
   * are never stored twice): a random prefix per connection plus the request id.
   */
  private readonly clientIdPrefix = randomBytes(12).toString('base64url');
  private readonly pending = new Map<number | string, Pending>();
  private carry: Buffer | undefined;
  private readonly waiters: {
    match: (line: string) => boolean;
    resolve: () => void;
    reject: (e: Error) => void;
  }[] = [];

  private constructor(
    readonly kind: LineKind,
    readonly name: string,
    socket: net.Socket,
    private readonly hooks: ClientHooks,
  ) {
    this.socket = socket;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('close', () => {
      this.closed = true;
      if (this.ackTimer) clearTimeout(this.ackTimer);
      const error = new Error(`connection of ${name} closed`);
      for (const p of this.pending.values()) p.reject(error);
      this.pending.clear();
      for (const w of this.waiters.splice(0)) w.reject(error);
    });
    socket.on('error', () => {
      /* surfaced through 'close' and pending rejections */
    });
  }

  /** Connects and registers: hello + login (ours) or NICK/USER (+ JOIN) (IRC). */
  static async open(options: {
    kind: LineKind;
    host: string;
    port: number;
    name: string;
    password: string;
    localAddress?: string;
    join?: string;
    /** false: ask our server for no presence events (IRC has no such thing). Default true. */
    watchPresence?: boolean;
    hooks: ClientHooks;
    timeoutMs: number;
  }): Promise<Client> {
    const socket = net.connect({
      host: options.host,
      port: options.port,
      localAddress: options.localAddress,
    });
    const client = new Client(options.kind, options.name, socket, options.hooks);
    const timer = setTimeout(() => socket.destroy(new Error('timeout')), options.timeoutMs);
    try {
      await connected(socket);
      if (options.kind === 'ours') {
        await client.request('hello', { version: 1, client: 'bench' });
        await client.request('login', {
          username: options.name,
          password: options.password,
          ...(options.watchPresence === false ? { presence: false } : {}),
        });
      } else {
        const welcome = client.waitLine((l) => / 001 /.test(l));
        socket.write(`NICK ${options.name}\r\nUSER ${options.name} 0 * :bench\r\n`);
        await welcome;
        if (options.join) {
          const joined = client.waitLine((l) => / 366 /.test(l));
          socket.write(`JOIN ${options.join}\r\n`);
          await joined;
        }
      }
      return client;
    } catch (error) {
      socket.destroy();
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Sends a request (ours) and resolves with its `result`; rejects with the error code on failure. */
  request(type: string, params: Record<string, unknown>): Promise<Record<string, unknown>> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, {
        resolve: (frame) => {
          if (frame.ok === true) resolve((frame.result ?? {}) as Record<string, unknown>);
          else reject(new Error(String((frame.error as { code?: string } | undefined)?.code ?? 'error')));
        },
        reject,
      });
      this.socket.write(`${JSON.stringify({ type, id, ...params })}\n`);
    });
  }

  /** Sends a direct message and resolves once the server has processed it (ours: reply; IRC: PONG). */
  send(to: string, text: string): Promise<unknown> {
    if (this.kind === 'ours') {
      return this.request('message', { to, text, clientId: `${this.clientIdPrefix}${this.nextId}` });
    }
    const token = `p${this.nextId++}`;
    const done = new Promise<void>((resolve, reject) => {
      this.pending.set(token, { resolve: () => resolve(), reject });
    });
    this.socket.write(`PRIVMSG ${to} :${text}\r\nPING :${token}\r\n`);
    return done;
  }

  /** Fire and forget (open loop); the reply (ours) is read and dropped. */
  sendNoWait(to: string, text: string): void {
    if (this.kind === 'ours') {
      const id = this.nextId++;
      this.socket.write(
        `{"type":"message","id":${id},"to":"${to}","text":"${text}","clientId":"${this.clientIdPrefix}${id}"}\n`,
      );
    } else {
      this.socket.write(`PRIVMSG ${to} :${text}\r\n`);
    }
  }

  broadcast(text: string, channel: string): Promise<unknown> {
    if (this.kind === 'ours') return this.request('broadcast', { text });
    this.socket.write(`PRIVMSG ${channel} :${text}\r\n`);
    return Promise.resolve();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.flushAck();
    await endSocket(this.socket, this.kind === 'irc' ? 'QUIT :bye\r\n' : '');
  }

  destroy(): void {
    this.socket.destroy();
  }

  private waitLine(match: (line: string) => boolean): Promise<void> {
    return new Promise((resolve, reject) => this.waiters.push({ match, resolve, reject }));
  }

  private onData(chunk: Buffer): void {
    this.bytesIn += chunk.length;
    let data = chunk;
    if (this.carry) {
      data = Buffer.concat([this.carry, chunk]);
      this.carry = undefined;
    }
    let start = 0;
    let nl = data.indexOf(NL, start);
    while (nl !== -1) {
      this.linesIn++;
      if (!this.quiet || this.waiters.length > 0 || this.pending.size > 0) this.onLine(data, start, nl);
      start = nl + 1;
      nl = data.indexOf(NL, start);
    }
    if (start < data.length) this.carry = Buffer.from(data.subarray(start));
  }

  private onLine(data: Buffer, start: number, end: number): void {
    const at = nowMicros();
    if (this.kind === 'ours') {
      let frame: Record<string, unknown>;
      try {
        frame = JSON.parse(data.toString('utf8', start, end)) as Record<string, unknown>;
      } catch {
        return;
      }
      const type = frame.type;
      if (type === 'reply') {
        const p = this.pending.get(frame.id as number);
        if (p) {
          this.pending.delete(frame.id as number);
          p.resolve(frame);
        } else if (frame.ok === false) {
          this.hooks.onOrphanError?.(String((frame.error as { code?: string } | undefined)?.code ?? 'error'));
        }
      } else if (type === 'message') {
        const m = frame.message as { id: number; text: string };
        this.noteAck(m.id);
        this.hooks.onReceipt(this, { text: m.text, direct: true, offline: frame.offline === true }, at);
      } else if (type === 'broadcast') {
        this.hooks.onReceipt(this, { text: frame.text as string, direct: false, offline: false }, at);
      } else {
        this.hooks.onOtherEvent?.(String(type));
      }
      return;
    }
    let end2 = end;
    if (end2 > start && data[end2 - 1] === 0x0d) end2--;
    const line = data.toString('utf8', start, end2);
    if (line.startsWith('PING ')) {
      this.socket.write(`PONG ${line.slice(5)}\r\n`);
      return;
    }
    const privmsg = line.indexOf(' PRIVMSG ');
    if (privmsg !== -1) {
      const colon = line.indexOf(' :', privmsg + 9);
      const target = line.slice(privmsg + 9, colon);
      this.hooks.onReceipt(
        this,
        { text: line.slice(colon + 2), direct: target[0] !== '#', offline: false },
        at,
      );
      return;
    }
    if (this.pending.size > 0 && line.includes(' PONG ')) {
      const token = line.slice(line.lastIndexOf(':') + 1);
      const p = this.pending.get(token);
      if (p) {
        this.pending.delete(token);
        p.resolve({});
        return;
      }
    }
    for (let i = 0; i < this.waiters.length; i++) {
      const w = this.waiters[i];
      if (w && w.match(line)) {
        this.waiters.splice(i, 1);
        w.resolve();
        return;
      }
    }
  }

  /** Acks are batched: at most every 64 messages or 20 ms, as the protocol asks. */
  private noteAck(id: number): void {
    if (id > this.ackUpTo) this.ackUpTo = id;
    this.unacked++;
    if (this.unacked >= 64) this.flushAck();
    else if (!this.ackTimer) this.ackTimer = setTimeout(() => this.flushAck(), 20);
  }

  private flushAck(): void {
    if (this.ackTimer) clearTimeout(this.ackTimer);
    this.ackTimer = undefined;
    if (this.unacked === 0 || this.closed) return;
    this.unacked = 0;
    this.socket.write(`{"type":"ack","id":${this.nextId++},"upTo":${this.ackUpTo}}\n`);
  }
}

/**
 * Logs each of `names` in to our server at once (no presence events), all with the same hooks:
 * the clients of one-process scenarios (bench/group-fanout.ts, bench/receipts.ts).
 */
export function openLoggedIn(
  server: { host: string; port: number },
  names: readonly string[],
  password: string,
  hooks: ClientHooks,
): Promise<Client[]> {
  return Promise.all(
    names.map((name) =>
      Client.open({
        kind: 'ours',
        host: server.host,
        port: server.port,
        name,
        password,
        watchPresence: false,
        hooks,
        timeoutMs: 30_000,
      }),
    ),
  );
}
