/**
 * The PostgreSQL adapter of the Store port (server/store/store.ts), for several nodes sharing one
 * database: `--store postgres://USER@HOST:PORT/DB`.
 *
 * - Durability: every method is one statement in its own transaction, run with
 *   synchronous_commit on (./connection.ts), so an awaited write is committed and flushed to disk.
 * - Atomicity across nodes comes from the database: a direct message's checks and insert, and a
 *   registration's, are one function call each (./migrations/0001-initial.ts) under advisory locks;
 *   a lockout failure is one upsert that locks its row.
 * - Presence spans are per user: opening one closes only that user's stale span, never another
 *   node's users' (there is no "close every span" at open, as the one-process SQLite store does).
 * - A database that cannot be reached makes calls reject with StoreUnavailableError; the pool
 *   drops broken connections and opens new ones on the next call.
 */
import type pg from 'pg';
import type { BroadcastMessage, DirectMessage, FileInfo } from '../../../src/shared/protocol.js';
import { lookAlikeKeys } from '../../look-alike.js';
import type {
  AccountStore,
  Acknowledged,
  BlockStore,
  BroadcastStore,
  DirectChange,
  DirectRefusal,
  LockoutStore,
  MessageStore,
  PresenceLog,
  ReactionRefusal,
  Registration,
  Store,
} from '../store.js';
import { postgresFileMetaStore, storeMessageFile } from './postgres-files.js';
import { Connection, createPool, parseStoreUrl, type PostgresStoreOptions } from './connection.js';
import { migrate } from './migrations.js';
import { pairKey } from '../conversation-key.js';
import { changeRefusal, toDirectMessage } from '../message-row.js';
import { postgresGroupStore } from './postgres-groups.js';
import {
  broadcastHit,
  groupRuns,
  newestHits,
  searchConversation,
  searchHit,
  type BroadcastSearchRow,
  type SearchRow,
} from '../search-snippet.js';
import { SQL, searchQueries, searchWords, type Statement } from './statements.js';

export type { PostgresStoreOptions } from './connection.js';

/** The oldest server with what the schema uses (hashtextextended, ON CONFLICT, RETURNING INTO). */
const MIN_SERVER_VERSION = 110000;

/**
 * Connects, migrates the schema (once across nodes starting together) and returns the store.
 * Rejects with StoreUnavailableError when the database cannot be reached, and with an Error naming
 * the problem for a bad URL or an unsupported server.
 */
export async function openPostgresStore(url: string, options: PostgresStoreOptions = {}): Promise<Store> {
  const { config, location } = parseStoreUrl(url);
  const onWarning = options.onWarning ?? ((message: string) => process.emitWarning(message));
  const pool = createPool(config, options);
  // A connection the database drops while idle (a restart, a shutdown) is removed by the pool;
  // without a listener the event would crash the process.
  pool.on('error', (error) => onWarning(`PostgreSQL at ${location}: idle connection lost: ${error.message}`));
  const connection = new Connection(pool, location, options);
  try {
    await prepare(pool, location, onWarning);
  } catch (error) {
    await connection.end();
    throw connection.translate(error);
  }
  return postgresStore(connection);
}

async function prepare(pool: pg.Pool, location: string, onWarning: (message: string) => void): Promise<void> {
  const client = await pool.connect();
  try {
    const { rows } = await client.query<{ version: string; fsync: string }>(
      "SELECT current_setting('server_version_num') AS version, current_setting('fsync') AS fsync",
    );
    const version = Number(rows[0]?.version);
    if (version < MIN_SERVER_VERSION) {
      throw new Error(`PostgreSQL at ${location} is version ${version}; the store needs 11 or newer`);
    }
    if (rows[0]?.fsync !== 'on') {
      onWarning(`PostgreSQL at ${location} runs with fsync off: a power loss can undo acknowledged writes`);
    }
    await migrate(client);
    client.release();
  } catch (error) {
    client.release(error instanceof Error ? error : true);
    throw error;
  }
}

