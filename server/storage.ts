/**
 * Every SQL statement of the server lives here, behind the Storage interface, so that a networked
 * store could replace SQLite later without touching the rest of the server.
 *
 * Durability: a message is acknowledged to its sender only after the transaction holding it has
 * committed and the WAL has been fsynced, so it survives power loss as well as a process crash.
 * Writes of one event-loop tick share one transaction, the fsync runs off the event loop and covers
 * every commit made before it started ("group commit", server/group-commit.ts), and every frame the
 * server sends waits for it via afterCommit().
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { BroadcastMessage, DirectMessage } from '../src/shared/protocol.js';
import { startCheckpointer, type Checkpointer } from './checkpointer.js';
import { GroupCommit, noWalSync, walFileSync, type WalSync } from './group-commit.js';
import { lookAlikeKeys } from './look-alike.js';

export interface LockState {
  /** Consecutive wrong passwords since the last success or lock. */
  failures: number;
  /** Epoch ms until which the account is locked; 0 when not locked. */
  lockedUntil: number;
}

export interface ConversationRow {
  peer: string;
  lastId: number;
}

/** How a registration ended: a look-alike name is one server/look-alike.ts finds confusable. */
export type Registration = 'created' | 'taken' | 'look_alike';

export interface Storage {
  userExists(name: string): boolean;
  passwordHash(name: string): string | undefined;
  /** False when the name is taken. Look-alikes are allowed (the operator's credentials file). */
  createUser(name: string, hash: string, createdAt: number): boolean;
  /** Whether some user's name looks like `name` (the same name included). */
  hasLookAlike(name: string): boolean;
  /** Creates the user unless the name is taken or looks like another; check and insert are one step. */
  registerUser(name: string, hash: string, createdAt: number): Registration;
  setPasswordHash(name: string, hash: string): void;
  /** Names starting with prefix, sorted, at most limit. */
  searchUsers(prefix: string, limit: number): string[];

  lockState(name: string): LockState;
  setLockState(name: string, state: LockState): void;

  /** Users that blocker has blocked. */
  blocksOf(blocker: string): string[];
  /** Users who have blocked target. */
  blockersOf(target: string): string[];
  isBlocked(blocker: string, target: string): boolean;
  addBlock(blocker: string, target: string): void;
  /** False when there was no such block. */
  removeBlock(blocker: string, target: string): boolean;

  /**
   * Starts the user's online span: the broadcasts stored from now until closeSpan are the ones it
   * was online for (presence calls both, in step with its registry of who is online).
   */
  openSpan(name: string): void;
  closeSpan(name: string): void;
  /**
   * The id for the next broadcast, known before it is written, so that its frames can leave before
   * the write they would otherwise wait for (see Messages.broadcast).
   */
  reserveBroadcastId(): number;
  /**
   * Stores a broadcast once, under its reserved id. Its audience is not written: it is everyone whose
   * online span holds it (the sender's included), except `excluded` (online users who had blocked
   * the sender).
   */
  insertBroadcast(id: number, from: string, text: string, sentAt: number, excluded: readonly string[]): void;
  /** Broadcasts `name` sent or received with id < before, newest first, at most limit. */
  broadcastPage(name: string, before: number, limit: number): BroadcastMessage[];

  /** Remembers that the user was online at `at` (login and logout both call it). */
  recordSeen(name: string, at: number): void;
  /** Users last seen online at or after `since`. */
  seenSince(since: number): string[];

