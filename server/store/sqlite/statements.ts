/** Every SQL statement the SQLite adapter runs after its migrations, prepared once. */
import type Database from 'better-sqlite3';
import { SEARCH_SNIPPET_WORDS } from '../../../src/shared/limits.js';
import type { SearchTerm } from '../../../src/shared/search-query.js';
import { SEARCH_GROUPS_MAX, type SearchScope } from '../search-snippet.js';

/** The broadcasts @name sent or received: @name's online spans covered them, and it was not excluded. */
const BROADCAST_REACHED = `EXISTS (SELECT 1 FROM online_spans s WHERE s.name = @name AND b.id > s.after_broadcast
    AND b.id <= coalesce(s.until_broadcast, ${Number.MAX_SAFE_INTEGER}))
  AND (b.excluded IS NULL OR instr(char(10) || b.excluded || char(10), char(10) || @name || char(10)) = 0)`;

/** A message (m) with what its quote needs of the message it answers (r): StoredMessageRow. */
export const MESSAGE_COLUMNS = `m.id, m.sender AS "from", m.recipient AS "to", m.group_id AS groupId, m.text, m.sent_at AS sentAt,
  m.edited_at AS editedAt, m.deleted, m.reply_to AS replyId, r.sender AS replyFrom, r.text AS replyText,
  r.deleted AS replyDeleted, m.revision,
  (SELECT group_concat(x.emoji || char(9) || x.name, char(10) ORDER BY x.at, x.name)
     FROM reactions x WHERE x.message_id = m.id) AS reactions,
  (SELECT f.sha256 || char(9) || f.size || char(9) || f.mime || char(9) || f.name
     FROM message_files f WHERE f.message_id = m.id) AS file`;
const MESSAGES = 'messages m LEFT JOIN messages r ON r.id = m.reply_to';
export const LAST_BROADCAST = '(SELECT coalesce(max(id), 0) FROM broadcasts)';

/**
 * Which messages @me may search, the one place this adapter says it: the direct messages @me sent
 * or received, none of a conversation with someone @me has blocked (a block hides that person; a
 * user who blocked @me is not told, so @me's own history with them stays searchable); and the
 * messages of the groups @me is a member of now, as its group history shows them (from before it
 * joined too, none from a sender @me blocks). Never a deleted one.
 * searchMatch narrows the index to @me's conversations first; this condition is what decides.
 */
const SEARCHABLE_BY_ME = `m.deleted = 0 AND CASE WHEN m.group_id IS NULL
    THEN (m.sender = @me OR m.recipient = @me)
      AND NOT EXISTS (SELECT 1 FROM blocks WHERE blocker = @me AND blocked IN (m.sender, m.recipient))
    ELSE EXISTS (SELECT 1 FROM group_members g WHERE g.group_id = m.group_id AND g.member = @me)
      AND NOT EXISTS (SELECT 1 FROM blocks WHERE blocker = @me AND blocked = m.sender) END`;

/**
 * The FTS5 query for terms in a scope of `me`'s: every word quoted, so nothing a person types is
 * FTS syntax, and the people column holding both names of a direct message, or its group
 * (./migrations/0009-message-search.ts, ./migrations/0013-group-search.ts).
 */
export function searchMatch(terms: readonly SearchTerm[], me: string, scope: SearchScope): string {
  return `${wordsMatch(terms)} AND ${scopeMatch(me, scope)}`;
}

/** The words of a query as FTS5 text: every word quoted, so nothing a person types is FTS syntax. */
export function wordsMatch(terms: readonly SearchTerm[]): string {
  const words = terms.map(({ word, prefix }) => `"${word.replaceAll('"', '""')}"${prefix ? ' *' : ''}`);
  return `text : (${words.join(' ')})`;
}

function scopeMatch(me: string, scope: SearchScope): string {
  if ('peer' in scope) return `people : "${hexName(me)}" AND people : "${hexName(scope.peer)}"`;
  if ('group' in scope) return `people : "g${scope.group}"`;
  const tokens = [`"${hexName(me)}"`, ...scope.groups.map((id) => `"g${id}"`)];
  return `people : (${tokens.join(' OR ')})`;
}

const hexName = (name: string) => Buffer.from(name, 'utf8').toString('hex');