/** Runs a statement of ./statements.ts by its name. */
type Run = <Row>(statement: Statement, ...values: unknown[]) => Promise<Row[]>;

function postgresStore(connection: Connection): Store {
  const run: Run = (statement, ...values) => connection.rows(statement, SQL[statement], values);
  return {
    accounts: accountStore(run),
    lockout: lockoutStore(run),
    blocks: blockStore(run),
    messages: messageStore(run, connection),
    broadcasts: broadcastStore(run),
    presence: presenceLog(run),
    groups: postgresGroupStore(connection, directMessage as (row: never) => DirectMessage),
    files: postgresFileMetaStore(connection),
    location: connection.location,
    close: () => connection.end(),
  };
}

const some = (rows: readonly unknown[]) => rows.length > 0;
const column = <T>(rows: readonly Record<string, unknown>[], name: string) =>
  rows.map((row) => row[name] as T);

function accountStore(run: Run): AccountStore {
  const register = async (name: string, hash: string, createdAt: number, allowLookAlike: boolean) => {
    const { asWritten, folded } = lookAlikeKeys(name);
    const rows = await run<{ outcome: Registration }>(
      'registerUser',
      name,
      hash,
      createdAt,
      asWritten,
      folded,
      allowLookAlike,
    );
    return rows[0]?.outcome as Registration;
  };
  return {
    exists: async (name) => some(await run('userExists', name)),
    passwordHash: async (name) =>
      (await run<{ password_hash: string }>('passwordHash', name))[0]?.password_hash,
    create: async (name, hash, createdAt) => (await register(name, hash, createdAt, true)) === 'created',
    hasLookAlike: async (name) => {
      const { asWritten, folded } = lookAlikeKeys(name);
      return some(await run('hasLookAlike', asWritten, folded));
    },
    register: (name, hash, createdAt) => register(name, hash, createdAt, false),
    setPasswordHash: async (name, hash) => void (await run('setPasswordHash', name, hash)),
    readReceipts: async (name) =>
      (await run<{ read_receipts: boolean }>('readReceipts', name))[0]?.read_receipts === true,
    setReadReceipts: async (name, on) => void (await run('setReadReceipts', name, on)),
    // Usernames are ASCII below 0x7f, so prefix + DEL bounds every name with that prefix.
    search: async (prefix, limit) =>
      column<string>(await run('searchUsers', prefix, `${prefix}\x7f`, limit), 'name'),
  };
}

interface LockRow {
  failures: number;
  locked_until: number;
}

const lockState = (row: LockRow | undefined) => ({
  failures: row?.failures ?? 0,
  lockedUntil: row?.locked_until ?? 0,
});

function lockoutStore(run: Run): LockoutStore {
  return {
    state: async (name) => lockState((await run<LockRow>('lockState', name))[0]),
    recordFailure: async (name, now, { maxFailures, lockMs }) =>
      lockState((await run<LockRow>('recordFailure', name, now, maxFailures, lockMs))[0]),
    reset: async (name) => void (await run('resetLockout', name)),
  };
}

function blockStore(run: Run): BlockStore {
  return {
    blocksOf: async (blocker) => column<string>(await run('blocksOf', blocker), 'blocked'),
    blockersOf: async (target) => column<string>(await run('blockersOf', target), 'blocker'),
    isBlocked: async (blocker, target) => some(await run('isBlocked', blocker, target)),
    add: async (blocker, target) => void (await run('addBlock', blocker, target)),
    remove: async (blocker, target) => some(await run('removeBlock', blocker, target)),
  };
}

interface MessageRow {
  id: number;
  sender: string;
  recipient: string;
  /** Absent from the conversation list's rows, which are never group messages. */
  group_id?: number | null;
  text: Buffer;
  sent_at: number;
  edited_at: number | null;
  deleted: boolean;
  reply_to: number | null;
  reply_from: string | null;
  reply_text: Buffer | null;
  reply_deleted: boolean | null;
  revision: number;
  reactions: string | null;
  file?: string | null;
}

