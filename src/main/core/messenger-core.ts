/**
 * The client core: the server session (connect, login, commands, events, reconnect), the private
 * chats (P2P listener and links, end-to-end encrypted) and the app state, behind the typed
 * MessengerApi every shell uses. Plain Node: no Electron import.
 */
import {
  apiCalls,
  type ApiArgs,
  type ApiMethod,
  type ApiResult,
  type ApiValues,
  type AppEvent,
  type AppState,
  type ConnectionState,
  type LogoutReason,
  type MessengerApi,
  type MessageTarget,
  type SendResult,
  type ServerAddress,
} from '../../shared/api.js';
import type { FileTransfer } from '../../shared/files.js';
import { randomBytes } from 'node:crypto';
import { PROTOCOL_VERSION, USER_SEARCH_MAX_RESULTS } from '../../shared/limits.js';
import type {
  DirectMessage,
  RequestParams,
  RequestResult,
  RequestType,
  ServerEvent,
} from '../../shared/protocol.js';
import { describeIssues } from '../../shared/validate.js';
import { wasChanged } from '../../shared/message-state.js';
import { AckBatcher } from './ack-batcher.js';
import { busyRetryDelay, DEFAULT_RECONNECT, reconnectDelay, type ReconnectPolicy } from './backoff.js';
import { BoundedIdSet } from '../../shared/bounded-id-set.js';
import { Listeners } from './emitter.js';
import { IdleWatch } from './idle-watch.js';
import { CoreError, toApiError } from './errors.js';
import { generateKeyPair, type KeyPair } from './p2p-crypto.js';
import { P2PNode } from './p2p.js';
import type { PeerLink } from './peer-link.js';
import { PrivateFiles, type ReceivedFile } from './private-files.js';
import { PrivateSessions } from './private-sessions.js';
import { ServerFiles } from './server-files.js';
import { PrivateTranscripts } from './private-transcripts.js';
import { ServerConnection } from './server-connection.js';
import type { TlsOptions } from './tcp.js';
import { TypingNotices, TypingPeers } from './typing.js';

export interface MessengerCoreOptions {
  /** Server used by `login`/`register` when `connect` was not called first. */
  server?: ServerAddress;
  /** Address the private-chat listener binds to (default 127.0.0.1). */
  p2pHost?: string;
  /** Sent in hello. */
  clientName?: string;
  requestTimeoutMs?: number;
  /** Talk to the server over TLS, verifying its certificate against `ca` or the system roots. */
  tls?: TlsOptions;
  /**
   * The core's data folder: received private files are written to a folder of their own inside it,
   * made for this run and removed at logout and dispose (default: the system temp folder).
   */
  dataDir?: string;
  /** Reconnect after an unexpected connection loss while logged in; `false` disables it. */
  reconnect?: ReconnectPolicy | false;
}

/** Messages sent while disconnected wait here (in order) until the session is back. */
export const MAX_QUEUED_MESSAGES = 1_000;
/**
 * How many received message ids are remembered to drop redeliveries. Ids are only unique within
 * one server, and only one account's messages reach a login, so the set belongs to one login: it
 * is emptied when a login starts and when it ends, and kept across reconnects of that login (the
 * redeliveries it exists for).
 */
export const SEEN_MESSAGE_IDS = 10_000;
/** Login errors that make reconnecting pointless. */
const FATAL_RELOGIN_CODES = new Set([
  'unknown_user',
  'wrong_password',
  'wrong_password_locked',
  'account_locked',
]);

/** TypingPeers' "group\nname" keys as the names typing in each group. */
function groupTypers(keys: string[]): Record<number, string[]> {
  const groups: Record<number, string[]> = {};
  for (const key of keys) {
    const [group, name] = key.split('\n') as [string, string];
    (groups[Number(group)] ??= []).push(name);
  }
  return groups;
}

type Handlers = { [M in ApiMethod]: (...args: ApiArgs<M>) => Promise<ApiValues[M]> };

/**
 * A direct or group message on its way (`to` or `group`); `clientId` makes resending it after a
 * lost reply safe.
 */
type OutgoingMessage = MessageTarget & {
  /** '' only for a file without a caption (then not sent). */
  text: string;
  clientId: string;
  /** The message this one answers. */
  replyTo?: number;
  /** A finished upload the message carries (server-files.ts). */
  file?: string;
};

