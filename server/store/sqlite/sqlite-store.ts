/**
 * The SQLite adapter of the Store port (server/store/store.ts): the embedded default, one process.
 *
 * Durability: writes of one event-loop tick share one transaction, the WAL's fsync runs off the
 * event loop and covers every commit made before it started (group commit, ./group-commit.ts), and
 * a promise, whether of a write or of a read, resolves only once everything written before it is
 * committed and synced. So a reply built from it never announces what a crash could undo, and
 * what one caller sees was never seen by another before it was on disk.
 *
 * Statements run when a method is called, not when its promise resolves: calls take effect in the
 * order they were made (one connection, one thread).
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { BroadcastMessage, DirectMessage } from '../../../src/shared/protocol.js';
import { lookAlikeKeys } from '../../look-alike.js';
import type {
  AccountStore,
  BlockStore,
  BroadcastStore,
  ConversationRow,
  GroupStore,
  DirectChange,
  FileMetaStore,
  LockState,
  LockoutPolicy,
  LockoutStore,
  MessageStore,
  NewBroadcast,
  NewDirectMessage,
  PresenceLog,
  ReactionChange,
  ReactionRefusal,
  ReadMarkOutcome,
  ReceiptState,
  Registration,
  Store,
} from '../store.js';
import { startCheckpointer, type Checkpointer } from './checkpointer.js';
import { GroupCommit, noWalSync, walFileSync, type WalSync } from './group-commit.js';
import { migrate } from './migrations.js';
import { pairKey } from '../conversation-key.js';
import { changeRefusal, toDirectMessage, type StoredMessageRow } from '../message-row.js';
import { groupStore } from './sqlite-groups.js';
import { fileMetaStore, messageFileWriter, type MessageFileWriter } from './sqlite-files.js';
import {
  broadcastHit,
  groupRuns,
  newestHits,
  searchConversation,
  searchHit,
  type BroadcastSearchRow,
  type SearchRow,
} from '../search-snippet.js';
import { pairRow, prepareStatements, searchMatch, wordsMatch, type Statements } from './statements.js';

export interface SqliteStoreOptions {
  /** Hears about failed background checkpoints (not fatal: the data is safe in the WAL). */
  onWarning?: (message: string) => void;
  /** How the WAL is synced; tests substitute one they control. Default: walFileSync. */
  walSync?: (path: string) => WalSync;
  /** How long the WAL must be idle before the checkpointer truncates it (./checkpointer.ts). */
  walIdleTruncateMs?: number;
  /** WAL size past which the checkpointer makes the writer restart it (./checkpointer.ts). */
  walRestartBytes?: number;
  /** Time between two background checkpoints (./checkpointer.ts); tests lengthen it. */
  checkpointIntervalMs?: number;
}

/** Opens (creating and migrating as needed) the database at `path`, or ':memory:'. */
export function openSqliteStore(path: string, options: SqliteStoreOptions = {}): SqliteStore {
  const { onWarning = (message: string) => process.emitWarning(message), walSync = walFileSync } = options;
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  // NORMAL: COMMIT does not fsync; GroupCommit syncs the WAL off the loop before any promise
  // resolves (see ./group-commit.ts), which keeps FULL's promise.
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  migrate(db);
  const statements = prepareStatements(db);
  // Nobody is online while the only process that writes this file opens it: spans left open by a
  // crash end at the last broadcast, which is exact, since no later broadcast could reach them.
  statements.closeEverySpan.run();
  if (path === ':memory:') return new SqliteStore(path, db, statements, noWalSync);
  // Checkpoints run on a worker thread (./checkpointer.ts), not inside a COMMIT, and so does
  // shortening the WAL: this connection never truncates it (-1: no size limit).
  db.pragma('wal_autocheckpoint = 0');
  db.pragma('journal_size_limit = -1');
  const checkpointer = startCheckpointer(
    path,
    onWarning,
    db.pragma('page_size', { simple: true }) as number,
    {
      idleTruncateMs: options.walIdleTruncateMs,
      restartBytes: options.walRestartBytes,
      intervalMs: options.checkpointIntervalMs,
    },
  );
  return new SqliteStore(path, db, statements, walSync(path), checkpointer);
}