  /**
   * Stores a direct message unless the recipient does not exist or has blocked the sender (checked
   * in the same statement, so a successful send costs one statement); undefined when refused.
   */
  insertMessage(
    from: string,
    to: string,
    text: string,
    sentAt: number,
    clientId?: string,
  ): DirectMessage | undefined;
  /** The message `from` stored earlier under this client id, if any. */
  messageByClientId(from: string, clientId: string): DirectMessage | undefined;
  /** At most limit messages to this user not acknowledged yet with id > afterId, oldest first. */
  undeliveredAfter(recipient: string, afterId: number, limit: number): DirectMessage[];
  countUndelivered(recipient: string): number;
  acknowledge(recipient: string, upTo: number): void;
  /** Messages between a and b with id < before, newest first, at most limit. */
  historyPage(a: string, b: string, before: number, limit: number): DirectMessage[];
  /** Every peer the user exchanged direct messages with, and the last message id. */
  conversationPeers(name: string): ConversationRow[];
  messageById(id: number): DirectMessage | undefined;
  /** Messages from peer to name with id greater than name's read mark for peer. */
  unreadFrom(name: string, peer: string): number;
  /** Moves the read mark forward (never back). */
  markRead(name: string, peer: string, upTo: number): void;

  /**
   * Runs cb once everything written so far is committed and on disk (immediately when it already
   * is), in registration order.
   */
  afterCommit(cb: () => void): void;
  /** Grows with every write: two equal marks mean nothing was written in between. */
  writeMark(): number;
  /** The write mark up to which everything is committed and on disk. */
  durableMark(): number;
  /** Commits the pending transaction and syncs it to disk now, blocking. */
  flush(): void;
  close(): void;
}

/** Versioned migrations: index i brings the schema from user_version i to i + 1. */
const MIGRATIONS: string[] = [
  `CREATE TABLE users (
     name TEXT PRIMARY KEY,
     password_hash TEXT NOT NULL,
     created_at INTEGER NOT NULL
   ) WITHOUT ROWID;
   CREATE TABLE lockouts (
     name TEXT PRIMARY KEY REFERENCES users(name),
     failures INTEGER NOT NULL,
     locked_until INTEGER NOT NULL
   ) WITHOUT ROWID;
   CREATE TABLE blocks (
     blocker TEXT NOT NULL REFERENCES users(name),
     blocked TEXT NOT NULL REFERENCES users(name),
     PRIMARY KEY (blocker, blocked)
   ) WITHOUT ROWID;
   CREATE INDEX blocks_by_blocked ON blocks(blocked, blocker);
   CREATE TABLE last_seen (
     name TEXT PRIMARY KEY REFERENCES users(name),
     at INTEGER NOT NULL
   ) WITHOUT ROWID;
   CREATE INDEX last_seen_by_time ON last_seen(at);
   -- pair is "a\\nb" with a < b: one key for both directions of a conversation, so a history page
   -- is one index range scan even on a 100k-message conversation.
   CREATE TABLE messages (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     sender TEXT NOT NULL,
     recipient TEXT NOT NULL,
     pair TEXT NOT NULL,
     text TEXT NOT NULL,
     sent_at INTEGER NOT NULL,
     acked INTEGER NOT NULL DEFAULT 0
   );
   CREATE INDEX messages_by_pair ON messages(pair, id);
   CREATE INDEX messages_by_sender ON messages(sender, recipient, id);
   CREATE INDEX messages_by_recipient ON messages(recipient, sender, id);
   CREATE INDEX messages_undelivered ON messages(recipient, id) WHERE acked = 0;
   CREATE TABLE read_marks (
     name TEXT NOT NULL,
     peer TEXT NOT NULL,
     up_to INTEGER NOT NULL,
     PRIMARY KEY (name, peer)
   ) WITHOUT ROWID;`,
  // Idempotent sends: a sender's retry with the same client id finds the stored message.
  `ALTER TABLE messages ADD COLUMN client_id TEXT;
   CREATE UNIQUE INDEX messages_by_client_id ON messages(sender, client_id) WHERE client_id IS NOT NULL;`,
  // Who talked with whom, one row per pair (a < b, as in messages.pair), in place of two indexes on
  // every message: each index on messages costs a random B-tree page write per message, while an
  // existing pair row costs a lookup. Conversation lists find the pairs here and their last
  // message through messages_by_pair.
  `CREATE TABLE pairs (
     a TEXT NOT NULL,
     b TEXT NOT NULL,
     PRIMARY KEY (a, b)
   ) WITHOUT ROWID;
   CREATE INDEX pairs_by_b ON pairs(b, a);
   INSERT OR IGNORE INTO pairs (a, b)
     SELECT substr(pair, 1, instr(pair, char(10)) - 1), substr(pair, instr(pair, char(10)) + 1)
     FROM messages GROUP BY pair;
   DROP INDEX messages_by_sender;
   DROP INDEX messages_by_recipient;`,
  // Broadcasts kept: one row per broadcast, whatever the number of receivers. Who received one is
  // derived from online_spans: a user's span covers the broadcast ids stored while it was online,
  // (after_broadcast, until_broadcast], open-ended (NULL) while it still is. `excluded` lists the
  // online users who had blocked the sender then (newline-separated; NULL when none).
  `CREATE TABLE broadcasts (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     sender TEXT NOT NULL,
     text TEXT NOT NULL,
     sent_at INTEGER NOT NULL,
     excluded TEXT
   );
   CREATE TABLE online_spans (
     name TEXT NOT NULL,
     after_broadcast INTEGER NOT NULL,
     until_broadcast INTEGER
   );
   CREATE INDEX online_spans_by_name ON online_spans(name, after_broadcast);
   CREATE INDEX online_spans_open ON online_spans(name) WHERE until_broadcast IS NULL;`,
  // Look-alike keys of each name (server/look-alike.ts), so registration can refuse a name that
  // looks like an existing one with two index lookups. Not unique: look-alike accounts made before
  // this migration stay as they are.
  `ALTER TABLE users ADD COLUMN look_alike TEXT;
   ALTER TABLE users ADD COLUMN look_alike_folded TEXT;
   UPDATE users SET look_alike = look_alike_as_written(name), look_alike_folded = look_alike_folded(name);
   CREATE INDEX users_by_look_alike ON users(look_alike);
   CREATE INDEX users_by_look_alike_folded ON users(look_alike_folded);`,
];

