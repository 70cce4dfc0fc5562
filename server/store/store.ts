/**
 * The storage port. Everything the server keeps lives behind these interfaces, split by concern;
 * the adapters beside this file implement them: SQLite (./sqlite, the embedded default) and
 * PostgreSQL (./postgres, for several nodes). The conformance suite in
 * test/server/store/store-conformance.ts runs unchanged against both.
 *
 * Contract of every adapter:
 * - Every method is async. An awaited write has resolved only once it is durable: committed and
 *   on disk, so a crash or power loss cannot undo what a reply then announces.
 * - A read sees every write whose promise has resolved, from any node.
 * - When the backing service cannot be reached, a method rejects with StoreUnavailableError and the
 *   adapter keeps trying to reconnect by itself; nothing whose write resolved is lost.
 * - Conversations: a direct message belongs to the conversation of its two users. Message ids are
 *   unique, and a conversation's history is ordered by id.
 * - Per recipient, direct messages commit in id order: once a reader sees a message, it sees every
 *   earlier-id message to the same recipient. (SQLite has one writer; PostgreSQL takes a
 *   per-recipient lock before drawing the id.) The offline backlog's cursor relies on it
 *   (Session.noteDelivered). Across recipients, ids may commit in any order, and acknowledgements
 *   never rely on order: they name the ids that were written to the connection.
 */
import type {
  BroadcastMessage,
  DirectMessage,
  FileInfo,
  GroupInfo,
  SearchHit,
} from '../../src/shared/protocol.js';
import type { ReactionEmoji } from '../../src/shared/reactions.js';
import type { SearchTerm } from '../../src/shared/search-query.js';

/** The backing service (database server) cannot be reached right now; the request may be retried. */
export class StoreUnavailableError extends Error {
  override name = 'StoreUnavailableError';
}

/** How a registration ended: a look-alike name is one server/look-alike.ts finds confusable. */
export type Registration = 'created' | 'taken' | 'look_alike';

export interface AccountStore {
  exists(name: string): Promise<boolean>;
  passwordHash(name: string): Promise<string | undefined>;
  /** Creates the account; false when the name is taken. Look-alikes are allowed (the operator's file). */
  create(name: string, hash: string, createdAt: number): Promise<boolean>;
  /** Whether some account's name looks like `name` (the same name included). */
  hasLookAlike(name: string): Promise<boolean>;
  /** Creates the account unless the name is taken or looks like another; check and insert are atomic. */
  register(name: string, hash: string, createdAt: number): Promise<Registration>;
  setPasswordHash(name: string, hash: string): Promise<void>;
  /** "Send read receipts" (on for a new account; false for an unknown name). */
  readReceipts(name: string): Promise<boolean>;
  setReadReceipts(name: string, on: boolean): Promise<void>;
  /** Names starting with prefix, in code-unit order, at most limit. */
  search(prefix: string, limit: number): Promise<string[]>;
}

export interface LockState {
  /**
   * Consecutive wrong passwords since the last success or lock; while locked, the wrong passwords
   * tried during the lock. So exactly one failure, the one that locked, returns a locked state
   * with 0, however many race it in the same millisecond.
   */
  failures: number;
  /** Epoch ms until which the account is locked; 0 when not locked. */
  lockedUntil: number;
}

/** The lockout policy a failure is counted under. */
export interface LockoutPolicy {
  /** The failure that makes this many consecutive ones locks the account. */
  maxFailures: number;
  lockMs: number;
}

export interface LockoutStore {
  state(name: string): Promise<LockState>;
  /**
   * Counts one wrong password, atomically against concurrent failures on every node. A failure
   * while locked keeps the lock as it is (racing attempts that passed their lock check before the
   * lock must not lift or extend it) and counts a try during it. Returns the state after it:
   * `lockedUntil > now` when the account is locked, with `failures` 0 for the failure that locked.
   */
  recordFailure(name: string, now: number, policy: LockoutPolicy): Promise<LockState>;
  /** A successful login: the count starts again. */
  reset(name: string): Promise<void>;
}