/** Runs statements now and resolves their results once everything written so far is durable. */
class Durable {
  constructor(private readonly tick: GroupCommit) {}

  write<T>(fn: () => T): Promise<T> {
    try {
      return this.settled(this.tick.write(fn));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  read<T>(fn: () => T): Promise<T> {
    try {
      return this.settled(fn());
    } catch (error) {
      return Promise.reject(error);
    }
  }

  private settled<T>(value: T): Promise<T> {
    return new Promise((resolve) => this.tick.afterDurable(() => resolve(value)));
  }
}

export class SqliteStore implements Store {
  readonly accounts: AccountStore;
  readonly lockout: LockoutStore;
  readonly blocks: BlockStore;
  readonly messages: MessageStore;
  readonly broadcasts: BroadcastStore;
  readonly presence: PresenceLog;
  readonly groups: GroupStore;
  readonly files: FileMetaStore;
  private readonly tick: GroupCommit;
  private closed = false;

  constructor(
    readonly location: string,
    private readonly db: Database.Database,
    s: Statements,
    wal: WalSync,
    private readonly checkpointer?: Checkpointer,
  ) {
    this.tick = new GroupCommit(db, wal, undefined, () => this.finishWalCopy());
    const io = new Durable(this.tick);
    this.accounts = accountStore(s, io, this.tick);
    this.lockout = lockoutStore(s, io);
    this.blocks = blockStore(s, io);
    const storeFile = messageFileWriter(db);
    this.messages = messageStore(s, io, storeFile);
    this.broadcasts = broadcastStore(s, io);
    this.presence = presenceLog(s, io);
    this.groups = groupStore(s, io, storeFile);
    this.files = fileMetaStore(db, io);
  }

  /**
   * Between two transactions, once the checkpointer asks: copies the WAL's last frames into the
   * database so that the next transaction restarts the WAL (./checkpointer.ts says why). PASSIVE
   * never waits: if the checkpointer is copying right now, the next commit tries again.
   */
  private finishWalCopy(): void {
    if (!this.checkpointer?.restartDue()) return;
    const [state] = this.db.pragma('wal_checkpoint(PASSIVE)') as {
      busy: number;
      log: number;
      checkpointed: number;
    }[];
    if (state && state.busy === 0 && state.checkpointed === state.log) this.checkpointer.noteRestarted();
  }

  /** Commits and syncs now, blocking (tests and shutdown). */
  flush(): void {
    this.tick.flush();
  }

  close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.checkpointer?.stop();
      this.tick.close();
      this.db.close();
    }
    return Promise.resolve();
  }
}

function accountStore(s: Statements, io: Durable, tick: GroupCommit): AccountStore {
  const exists = (name: string) => s.userExists.get(name) !== undefined;
  const hasLookAlike = (name: string) => {
    const { asWritten, folded } = lookAlikeKeys(name);
    return s.hasLookAlike.get(asWritten, folded) !== undefined;
  };
  const create = (name: string, hash: string, createdAt: number) => {
    const { asWritten, folded } = lookAlikeKeys(name);
    return s.createUser.run(name, hash, createdAt, asWritten, folded).changes === 1;
  };
  return {
    exists: (name) => io.read(() => exists(name)),
    passwordHash: (name) => io.read(() => s.passwordHash.get(name) as string | undefined),
    create: (name, hash, createdAt) => io.write(() => create(name, hash, createdAt)),
    hasLookAlike: (name) => io.read(() => hasLookAlike(name)),
    register: (name, hash, createdAt) =>
      // One thread: the checks and the insert cannot interleave with another registration.
      io.read((): Registration => {
        if (exists(name)) return 'taken';
        if (hasLookAlike(name)) return 'look_alike';
        return tick.write(() => create(name, hash, createdAt)) ? 'created' : 'taken';
      }),
    setPasswordHash: (name, hash) => io.write(() => void s.setPasswordHash.run(hash, name)),
    readReceipts: (name) => io.read(() => s.readReceipts.get(name) === 1),
    setReadReceipts: (name, on) => io.write(() => void s.setReadReceipts.run(on ? 1 : 0, name)),
    // Usernames are ASCII below 0x7f, so prefix + DEL bounds every name with that prefix.
    search: (prefix, limit) => io.read(() => s.searchUsers.all(prefix, `${prefix}\x7f`, limit) as string[]),
  };
}

