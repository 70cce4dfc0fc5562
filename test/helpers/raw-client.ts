/**
 * A minimal protocol client over a raw net.Socket, for tests: send requests and await their
 * replies by id, collect every pushed event, wait for an event matching a predicate. Every frame
 * received is validated with the shared server-frame schema, so a test fails on a malformed frame.
 */
import { connect, type Socket } from 'node:net';
import { FrameDecoder, encodeFrame } from '../../src/shared/codec.js';
import { PROTOCOL_VERSION } from '../../src/shared/limits.js';
import type {
  ErrorInfo,
  RequestParams,
  RequestResult,
  RequestType,
  ServerEvent,
  ServerFrame,
} from '../../src/shared/protocol.js';
import { parseResult, parseServerFrame } from '../../src/shared/validate.js';

export type Reply<T extends RequestType = RequestType> =
  { ok: true; result: RequestResult<T> } | { ok: false; error: ErrorInfo };

export class RequestFailed extends Error {
  constructor(
    readonly type: RequestType,
    readonly error: ErrorInfo,
  ) {
    super(`${type} failed: ${error.code} (${error.message})`);
  }
}

interface Waiter {
  predicate: (event: ServerEvent) => boolean;
  resolve: (event: ServerEvent) => void;
}

export class RawClient {
  /** Every pushed (non-reply) frame received, in order (only the last `eventsKept` of them). */
  readonly events: ServerEvent[] = [];
  /**
   * How many pushed frames `events` keeps. Tests keep them all; a long-running driver (the soak)
   * keeps a few, or a connection that lives for half an hour holds every message it ever received.
   */
  eventsKept = Number.POSITIVE_INFINITY;
  /** Frames that failed validation (tests assert this stays empty). */
  readonly invalidFrames: string[] = [];
  closed = false;
  private readonly decoder = new FrameDecoder(Number.MAX_SAFE_INTEGER);
  private readonly pending = new Map<number, { type: RequestType; resolve: (reply: Reply) => void }>();
  private waiters: Waiter[] = [];
  private listeners: ((event: ServerEvent) => void)[] = [];
  private closeWaiters: (() => void)[] = [];
  private nextId = 1;

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      for (const line of this.decoder.push(chunk)) this.onFrame(line);
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      this.closed = true;
      for (const waiter of this.closeWaiters) waiter();
      this.closeWaiters = [];
    });
  }

  static connect(port: number, host = '127.0.0.1', localAddress?: string): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ port, host, localAddress }, () => {
        socket.off('error', reject);
        resolve(new RawClient(socket));
      });
      socket.once('error', reject);
    });
  }

  /** Wraps an already connected socket (a TLS socket, say). */
  static wrap(socket: Socket): RawClient {
    return new RawClient(socket);
  }

  /** Calls listener with every event from now on (after it is recorded in `events`). */
  onEvent(listener: (event: ServerEvent) => void): void {
    this.listeners.push(listener);
  }

  /** Connects and completes hello. */
  static async open(port: number, host = '127.0.0.1'): Promise<RawClient> {
    const client = await RawClient.connect(port, host);
    await client.call('hello', { version: PROTOCOL_VERSION, client: 'raw-test-client' });
    return client;
  }

  /** Connects, says hello and logs in; throws when login fails. */
  static async login(
    port: number,
    username: string,
    password: string,
    extra: Partial<RequestParams<'login'>> = {},
  ): Promise<RawClient> {
    const client = await RawClient.open(port);
    await client.call('login', { username, password, ...extra });
    return client;
  }

  /** Sends a request and resolves with its reply (ok or not). Results are schema-checked. */
  request<T extends RequestType>(type: T, params: RequestParams<T>): Promise<Reply<T>> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, { type, resolve: resolve as (reply: Reply) => void });
      this.sendRaw(encodeFrame({ ...params, type, id }));
    });
  }

  /** Like request but resolves with the result and throws RequestFailed on an error reply. */
  async call<T extends RequestType>(type: T, params: RequestParams<T>): Promise<RequestResult<T>> {
    const reply = await this.request(type, params);
    if (!reply.ok) throw new RequestFailed(type, reply.error);
    return reply.result;
  }

  /** Sends a request and resolves with the error; throws when the request succeeded. */
  async fail<T extends RequestType>(type: T, params: RequestParams<T>): Promise<ErrorInfo> {
    const reply = await this.request(type, params);
    if (reply.ok) throw new Error(`${type} unexpectedly succeeded: ${JSON.stringify(reply.result)}`);
    return reply.error;
  }

  /** Writes raw bytes (for malformed-input tests). */
  sendRaw(data: string | Buffer): void {
    if (!this.socket.destroyed) this.socket.write(data);
  }

  /** Resolves with the first event (already received or future) matching the predicate. */
  waitFor<E extends ServerEvent = ServerEvent>(
    predicate: (event: ServerEvent) => boolean,
    timeoutMs = 10_000,
  ): Promise<E> {
    const seen = this.events.find(predicate);
    if (seen) return Promise.resolve(seen as E);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`no matching event within ${timeoutMs} ms; got ${JSON.stringify(this.events)}`));
      }, timeoutMs);
      const waiter: Waiter = {
        predicate,
        resolve: (event) => {
          clearTimeout(timer);
          resolve(event as E);
        },
      };
      this.waiters.push(waiter);
    });
  }

  /** Events of one type received so far. */
  eventsOf<T extends ServerEvent['type']>(type: T): Extract<ServerEvent, { type: T }>[] {
    return this.events.filter((event) => event.type === type) as Extract<ServerEvent, { type: T }>[];
  }

  /** Resolves when the server closes the connection. */
  waitClosed(timeoutMs = 10_000): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('connection still open')), timeoutMs);
      this.closeWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private onFrame(line: string): void {
    const parsed = parseServerFrame(line);
    if (!parsed.ok) {
      this.invalidFrames.push(line);
      return;
    }
    this.onServerFrame(parsed.value);
  }

  private onServerFrame(frame: ServerFrame): void {
    if (frame.type === 'reply') {
      const pending = this.pending.get(frame.id);
      if (!pending) return;
      this.pending.delete(frame.id);
      if (frame.ok) {
        const result = parseResult(pending.type, frame.result);
        if (result.ok) {
          pending.resolve({ ok: true, result: result.value as RequestResult<RequestType> });
        } else {
          // A result that breaks its schema fails the test as loudly as an error reply would.
          this.invalidFrames.push(JSON.stringify(frame));
          const message = `result does not match the ${pending.type} schema: ${result.error.message}`;
          pending.resolve({ ok: false, error: { code: 'bad_frame', message } });
        }
      } else {
        pending.resolve({ ok: false, error: frame.error });
      }
      return;
    }
    this.events.push(frame);
    if (this.events.length > this.eventsKept) this.events.shift();
    for (const listener of this.listeners) listener(frame);
    const matched = this.waiters.filter((waiter) => waiter.predicate(frame));
    this.waiters = this.waiters.filter((waiter) => !matched.includes(waiter));
    for (const waiter of matched) waiter.resolve(frame);
  }
}