export interface BlockStore {
  /** Users that blocker has blocked, sorted. */
  blocksOf(blocker: string): Promise<string[]>;
  /** Users who have blocked target. */
  blockersOf(target: string): Promise<string[]>;
  isBlocked(blocker: string, target: string): Promise<boolean>;
  add(blocker: string, target: string): Promise<void>;
  /** False when there was no such block. */
  remove(blocker: string, target: string): Promise<boolean>;
}

export interface ConversationRow {
  peer: string;
  /** The newest message of the conversation. */
  last: DirectMessage;
  /** Messages from peer newer than the user's read mark. */
  unread: number;
}

/** What a message says and carries, the same for a direct and a group message. */
export interface MessageContent {
  text: string;
  /** The sender's id for the message: a retry with the same one finds the stored message. */
  clientId?: string | undefined;
  /** The message this one answers; the caller has checked it belongs to the same conversation. */
  replyTo?: number | undefined;
  /** The file it carries (stored with it, atomically); its blob is in place already. */
  file?: FileInfo | undefined;
}

export interface NewDirectMessage extends MessageContent {
  from: string;
  to: string;
  sentAt: number;
}

/**
 * A change of a direct message by its sender: new text (an edit), or `delete` (its text is erased,
 * the row stays). An edit is refused for a message sent before `editableSince`.
 */
export type DirectChange =
  | { id: number; sender: string; at: number; text: string; editableSince: number }
  | { id: number; sender: string; at: number; delete: true };

/** Why a change was not made: no such message, another user's, deleted already, too old to edit. */
export type ChangeRefusal = 'unknown_message' | 'not_yours' | 'message_deleted' | 'edit_window_passed';

/** A user adds or removes its reaction on a message of one of its conversations, at `at`. */
export interface ReactionChange {
  id: number;
  user: string;
  emoji: ReactionEmoji;
  add: boolean;
  at: number;
}

/**
 * Why a reaction was not changed: not the user's conversation (or group, or a group message it
 * cannot see), a deleted message, or the direct peer blocked the user.
 */
export type ReactionRefusal = 'unknown_message' | 'message_deleted' | 'blocked_by_recipient';

/**
 * A changed message as its recipient is sent it. `revision` counts the message's changes; the
 * recipient's acknowledgement of a revision (acknowledgeChanges) ends its redelivery.
 */
export interface DirectChangeEvent {
  message: DirectMessage;
  revision: number;
}

/**
 * What the receipts of sender's messages to recipient follow from (server/receipts.ts decides what
 * the sender may see of it). Watermarks are message ids, 0 when there is none.
 */
export interface ReceiptState {
  /**
   * Every message from sender to recipient with an id up to this one is acknowledged: exact, since
   * it stops below the oldest one not acknowledged (acks need not come in id order).
   */
  deliveredUpTo: number;
  /** The recipient's read mark for sender as it moved while the recipient's read receipts were on. */
  sharedReadUpTo: number;
  senderSharesReads: boolean;
  recipientBlocksSender: boolean;
}

/**
 * One member's view of `sender`'s messages in a group (server/receipts.ts decides what the sender
 * may see of it). Every message of the sender's in the group with an id from `since` on was sent
 * to the member: a message it was not sent (it had blocked the sender) starts the run again, and
 * so does leaving the group (its deliveries go with it).
 */
export interface GroupReceiptState {
  member: string;
  since: number;
  /** Of the sender's messages sent to the member, every one up to here is acknowledged (exact). */
  deliveredUpTo: number;
  /** The member's group read mark as it moved while the member's read receipts were on. */
  sharedReadUpTo: number;
  memberBlocksSender: boolean;
}

export interface GroupReceiptStates {
  senderSharesReads: boolean;
  /** Sorted by name: a member appears once the sender's first message was sent to it. */
  members: GroupReceiptState[];
}

/** What an acknowledgement newly delivered: direct messages from `senders`, group messages from `groups`' senders. */
export interface Acknowledged {
  senders: string[];
  groups: { sender: string; group: number }[];
}

/**
 * How a read mark was taken: refused (past the conversation's newest message, so nothing changed),
 * kept to the reader (read receipts off) or shared with the peer too.
 */