/** The `message` request for an outgoing message: a file without a caption has no text. */
function messageParams(outgoing: OutgoingMessage): RequestParams<'message'> {
  const { text, ...rest } = outgoing;
  return text === '' ? rest : outgoing;
}

/** Failures after which the server may or may not have stored the message: resend it later. */
function isRetryable(error: unknown): boolean {
  return error instanceof CoreError && (error.code === 'not_connected' || error.code === 'timeout');
}

/** The server was overloaded and stored nothing: send the same frame again after retryAfterMs. */
function isBusy(error: unknown): error is CoreError {
  return error instanceof CoreError && error.code === 'busy';
}

/** A broadcast refused as busy is sent again for at most this long before the refusal is reported. */
const BUSY_BROADCAST_RETRY_MS = 30_000;

interface Credentials {
  username: string;
  password: string;
  keys: KeyPair;
}

export class MessengerCore implements MessengerApi {
  private readonly events = new Listeners<AppEvent>();
  private readonly p2p: P2PNode;
  private readonly sessions: PrivateSessions;
  private readonly files: PrivateFiles;
  private readonly chatFiles: ServerFiles;
  private readonly transcripts = new PrivateTranscripts();
  private readonly idle = new IdleWatch((logoutAt) => this.events.emit({ kind: 'idle_warning', logoutAt }));
  private readonly seen = new BoundedIdSet(SEEN_MESSAGE_IDS);
  private readonly acks = new AckBatcher((upTo) => this.sendAck(upTo));
  private readonly typingPeers = new TypingPeers((peers) => this.events.emit({ kind: 'typing', peers }));
  /** Typing in groups, keyed "group id\nname" (a name never holds a newline). */
  private readonly groupTypers = new TypingPeers((keys) =>
    this.events.emit({ kind: 'group_typing', groups: groupTypers(keys) }),
  );
  /** Keyed by peer name, or by "#" and the group id for a group (a name never holds a "#"). */
  private readonly typingNotices = new TypingNotices((key, typing) =>
    key.startsWith('#')
      ? this.request('typing', { group: Number(key.slice(1)), typing })
      : this.request('typing', { to: key, typing }),
  );
  private readonly reconnectPolicy: ReconnectPolicy | false;
  private readonly queue: OutgoingMessage[] = [];
  private connection: ServerConnection | undefined;
  private connectionState: ConnectionState = 'disconnected';
  private server: ServerAddress | null;
  private serverInfo: RequestResult<'hello'> | null = null;
  private credentials: Credentials | undefined;
  private loggedIn = false;
  private shutdownAnnounced = false;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private flushing = false;
  /**
   * A message sent at once (not through the queue) is waiting for its reply: later ones queue
   * behind it, so that a refusal of it (busy) cannot let a later one be stored before it.
   */
  private sendingDirect = false;
  /** Waits before resending what a busy server refused (each ends it); a logout or dispose ends them early. */
  private readonly busyWaits = new Set<() => void>();
  private disposed = false;

  constructor(private readonly options: MessengerCoreOptions = {}) {
    this.server = options.server ?? null;
    this.reconnectPolicy = options.reconnect === undefined ? DEFAULT_RECONNECT : options.reconnect;
    this.p2p = new P2PNode(options.p2pHost === undefined ? {} : { host: options.p2pHost });
    this.sessions = new PrivateSessions(
      (event) => this.emitEvent(event),
      () => this.emitState(),
    );
    this.files = new PrivateFiles((transfer) => this.emitEvent({ kind: 'file', transfer }), options.dataDir);
    this.chatFiles = this.makeChatFiles();
    this.p2p.onLink((link) => {
      if (this.loggedIn) this.adoptLink(link, false);
      else link.destroy();
    });
  }

  // ------------------------------------------------------------------------------------------
  // MessengerApi

  async call<M extends ApiMethod>(method: M, ...args: ApiArgs<M>): Promise<ApiResult<ApiValues[M]>> {
    const schema = apiCalls[method];
    if (!schema)
      return { ok: false, error: { code: 'invalid_argument', message: `unknown method ${method}` } };
    const parsed = schema.safeParse(args);
    if (!parsed.success) {
      return { ok: false, error: { code: 'invalid_argument', message: describeIssues(parsed.error) } };
    }
    if (this.disposed)
      return { ok: false, error: { code: 'not_connected', message: 'the core was disposed' } };
    const handler = this.handlers[method] as (...a: unknown[]) => Promise<ApiValues[M]>;
    try {
      return { ok: true, value: await handler(...(parsed.data as unknown[])) };
    } catch (error) {
      return { ok: false, error: toApiError(error) };
    }
  }

