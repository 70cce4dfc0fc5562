/**
 * The typed API the renderer calls as `window.messenger`. The Electron preload exposes it over IPC,
 * the browser shell over a WebSocket; both validate every call's arguments with `apiCalls` below
 * before the client core sees them.
 */
import { z } from 'zod';
import {
  fileInfoSchema,
  groupIdSchema,
  groupNameSchema,
  messageIdSchema,
  passwordSchema,
  reactionEmojiSchema,
  requests,
  textSchema,
  usernameSchema,
  type ConversationSummary,
  type DirectMessage,
  type ErrorCode,
  type GroupInfo,
  type GroupReceiptMember,
  type GroupSummary,
  type ServerEvent,
  type ReceiptMarks,
  type RequestResult,
  type UserEntry,
} from './protocol.js';
import {
  FILE_IMAGE_AUTO_DOWNLOAD_BYTES,
  GROUP_MEMBERS_MAX,
  HISTORY_PAGE_MAX,
  USERNAME_MAX_LENGTH,
  WHOELSESINCE_MAX_SECONDS,
} from './limits.js';
import { EXTERNAL_URL_MAX_LENGTH, isExternalLink } from './links.js';
import { fileApiChunkSchema, fileOfferSchema, transferIdSchema, type FileTransfer } from './files.js';

export const serverAddressSchema = z.object({
  host: z.string().min(1).max(255),
  port: z.number().int().min(1).max(65535),
});
export type ServerAddress = z.infer<typeof serverAddressSchema>;

/** A link the shell may hand to the system (http, https, mailto; see links.ts). */
export const externalLinkSchema = z
  .string()
  .max(EXTERNAL_URL_MAX_LENGTH)
  .refine(isExternalLink, 'only http, https and mailto links can be opened');

/**
 * What closing the main window does (a setting): quit the app, or keep it running in the
 * background, reachable from the tray icon (the dock on macOS), still receiving messages.
 */
export const closeBehaviourSchema = z.enum(['quit', 'background']);
export type CloseBehaviour = z.infer<typeof closeBehaviourSchema>;

/** A direct chat (`to`) or a group chat (`group`). */
export const messageTargetSchema = z.union([
  z.object({ to: usernameSchema }).strict(),
  z.object({ group: groupIdSchema }).strict(),
]);

/** Far above any real unread total; the badge only needs to be a plausible number. */
export const UNREAD_COUNT_MAX = 1_000_000;