export type ReadMarkOutcome = 'unknown_message' | 'private' | 'shared';

/** Why a direct message was not stored. */
export type DirectRefusal = 'unknown_user' | 'blocked_by_recipient';

/**
 * A full-text search of the messages `user` may search (each adapter states that rule in one
 * place): the direct messages the user sent or received, none of a conversation with someone the
 * user has blocked; and the messages of the groups the user is a member of now, as its group
 * history shows them (messages from before it joined too, none from a sender it blocks). Never a
 * deleted one. Every term must match.
 */
export interface MessageSearch {
  user: string;
  terms: readonly SearchTerm[];
  /** Only the conversation with this user. */
  peer?: string;
  /** Only this group's messages (the caller has checked the user is a member). */
  group?: number;
  /** Only messages with a smaller id. */
  before: number;
  limit: number;
}

export interface MessageStore {
  /**
   * Stores a direct message unless the recipient does not exist or has blocked the sender (checked
   * atomically with the insert). A retry whose clientId the sender used before stores nothing and
   * returns the message stored the first time, with `duplicate: true`.
   */
  insertDirect(
    message: NewDirectMessage,
  ): Promise<{ message: DirectMessage; duplicate: boolean } | { refused: DirectRefusal }>;
  /** At most limit messages to recipient not acknowledged yet with id > afterId, in id order. */
  undeliveredAfter(recipient: string, afterId: number, limit: number): Promise<DirectMessage[]>;
  countUndelivered(recipient: string): Promise<number>;
  /**
   * Marks exactly these messages to recipient as delivered (ids of other recipients are ignored);
   * returns the distinct senders (of group messages: with their group) of those that were not
   * delivered before.
   */
  acknowledge(recipient: string, ids: readonly number[]): Promise<Acknowledged>;
  /** Messages between a and b with id < before, newest first, at most limit. */
  historyPage(a: string, b: string, before: number, limit: number): Promise<DirectMessage[]>;
  /** Every conversation of the user, the most recently active first. */
  conversations(name: string): Promise<ConversationRow[]>;
  /**
   * Moves the user's read mark for peer forward (never back), unless upTo is past the newest
   * message of their conversation. While the user's read receipts are on, the shared mark
   * (ReceiptState.sharedReadUpTo) moves with it.
   */
  markRead(name: string, peer: string, upTo: number): Promise<ReadMarkOutcome>;
  receiptState(sender: string, recipient: string): Promise<ReceiptState>;
  /** The message with this id, as it is now (edited, deleted, with its quote), if it exists. */
  messageById(id: number): Promise<DirectMessage | undefined>;
  /**
   * Edits or deletes a message, atomically with the checks of ChangeRefusal: only its sender, never
   * a deleted one, an edit only while sent at or after editableSince. An edit's editedAt is
   * max(at, the previous editedAt + 1), so it increases with every edit. A delete erases the text.
   */
  changeDirect(change: DirectChange): Promise<DirectChangeEvent | { refused: ChangeRefusal }>;
  /**
   * Adds or removes a reaction, atomically with the checks of ReactionRefusal. A change bumps the
   * message's revision, which the reactor then has (it gets the message in its reply) and the
   * other side has pending; adding a reaction already there, or removing one that is not, changes
   * nothing (`changed: false`, the revision as it was). A deleted message has no reactions. A group
   * message takes reactions from its group's current members, except from one who blocked its
   * sender (`unknown_message`: that member cannot see it); the reactor's delivery row moves to the
   * new revision. A group has no `blocked_by_recipient`.
   */
  react(
    change: ReactionChange,
  ): Promise<(DirectChangeEvent & { changed: boolean }) | { refused: ReactionRefusal }>;
  /**
   * Changes to messages `user` has and whose latest revision it has not acknowledged, with id >
   * afterId, in id order, at most limit (redelivered at login): messages to it already acknowledged
   * (direct, or group messages it has a delivery row for), and direct messages from it (its peer
   * reacted).
   */
  changesAfter(user: string, afterId: number, limit: number): Promise<DirectChangeEvent[]>;
  /**
   * `user` has these revisions of messages to or from it: each side's acknowledged revision only
   * moves forward.
   */
  acknowledgeChanges(user: string, changes: readonly { id: number; revision: number }[]): Promise<void>;
  /**
   * The newest matches first, at most limit, each with a snippet of its current text whose matched
   * words are marked (a query the engine cannot read never throws: its words are quoted).
   */
  search(query: MessageSearch): Promise<SearchHit[]>;
}