  /** A received file (private, or downloaded from a chat) complete and verified, for the shell's "Save as…". */
  receivedFile(id: string): ReceivedFile | undefined {
    return this.files.receivedFile(id) ?? this.chatFiles.receivedFile(id);
  }

  /** Files of direct and group chats, which go through the server, with what they need of the core. */
  private makeChatFiles(): ServerFiles {
    const host = {
      connection: () => (this.loggedIn && this.connection?.isOpen ? this.connection : undefined),
      maxFileBytes: () => this.serverInfo?.limits?.maxFileBytes ?? 0,
      sendFileMessage: (target: MessageTarget, file: string, clientId: string, caption?: string) =>
        this.sendMessage(target, caption ?? '', undefined, { file, clientId }),
      messageStored: (clientId: string, message: DirectMessage) =>
        this.events.emit({ kind: 'queued_sent', clientId, message }),
      messageRefused: (target: MessageTarget, clientId: string, text: string, error: CoreError) =>
        this.events.emit({ kind: 'queued_failed', clientId, text, ...target, error: toApiError(error) }),
    };
    const emit = (transfer: FileTransfer) => this.emitEvent({ kind: 'file', transfer });
    return new ServerFiles(host, emit, this.options.dataDir);
  }

  /** The private or chat file transfer with this id. */
  private transfers(id: string): PrivateFiles | ServerFiles {
    return this.chatFiles.has(id) ? this.chatFiles : this.files;
  }

  /** Where received private files are written in this run, once one arrived (tests). */
  get filesFolder(): string | undefined {
    return this.files.folder;
  }

  onEvent(listener: (event: AppEvent) => void): () => void {
    return this.events.on(listener);
  }

  getState(): AppState {
    return {
      connection: this.connectionState,
      server: this.server,
      serverInfo: this.serverInfo,
      username: this.loggedIn ? (this.credentials?.username ?? null) : null,
      privateSessions: this.sessions.peers(),
      queued: this.queue.length,
    };
  }

  /** Tells the server the user did something it cannot see (resets its idle timer); never fails. */
  async activity(): Promise<void> {
    if (!this.loggedIn || !this.connection) return;
    const sent = this.connection.request('activity', {});
    this.idle.check();
    await sent.catch(() => undefined);
  }

  /** Watches the server's idle timeout for the session on `connection` (warns before it). */
  private watchIdle(connection: ServerConnection): void {
    this.idle.start(this.serverInfo?.timeoutSeconds ?? 0, () => connection.lastActivityAt);
  }