/** Texts are stored as UTF-8 bytes (see ./migrations/0001-initial.ts). */
const utf8 = (text: string) => Buffer.from(text, 'utf8');

const directMessage = (row: MessageRow): DirectMessage =>
  toDirectMessage({
    id: row.id,
    from: row.sender,
    to: row.recipient,
    groupId: row.group_id ?? null,
    text: row.text.toString('utf8'),
    sentAt: row.sent_at,
    editedAt: row.edited_at,
    deleted: row.deleted,
    replyId: row.reply_to,
    replyFrom: row.reply_from,
    replyText: row.reply_text?.toString('utf8') ?? null,
    replyDeleted: row.reply_deleted,
    revision: row.revision,
    reactions: row.reactions,
    file: row.file ?? null,
  });

type ReactionOutcome = ReactionRefusal | 'changed' | 'unchanged';

type InsertRow = { outcome: 'stored' | 'duplicate' | DirectRefusal } & Pick<
  MessageRow,
  'id' | 'recipient' | 'text' | 'sent_at'
>;

/** insert_direct and the message's file in one transaction: a message is never stored without it. */
async function insertWithFile(
  connection: Connection,
  values: unknown[],
  file: FileInfo,
): Promise<InsertRow[]> {
  return connection.transaction(async (query) => {
    const rows = await query<InsertRow>(SQL.insertDirect, values);
    if (rows[0]?.outcome === 'stored') await storeMessageFile(query, rows[0].id, file);
    return rows;
  });
}