/** A group message to store: the caller has checked `replyTo` belongs to the same group. */
export interface NewGroupMessage extends MessageContent {
  from: string;
  group: number;
  sentAt: number;
}

/** A group with this user's view of it: its newest message it may see, and how many it has not read. */
export interface GroupConversationRow {
  group: GroupInfo;
  last?: DirectMessage;
  unread: number;
}

/** Why a group change was refused (docs/protocol.md, "Groups"). */
export type GroupRefusal = 'unknown_group' | 'not_admin' | 'not_a_member' | 'group_full' | 'too_many_groups';

/** The bounds a group change is checked against (src/shared/limits.ts). */
export interface GroupLimits {
  maxMembers: number;
  maxCreated: number;
}

/**
 * Groups and their messages. A group message is one stored row (its conversation is the group's),
 * with a delivery row per member who was sent it: those are acknowledged, redelivered at login and
 * kept pending for changes like direct messages (MessageStore's undeliveredAfter, acknowledge,
 * changesAfter and acknowledgeChanges cover both). Members who blocked the sender get no delivery
 * row, and history leaves out the senders the reader blocks. Every membership check is atomic with
 * the change it guards. A user who is not a member finds a group exactly as one that does not exist.
 */
export interface GroupStore {
  create(
    group: { name: string; creator: string; members: readonly string[]; at: number },
    limits: GroupLimits,
  ): Promise<GroupInfo | { refused: GroupRefusal }>;
  /** The group, when `member` is one of its members. */
  get(id: number, member: string): Promise<GroupInfo | undefined>;
  /** An admin adds users (those already members are left as they are). */
  add(
    id: number,
    by: string,
    users: readonly string[],
    limits: GroupLimits,
  ): Promise<GroupInfo | { refused: GroupRefusal }>;
  /** An admin removes a member other than the creator; the member's pending deliveries go. */
  remove(id: number, by: string, user: string): Promise<GroupInfo | { refused: GroupRefusal }>;
  /** A member leaves; when no admin is left, the longest-standing member becomes one. */
  leave(id: number, user: string): Promise<GroupInfo | { refused: GroupRefusal }>;
  rename(id: number, by: string, name: string): Promise<GroupInfo | { refused: GroupRefusal }>;
  /** The creator names an admin or takes it back. */
  setAdmin(
    id: number,
    by: string,
    user: string,
    admin: boolean,
  ): Promise<GroupInfo | { refused: GroupRefusal }>;
  /**
   * Stores a message to the group and a delivery row for every other member who has not blocked
   * the sender (`recipients`), unless the sender is not a member. A retry with a used clientId
   * stores nothing and returns the first message with `duplicate: true`.
   */
  insertMessage(
    message: NewGroupMessage,
  ): Promise<
    { message: DirectMessage; recipients: string[]; duplicate: boolean } | { refused: 'unknown_group' }
  >;
  /** A page of the group's messages with id < before, newest first, without those from senders `reader` blocks. */
  historyPage(group: number, reader: string, before: number, limit: number): Promise<DirectMessage[]>;
  /** Every group of the user with its last message and unread count, most recently active first. */
  conversations(name: string): Promise<GroupConversationRow[]>;
  /**
   * Moves the member's read mark forward, unless upTo is not a message of the group the member may
   * see (one from a sender it blocks, another conversation's, none). While the member's read
   * receipts are on the shared mark moves too, and `senders` are those whose messages the member
   * was sent (they have receipts from it).
   */
  markRead(
    name: string,
    group: number,
    upTo: number,
  ): Promise<'unknown_message' | { shared: boolean; senders: string[] }>;
  /** Each member's view of sender's messages in the group (GroupReceiptState). */
  receipts(sender: string, group: number): Promise<GroupReceiptStates>;
  /** Members who have a delivery row for this message (they are sent its changes). */
  recipientsOf(messageId: number): Promise<string[]>;
}