  /** Closes everything: private chats, the server connection (logging out) and the P2P listener. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.clearReconnect();
    this.endBusyWaits();
    this.idle.stop();
    if (this.loggedIn && this.connection) await this.logout().catch(() => undefined);
    this.disposed = true;
    this.sessions.closeAll('logout');
    this.acks.cancel();
    // Their expiry timers must not outlive the core (a dispose while reconnecting skips endLogin).
    this.typingPeers.clear();
    this.groupTypers.clear();
    this.connection?.close();
    this.connection = undefined;
    await this.p2p.stop();
    await this.files.clear();
    await this.chatFiles.clear();
    this.events.clear();
  }

  private readonly handlers: Handlers = {
    getState: async () => this.getState(),
    activity: async () => (await this.activity(), {}),
    connect: (address) => this.connect(address),
    checkUser: async (username) => (await this.ensureConnected()).request('checkuser', { username }),
    register: (username, password) => this.register(username, password),
    login: (username, password) => this.login(username, password),
    logout: () => this.logout(),
    sendMessage: (to, text, replyTo) => this.sendMessage({ to }, text, replyTo),
    createGroup: (name, members) => this.request('group_create', { name, members }),
    addToGroup: (group, users) => this.request('group_add', { group, users }),
    removeFromGroup: (group, user) => this.request('group_remove', { group, user }),
    renameGroup: (group, name) => this.request('group_rename', { group, name }),
    setGroupAdmin: (group, user, admin) => this.request('group_admin', { group, user, admin }),
    leaveGroup: (group) => this.request('group_leave', { group }),
    sendGroupMessage: (group, text, replyTo) => this.sendMessage({ group }, text, replyTo),
    groupHistory: (query) => this.request('history', query),
    groups: async () => (await this.request('conversations', {})).groups ?? [],
    markGroupRead: async (group, upTo) => (await this.request('markread', { group, upTo }), {}),
    groupTyping: async (group, active) => {
      if (this.loggedIn && this.connection?.isOpen) this.typingNotices.update(`#${group}`, active);
      return {};
    },
    editMessage: (messageId, text) => this.request('edit', { messageId, text }),
    deleteMessage: (messageId) => this.request('delete', { messageId }),
    react: (messageId, emoji, add) => this.request('react', { messageId, emoji, add }),
    broadcast: (text) => this.broadcast(text),
    whoElse: async () => (await this.request('whoelse', {})).users,
    whoElseSince: async (seconds) => (await this.request('whoelsesince', { seconds })).users,
    block: async (user) => (await this.request('block', { user }), {}),
    unblock: async (user) => (await this.request('unblock', { user }), {}),
    listBlocked: async () => (await this.request('blocked', {})).users,
    history: (query) => this.request('history', query),
    broadcasts: (query) => this.request('broadcasts', query),
    conversations: async () => (await this.request('conversations', {})).conversations,
    markRead: async (peer, upTo) => (await this.request('markread', { peer, upTo }), {}),
    getSettings: () => this.request('settings', {}),
    setReadReceipts: (on) => this.request('settings', { readReceipts: on }),
    searchUsers: async (prefix) =>
      (await this.request('users', { prefix, limit: USER_SEARCH_MAX_RESULTS })).users,
    searchMessages: (query) => this.request('search', query),
    startPrivate: (user) => this.startPrivate(user),
    sendPrivate: (peer, text) => this.sendPrivate(peer, text),
    stopPrivate: (peer) => this.stopPrivate(peer),
    privateTranscript: async (peer) => ({
      peer,
      open: this.sessions.get(peer) !== undefined,
      messages: this.transcripts.get(peer),
    }),
    sendFile: async (peer, offer) => ({ transfer: await this.files.send(this.privateLink(peer), offer) }),
    sendFileChunk: async (id, data) => ({
      bytesDone: await this.transfers(id).chunk(id, Buffer.from(data, 'base64')),
    }),
    sendFileEnd: async (id) => (await this.transfers(id).end(id), {}),
    cancelFile: async (id) => (await this.transfers(id).cancel(id), {}),
    sendChatFile: async (target, offer, caption) => {
      if (!this.loggedIn) throw new CoreError('not_logged_in', 'log in first');
      return { transfer: await this.chatFiles.send(target, offer, caption) };
    },
    downloadFile: async (messageId, file, target) => {
      if (!this.loggedIn) throw new CoreError('not_logged_in', 'log in first');
      return { transfer: await this.chatFiles.download(messageId, file, target) };
    },
    readFile: async (id, offset) => ({ data: await this.chatFiles.read(id, offset) }),
    fileTransfers: async (peer) => this.files.list(peer),
    reconnectNow: async () => this.reconnectNow(),
    typing: async (peer, active) => {
      if (this.loggedIn && this.connection?.isOpen) this.typingNotices.update(peer, active);
      return {};
    },
    // Shell methods: dispatch.ts hands these to the shell and never calls the core with them.
    openPrivateWindow: async () => ({}),
    setUnreadCount: async () => ({}),
    focusWindow: async () => ({}),
    openExternal: async () => ({}),
    setCloseBehaviour: async () => ({}),
    saveFile: async () => ({}),
  };

  // ------------------------------------------------------------------------------------------
  // Connection and login

  private async connect(address: ServerAddress): Promise<RequestResult<'hello'>> {
    if (this.loggedIn) throw new CoreError('already_authenticated', 'log out before connecting elsewhere');
    this.dropConnection();
    this.server = address;
    this.setConnection('connecting');
    try {
      const { connection, info } = await this.openSession(address);
      this.adopt(connection, info);
      return info;
    } catch (error) {
      this.setConnection('disconnected');
      throw error;
    }
  }

  /** Opens a connection and says hello; the caller adopts it. */
  private async openSession(address: ServerAddress) {
    const connection = await ServerConnection.connect({
      ...address,
      requestTimeoutMs: this.options.requestTimeoutMs,
      tls: this.options.tls,
    });
    // Listen at once: events pushed right after the login reply must not be missed.
    connection.onEvent((event) => this.onServerEvent(event));
    try {
      const hello: RequestParams<'hello'> = { version: PROTOCOL_VERSION };
      if (this.options.clientName) hello.client = this.options.clientName;
      const info = await connection.request('hello', hello);
      return { connection, info };
    } catch (error) {
      connection.close();
      throw error;
    }
  }