/** Argument tuples of every API method: the one list IPC and WebSocket bridges validate against. */
export const apiCalls = {
  getState: z.tuple([]),
  /**
   * The user did something in the app (typed, clicked, scrolled): resets the server's idle timer.
   * The renderer sends it only after real input, at most every few seconds.
   */
  activity: z.tuple([]),
  connect: z.tuple([serverAddressSchema]),
  checkUser: z.tuple([usernameSchema]),
  register: z.tuple([usernameSchema, passwordSchema]),
  login: z.tuple([usernameSchema, passwordSchema]),
  logout: z.tuple([]),
  /** The optional third argument is the id of the message this one answers (a reply). */
  sendMessage: z.tuple([usernameSchema, textSchema, messageIdSchema.optional()]),
  /** Creates a group named so with these other members; this user is its admin. */
  createGroup: z.tuple([groupNameSchema, z.array(usernameSchema).min(1).max(GROUP_MEMBERS_MAX)]),
  /** An admin adds users to the group. */
  addToGroup: z.tuple([groupIdSchema, z.array(usernameSchema).min(1).max(GROUP_MEMBERS_MAX)]),
  /** An admin removes a member. */
  removeFromGroup: z.tuple([groupIdSchema, usernameSchema]),
  /** An admin renames the group. */
  renameGroup: z.tuple([groupIdSchema, groupNameSchema]),
  /** The creator makes a member an admin (`true`) or a member again. */
  setGroupAdmin: z.tuple([groupIdSchema, usernameSchema, z.boolean()]),
  leaveGroup: z.tuple([groupIdSchema]),
  /** A message to a group; the optional third argument is the id of the message it answers. */
  sendGroupMessage: z.tuple([groupIdSchema, textSchema, messageIdSchema.optional()]),
  /** A page of a group's messages (without those of members you blocked). */
  groupHistory: z.tuple([
    z.object({
      group: groupIdSchema,
      before: messageIdSchema.optional(),
      limit: z.number().int().min(1).max(HISTORY_PAGE_MAX),
    }),
  ]),
  /** This user's groups, with their last message and unread count, the most recent first. */
  groups: z.tuple([]),
  markGroupRead: z.tuple([groupIdSchema, messageIdSchema]),
  /** The user is typing in this group (`true`) or stopped; throttled by the core, never fails. */
  groupTyping: z.tuple([groupIdSchema, z.boolean()]),
  /** Changes the text of a message this user sent (within the server's edit window). */
  editMessage: z.tuple([messageIdSchema, textSchema]),
  /** Deletes a message this user sent, for both sides. */
  deleteMessage: z.tuple([messageIdSchema]),
  /** Adds (`true`) or removes (`false`) this user's reaction on a message of one of its conversations. */
  react: z.tuple([messageIdSchema, reactionEmojiSchema, z.boolean()]),
  broadcast: z.tuple([textSchema]),
  whoElse: z.tuple([]),
  whoElseSince: z.tuple([z.number().int().min(0).max(WHOELSESINCE_MAX_SECONDS)]),
  block: z.tuple([usernameSchema]),
  unblock: z.tuple([usernameSchema]),
  listBlocked: z.tuple([]),
  history: z.tuple([
    z.object({
      peer: usernameSchema,
      before: messageIdSchema.optional(),
      limit: z.number().int().min(1).max(HISTORY_PAGE_MAX),
    }),
  ]),
  /** The broadcasts this user sent or received, a page at a time (the Everyone conversation). */
  broadcasts: z.tuple([
    z.object({
      before: messageIdSchema.optional(),
      limit: z.number().int().min(1).max(HISTORY_PAGE_MAX),
    }),
  ]),
  conversations: z.tuple([]),
  markRead: z.tuple([usernameSchema, messageIdSchema]),
  /** The account's settings as the server keeps them (read receipts). */
  getSettings: z.tuple([]),
  /** "Send read receipts": off, others are not told when you read, and you see no one's reads. */
  setReadReceipts: z.tuple([z.boolean()]),
  searchUsers: z.tuple([z.string().max(USERNAME_MAX_LENGTH)]),
  /** Full-text search of your direct and group messages (all conversations, or `peer`'s or `group`'s), newest first. */
  searchMessages: z.tuple([requests.search.params]),
  startPrivate: z.tuple([usernameSchema]),
  sendPrivate: z.tuple([usernameSchema, textSchema]),
  stopPrivate: z.tuple([usernameSchema]),
  /**
   * Sends a file in the private chat with this user: announces it (its thumbnail made by the app),
   * then the app hands over its bytes with `sendFileChunk` (one call at a time, each awaited) and
   * says `sendFileEnd`. The bytes go straight to the peer's app, end-to-end encrypted.
   */
  sendFile: z.tuple([usernameSchema, fileOfferSchema]),
  /** The next piece of an outgoing file (base64, at most FILE_API_CHUNK_BYTES), in order. */
  sendFileChunk: z.tuple([transferIdSchema, fileApiChunkSchema]),
  sendFileEnd: z.tuple([transferIdSchema]),
  /** Cancels a file on its way, in either direction; the peer is told and a partial file is removed. */
  cancelFile: z.tuple([transferIdSchema]),
  /**
   * Sends a file to a direct or group chat through the server (docs/app.md, "Files"), with an
   * optional caption: announced like `sendFile`, its bytes handed over with `sendFileChunk` and
   * `sendFileEnd`; the core then uploads it (resuming after a reconnect) and sends its message
   * through the outbox under the transfer's `clientId` (`queued_sent` / `queued_failed`).
   */
  sendChatFile: z.tuple([messageTargetSchema, fileOfferSchema, textSchema.optional()]),
  /**
   * Downloads the file of a direct or group message (its `file`, in the chat `target`) into the
   * core's temp folder, checked against its SHA-256; the same transfer again for a message already
   * downloading or downloaded. Then `saveFile` and, for images, `readFile`.
   */
  downloadFile: z.tuple([messageIdSchema, fileInfoSchema, messageTargetSchema]),
  /**
   * A piece (FILE_API_CHUNK_BYTES from `offset`, base64) of a downloaded image of at most
   * FILE_IMAGE_AUTO_DOWNLOAD_BYTES, for the app to make its inline thumbnail from.
   */
  readFile: z.tuple([transferIdSchema, z.number().int().min(0).max(FILE_IMAGE_AUTO_DOWNLOAD_BYTES)]),
  /** The files sent and received in the private chat with this user (in this run), for a window opened late. */
  fileTransfers: z.tuple([usernameSchema]),
  /**
   * "Save as…" for a received file: the shell asks where (Electron: a save dialog; browser shell:
   * the browser's download) and copies it there. The page never names a path.
   */
  saveFile: z.tuple([transferIdSchema]),
  /** The private chat with this user so far (kept in memory by the core, bounded), so a window opened late can show it. */
  privateTranscript: z.tuple([usernameSchema]),
  /**
   * The user is typing in the direct chat with this user (`true`, on every input) or stopped
   * (`false`: cleared the text, left the chat). The core throttles what goes to the server; never fails.
   */
  typing: z.tuple([usernameSchema, z.boolean()]),
  /** "Retry now" while reconnecting: the next attempt to get the session back starts at once. */
  reconnectNow: z.tuple([]),
  /** Opens (or focuses) the separate window for the private chat with this user. */
  openPrivateWindow: z.tuple([usernameSchema]),
  /** The main window's unread total, for the dock badge or tray icon (the browser shell ignores it). */
  setUnreadCount: z.tuple([z.number().int().min(0).max(UNREAD_COUNT_MAX)]),
  /** Brings the calling window to the front, restored if minimised (after a notification click). */
  focusWindow: z.tuple([]),
  /** Opens a link from a message in the system browser or mail app. */
  openExternal: z.tuple([externalLinkSchema]),
  /** What closing the main window does from now on (the browser shell ignores it). */
  setCloseBehaviour: z.tuple([closeBehaviourSchema]),
} as const;