function messageStore(run: Run, connection: Connection): MessageStore {
  const messages = async (statement: Statement, ...values: unknown[]) =>
    (await run<MessageRow>(statement, ...values)).map(directMessage);
  const byId = async (id: number) => (await messages('messageById', id))[0];
  const change = async (request: DirectChange) => {
    const rows =
      'delete' in request
        ? await run<{ revision: number }>('deleteMessage', request.id, request.sender)
        : await run<{ revision: number }>(
            'editMessage',
            request.id,
            request.sender,
            utf8(request.text),
            request.at,
            request.editableSince,
          );
    const message = await byId(request.id);
    const revision = rows[0]?.revision;
    if (revision === undefined || message === undefined) return { refused: changeRefusal(message, request) };
    return { message, revision };
  };
  return {
    insertDirect: async ({ from, to, text, sentAt, clientId, replyTo, file }) => {
      const values = [from, to, pairKey(from, to), utf8(text), sentAt, clientId, replyTo];
      const [row] = file
        ? await insertWithFile(connection, values, file)
        : await run<InsertRow>('insertDirect', ...values);
      if (row === undefined) throw new Error('insert_direct returned no row');
      if (row.outcome === 'unknown_user' || row.outcome === 'blocked_by_recipient')
        return { refused: row.outcome };
      const duplicate = row.outcome === 'duplicate';
      if (duplicate || replyTo !== undefined)
        return { message: (await byId(row.id)) as DirectMessage, duplicate };
      const message: DirectMessage = {
        id: row.id,
        from,
        to,
        text,
        sentAt: row.sent_at,
        ...(file ? { file } : {}),
      };
      return { message, duplicate };
    },
    undeliveredAfter: (recipient, afterId, limit) => messages('undeliveredAfter', recipient, afterId, limit),
    countUndelivered: async (recipient) =>
      (await run<{ count: number }>('countUndelivered', recipient))[0]?.count ?? 0,
    acknowledge: async (recipient, ids) => {
      // An id that is not a safe integer names no message; PostgreSQL would reject the whole list.
      const valid = ids.filter((id) => Number.isSafeInteger(id));
      const acked: Acknowledged = { senders: [], groups: [] };
      if (valid.length === 0) return acked;
      const rows = await run<{ sender: string; group_id: number | null }>('acknowledge', recipient, valid);
      for (const { sender, group_id: group } of rows) {
        if (group === null) acked.senders.push(sender);
        else acked.groups.push({ sender, group });
      }
      return acked;
    },
    historyPage: (a, b, before, limit) => messages('historyPage', pairKey(a, b), before, limit),
    conversations: async (me) =>
      (await run<MessageRow & { unread: number }>('conversations', me)).map((row) => ({
        peer: row.sender === me ? row.recipient : row.sender,
        last: directMessage(row),
        unread: row.unread,
      })),
    markRead: async (name, peer, upTo) => {
      const [row] = await run<{ shared: boolean }>('markRead', name, pairKey(name, peer), upTo);
      if (row === undefined) return 'unknown_message';
      return row.shared ? 'shared' : 'private';
    },
    receiptState: async (sender, recipient) => {
      const [row] = await run<ReceiptRow>('receiptState', sender, recipient, pairKey(sender, recipient));
      if (row === undefined) throw new Error('receiptState returned no row');
      return {
        deliveredUpTo: row.oldest_unacked === null ? row.newest : row.oldest_unacked - 1,
        sharedReadUpTo: row.shared,
        senderSharesReads: row.sender_shares,
        recipientBlocksSender: row.blocked,
      };
    },
    messageById: (id) => byId(id),
    changeDirect: change,
    react: async ({ id, user, emoji, add, at }) => {
      const [row] = await run<{ outcome: ReactionOutcome; revision: number | null }>(
        'react',
        id,
        user,
        emoji,
        add,
        at,
      );
      if (row === undefined) throw new Error('react returned no row');
      if (row.outcome !== 'changed' && row.outcome !== 'unchanged') return { refused: row.outcome };
      const message = (await byId(id)) as DirectMessage;
      return { message, revision: row.revision ?? 0, changed: row.outcome === 'changed' };
    },
    changesAfter: async (user, afterId, limit) =>
      (await run<MessageRow>('changesAfter', user, afterId, limit)).map((row) => ({
        message: directMessage(row),
        revision: row.revision,
      })),
    search: async (query) => {
      const { user, terms, before, limit } = query;
      const one = searchConversation(query);
      const groups = one ? [] : column<string>(await run('searchGroupsOf', user), 'group_id').map(Number);
      const scopes = one ? [one.scope] : groupRuns(groups).map((run) => ({ groups: run }));
      const pages = [];
      for (const scope of scopes) {
        const [words, people] = searchQueries(terms, user, scope);
        const key = one?.key ?? null;
        const rows = await run<SearchRow>('searchMessages', user, words, people, key, before, limit);
        pages.push(rows.map((row) => searchHit(row, user)));
      }
      return newestHits(pages, limit);
    },
    acknowledgeChanges: async (user, changes) => {
      if (changes.length === 0) return;
      await run(
        'acknowledgeChanges',
        user,
        changes.map(({ id }) => id),
        changes.map(({ revision }) => revision),
      );
    },
  };
}

interface ReceiptRow {
  oldest_unacked: number | null;
  newest: number;
  shared: number;
  sender_shares: boolean;
  blocked: boolean;
}

function broadcastStore(run: Run): BroadcastStore {
  return {
    insert: async ({ from, text, sentAt, excluded }) => {
      const [row] = await run<{ id: number }>('insertBroadcast', from, utf8(text), sentAt, [...excluded]);
      return row?.id as number;
    },
    page: async (name, before, limit) =>
      (await run<Omit<MessageRow, 'recipient'>>('broadcastPage', name, before, limit)).map(
        (row): BroadcastMessage => ({
          id: row.id,
          from: row.sender,
          text: row.text.toString('utf8'),
          sentAt: row.sent_at,
        }),
      ),
    search: async ({ user, terms, before, limit }) => {
      const words = searchWords(terms);
      return (await run<BroadcastSearchRow>('searchBroadcasts', user, words, before, limit)).map(
        broadcastHit,
      );
    },
  };
}

function presenceLog(run: Run): PresenceLog {
  return {
    online: async (name, at) => void (await run('online', name, at)),
    offline: async (name, at) => void (await run('offline', name, at)),
    seenSince: async (since) => column<string>(await run('seenSince', since), 'name'),
    everyoneOffline: async () => void (await run('everyoneOffline')),
  };
}