  private adopt(connection: ServerConnection, info: RequestResult<'hello'>): void {
    this.connection = connection;
    this.serverInfo = info;
    this.shutdownAnnounced = false;
    connection.onClose(() => this.onConnectionClosed(connection));
    this.setConnection('connected');
  }

  private async ensureConnected(): Promise<ServerConnection> {
    if (this.connection?.isOpen) return this.connection;
    const address = this.server ?? this.options.server;
    if (!address) throw new CoreError('not_connected', 'no server address: call connect first');
    await this.connect(address);
    return this.requireConnection();
  }

  private requireConnection(): ServerConnection {
    if (!this.connection?.isOpen) throw new CoreError('not_connected', 'not connected to the server');
    return this.connection;
  }

  private async register(username: string, password: string): Promise<{ username: string }> {
    const connection = await this.ensureConnected();
    return connection.request('register', { username, password });
  }

  private async login(username: string, password: string): Promise<{ username: string }> {
    if (this.loggedIn) throw new CoreError('already_authenticated', 'already logged in');
    const connection = await this.ensureConnected();
    const credentials: Credentials = { username, password, keys: generateKeyPair() };
    // Events pushed right after the login reply belong to this login: forget any earlier one's ids
    // before they can arrive.
    this.seen.clear();
    const result = await this.sendLogin(connection, credentials);
    this.credentials = credentials;
    this.loggedIn = true;
    this.watchIdle(connection);
    this.emitState();
    return { username: result.username };
  }

  private async sendLogin(
    connection: ServerConnection,
    credentials: Credentials,
  ): Promise<RequestResult<'login'>> {
    const p2pPort = await this.p2p.start();
    this.p2p.setIdentity({ username: credentials.username, keys: credentials.keys });
    try {
      return await connection.request('login', {
        username: credentials.username,
        password: credentials.password,
        p2pPort,
        publicKey: credentials.keys.publicKey,
      });
    } catch (error) {
      if (!this.loggedIn) this.p2p.setIdentity(undefined);
      throw error;
    }
  }

  private async logout(): Promise<Record<string, never>> {
    if (!this.loggedIn) throw new CoreError('not_logged_in', 'not logged in');
    this.sessions.closeAll('logout');
    this.acks.flush();
    const connection = this.connection;
    this.connection = undefined;
    if (connection?.isOpen) {
      await connection.request('logout', {}).catch(() => undefined);
      connection.close();
    }
    this.endLogin('user');
    return {};
  }

  /** Forgets the login (credentials, keys, queue, chats) and reports why. */
  private endLogin(reason: LogoutReason): void {
    this.clearReconnect();
    this.endBusyWaits();
    this.idle.stop();
    this.sessions.closeAll('logout');
    this.acks.cancel();
    this.typingNotices.clear();
    this.typingPeers.clear();
    this.groupTypers.clear();
    this.loggedIn = false;
    this.credentials = undefined;
    this.queue.length = 0;
    this.seen.clear();
    this.transcripts.clear();
    // Private files, like private texts, are never kept past the login; nor are chat files' copies.
    void this.files.clear();
    void this.chatFiles.clear();
    this.p2p.setIdentity(undefined);
    if (!this.connection?.isOpen) this.connectionState = 'disconnected';
    this.emitState();
    this.events.emit({ kind: 'logged_out', reason });
  }

  private dropConnection(): void {
    const connection = this.connection;
    this.connection = undefined;
    connection?.close();
  }

  // ------------------------------------------------------------------------------------------
  // Server events