/** The pairs row of a conversation: [smaller name, larger name], the order pairKey uses. */
export function pairRow(a: string, b: string): [string, string] {
  return a < b ? [a, b] : [b, a];
}

type StatementName =
  | 'userExists'
  | 'passwordHash'
  | 'createUser'
  | 'hasLookAlike'
  | 'setPasswordHash'
  | 'searchUsers'
  | 'lockState'
  | 'setLockState'
  | 'blocksOf'
  | 'blockersOf'
  | 'isBlocked'
  | 'addBlock'
  | 'removeBlock'
  | 'recordSeen'
  | 'seenSince'
  | 'openSpan'
  | 'closeSpan'
  | 'closeEverySpan'
  | 'insertBroadcast'
  | 'broadcastPage'
  | 'insertMessage'
  | 'addPair'
  | 'undeliveredAfter'
  | 'countUndelivered'
  | 'acknowledge'
  | 'historyPage'
  | 'conversationPeers'
  | 'messageById'
  | 'messageByClientId'
  | 'unreadFrom'
  | 'markRead'
  | 'newestInPair'
  | 'oldestUnackedFrom'
  | 'sharedReadMark'
  | 'readReceipts'
  | 'setReadReceipts'
  | 'editMessage'
  | 'deleteMessage'
  | 'changesAfter'
  | 'acknowledgeChange'
  | 'reactionTarget'
  | 'addReaction'
  | 'removeReaction'
  | 'clearReactions'
  | 'isGroupMember'
  | 'bumpForReactor'
  | 'acknowledgeGroup'
  | 'acknowledgeGroupChange'
  | 'countUndeliveredGroup'
  | 'createdGroups'
  | 'insertGroup'
  | 'groupRow'
  | 'groupMembers'
  | 'addGroupMember'
  | 'removeGroupMember'
  | 'dropGroupDeliveries'
  | 'setGroupAdmin'
  | 'renameGroup'
  | 'groupsOf'
  | 'insertGroupMessage'
  | 'insertGroupDelivery'
  | 'groupHistoryPage'
  | 'groupLast'
  | 'groupUnread'
  | 'recipientsOf'
  | 'acknowledgedGroups'
  | 'extendReceiptRun'
  | 'endReceiptRun'
  | 'dropReceiptRuns'
  | 'groupReadable'
  | 'receiptSendersTo'
  | 'groupReceipts'
  | 'searchMessages'
  | 'searchGroupsOf'
  | 'searchBroadcasts';

/** Named where it is exported, so declaration files need not spell the driver's internal types. */
export type Statements = Record<StatementName, Database.Statement>;

/** Single-quoted SQL string literals, kept as they are by hideParameterValues. */
const STRING_LITERAL = /('(?:[^']|'')*')/;
/** A parameter (`?`, `?1`, `@name`, `:name`, `$name`) not already behind a unary plus. */
const BARE_PARAMETER = /(?<![+\w@:$])(\?\d*|[@:$][A-Za-z_]\w*)/g;

/**
 * Writes every parameter behind a unary plus (`+?`, `+@name`): the same value to SQLite, and `col
 * = +?` is served by an index exactly as `col = ?` is. Why: when the query planner reads a bound
 * value while planning (it does for any `col = ?` it weighs in a join or against an ORDER BY), the
 * statement is marked to be re-prepared once its bindings are cleared, and better-sqlite3 clears
 * them after every run. Each execution then parsed and planned its SQL again (20–50 µs, more than
 * the query itself). Behind a unary plus the planner does not look at the value.
 */
export function hideParameterValues(sql: string): string {
  return sql
    .split(STRING_LITERAL)
    .map((part, i) => (i % 2 === 1 ? part : part.replace(BARE_PARAMETER, '+$1')))
    .join('');
}