function lockoutStore(s: Statements, io: Durable): LockoutStore {
  const state = (name: string): LockState =>
    (s.lockState.get(name) as LockState | undefined) ?? { failures: 0, lockedUntil: 0 };
  return {
    state: (name) => io.read(() => state(name)),
    recordFailure: (name: string, now: number, policy: LockoutPolicy) =>
      // Read and write in one synchronous step: concurrent failures cannot interleave.
      io.write(() => {
        const before = state(name);
        if (before.lockedUntil > now) {
          const during = { failures: before.failures + 1, lockedUntil: before.lockedUntil };
          s.setLockState.run(name, during.failures, during.lockedUntil);
          return during;
        }
        // A lock that has run out leaves no count behind (what it holds are tries during the lock).
        const failures = (before.lockedUntil > 0 ? 0 : before.failures) + 1;
        const after =
          failures >= policy.maxFailures
            ? { failures: 0, lockedUntil: now + policy.lockMs }
            : { failures, lockedUntil: 0 };
        s.setLockState.run(name, after.failures, after.lockedUntil);
        return after;
      }),
    reset: (name) =>
      io.write(() => {
        const before = state(name);
        if (before.failures !== 0 || before.lockedUntil !== 0) s.setLockState.run(name, 0, 0);
      }),
  };
}

function blockStore(s: Statements, io: Durable): BlockStore {
  return {
    blocksOf: (blocker) => io.read(() => s.blocksOf.all(blocker) as string[]),
    blockersOf: (target) => io.read(() => s.blockersOf.all(target) as string[]),
    isBlocked: (blocker, target) => io.read(() => s.isBlocked.get(blocker, target) !== undefined),
    add: (blocker, target) => io.write(() => void s.addBlock.run(blocker, target)),
    remove: (blocker, target) => io.write(() => s.removeBlock.run(blocker, target).changes === 1),
  };
}

