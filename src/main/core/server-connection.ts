/**
 * One TCP connection to the server: framing, inbound validation, request/reply matching by id with a
 * timeout, and typed server events. It knows nothing about login state or reconnecting.
 */
import type net from 'node:net';
import { FrameDecoder, encodeFrame } from '../../shared/codec.js';
import { MAX_FRAME_BYTES, MAX_REQUEST_ID } from '../../shared/limits.js';
import type {
  ErrorInfo,
  ReplyFrame,
  RequestParams,
  RequestResult,
  RequestType,
  ServerEvent,
} from '../../shared/protocol.js';
import { passiveRequests } from '../../shared/protocol.js';
import { parseResult, parseServerFrame } from '../../shared/validate.js';
import { Listeners } from './emitter.js';
import { CoreError } from './errors.js';
import { feedLines, openTcp, type TlsOptions } from './tcp.js';

export interface ServerConnectionOptions {
  host: string;
  port: number;
  connectTimeoutMs?: number;
  requestTimeoutMs?: number;
  /** Connect over TLS and verify the server's certificate. */
  tls?: TlsOptions;
}

interface Pending {
  type: RequestType;
  resolve: (value: unknown) => void;
  reject: (error: CoreError) => void;
  timer: NodeJS.Timeout;
}

const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

export class ServerConnection {
  private readonly decoder = new FrameDecoder(MAX_FRAME_BYTES);
  private readonly pending = new Map<number, Pending>();
  private readonly events = new Listeners<ServerEvent>();
  private readonly closeListeners = new Listeners<void>();
  private readonly invalidListeners = new Listeners<ErrorInfo>();
  private nextId = 1;
  private closed = false;
  private lastActivitySentAt = Date.now();

  private constructor(
    private readonly socket: net.Socket,
    private readonly requestTimeoutMs: number,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => this.shutdown());
    socket.on('close', () => this.shutdown());
  }

  static async connect(options: ServerConnectionOptions): Promise<ServerConnection> {
    const timeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    const socket = await openTcp(options.host, options.port, timeoutMs, 'unreachable', options.tls);
    return new ServerConnection(socket, options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS);
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  /** Host name or address of the server as seen from this socket. */
  get localAddress(): string | undefined {
    return this.socket.localAddress;
  }

  onEvent(listener: (event: ServerEvent) => void): () => void {
    return this.events.on(listener);
  }

  onClose(listener: () => void): () => void {
    return this.closeListeners.on(listener);
  }

  /** Inbound frames that failed validation (they are dropped). */
  onInvalid(listener: (error: ErrorInfo) => void): () => void {
    return this.invalidListeners.on(listener);
  }

  /** When the last request the server counts as activity (all but passiveRequests: `ack`, `typing`) was sent. */
  get lastActivityAt(): number {
    return this.lastActivitySentAt;
  }

  request<T extends RequestType>(type: T, params: RequestParams<T>): Promise<RequestResult<T>> {
    if (this.closed) return Promise.reject(new CoreError('not_connected', 'not connected to the server'));
    if (!passiveRequests.has(type)) this.lastActivitySentAt = Date.now();
    const id = this.takeId();
    return new Promise<RequestResult<T>>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new CoreError('timeout', `the server did not answer "${type}" in time`));
      }, this.requestTimeoutMs);
      this.pending.set(id, { type, resolve: resolve as (value: unknown) => void, reject, timer });
      this.socket.write(encodeFrame({ ...params, type, id }));
    });
  }

  /** Ends the connection gracefully (written frames still go out). */
  close(): void {
    this.socket.end();
    setTimeout(() => this.socket.destroy(), 1_000).unref();
    this.shutdown(false);
  }

  private takeId(): number {
    const id = this.nextId;
    this.nextId = id >= MAX_REQUEST_ID ? 1 : id + 1;
    return id;
  }

  private onData(chunk: Buffer): void {
    const ok = feedLines(
      this.decoder,
      chunk,
      () => !this.closed,
      (line) => this.onLine(line),
    );
    if (ok) return;
    this.invalidListeners.emit({ code: 'frame_too_large', message: 'server frame over the size limit' });
    this.socket.destroy();
  }

  private onLine(line: string): void {
    const parsed = parseServerFrame(line);
    if (!parsed.ok) {
      this.invalidListeners.emit(parsed.error);
      return;
    }
    const frame = parsed.value;
    if (frame.type === 'reply') this.onReply(frame);
    else this.events.emit(frame);
  }

  private onReply(frame: ReplyFrame): void {
    const pending = this.pending.get(frame.id);
    if (!pending) return;
    this.pending.delete(frame.id);
    clearTimeout(pending.timer);
    if (!frame.ok) {
      pending.reject(CoreError.fromServer(frame.error));
      return;
    }
    const result = parseResult(pending.type, frame.result);
    if (result.ok) pending.resolve(result.value);
    else
      pending.reject(
        new CoreError('internal_error', `invalid reply to ${pending.type}: ${result.error.message}`),
      );
  }

  private shutdown(destroy = true): void {
    if (this.closed) return;
    this.closed = true;
    if (destroy) this.socket.destroy();
    for (const pending of this.pending.values()) {
      clearTimeout(pending.timer);
      pending.reject(new CoreError('not_connected', 'the connection to the server was lost'));
    }
    this.pending.clear();
    this.closeListeners.emit();
    this.events.clear();
    this.closeListeners.clear();
    this.invalidListeners.clear();
  }
}