  private onServerEvent(event: ServerEvent): void {
    switch (event.type) {
      case 'presence':
        if (!event.online) {
          this.sessions.close(event.user, 'peer');
          this.typingPeers.stop(event.user);
        }
        this.events.emit({ kind: 'presence', user: event.user, online: event.online, at: event.at });
        break;
      case 'message':
        this.onDirectMessage(event);
        break;
      case 'message_update':
        this.acks.add(event.message.id);
        this.events.emit({ kind: 'message_updated', message: event.message });
        break;
      case 'broadcast':
        this.events.emit({
          kind: 'broadcast',
          id: event.id,
          from: event.from,
          text: event.text,
          sentAt: event.sentAt,
        });
        break;
      case 'receipt': {
        const { type: _type, ...marks } = event;
        this.events.emit({ kind: 'receipt', ...marks });
        break;
      }
      case 'group_receipt':
        this.events.emit({ kind: 'group_receipt', group: event.group, members: event.members });
        break;
      case 'p2p_offer':
        this.p2p.addOffer(event);
        break;
      case 'typing':
        if (event.group === undefined) this.typingPeers.note(event.from, event.typing, event.ttlMs);
        else this.groupTypers.note(`${event.group}\n${event.from}`, event.typing, event.ttlMs);
        break;
      case 'group': {
        const { type: _type, ...change } = event;
        this.events.emit({ kind: 'group', ...change });
        break;
      }
      case 'logged_out':
        this.onServerLogout(event.reason);
        break;
      case 'error':
        break;
    }
  }

  private onDirectMessage(event: ServerEvent<'message'>): void {
    this.acks.add(event.message.id);
    if (this.seen.add(event.message.id)) {
      // A message ends its sender's typing (the sender sends no stop for it).
      const { from, group } = event.message;
      if (group === undefined) this.typingPeers.stop(from);
      else this.groupTypers.stop(`${group}\n${from}`);
      this.events.emit({ kind: 'message', message: event.message, offline: event.offline });
    } else if (wasChanged(event.message)) {
      // Delivered again (never acknowledged) after it changed: the app has the older state.
      this.events.emit({ kind: 'message_updated', message: event.message });
    }
  }

  private sendAck(upTo: number): void {
    if (!this.loggedIn || !this.connection?.isOpen) return;
    this.connection.request('ack', { upTo }).catch(() => undefined);
  }

  private onServerLogout(reason: 'timeout' | 'shutdown'): void {
    if (reason === 'shutdown') {
      this.shutdownAnnounced = true;
      return;
    }
    this.dropConnection();
    this.endLogin('timeout');
  }

  private onConnectionClosed(connection: ServerConnection): void {
    if (connection !== this.connection) return;
    this.connection = undefined;
    // No session on the server now, so no idle timeout either; a reconnect watches the new one.
    this.idle.stop();
    // Nobody's notices reach this user now, so nobody is shown typing; a new session starts afresh.
    this.typingPeers.clear();
    this.groupTypers.clear();
    this.typingNotices.clear();
    if (this.disposed) return;
    if (!this.loggedIn) {
      this.setConnection('disconnected');
      return;
    }
    if (this.reconnectPolicy === false) {
      this.endLogin(this.shutdownAnnounced ? 'shutdown' : 'connection_lost');
      return;
    }
    this.setConnection('reconnecting');
    this.scheduleReconnect(0);
  }

  // ------------------------------------------------------------------------------------------
  // Reconnect

