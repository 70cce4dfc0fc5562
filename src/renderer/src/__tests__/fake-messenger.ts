/**
 * An in-memory stand-in for `window.messenger`. In the app the Electron preload (IPC) or the browser
 * shell (WebSocket) provides this object and the real client core answers; here a fake answers so
 * component and store tests run without a server. Handlers can be replaced per test.
 */
import type {
  ApiArgs,
  ApiError,
  ApiMethod,
  ApiResult,
  ApiValues,
  AppEvent,
  AppState,
  MessengerApi,
} from '../../../shared/api';
import type { DirectMessage, RequestResult } from '../../../shared/protocol';

type Handler<M extends ApiMethod> = (
  ...args: ApiArgs<M>
) => ApiResult<ApiValues[M]> | Promise<ApiResult<ApiValues[M]>>;

export const serverInfo: RequestResult<'hello'> = {
  version: 1,
  server: 'test-server',
  openRegistration: true,
  timeoutSeconds: 600,
  limits: { maxFrameBytes: 65536, usernameMaxLength: 32, passwordMaxLength: 128, textMaxLength: 4000 },
};

export const ok = <T>(value: T): ApiResult<T> => ({ ok: true, value });
export const fail = (code: ApiError['code'], extra: Partial<ApiError> = {}): ApiResult<never> => ({
  ok: false,
  error: { code, message: code, ...extra },
});

export class FakeMessenger implements MessengerApi {
  state: AppState = {
    connection: 'disconnected',
    server: null,
    serverInfo: null,
    username: null,
    privateSessions: [],
    queued: 0,
  };
  calls: { method: ApiMethod; args: unknown[] }[] = [];
  private handlers = new Map<ApiMethod, (...args: never[]) => unknown>();
  private listeners = new Set<(event: AppEvent) => void>();

  constructor() {
    this.on('getState', () => ok({ ...this.state }));
    this.on('connect', (server) => {
      this.state = { ...this.state, connection: 'connected', server, serverInfo };
      return ok(serverInfo);
    });
    this.on('login', (username) => {
      this.state = { ...this.state, username };
      return ok({ username });
    });
    this.on('register', (username) => ok({ username }));
    this.on('logout', () => {
      this.state = { ...this.state, username: null };
      return ok({});
    });
    this.on('conversations', () => ok([]));
    this.on('groups', () => ok([]));
    this.on('whoElse', () => ok([]));
    this.on('whoElseSince', () => ok([]));
    this.on('listBlocked', () => ok([]));
    this.on('history', () => ok({ messages: [], hasMore: false }));
    this.on('broadcasts', () => ok({ broadcasts: [], hasMore: false }));
    let broadcastId = 0;
    this.on('broadcast', () => ok({ delivered: 0, blockedBy: 0, sentAt: Date.now(), id: ++broadcastId }));
    this.on('markRead', () => ok({}));
    this.on('getSettings', () => ok({ readReceipts: true }));
    this.on('setReadReceipts', (on) => ok({ readReceipts: on }));
    this.on('searchUsers', () => ok([]));
    this.on('searchMessages', () => ok({ results: [], hasMore: false }));
    this.on('openPrivateWindow', () => ok({}));
    this.on('privateTranscript', (peer) => ok({ peer, open: false, messages: [] }));
    this.on('fileTransfers', () => ok([]));
  }

  on<M extends ApiMethod>(method: M, handler: Handler<M>): this {
    this.handlers.set(method, handler as (...args: never[]) => unknown);
    return this;
  }

  async call<M extends ApiMethod>(method: M, ...args: ApiArgs<M>): Promise<ApiResult<ApiValues[M]>> {
    this.calls.push({ method, args: [...args] });
    const h = this.handlers.get(method) as Handler<M> | undefined;
    if (!h) return ok({} as ApiValues[M]);
    return h(...args);
  }

  callsOf(method: ApiMethod): unknown[][] {
    return this.calls.filter((c) => c.method === method).map((c) => c.args);
  }

  onEvent(listener: (event: AppEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: AppEvent): void {
    for (const l of [...this.listeners]) l(event);
  }

  /** Starts already connected and logged in as `username`. */
  loggedInAs(username: string): this {
    this.state = {
      ...this.state,
      connection: 'connected',
      server: { host: '127.0.0.1', port: 4000 },
      serverInfo,
      username,
    };
    return this;
  }
}

export function installFake(fake = new FakeMessenger()): FakeMessenger {
  (window as unknown as { messenger: MessengerApi }).messenger = fake;
  return fake;
}

let nextId = 1;
export function dm(
  from: string,
  to: string,
  text: string,
  extra: Partial<DirectMessage> = {},
): DirectMessage {
  const id = extra.id ?? nextId++;
  return { id, from, to, text, sentAt: extra.sentAt ?? 1_700_000_000_000 + id * 1000 };
}

/** Waits for pending promises and Vue updates. */
export async function settle(times = 5): Promise<void> {
  for (let i = 0; i < times; i++) await new Promise((r) => setTimeout(r, 0));
}