/**
 * Methods the shell answers itself (windows, badge, the system browser); the client core never
 * sees them. See DispatchHooks in src/main/dispatch.ts.
 */
export const shellMethods = [
  'openPrivateWindow',
  'setUnreadCount',
  'focusWindow',
  'openExternal',
  'setCloseBehaviour',
  'saveFile',
] as const satisfies readonly ApiMethod[];
export type ShellMethod = (typeof shellMethods)[number];

export type ApiMethod = keyof typeof apiCalls;
export const apiMethods = Object.keys(apiCalls) as ApiMethod[];
export type ApiArgs<M extends ApiMethod> = z.infer<(typeof apiCalls)[M]>;

export type ConnectionState = 'disconnected' | 'connecting' | 'connected' | 'reconnecting';

export interface AppState {
  connection: ConnectionState;
  server: ServerAddress | null;
  /** What the server said in its hello reply, once connected. */
  serverInfo: RequestResult<'hello'> | null;
  username: string | null;
  /** Peers with an open private (peer-to-peer) chat. */
  privateSessions: string[];
  /** Messages waiting for the connection to come back. */
  queued: number;
}

/** Failures the client core adds to the server's error codes. */
export type ClientErrorCode =
  | 'not_connected' // no server connection right now
  | 'unreachable' // the server address did not answer
  | 'timeout' // the server did not reply in time
  | 'not_logged_in'
  | 'private_not_enabled' // no private session with that user
  | 'peer_unreachable' // the peer's app could not be reached
  | 'invalid_argument'
  | 'too_many_transfers' // FILE_TRANSFERS_MAX files are already on their way
  | 'unknown_transfer' // no such file transfer in this run
  | 'transfer_ended'; // the transfer was cancelled, failed or is done

export interface ApiError {
  code: ErrorCode | ClientErrorCode;
  message: string;
  attemptsLeft?: number;
  retryAfterMs?: number;
}

export type ApiResult<T> = { ok: true; value: T } | { ok: false; error: ApiError };

/** Where a message goes: a person or a group. */
export type MessageTarget = { to: string } | { group: number };

export interface SendResult {
  /** The stored message; absent while it waits in the offline queue of a disconnected app. */
  message?: DirectMessage;
  /** The recipient was online when the server accepted it. */
  online: boolean;
  queued: boolean;
  /**
   * Set while the message waits in the offline queue: the id its outcome event (`queued_sent` or
   * `queued_failed`) carries once the server has answered for it.
   */
  clientId?: string;
  /** For a group message: the members it was sent to, its "of N" (docs/protocol.md, "Group receipts"). */
  recipients?: string[];
}

export interface ApiValues {
  getState: AppState;
  activity: Record<string, never>;
  connect: RequestResult<'hello'>;
  checkUser: { exists: boolean };
  register: { username: string };
  login: { username: string };
  logout: Record<string, never>;
  sendMessage: SendResult;
  createGroup: { group: GroupInfo };
  addToGroup: { group: GroupInfo };
  removeFromGroup: { group: GroupInfo };
  renameGroup: { group: GroupInfo };
  setGroupAdmin: { group: GroupInfo };
  leaveGroup: Record<string, never>;
  sendGroupMessage: SendResult;
  groupHistory: RequestResult<'history'>;
  groups: GroupSummary[];
  markGroupRead: Record<string, never>;
  groupTyping: Record<string, never>;
  editMessage: { message: DirectMessage };
  deleteMessage: { message: DirectMessage };
  react: { message: DirectMessage };
  broadcast: RequestResult<'broadcast'>;
  whoElse: string[];
  whoElseSince: string[];
  block: Record<string, never>;
  unblock: Record<string, never>;
  listBlocked: string[];
  /** With the peer's receipt marks on your messages (ReceiptMarks). */
  history: RequestResult<'history'>;
  broadcasts: RequestResult<'broadcasts'>;
  conversations: ConversationSummary[];
  markRead: Record<string, never>;
  getSettings: RequestResult<'settings'>;
  setReadReceipts: RequestResult<'settings'>;
  searchUsers: UserEntry[];
  searchMessages: RequestResult<'search'>;
  startPrivate: { peer: string };
  sendPrivate: { peer: string; sentAt: number };
  stopPrivate: Record<string, never>;
  privateTranscript: { peer: string; open: boolean; messages: PrivateMessage[] };
  sendFile: { transfer: FileTransfer };
  sendFileChunk: { bytesDone: number };
  sendFileEnd: Record<string, never>;
  sendChatFile: { transfer: FileTransfer };
  downloadFile: { transfer: FileTransfer };
  readFile: { data: string };
  cancelFile: Record<string, never>;
  fileTransfers: FileTransfer[];
  saveFile: Record<string, never>;
  reconnectNow: Record<string, never>;
  typing: Record<string, never>;
  openPrivateWindow: Record<string, never>;
  setUnreadCount: Record<string, never>;
  focusWindow: Record<string, never>;
  openExternal: Record<string, never>;
  setCloseBehaviour: Record<string, never>;
}