  private scheduleReconnect(attempt: number): void {
    if (this.reconnectPolicy === false || this.disposed) return;
    const delay = reconnectDelay(this.reconnectPolicy, attempt);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      void this.reconnect(attempt);
    }, delay);
  }

  private clearReconnect(): void {
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
  }

  /** "Retry now": skips the wait before the next attempt, and the backoff starts over. */
  private reconnectNow(): Record<string, never> {
    if (!this.loggedIn) throw new CoreError('not_logged_in', 'log in first');
    // No timer: connected, or an attempt is already under way.
    if (this.reconnectTimer === undefined) return {};
    this.clearReconnect();
    void this.reconnect(0);
    return {};
  }

  private async reconnect(attempt: number): Promise<void> {
    const address = this.server;
    const credentials = this.credentials;
    if (!address || !credentials || !this.loggedIn || this.disposed) return;
    try {
      const { connection, info } = await this.openSession(address);
      if (!this.loggedIn || this.disposed) return connection.close();
      await this.sendLogin(connection, credentials).catch((error: unknown) => {
        connection.close();
        throw error;
      });
      this.adopt(connection, info);
      this.watchIdle(connection);
      void this.flushQueue();
      this.chatFiles.resume();
    } catch (error) {
      this.onReconnectFailed(error, attempt);
    }
  }

  private onReconnectFailed(error: unknown, attempt: number): void {
    if (!this.loggedIn || this.disposed) return;
    if (error instanceof CoreError && FATAL_RELOGIN_CODES.has(error.code)) {
      this.endLogin('connection_lost');
      return;
    }
    this.scheduleReconnect(attempt + 1);
  }

  // ------------------------------------------------------------------------------------------
  // Direct messages and the offline queue

  private async request<T extends RequestType>(type: T, params: RequestParams<T>): Promise<RequestResult<T>> {
    if (!this.loggedIn) throw new CoreError('not_logged_in', 'log in first');
    return this.requireConnection().request(type, params);
  }

  /**
   * Direct and group messages take the same path: sent at once while connected and nothing waits
   * before them, otherwise queued (the outbox) and sent in order on reconnect, once each (clientId).
   */
  private async sendMessage(
    target: MessageTarget,
    text: string,
    replyTo?: number,
    attached?: { file: string; clientId: string },
  ): Promise<SendResult> {
    if (!this.loggedIn) throw new CoreError('not_logged_in', 'log in first');
    const outgoing: OutgoingMessage = {
      ...target,
      text,
      clientId: attached?.clientId ?? randomBytes(16).toString('base64url'),
      ...(replyTo === undefined ? {} : { replyTo }),
      ...(attached ? { file: attached.file } : {}),
    };
    this.typingNotices.messageSent('to' in target ? target.to : `#${target.group}`);
    if (!this.connection?.isOpen || this.queue.length > 0 || this.flushing || this.sendingDirect) {
      return this.enqueue(outgoing, 'last');
    }
    this.sendingDirect = true;
    try {
      const { message, online, recipients } = await this.connection.request(
        'message',
        messageParams(outgoing),
      );
      return { message, online, queued: false, ...(recipients ? { recipients } : {}) };
    } catch (error) {
      // Busy: nothing was stored; the queue sends it again after the server's retryAfterMs.
      if (!isRetryable(error) && !isBusy(error)) throw error;
      // Whatever was queued while it was on its way came after it.
      return this.enqueue(outgoing, 'first');
    } finally {
      this.sendingDirect = false;
      this.startFlush();
    }
  }

  private enqueue(outgoing: OutgoingMessage, where: 'first' | 'last'): SendResult {
    if (this.queue.length >= MAX_QUEUED_MESSAGES) {
      throw new CoreError('not_connected', 'too many messages are waiting for the connection');
    }
    if (where === 'first') this.queue.unshift(outgoing);
    else this.queue.push(outgoing);
    this.emitState();
    this.startFlush();
    return { online: false, queued: true, clientId: outgoing.clientId };
  }

  private startFlush(): void {
    if (this.queue.length > 0 && this.connection?.isOpen && this.loggedIn) void this.flushQueue();
  }

  /**
   * Sends queued messages in order. A message leaves the queue only when the server has answered
   * for it; after a lost connection or a timeout it is resent with the same client id, which the
   * server de-duplicates, so nothing is lost or stored twice. A `busy` server stored nothing: the
   * message stays first in the queue (shown as sending) and goes again after its retryAfterMs.
   * Each message's outcome is reported under its client id: `queued_sent` with the stored message,
   * or `queued_failed` with the reason when the server refused it (blocked, unknown user), since
   * sending it again cannot help.
   */
  private async flushQueue(): Promise<void> {
    if (this.flushing || this.sendingDirect) return;
    this.flushing = true;
    try {
      while (this.queue.length > 0 && this.connection?.isOpen && this.loggedIn) {
        const next = this.queue[0] as OutgoingMessage;
        const outcome = await this.connection.request('message', messageParams(next)).then(
          ({ message, recipients }) =>
            ({
              kind: 'queued_sent',
              clientId: next.clientId,
              message,
              ...(recipients ? { recipients } : {}),
            }) as const,
          (error: unknown) => {
            if (isBusy(error)) return error;
            return isRetryable(error)
              ? undefined
              : ({ kind: 'queued_failed', ...next, error: toApiError(error) } as const);
          },
        );
        if (!outcome) break;
        if (isBusy(outcome)) {
          await this.waitOutBusy(outcome);
          continue;
        }
        this.queue.shift();
        this.emitState();
        this.events.emit(outcome);
        if (outcome.kind === 'queued_sent') this.chatFiles.onMessageStored(next.clientId, outcome.message);
        else this.chatFiles.onMessageRefused(next.clientId);
      }
    } finally {
      this.flushing = false;
    }
  }

  /** A broadcast refused as busy stored nothing: it is sent again after retryAfterMs, for a while. */
  private async broadcast(text: string): Promise<RequestResult<'broadcast'>> {
    const giveUpAt = Date.now() + BUSY_BROADCAST_RETRY_MS;
    for (;;) {
      try {
        return await this.request('broadcast', { text });
      } catch (error) {
        if (!isBusy(error) || Date.now() >= giveUpAt || !this.loggedIn) throw error;
        await this.waitOutBusy(error);
      }
    }
  }

  /** Waits the server's retryAfterMs (capped, with jitter); a logout or dispose ends it early. */
  private waitOutBusy(error: CoreError): Promise<void> {
    return new Promise((resolve) => {
      const end = () => {
        clearTimeout(timer);
        this.busyWaits.delete(end);
        resolve();
      };
      const timer = setTimeout(end, busyRetryDelay(error.retryAfterMs));
      this.busyWaits.add(end);
    });
  }

  private endBusyWaits(): void {
    for (const end of [...this.busyWaits]) end();
  }

  // ------------------------------------------------------------------------------------------
  // Private chats

  private async startPrivate(user: string): Promise<{ peer: string }> {
    if (this.sessions.get(user)) return { peer: user };
    const intro = await this.request('startprivate', { user });
    const link = await this.p2p.connect(intro);
    if (!this.loggedIn) {
      link.destroy();
      throw new CoreError('not_logged_in', 'logged out while connecting');
    }
    this.adoptLink(link, true);
    return { peer: user };
  }

  private adoptLink(link: PeerLink, initiatedByMe: boolean): void {
    if (this.sessions.add(link, initiatedByMe)) this.files.attach(link);
  }

  private privateLink(peer: string): PeerLink {
    if (!this.loggedIn) throw new CoreError('not_logged_in', 'log in first');
    const link = this.sessions.get(peer);
    if (!link) throw new CoreError('private_not_enabled', `private messaging to ${peer} is not enabled`);
    return link;
  }

  private async sendPrivate(peer: string, text: string): Promise<{ peer: string; sentAt: number }> {
    if (!this.loggedIn) throw new CoreError('not_logged_in', 'log in first');
    const link = this.sessions.get(peer);
    if (!link) throw new CoreError('private_not_enabled', `private messaging to ${peer} is not enabled`);
    if (!link.send(text)) {
      this.sessions.close(peer, 'unreachable');
      throw new CoreError('peer_unreachable', `${peer} is not reachable for private messaging`);
    }
    const sentAt = Date.now();
    const me = this.credentials?.username ?? '';
    this.emitEvent({ kind: 'private_message', peer, from: me, text, at: sentAt });
    void this.activity();
    return { peer, sentAt };
  }

  private async stopPrivate(peer: string): Promise<Record<string, never>> {
    if (!this.loggedIn) throw new CoreError('not_logged_in', 'log in first');
    if (!this.sessions.get(peer)) {
      throw new CoreError('private_not_enabled', `private messaging to ${peer} is not enabled`);
    }
    this.sessions.close(peer, 'me');
    void this.activity();
    return {};
  }

  // ------------------------------------------------------------------------------------------
  // State

  private setConnection(state: ConnectionState): void {
    this.connectionState = state;
    this.emitState();
  }

  /** Emits an event, keeping the private transcripts in step. */
  private emitEvent(event: AppEvent): void {
    if (event.kind === 'private_message') {
      this.transcripts.add(event.peer, { from: event.from, text: event.text, at: event.at });
    }
    this.events.emit(event);
  }

  private emitState(): void {
    this.events.emit({ kind: 'state', state: this.getState() });
  }
}