/** The SQL functions the migrations call to compute values only JavaScript can. */
function registerMigrationFunctions(db: Database.Database): void {
  const options = { deterministic: true };
  db.function('look_alike_as_written', options, (name) => lookAlikeKeys(String(name)).asWritten);
  db.function('look_alike_folded', options, (name) => lookAlikeKeys(String(name)).folded);
}

function migrate(db: Database.Database): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > MIGRATIONS.length) {
    throw new Error(`database schema version ${version} is newer than this server (${MIGRATIONS.length})`);
  }
  for (let v = version; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v] as string);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}

function pairKey(a: string, b: string): string {
  return a < b ? `${a}\n${b}` : `${b}\n${a}`;
}

/** The pairs row of a conversation: [smaller name, larger name], the order pairKey uses. */
function pairRow(a: string, b: string): [string, string] {
  return a < b ? [a, b] : [b, a];
}

const MESSAGE_COLUMNS = 'id, sender AS "from", recipient AS "to", text, sent_at AS sentAt';
const LAST_BROADCAST = '(SELECT coalesce(max(id), 0) FROM broadcasts)';

/** The WAL file is truncated back to this size after a burst has made it larger. */
const WAL_SIZE_LIMIT = 64 * 1024 * 1024;

export interface StorageOptions {
  /** Hears about failed background checkpoints (not fatal: the data is safe in the WAL). */
  onWarning?: (message: string) => void;
  /** How the WAL is synced; tests substitute one they control. Default: walFileSync. */
  walSync?: (path: string) => WalSync;
}