export function prepareStatements(db: Database.Database): Statements {
  // Typed as plain Statements (pluck() included), so the object's type can be named where exported.
  const p = (sql: string, pluck = false): Database.Statement => {
    const statement = db.prepare(hideParameterValues(sql));
    return pluck ? statement.pluck() : statement;
  };
  return {
    userExists: p('SELECT 1 FROM users WHERE name = ?', true),
    passwordHash: p('SELECT password_hash FROM users WHERE name = ?', true),
    createUser: p(
      `INSERT OR IGNORE INTO users (name, password_hash, created_at, look_alike, look_alike_folded)
       VALUES (?, ?, ?, ?, ?)`,
    ),
    hasLookAlike: p('SELECT 1 FROM users WHERE look_alike = ? OR look_alike_folded = ? LIMIT 1', true),
    setPasswordHash: p('UPDATE users SET password_hash = ? WHERE name = ?'),
    searchUsers: p('SELECT name FROM users WHERE name >= ? AND name < ? ORDER BY name LIMIT ?', true),
    lockState: p('SELECT failures, locked_until AS lockedUntil FROM lockouts WHERE name = ?'),
    setLockState: p(
      `INSERT INTO lockouts (name, failures, locked_until) VALUES (?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET failures = excluded.failures, locked_until = excluded.locked_until`,
    ),
    blocksOf: p('SELECT blocked FROM blocks WHERE blocker = ? ORDER BY blocked', true),
    blockersOf: p('SELECT blocker FROM blocks WHERE blocked = ?', true),
    isBlocked: p('SELECT 1 FROM blocks WHERE blocker = ? AND blocked = ?', true),
    addBlock: p('INSERT OR IGNORE INTO blocks (blocker, blocked) VALUES (?, ?)'),
    removeBlock: p('DELETE FROM blocks WHERE blocker = ? AND blocked = ?'),
    recordSeen: p(
      `INSERT INTO last_seen (name, at) VALUES (?, ?)
       ON CONFLICT (name) DO UPDATE SET at = max(at, excluded.at)`,
    ),
    seenSince: p('SELECT name FROM last_seen WHERE at >= ?', true),
    openSpan: p(`INSERT INTO online_spans (name, after_broadcast) VALUES (?, ${LAST_BROADCAST})`),
    closeSpan: p(
      `UPDATE online_spans SET until_broadcast = ${LAST_BROADCAST} WHERE name = ? AND until_broadcast IS NULL`,
    ),
    closeEverySpan: p(
      `UPDATE online_spans SET until_broadcast = ${LAST_BROADCAST} WHERE until_broadcast IS NULL`,
    ),
    insertBroadcast: p('INSERT INTO broadcasts (sender, text, sent_at, excluded) VALUES (?, ?, ?, ?)'),
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
      `INSERT INTO messages (sender, recipient, pair, text, sent_at, client_id, reply_to)
       SELECT @from, @to, @pair, @text, @sentAt, @clientId, @replyTo
       WHERE EXISTS (SELECT 1 FROM users WHERE name = @to)
         AND NOT EXISTS (SELECT 1 FROM blocks WHERE blocker = @to AND blocked = @from)
       ON CONFLICT DO NOTHING
       RETURNING id`,
    ).pluck(),
    addPair: p('INSERT OR IGNORE INTO pairs (a, b) VALUES (?, ?)'),
    // Direct and group messages to the recipient, each read from its own undelivered index.
    undeliveredAfter: p(
      `SELECT ${MESSAGE_COLUMNS} FROM ${MESSAGES} WHERE m.id IN (
         SELECT id FROM (SELECT id FROM messages WHERE recipient = @recipient AND acked = 0 AND id > @afterId
           ORDER BY id LIMIT @limit)
         UNION ALL
         SELECT message_id FROM (SELECT message_id FROM group_deliveries
           WHERE recipient = @recipient AND acked = 0 AND message_id > @afterId ORDER BY message_id LIMIT @limit)
       ) ORDER BY m.id LIMIT @limit`,
    ),
    countUndelivered: p('SELECT count(*) FROM messages WHERE recipient = ? AND acked = 0', true),
    countUndeliveredGroup: p('SELECT count(*) FROM group_deliveries WHERE recipient = ? AND acked = 0', true),
    acknowledge: p(
      `UPDATE messages SET acked = 1
       WHERE recipient = ? AND acked = 0 AND id IN (SELECT value FROM json_each(?))
       RETURNING sender`,
      true,
    ),
    historyPage: p(
      `SELECT ${MESSAGE_COLUMNS} FROM ${MESSAGES} WHERE m.pair = ? AND m.id < ? ORDER BY m.id DESC LIMIT ?`,
    ),
    conversationPeers: p(
      `SELECT peer, (SELECT max(id) FROM messages WHERE pair = key) AS lastId FROM (
         SELECT b AS peer, a || char(10) || b AS key FROM pairs WHERE a = @me
         UNION ALL
         SELECT a AS peer, a || char(10) || b AS key FROM pairs WHERE b = @me
       ) ORDER BY lastId DESC`,
    ),
    messageById: p(`SELECT ${MESSAGE_COLUMNS} FROM ${MESSAGES} WHERE m.id = ?`),
    messageByClientId: p(`SELECT ${MESSAGE_COLUMNS} FROM ${MESSAGES} WHERE m.sender = ? AND m.client_id = ?`),
    unreadFrom: p(
      `SELECT count(*) FROM messages WHERE pair = @pair AND sender = @peer
         AND id > coalesce((SELECT up_to FROM read_marks WHERE name = @me AND peer = @peer), 0)`,
    ).pluck(),
    // The shared mark moves only while the reader's read receipts are on.
    markRead: p(
      `INSERT INTO read_marks (name, peer, up_to, shared_up_to)
       VALUES (@name, @peer, @upTo, CASE WHEN @shared THEN @upTo ELSE 0 END)
       ON CONFLICT (name, peer) DO UPDATE SET up_to = max(up_to, excluded.up_to),
         shared_up_to = max(shared_up_to, excluded.shared_up_to)`,
    ),
    newestInPair: p('SELECT max(id) FROM messages WHERE pair = ?', true),
    // The undelivered index holds only the recipient's backlog: a short scan.
    oldestUnackedFrom: p(
      'SELECT min(id) FROM messages WHERE recipient = ? AND acked = 0 AND sender = ?',
      true,
    ),
    sharedReadMark: p('SELECT shared_up_to FROM read_marks WHERE name = ? AND peer = ?', true),
    readReceipts: p('SELECT read_receipts FROM users WHERE name = ?', true),
    setReadReceipts: p('UPDATE users SET read_receipts = ? WHERE name = ?'),
    editMessage: p(
      `UPDATE messages SET text = @text, edited_at = max(@at, coalesce(edited_at, 0) + 1), revision = revision + 1,
         sender_seen_revision = revision + 1
       WHERE id = @id AND sender = @sender AND deleted = 0 AND sent_at >= @editableSince
       RETURNING revision`,
    ).pluck(),
    deleteMessage: p(
      `UPDATE messages SET text = '', deleted = 1, revision = revision + 1, sender_seen_revision = revision + 1
       WHERE id = @id AND sender = @sender AND deleted = 0
       RETURNING revision`,
    ).pluck(),
    // Partial-index scans: each side of a direct conversation (a user never messages itself), and the
    // user's group deliveries. Its own group messages only while it is a member: one who left or was
    // removed is sent nothing more of the group.
    changesAfter: p(
      `SELECT * FROM (SELECT ${MESSAGE_COLUMNS} FROM ${MESSAGES}
         WHERE m.recipient = @user AND m.revision > m.seen_revision AND m.acked = 1 AND m.id > @afterId
         ORDER BY m.id LIMIT @limit)
       UNION ALL
       SELECT * FROM (SELECT ${MESSAGE_COLUMNS} FROM ${MESSAGES}
         WHERE m.sender = @user AND m.revision > m.sender_seen_revision AND m.id > @afterId
           AND (m.group_id IS NULL OR EXISTS (SELECT 1 FROM group_members g
             WHERE g.group_id = m.group_id AND g.member = @user))
         ORDER BY m.id LIMIT @limit)
       UNION ALL
       SELECT * FROM (SELECT ${MESSAGE_COLUMNS} FROM group_deliveries d JOIN messages m ON m.id = d.message_id
           LEFT JOIN messages r ON r.id = m.reply_to
         WHERE d.recipient = @user AND d.acked = 1 AND m.revision > d.seen_revision AND d.message_id > @afterId
         ORDER BY d.message_id LIMIT @limit)
       ORDER BY id LIMIT @limit`,
    ),
    acknowledgeChange: p(
      `UPDATE messages
       SET seen_revision = CASE WHEN recipient = @user THEN max(seen_revision, @revision) ELSE seen_revision END,
         sender_seen_revision = CASE WHEN sender = @user THEN max(sender_seen_revision, @revision)
           ELSE sender_seen_revision END
       WHERE id = @id AND (recipient = @user OR sender = @user)`,
    ),
    reactionTarget: p(
      'SELECT sender, recipient, group_id AS groupId, deleted, revision FROM messages WHERE id = ?',
    ),
    addReaction: p('INSERT OR IGNORE INTO reactions (message_id, emoji, name, at) VALUES (?, ?, ?, ?)'),
    removeReaction: p('DELETE FROM reactions WHERE message_id = ? AND emoji = ? AND name = ?'),
    clearReactions: p('DELETE FROM reactions WHERE message_id = ?'),
    isGroupMember: p('SELECT 1 FROM group_members WHERE group_id = ? AND member = ?'),
    // The reactor has the new state from its reply: only the other side has it pending.
    bumpForReactor: p(
      `UPDATE messages SET revision = revision + 1,
         seen_revision = CASE WHEN recipient = @user THEN revision + 1 ELSE seen_revision END,
         sender_seen_revision = CASE WHEN sender = @user THEN revision + 1 ELSE sender_seen_revision END
       WHERE id = @id
       RETURNING revision`,
    ).pluck(),
    acknowledgeGroup: p(
      `UPDATE group_deliveries SET acked = 1
       WHERE recipient = ? AND acked = 0 AND message_id IN (SELECT value FROM json_each(?))
       RETURNING message_id`,
      true,
    ),
    acknowledgedGroups: p(
      `SELECT DISTINCT sender, group_id AS "group" FROM messages
       WHERE id IN (SELECT value FROM json_each(?)) AND group_id IS NOT NULL`,
    ),
    // A member's run of the sender's messages (migrations/0011-group-receipts.ts).
    extendReceiptRun: p(
      `INSERT INTO group_receipts (group_id, sender, member, since, newest) VALUES (@group, @sender, @member, @id, @id)
       ON CONFLICT (group_id, sender, member) DO UPDATE SET newest = max(newest, excluded.newest)`,
    ),
    endReceiptRun: p('DELETE FROM group_receipts WHERE group_id = ? AND sender = ? AND member = ?'),
    // A member who leaves: its runs as a member go with its deliveries, and as a sender too (a
    // former member is told nothing more of the group).
    dropReceiptRuns: p(
      'DELETE FROM group_receipts WHERE group_id = @group AND (member = @name OR sender = @name)',
    ),
    // A message of the group the reader is shown (history leaves out the senders it blocks).
    groupReadable: p(
      `SELECT 1 FROM messages m WHERE m.id = @upTo AND m.pair = @key
         AND NOT EXISTS (SELECT 1 FROM blocks WHERE blocker = @reader AND blocked = m.sender)`,
      true,
    ),
    receiptSendersTo: p('SELECT sender FROM group_receipts WHERE group_id = ? AND member = ?', true),
    // Per member: its run, the oldest of the run not acknowledged (the member's backlog: a short
    // scan of the undelivered index), its shared read mark and whether it blocks the sender.
    groupReceipts: p(
      `SELECT g.member, g.since, g.newest,
         (SELECT min(d.message_id) FROM group_deliveries d JOIN messages x ON x.id = d.message_id
           WHERE d.recipient = g.member AND d.acked = 0 AND d.message_id >= g.since
             AND x.pair = @key AND x.sender = @sender) AS oldestUnacked,
         coalesce((SELECT shared_up_to FROM read_marks WHERE name = g.member AND peer = @key), 0) AS shared,
         EXISTS (SELECT 1 FROM blocks WHERE blocker = g.member AND blocked = @sender) AS blocked
       FROM group_receipts g WHERE g.group_id = @group AND g.sender = @sender ORDER BY g.member`,
    ),
    acknowledgeGroupChange: p(
      `UPDATE group_deliveries SET seen_revision = max(seen_revision, @revision)
       WHERE message_id = @id AND recipient = @user`,
    ),
    createdGroups: p('SELECT count(*) FROM groups WHERE creator = ?', true),
    insertGroup: p('INSERT INTO groups (name, creator, created_at) VALUES (?, ?, ?) RETURNING id', true),
    groupRow: p('SELECT id, name, creator FROM groups WHERE id = ?'),
    groupMembers: p('SELECT member AS name, admin FROM group_members WHERE group_id = ? ORDER BY joined'),
    addGroupMember: p(
      `INSERT INTO group_members (group_id, member, admin, joined)
       VALUES (@group, @member, @admin, (SELECT coalesce(max(joined), 0) + 1 FROM group_members WHERE group_id = @group))`,
    ),
    removeGroupMember: p('DELETE FROM group_members WHERE group_id = ? AND member = ?'),
    // A member who leaves is sent nothing more of the group: not its old messages, nor their changes.
    dropGroupDeliveries: p(
      `DELETE FROM group_deliveries WHERE recipient = @member
         AND message_id IN (SELECT id FROM messages WHERE pair = @key)`,
    ),
    setGroupAdmin: p('UPDATE group_members SET admin = ? WHERE group_id = ? AND member = ?'),
    renameGroup: p('UPDATE groups SET name = ? WHERE id = ?'),
    groupsOf: p('SELECT group_id FROM group_members WHERE member = ?', true),
    insertGroupMessage: p(
      `INSERT INTO messages (sender, recipient, pair, group_id, text, sent_at, client_id, reply_to, acked)
       VALUES (@from, '', @pair, @group, @text, @sentAt, @clientId, @replyTo, 1)
       ON CONFLICT DO NOTHING
       RETURNING id`,
    ).pluck(),
    insertGroupDelivery: p('INSERT OR IGNORE INTO group_deliveries (recipient, message_id) VALUES (?, ?)'),
    groupHistoryPage: p(
      `SELECT ${MESSAGE_COLUMNS} FROM ${MESSAGES} WHERE m.pair = @key AND m.id < @before
         AND NOT EXISTS (SELECT 1 FROM blocks WHERE blocker = @reader AND blocked = m.sender)
       ORDER BY m.id DESC LIMIT @limit`,
    ),
    groupLast: p(
      `SELECT max(id) FROM messages m WHERE pair = @key
         AND NOT EXISTS (SELECT 1 FROM blocks WHERE blocker = @reader AND blocked = m.sender)`,
      true,
    ),
    groupUnread: p(
      `SELECT count(*) FROM messages m WHERE pair = @key AND sender <> @reader
         AND id > coalesce((SELECT up_to FROM read_marks WHERE name = @reader AND peer = @key), 0)
         AND NOT EXISTS (SELECT 1 FROM blocks WHERE blocker = @reader AND blocked = m.sender)`,
      true,
    ),
    recipientsOf: p('SELECT recipient FROM group_deliveries WHERE message_id = ?', true),
    // Newest first straight from the index (FTS5 walks its rowids in descending order).
    searchMessages: p(
      `SELECT m.id, m.sender AS "from", m.recipient AS "to", m.group_id AS groupId,
         (SELECT name FROM groups WHERE id = m.group_id) AS groupName, m.sent_at AS sentAt,
         snippet(message_search, 0, char(2), char(3), '…', ${SEARCH_SNIPPET_WORDS}) AS marked
       FROM message_search JOIN messages m ON m.id = message_search.rowid
       WHERE message_search MATCH @match AND message_search.rowid < @before
         AND (@pair IS NULL OR m.pair = @pair) AND ${SEARCHABLE_BY_ME}
       ORDER BY message_search.rowid DESC LIMIT @limit`,
    ),
    // The member's groups, the most recently active first (search-snippet.ts, SEARCH_GROUPS_MAX).
    searchGroupsOf: p(
      `SELECT g.group_id FROM group_members g WHERE g.member = ?
       ORDER BY (SELECT max(m.id) FROM messages m WHERE m.pair = '#' || g.group_id) DESC, g.group_id DESC
       LIMIT ${SEARCH_GROUPS_MAX}`,
      true,
    ),
    // Every broadcast with the words, newest first, until `limit` of them reached @name (the index
    // cannot narrow to one user's: who received a broadcast follows from the online spans).
    searchBroadcasts: p(
      `SELECT b.id, b.sender AS "from", b.sent_at AS sentAt,
         snippet(broadcast_search, 0, char(2), char(3), '…', ${SEARCH_SNIPPET_WORDS}) AS marked
       FROM broadcast_search JOIN broadcasts b ON b.id = broadcast_search.rowid
       WHERE broadcast_search MATCH @match AND broadcast_search.rowid < @before AND ${BROADCAST_REACHED}
         AND NOT EXISTS (SELECT 1 FROM blocks WHERE blocker = @name AND blocked = b.sender)
       ORDER BY broadcast_search.rowid DESC LIMIT @limit`,
    ),
  };
}