function messageStore(s: Statements, io: Durable, storeFile: MessageFileWriter): MessageStore {
  const byId = (id: number) => {
    const row = s.messageById.get(id) as StoredMessageRow | undefined;
    return row && toDirectMessage(row);
  };
  const rows = (statement: Database.Statement, ...values: unknown[]) =>
    (statement.all(...values) as StoredMessageRow[]).map(toDirectMessage);
  const insert = ({ from, to, text, sentAt, clientId, replyTo, file }: NewDirectMessage) => {
    const row = {
      from,
      to,
      pair: pairKey(from, to),
      text,
      sentAt,
      clientId: clientId ?? null,
      replyTo: replyTo ?? null,
    };
    const id = s.insertMessage.get(row) as number | undefined;
    if (id !== undefined) {
      s.addPair.run(...pairRow(from, to));
      if (file) storeFile(id, file);
      const message =
        replyTo === undefined
          ? ({ id, from, to, text, sentAt, ...(file ? { file } : {}) } satisfies DirectMessage)
          : byId(id);
      return { message: message as DirectMessage, duplicate: false };
    }
    const stored =
      clientId === undefined
        ? undefined
        : (s.messageByClientId.get(from, clientId) as StoredMessageRow | undefined);
    if (stored) return { message: toDirectMessage(stored), duplicate: true };
    return { refused: s.userExists.get(to) === undefined ? 'unknown_user' : 'blocked_by_recipient' } as const;
  };
  const change = (change: DirectChange) => {
    const revision = (
      'delete' in change
        ? s.deleteMessage.get({ id: change.id, sender: change.sender })
        : s.editMessage.get({
            id: change.id,
            sender: change.sender,
            text: change.text,
            at: change.at,
            editableSince: change.editableSince,
          })
    ) as number | undefined;
    // A deleted message keeps no reactions, as it keeps no text.
    if (revision !== undefined && 'delete' in change) s.clearReactions.run(change.id);
    const message = byId(change.id);
    if (revision === undefined || message === undefined) return { refused: changeRefusal(message, change) };
    return { message, revision };
  };
  const react = ({ id, user, emoji, add, at }: ReactionChange) => {
    const target = s.reactionTarget.get(id) as ReactionTarget | undefined;
    const refused = reactionRefusal(s, target, user);
    if (refused !== undefined) return { refused };
    const changed =
      (add ? s.addReaction.run(id, emoji, user, at) : s.removeReaction.run(id, emoji, user)).changes === 1;
    const revision = changed
      ? (s.bumpForReactor.get({ id, user }) as number)
      : (target as ReactionTarget).revision;
    // A group member who reacts has the new state from its reply, as a direct side does.
    if (changed) s.acknowledgeGroupChange.run({ id, revision, user });
    return { message: byId(id) as DirectMessage, revision, changed };
  };
  return {
    insertDirect: (message) => io.write(() => insert(message)),
    undeliveredAfter: (recipient, afterId, limit) =>
      io.read(() => rows(s.undeliveredAfter, { recipient, afterId, limit })),
    countUndelivered: (recipient) =>
      io.read(
        () =>
          (s.countUndelivered.get(recipient) as number) + (s.countUndeliveredGroup.get(recipient) as number),
      ),
    acknowledge: (recipient, ids) =>
      io.write(() => {
        if (ids.length === 0) return { senders: [], groups: [] };
        const list = JSON.stringify(ids);
        const groupAcked = s.acknowledgeGroup.all(recipient, list) as number[];
        const groups =
          groupAcked.length === 0
            ? []
            : (s.acknowledgedGroups.all(JSON.stringify(groupAcked)) as { sender: string; group: number }[]);
        return { senders: [...new Set(s.acknowledge.all(recipient, list) as string[])], groups };
      }),
    historyPage: (a, b, before, limit) => io.read(() => rows(s.historyPage, pairKey(a, b), before, limit)),
    conversations: (me) =>
      io.read(() =>
        (s.conversationPeers.all({ me }) as { peer: string; lastId: number }[]).map(
          ({ peer, lastId }): ConversationRow => ({
            peer,
            last: byId(lastId) as DirectMessage,
            unread: s.unreadFrom.get({ me, peer, pair: pairKey(me, peer) }) as number,
          }),
        ),
      ),
    markRead: (name, peer, upTo) => io.write(() => markRead(s, name, peer, upTo)),
    receiptState: (sender, recipient) => io.read(() => receiptState(s, sender, recipient)),
    messageById: (id) => io.read(() => byId(id)),
    changeDirect: (request) => io.write(() => change(request)),
    react: (request) => io.write(() => react(request)),
    changesAfter: (user, afterId, limit) =>
      io.read(() =>
        (s.changesAfter.all({ user, afterId, limit }) as StoredMessageRow[]).map((row) => ({
          message: toDirectMessage(row),
          revision: row.revision,
        })),
      ),
    acknowledgeChanges: (user, changes) =>
      io.write(() => {
        for (const { id, revision } of changes) {
          s.acknowledgeChange.run({ id, revision, user });
          s.acknowledgeGroupChange.run({ id, revision, user });
        }
      }),
    search: (query) =>
      io.read(() => {
        const { user, terms, before, limit } = query;
        const one = searchConversation(query);
        const scopes = one
          ? [one.scope]
          : groupRuns(s.searchGroupsOf.all(user) as number[]).map((groups) => ({ groups }));
        const pages = scopes.map((scope) => {
          const match = searchMatch(terms, user, scope);
          const rows = s.searchMessages.all({ me: user, match, pair: one?.key ?? null, before, limit });
          return (rows as SearchRow[]).map((row) => searchHit(row, user));
        });
        return newestHits(pages, limit);
      }),
  };
}