export interface NewBroadcast {
  from: string;
  text: string;
  sentAt: number;
  /** Online users who had blocked the sender: they did not receive it. */
  excluded: readonly string[];
}

/**
 * A full-text search of the broadcasts `user` may search: those it sent or received (the ones its
 * `page` lists), none from a sender it blocks now. Every term must match.
 */
export interface BroadcastSearch {
  user: string;
  terms: readonly SearchTerm[];
  /** Only broadcasts with a smaller id. */
  before: number;
  limit: number;
}

export interface BroadcastStore {
  /**
   * Stores a broadcast once, whatever its audience, and returns its id. Who received it follows
   * from the online spans: everyone whose span was open, except `excluded`.
   */
  insert(broadcast: NewBroadcast): Promise<number>;
  /** Broadcasts `name` sent or received with id < before, newest first, at most limit. */
  page(name: string, before: number, limit: number): Promise<BroadcastMessage[]>;
  /** The newest matches first, at most limit, each with a marked snippet (as MessageStore.search). */
  search(query: BroadcastSearch): Promise<SearchHit[]>;
}

/** Who was online when: last-seen times (whoelsesince) and online spans (broadcast history). */
export interface PresenceLog {
  /** The user came online at `at`: records it as seen and opens its span (closing a stale one). */
  online(name: string, at: number): Promise<void>;
  /** The user went offline at `at` (or its node was lost): records it as seen, closes its span. */
  offline(name: string, at: number): Promise<void>;
  /** Users last seen online at or after `since`. */
  seenSince(since: number): Promise<string[]>;
  /**
   * Nobody is online on any node (the only node of a service is starting after a crash): every
   * span left open ends at the last broadcast, which is exact, since no later one reached them.
   */
  everyoneOffline(): Promise<void>;
}

/** An upload as the store keeps it: `finished` once its bytes matched their hash. */
export interface UploadRow extends FileInfo {
  id: string;
  owner: string;
  started: number;
  finished?: number;
}

/**
 * What refers to the blobs of a FileStore (server/files/file-store.ts): uploads, and the files of
 * messages (stored by MessageStore.insertDirect and GroupStore.insertMessage). A blob is in use
 * while an upload not attached to a message yet, or a message that is not deleted, refers to it.
 */
export interface FileMetaStore {
  /**
   * The owner's unfinished upload of this content (same sha256 and size), if any: `resumed`.
   * Otherwise inserts `upload` unless the owner has `maxInProgress` unfinished ones already
   * (checked atomically with the insert).
   */
  startUpload(
    upload: UploadRow,
    maxInProgress: number,
  ): Promise<{ upload: UploadRow; resumed: boolean } | { refused: 'too_many_uploads' }>;
  /** The upload, when it is `owner`'s. */
  upload(id: string, owner: string): Promise<UploadRow | undefined>;
  finishUpload(id: string, at: number): Promise<void>;
  removeUpload(id: string): Promise<void>;
  /**
   * A message carries the upload's file now: the upload no longer keeps the blob (the message
   * does), and stays attachable until it expires (a retried send, the same file to another chat).
   * With `attached` false the upload keeps the blob again (a send of it in progress).
   */
  markAttached(id: string, attached?: boolean): Promise<void>;
  /** At most limit uploads started before `before`, oldest first (the janitor's). */
  expiredUploads(before: number, limit: number): Promise<UploadRow[]>;
  blobInUse(sha256: string): Promise<boolean>;
}

export interface Store {
  readonly accounts: AccountStore;
  readonly lockout: LockoutStore;
  readonly blocks: BlockStore;
  readonly messages: MessageStore;
  readonly broadcasts: BroadcastStore;
  readonly presence: PresenceLog;
  readonly groups: GroupStore;
  readonly files: FileMetaStore;
  /** Where the data lives, for the log and the listening line (a path or a URL without password). */
  readonly location: string;
  /** Finishes pending writes and closes; safe to call twice. */
  close(): Promise<void>;
}
