/**
 * MessengerApi over the browser shell's WebSocket. Calls made before the socket is open (or while it
 * reconnects) wait for it; a call whose socket drops is answered with `not_connected`.
 */
import type {
  ApiArgs,
  ApiMethod,
  ApiResult,
  ApiValues,
  AppEvent,
  MessengerApi,
  ShellMethod,
} from '../../../shared/api.js';
import {
  BRIDGE_MAX_MESSAGE_BYTES,
  type BridgeMessage,
  type BridgeRequest,
} from '../../../shared/bridge-wire.js';

/** The subset of the WebSocket interface the client uses (browser WebSocket and `ws` both fit). */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: never) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: never) => void) | null;
  onerror: ((event: never) => void) | null;
}

export interface BridgeClientOptions {
  /** ws://host:port/bridge?secret=… */
  url: string;
  createSocket: (url: string) => SocketLike;
  /**
   * Shell methods the page answers itself (the shell cannot open or focus browser windows): a
   * method listed here never goes over the socket; a throw becomes an `invalid_argument` result.
   */
  pageHandlers?: PageHandlers;
  /** Reconnect backoff bounds, ms. */
  minRetryMs?: number;
  maxRetryMs?: number;
}

export type PageHandlers = { [M in ShellMethod]?: (...args: ApiArgs<M>) => void };

export interface BridgeClient extends MessengerApi {
  /** Resolves when the socket first opens. */
  readonly ready: Promise<void>;
  close(): void;
}

const OPEN = 1;

interface Pending {
  resolve: (result: ApiResult<unknown>) => void;
}

function failure(code: 'not_connected' | 'invalid_argument', message: string): ApiResult<never> {
  return { ok: false, error: { code, message } };
}

/** Runs a shell method the page handles itself; undefined when the shell should answer. */
function answerInPage(
  handlers: PageHandlers | undefined,
  method: ApiMethod,
  args: readonly unknown[],
): ApiResult<Record<string, never>> | undefined {
  if (!handlers || !Object.hasOwn(handlers, method)) return undefined;
  const handler = (handlers as Partial<Record<ApiMethod, (...a: unknown[]) => void>>)[method];
  if (!handler) return undefined;
  try {
    handler(...args);
    return { ok: true, value: {} };
  } catch (error) {
    return failure('invalid_argument', error instanceof Error ? error.message : String(error));
  }
}

export function createBridgeClient(options: BridgeClientOptions): BridgeClient {
  const listeners = new Set<(event: AppEvent) => void>();
  const pending = new Map<number, Pending>();
  const outbox: string[] = [];
  /** Ids of calls still in the outbox (not yet sent): they survive a reconnect. */
  const queuedIds = new Set<number>();
  let nextId = 1;
  let socket: SocketLike | null = null;
  let closed = false;
  let retryMs = options.minRetryMs ?? 250;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => {
    markReady = resolve;
  });

  function deliver(raw: unknown): void {
    if (typeof raw !== 'string' || raw.length > BRIDGE_MAX_MESSAGE_BYTES) return;
    let message: BridgeMessage;
    try {
      message = JSON.parse(raw) as BridgeMessage;
    } catch {
      return;
    }
    if (message.type === 'reply') {
      const waiting = pending.get(message.id);
      if (!waiting) return;
      pending.delete(message.id);
      waiting.resolve(message.result);
    } else if (message.type === 'event') {
      for (const listener of [...listeners]) {
        try {
          listener(message.event);
        } catch (error) {
          console.error('messenger event listener failed:', error);
        }
      }
    } else if (message.type === 'error') {
      console.warn('messenger bridge:', message.message);
    }
  }

  function connect(): void {
    if (closed) return;
    const current = options.createSocket(options.url);
    socket = current;
    current.onopen = () => {
      retryMs = options.minRetryMs ?? 250;
      markReady();
      for (const data of outbox.splice(0)) current.send(data);
      queuedIds.clear();
    };
    current.onmessage = (event) => deliver(event.data);
    current.onerror = () => undefined;
    current.onclose = () => {
      if (socket !== current) return;
      socket = null;
      // Calls already sent on this socket will never be answered.
      for (const [id, waiting] of pending) {
        if (!queuedIds.has(id)) {
          pending.delete(id);
          waiting.resolve(failure('not_connected', 'the app lost its connection to the messenger shell'));
        }
      }
      if (closed) return;
      retryTimer = setTimeout(connect, retryMs);
      retryMs = Math.min(retryMs * 2, options.maxRetryMs ?? 5_000);
    };
  }

  function send(request: BridgeRequest): void {
    const data = JSON.stringify(request);
    if (socket && socket.readyState === OPEN) {
      socket.send(data);
      return;
    }
    queuedIds.add(request.id);
    outbox.push(data);
  }

  connect();

  return {
    ready,
    call<M extends ApiMethod>(method: M, ...args: ApiArgs<M>): Promise<ApiResult<ApiValues[M]>> {
      if (closed) return Promise.resolve(failure('not_connected', 'the messenger bridge is closed'));
      const inPage = answerInPage(options.pageHandlers, method, args);
      if (inPage) return Promise.resolve(inPage as ApiResult<ApiValues[M]>);
      const id = nextId++;
      return new Promise((resolve) => {
        pending.set(id, {
          resolve: (result) => {
            queuedIds.delete(id);
            resolve(result as ApiResult<ApiValues[M]>);
          },
        });
        send({ id, method, args: [...args] });
      });
    },
    onEvent(listener: (event: AppEvent) => void): () => void {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    close(): void {
      closed = true;
      clearTimeout(retryTimer);
      socket?.close(1000, 'closed');
      socket = null;
      for (const waiting of pending.values())
        waiting.resolve(failure('not_connected', 'the messenger bridge is closed'));
      pending.clear();
      outbox.length = 0;
    },
  };
}