export function openStorage(path: string, options: StorageOptions = {}): Storage {
  const { onWarning = (message: string) => process.emitWarning(message), walSync = walFileSync } = options;
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  // NORMAL: COMMIT does not fsync; GroupCommit syncs the WAL off the loop before anything is
  // announced (see server/group-commit.ts), which keeps FULL's promise.
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  registerMigrationFunctions(db);
  migrate(db);
  // Nobody is online while the store opens: spans left open by a crash end at the last broadcast,
  // which is exact, since no later broadcast could reach them.
  db.exec(`UPDATE online_spans SET until_broadcast = ${LAST_BROADCAST} WHERE until_broadcast IS NULL`);
  if (path === ':memory:') return new SqliteStorage(db, noWalSync);
  // Checkpoints run on a worker thread (server/checkpointer.ts), not inside a COMMIT.
  db.pragma('wal_autocheckpoint = 0');
  db.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT}`);
  return new SqliteStorage(db, walSync(path), startCheckpointer(path, onWarning));
}

class SqliteStorage implements Storage {
  private readonly tick: GroupCommit;
  private readonly s;
  private lastBroadcastId: number | undefined;

  constructor(
    private readonly db: Database.Database,
    private readonly wal: WalSync,
    private readonly checkpointer?: Checkpointer,
  ) {
    this.tick = new GroupCommit(db, wal);
    const p = (sql: string) => db.prepare(sql);
    this.s = {
      userExists: p('SELECT 1 FROM users WHERE name = ?').pluck(),
      passwordHash: p('SELECT password_hash FROM users WHERE name = ?').pluck(),
      createUser: p(
        `INSERT OR IGNORE INTO users (name, password_hash, created_at, look_alike, look_alike_folded)
         VALUES (?, ?, ?, ?, ?)`,
      ),
      hasLookAlike: p('SELECT 1 FROM users WHERE look_alike = ? OR look_alike_folded = ? LIMIT 1').pluck(),
      setPasswordHash: p('UPDATE users SET password_hash = ? WHERE name = ?'),
      searchUsers: p('SELECT name FROM users WHERE name >= ? AND name < ? ORDER BY name LIMIT ?').pluck(),
      lockState: p('SELECT failures, locked_until AS lockedUntil FROM lockouts WHERE name = ?'),
      setLockState: p(
        `INSERT INTO lockouts (name, failures, locked_until) VALUES (?, ?, ?)
         ON CONFLICT (name) DO UPDATE SET failures = excluded.failures, locked_until = excluded.locked_until`,
      ),
      blocksOf: p('SELECT blocked FROM blocks WHERE blocker = ? ORDER BY blocked').pluck(),
      blockersOf: p('SELECT blocker FROM blocks WHERE blocked = ?').pluck(),
      isBlocked: p('SELECT 1 FROM blocks WHERE blocker = ? AND blocked = ?').pluck(),
      addBlock: p('INSERT OR IGNORE INTO blocks (blocker, blocked) VALUES (?, ?)'),
      removeBlock: p('DELETE FROM blocks WHERE blocker = ? AND blocked = ?'),
      recordSeen: p(
        `INSERT INTO last_seen (name, at) VALUES (?, ?)
         ON CONFLICT (name) DO UPDATE SET at = max(at, excluded.at)`,
      ),
      seenSince: p('SELECT name FROM last_seen WHERE at >= ?').pluck(),
      openSpan: p(`INSERT INTO online_spans (name, after_broadcast) VALUES (?, ${LAST_BROADCAST})`),
      closeSpan: p(
        `UPDATE online_spans SET until_broadcast = ${LAST_BROADCAST} WHERE name = ? AND until_broadcast IS NULL`,
      ),
      lastBroadcastId: p(`SELECT ${LAST_BROADCAST}`).pluck(),
      insertBroadcast: p(
        'INSERT INTO broadcasts (id, sender, text, sent_at, excluded) VALUES (?, ?, ?, ?, ?)',
      ),
      // Each of the user's spans is an id range of broadcasts (a rowid range scan); the newest
      // spans come first, so a page rarely looks at more than the last few.
      broadcastPage: p(
        `SELECT b.id, b.sender AS "from", b.text, b.sent_at AS sentAt
         FROM online_spans s JOIN broadcasts b
           ON b.id > s.after_broadcast AND b.id <= coalesce(s.until_broadcast, ${Number.MAX_SAFE_INTEGER})
         WHERE s.name = @name AND b.id < @before
           AND (b.excluded IS NULL OR instr(char(10) || b.excluded || char(10), char(10) || @name || char(10)) = 0)
         ORDER BY b.id DESC LIMIT @limit`,
      ),
      insertMessage: p(
        `INSERT INTO messages (sender, recipient, pair, text, sent_at, client_id)
         SELECT @from, @to, @pair, @text, @sentAt, @clientId
         WHERE EXISTS (SELECT 1 FROM users WHERE name = @to)
           AND NOT EXISTS (SELECT 1 FROM blocks WHERE blocker = @to AND blocked = @from)
         ON CONFLICT DO NOTHING
         RETURNING id`,
      ).pluck(),
      addPair: p('INSERT OR IGNORE INTO pairs (a, b) VALUES (?, ?)'),
      undeliveredAfter: p(
        `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE recipient = ? AND acked = 0 AND id > ? ORDER BY id LIMIT ?`,
      ),
      countUndelivered: p('SELECT count(*) FROM messages WHERE recipient = ? AND acked = 0').pluck(),
      acknowledge: p('UPDATE messages SET acked = 1 WHERE recipient = ? AND acked = 0 AND id <= ?'),
      historyPage: p(
        `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE pair = ? AND id < ? ORDER BY id DESC LIMIT ?`,
      ),
      conversationPeers: p(
        `SELECT peer, (SELECT max(id) FROM messages WHERE pair = key) AS lastId FROM (
           SELECT b AS peer, a || char(10) || b AS key FROM pairs WHERE a = @me
           UNION ALL
           SELECT a AS peer, a || char(10) || b AS key FROM pairs WHERE b = @me
         ) ORDER BY lastId DESC`,
      ),
      messageById: p(`SELECT ${MESSAGE_COLUMNS} FROM messages WHERE id = ?`),
      messageByClientId: p(`SELECT ${MESSAGE_COLUMNS} FROM messages WHERE sender = ? AND client_id = ?`),
      unreadFrom: p(
        `SELECT count(*) FROM messages WHERE pair = @pair AND sender = @peer
           AND id > coalesce((SELECT up_to FROM read_marks WHERE name = @me AND peer = @peer), 0)`,
      ).pluck(),
      markRead: p(
        `INSERT INTO read_marks (name, peer, up_to) VALUES (?, ?, ?)
         ON CONFLICT (name, peer) DO UPDATE SET up_to = max(up_to, excluded.up_to)`,
      ),
    };
  }

  userExists(name: string): boolean {
    return this.s.userExists.get(name) !== undefined;
  }
  passwordHash(name: string): string | undefined {
    return this.s.passwordHash.get(name) as string | undefined;
  }
  createUser(name: string, hash: string, createdAt: number): boolean {
    const { asWritten, folded } = lookAlikeKeys(name);
    return this.tick.write(
      () => this.s.createUser.run(name, hash, createdAt, asWritten, folded).changes === 1,
    );
  }
  hasLookAlike(name: string): boolean {
    const { asWritten, folded } = lookAlikeKeys(name);
    return this.s.hasLookAlike.get(asWritten, folded) !== undefined;
  }
  registerUser(name: string, hash: string, createdAt: number): Registration {
    if (this.userExists(name)) return 'taken';
    if (this.hasLookAlike(name)) return 'look_alike';
    return this.createUser(name, hash, createdAt) ? 'created' : 'taken';
  }
  setPasswordHash(name: string, hash: string): void {
    this.tick.write(() => this.s.setPasswordHash.run(hash, name));
  }
  searchUsers(prefix: string, limit: number): string[] {
    // Usernames are ASCII below 0x7f, so prefix + DEL bounds every name with that prefix.
    return this.s.searchUsers.all(prefix, `${prefix}\x7f`, limit) as string[];
  }

  lockState(name: string): LockState {
    return (this.s.lockState.get(name) as LockState | undefined) ?? { failures: 0, lockedUntil: 0 };
  }
  setLockState(name: string, state: LockState): void {
    this.tick.write(() => this.s.setLockState.run(name, state.failures, state.lockedUntil));
  }

  blocksOf(blocker: string): string[] {
    return this.s.blocksOf.all(blocker) as string[];
  }
  blockersOf(target: string): string[] {
    return this.s.blockersOf.all(target) as string[];
  }
  isBlocked(blocker: string, target: string): boolean {
    return this.s.isBlocked.get(blocker, target) !== undefined;
  }
  addBlock(blocker: string, target: string): void {
    this.tick.write(() => this.s.addBlock.run(blocker, target));
  }
  removeBlock(blocker: string, target: string): boolean {
    return this.tick.write(() => this.s.removeBlock.run(blocker, target).changes === 1);
  }

  recordSeen(name: string, at: number): void {
    this.tick.write(() => this.s.recordSeen.run(name, at));
  }
  seenSince(since: number): string[] {
    return this.s.seenSince.all(since) as string[];
  }

  openSpan(name: string): void {
    this.tick.write(() => this.s.openSpan.run(name));
  }
  closeSpan(name: string): void {
    this.tick.write(() => this.s.closeSpan.run(name));
  }
  reserveBroadcastId(): number {
    // One process writes this database, so the last id is known here (nothing is ever deleted).
    this.lastBroadcastId ??= this.s.lastBroadcastId.get() as number;
    return ++this.lastBroadcastId;
  }
  insertBroadcast(id: number, from: string, text: string, sentAt: number, excluded: readonly string[]): void {
    const list = excluded.length === 0 ? null : excluded.join('\n');
    this.tick.write(() => this.s.insertBroadcast.run(id, from, text, sentAt, list));
  }
  broadcastPage(name: string, before: number, limit: number): BroadcastMessage[] {
    return this.s.broadcastPage.all({ name, before, limit }) as BroadcastMessage[];
  }

  insertMessage(
    from: string,
    to: string,
    text: string,
    sentAt: number,
    clientId?: string,
  ): DirectMessage | undefined {
    const pair = pairKey(from, to);
    const row = { from, to, pair, text, sentAt, clientId: clientId ?? null };
    const id = this.tick.write(() => {
      const inserted = this.s.insertMessage.get(row);
      if (inserted !== undefined) this.s.addPair.run(...pairRow(from, to));
      return inserted;
    });
    return id === undefined ? undefined : { id: id as number, from, to, text, sentAt };
  }
  messageByClientId(from: string, clientId: string): DirectMessage | undefined {
    return this.s.messageByClientId.get(from, clientId) as DirectMessage | undefined;
  }
  undeliveredAfter(recipient: string, afterId: number, limit: number): DirectMessage[] {
    return this.s.undeliveredAfter.all(recipient, afterId, limit) as DirectMessage[];
  }
  countUndelivered(recipient: string): number {
    return this.s.countUndelivered.get(recipient) as number;
  }
  acknowledge(recipient: string, upTo: number): void {
    this.tick.write(() => this.s.acknowledge.run(recipient, upTo));
  }
  historyPage(a: string, b: string, before: number, limit: number): DirectMessage[] {
    return this.s.historyPage.all(pairKey(a, b), before, limit) as DirectMessage[];
  }
  conversationPeers(name: string): ConversationRow[] {
    return this.s.conversationPeers.all({ me: name }) as ConversationRow[];
  }
  messageById(id: number): DirectMessage | undefined {
    return this.s.messageById.get(id) as DirectMessage | undefined;
  }
  unreadFrom(name: string, peer: string): number {
    return this.s.unreadFrom.get({ me: name, peer, pair: pairKey(name, peer) }) as number;
  }
  markRead(name: string, peer: string, upTo: number): void {
    this.tick.write(() => this.s.markRead.run(name, peer, upTo));
  }

  afterCommit(cb: () => void): void {
    this.tick.afterDurable(cb);
  }
  writeMark(): number {
    return this.tick.writeMark;
  }
  durableMark(): number {
    return this.tick.durableMark;
  }
  flush(): void {
    this.tick.flush();
  }
  close(): void {
    this.checkpointer?.stop();
    this.tick.close();
    this.db.close();
  }
}