interface ReactionTarget {
  sender: string;
  recipient: string;
  groupId: number | null;
  deleted: number;
  revision: number;
}

function reactionRefusal(
  s: Statements,
  target: ReactionTarget | undefined,
  user: string,
): ReactionRefusal | undefined {
  if (!target || !canSee(s, target, user)) return 'unknown_message';
  if (target.deleted) return 'message_deleted';
  // In a group nobody is the recipient: a member's block hides the reactor there, it refuses nothing.
  if (target.groupId !== null) return undefined;
  const peer = target.sender === user ? target.recipient : target.sender;
  return s.isBlocked.get(peer, user) === undefined ? undefined : 'blocked_by_recipient';
}

/**
 * Either side of a direct message; for a group message, a current member who has not blocked its
 * sender (a blocked member's messages are hidden from the blocker, so they are unknown to it).
 */
function canSee(s: Statements, target: ReactionTarget, user: string): boolean {
  if (target.groupId === null) return target.sender === user || target.recipient === user;
  return (
    s.isGroupMember.get(target.groupId, user) !== undefined &&
    s.isBlocked.get(user, target.sender) === undefined
  );
}

function markRead(s: Statements, name: string, peer: string, upTo: number): ReadMarkOutcome {
  const newest = s.newestInPair.get(pairKey(name, peer)) as number | null;
  if (newest === null || upTo > newest) return 'unknown_message';
  const shared = s.readReceipts.get(name) === 1;
  s.markRead.run({ name, peer, upTo, shared: shared ? 1 : 0 });
  return shared ? 'shared' : 'private';
}

function receiptState(s: Statements, sender: string, recipient: string): ReceiptState {
  const oldestUnacked = s.oldestUnackedFrom.get(recipient, sender) as number | null;
  const newest = (s.newestInPair.get(pairKey(sender, recipient)) as number | null) ?? 0;
  return {
    deliveredUpTo: oldestUnacked === null ? newest : oldestUnacked - 1,
    sharedReadUpTo: (s.sharedReadMark.get(recipient, sender) as number | undefined) ?? 0,
    senderSharesReads: s.readReceipts.get(sender) === 1,
    recipientBlocksSender: s.isBlocked.get(recipient, sender) !== undefined,
  };
}

function broadcastStore(s: Statements, io: Durable): BroadcastStore {
  return {
    insert: ({ from, text, sentAt, excluded }: NewBroadcast) =>
      io.write(() => {
        const list = excluded.length === 0 ? null : excluded.join('\n');
        return Number(s.insertBroadcast.run(from, text, sentAt, list).lastInsertRowid);
      }),
    page: (name, before, limit) =>
      io.read(() => s.broadcastPage.all({ name, before, limit }) as BroadcastMessage[]),
    search: ({ user, terms, before, limit }) =>
      io.read(() => {
        const match = wordsMatch(terms);
        const rows = s.searchBroadcasts.all({ name: user, match, before, limit }) as BroadcastSearchRow[];
        return rows.map(broadcastHit);
      }),
  };
}

function presenceLog(s: Statements, io: Durable): PresenceLog {
  return {
    online: (name, at) =>
      io.write(() => {
        s.recordSeen.run(name, at);
        s.closeSpan.run(name);
        s.openSpan.run(name);
      }),
    offline: (name, at) =>
      io.write(() => {
        s.recordSeen.run(name, at);
        s.closeSpan.run(name);
      }),
    seenSince: (since) => io.read(() => s.seenSince.all(since) as string[]),
    everyoneOffline: () => io.write(() => void s.closeEverySpan.run()),
  };
}
