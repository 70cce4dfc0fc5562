import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { ApiError, AppState, LogoutReason, ServerAddress } from '../../../shared/api';
import { call } from '../api';

const LAST_SERVER_KEY = 'messenger.lastServer';

export interface LoginFailure {
  error: ApiError;
  username: string;
  server: ServerAddress;
  /** For locks: when the account unlocks (ms since epoch). */
  lockedUntil?: number;
}

function readLastServer(): ServerAddress | null {
  try {
    const raw = localStorage.getItem(LAST_SERVER_KEY);
    if (!raw) return null;
    const v = JSON.parse(raw) as Partial<ServerAddress>;
    return typeof v.host === 'string' && typeof v.port === 'number' ? { host: v.host, port: v.port } : null;
  } catch {
    return null;
  }
}

export const useSessionStore = defineStore('session', () => {
  const state = ref<AppState | null>(null);
  const logoutReason = ref<LogoutReason | null>(null);
  const failure = ref<LoginFailure | null>(null);
  const busy = ref(false);
  /** Who logged in last: kept after a logout so the login form can offer it again. */
  const lastUsername = ref<string | null>(null);
  /** The last logout was not the user's own (inactivity, server): the next login resumes. */
  const resumeAfterLogin = ref(false);
  /** When the server will log the user out for inactivity, while the app warns about it. */
  const idleLogoutAt = ref<number | null>(null);

  const connection = computed(() => state.value?.connection ?? 'disconnected');
  const username = computed(() => state.value?.username ?? null);
  const loggedIn = computed(() => username.value !== null);
  const serverInfo = computed(() => state.value?.serverInfo ?? null);
  const queued = computed(() => state.value?.queued ?? 0);
  const textMaxLength = computed(() => serverInfo.value?.limits.textMaxLength);
  /** Seconds after sending during which a message may be edited; undefined: the server did not say. */
  const editWindowSeconds = computed(() => serverInfo.value?.limits.editWindowSeconds);

  function defaultServer(): ServerAddress {
    return state.value?.server ?? readLastServer() ?? { host: '127.0.0.1', port: 4000 };
  }

  function applyState(next: AppState): void {
    state.value = next;
    if (next.username) lastUsername.value = next.username;
  }

  async function refreshState(): Promise<void> {
    const r = await call('getState');
    if (r.ok) applyState(r.value);
  }

  function sameServer(a: ServerAddress | null | undefined, b: ServerAddress): boolean {
    return !!a && a.host === b.host && a.port === b.port;
  }

  /** Connects to the server if not already connected to it. Returns the error, if any. */
  async function ensureConnected(server: ServerAddress): Promise<ApiError | null> {
    if (state.value && connection.value === 'connected' && sameServer(state.value.server, server))
      return null;
    const r = await call('connect', server);
    await refreshState();
    if (!r.ok) return r.error;
    if (state.value && !state.value.serverInfo) state.value = { ...state.value, serverInfo: r.value };
    return null;
  }

  /** Quietly connects to learn what the server offers (e.g. open registration); returns the error. */
  async function probe(server: ServerAddress): Promise<ApiError | null> {
    return ensureConnected(server);
  }

  async function authenticate(
    mode: 'login' | 'register',
    server: ServerAddress,
    name: string,
    password: string,
  ): Promise<boolean> {
    busy.value = true;
    failure.value = null;
    try {
      const fail = (error: ApiError): false => {
        failure.value = {
          error,
          username: name,
          server,
          lockedUntil: error.retryAfterMs !== undefined ? Date.now() + error.retryAfterMs : undefined,
        };
        return false;
      };
      const connErr = await ensureConnected(server);
      if (connErr)
        return fail(connErr.code === 'not_connected' ? { ...connErr, code: 'unreachable' } : connErr);
      if (mode === 'register') {
        const reg = await call('register', name, password);
        if (!reg.ok) return fail(reg.error);
      }
      const r = await call('login', name, password);
      if (!r.ok) return fail(r.error);
      logoutReason.value = null;
      lastUsername.value = r.value.username;
      try {
        localStorage.setItem(LAST_SERVER_KEY, JSON.stringify(server));
      } catch {
        // storage unavailable: remembering the server is only a convenience
      }
      await refreshState();
      if (state.value && state.value.username === null)
        state.value = { ...state.value, username: r.value.username };
      return true;
    } finally {
      busy.value = false;
    }
  }

  const login = (server: ServerAddress, name: string, password: string) =>
    authenticate('login', server, name, password);
  const register = (server: ServerAddress, name: string, password: string) =>
    authenticate('register', server, name, password);

  async function logout(): Promise<void> {
    await call('logout');
    handleLoggedOut('user');
  }

  function handleLoggedOut(reason: LogoutReason): void {
    logoutReason.value = reason;
    resumeAfterLogin.value = reason !== 'user';
    idleLogoutAt.value = null;
    if (state.value) state.value = { ...state.value, username: null, privateSessions: [] };
  }

  /** "Retry now" while reconnecting; the banner shows how it goes through the connection state. */
  async function reconnectNow(): Promise<void> {
    await call('reconnectNow');
  }

  function setIdleWarning(logoutAt: number | null): void {
    idleLogoutAt.value = logoutAt;
  }

  /** The user did something: the server's idle timer starts again (the warning goes with it). */
  async function reportActivity(): Promise<void> {
    await call('activity');
  }

  function clearFailure(): void {
    failure.value = null;
  }

  return {
    state,
    connection,
    username,
    loggedIn,
    serverInfo,
    queued,
    textMaxLength,
    editWindowSeconds,
    logoutReason,
    failure,
    busy,
    defaultServer,
    applyState,
    refreshState,
    probe,
    login,
    register,
    logout,
    handleLoggedOut,
    lastUsername,
    resumeAfterLogin,
    idleLogoutAt,
    setIdleWarning,
    reportActivity,
    reconnectNow,
    clearFailure,
  };
});