export interface PrivateMessage {
  from: string;
  text: string;
  at: number;
}

export type LogoutReason = 'user' | 'timeout' | 'shutdown' | 'connection_lost';
export type PrivateCloseReason = 'me' | 'peer' | 'logout' | 'unreachable';

/** Everything the core pushes to the renderer. */
export type AppEvent =
  | { kind: 'state'; state: AppState }
  | { kind: 'logged_out'; reason: LogoutReason }
  | { kind: 'presence'; user: string; online: boolean; at: number }
  | { kind: 'message'; message: DirectMessage; offline: boolean }
  /**
   * A message already announced changed (edited, deleted, reacted to): `message` is its state now. Updates
   * may arrive out of order; keep the newer state (see newerMessage in ./message-state.ts).
   */
  | { kind: 'message_updated'; message: DirectMessage }
  /** A message from the offline queue was stored (it is not announced as a `message` event too). */
  | { kind: 'queued_sent'; clientId: string; message: DirectMessage; recipients?: string[] }
  /**
   * The server refused a message from the offline queue (for example, the recipient blocked you, or
   * you are no longer a member of the group).
   */
  | ({ kind: 'queued_failed'; clientId: string; text: string; error: ApiError } & MessageTarget)
  /**
   * Your messages to `peer` up to `deliveredUpTo` reached the peer's app, up to `readUpTo` were read
   * there (watermarks only grow; an absent one did not change).
   */
  | ({ kind: 'receipt'; peer: string } & ReceiptMarks)
  /** These members' receipts on your messages in `group` moved: each entry replaces that member's. */
  | { kind: 'group_receipt'; group: number; members: GroupReceiptMember[] }
  /** `id`: the stored broadcast's, as `broadcasts` lists it. */
  | { kind: 'broadcast'; id: number; from: string; text: string; sentAt: number }
  /** Who is typing to you now (sorted), after every change: a notice, its expiry, a message from them. */
  | { kind: 'typing'; peers: string[] }
  /** Who is typing in each group now (group id → sorted names), after every change. */
  | { kind: 'group_typing'; groups: Record<number, string[]> }
  /**
   * A group of yours changed (created, members added, removed or left, renamed, admins): `group` is
   * it as it is now, absent when you are no longer a member.
   */
  | ({ kind: 'group' } & Omit<ServerEvent<'group'>, 'type'>)
  | { kind: 'private_opened'; peer: string; initiatedByMe: boolean }
  | { kind: 'private_message'; peer: string; from: string; text: string; at: number }
  | { kind: 'private_closed'; peer: string; reason: PrivateCloseReason }
  /** A file transfer started, moved on (at most every 100 ms) or ended: `transfer` is its state now. */
  | { kind: 'file'; transfer: FileTransfer }
  /**
   * The server will log the user out for inactivity at `logoutAt` (ms since epoch) unless the user
   * does something first; `null` when that is no longer due (activity, logout).
   */
  | { kind: 'idle_warning'; logoutAt: number | null };

/** `window.messenger`: the only thing the renderer talks to. */
export interface MessengerApi {
  call<M extends ApiMethod>(method: M, ...args: ApiArgs<M>): Promise<ApiResult<ApiValues[M]>>;
  /** Subscribes to core events; returns the unsubscribe function. */
  onEvent(listener: (event: AppEvent) => void): () => void;
}

/**
 * Window routing: the renderer's index.html serves both kinds of window. A private-chat window is
 * opened at `index.html?window=private&peer=NAME`; anything else is the main window.
 */
export const PRIVATE_WINDOW_QUERY = { window: 'private', peerParam: 'peer' } as const;

/** IPC channel names, shared by the Electron main process and the preload. */
export const IPC_CALL_CHANNEL = 'messenger:call';
export const IPC_EVENT_CHANNEL = 'messenger:event';
