/**
 * Every statement the PostgreSQL adapter runs after its migrations. Each is one statement, so one
 * round trip and its own transaction; the steps that must be atomic together are the functions of
 * ./migrations/0001-initial.ts (insert_direct, register_user) or one statement with data-modifying
 * WITH clauses.
 */
import { SEARCH_SNIPPET_WORDS } from '../../../src/shared/limits.js';
import type { SearchTerm } from '../../../src/shared/search-query.js';
import { SEARCH_GROUPS_MAX, type SearchScope } from '../search-snippet.js';

/** A message's revision and its reactions as "emoji TAB name" lines, in the order they were made. */
const REACTION_COLUMNS = `m.revision, (SELECT string_agg(x.emoji || E'\\t' || x.name, E'\\n' ORDER BY x.at, x.name)
    FROM reactions x WHERE x.message_id = m.id) AS reactions,
  (SELECT f.sha256 || E'\\t' || f.size || E'\\t' || f.mime || E'\\t' || f.name
    FROM message_files f WHERE f.message_id = m.id) AS file`;
/** A message (m) with what its quote needs of the message it answers (r): see MessageRow. */
export const MESSAGE_COLUMNS = `m.id, m.sender, m.recipient, m.group_id, m.text, m.sent_at, m.edited_at, m.deleted,
  m.reply_to, r.sender AS reply_from, r.text AS reply_text, r.deleted AS reply_deleted, ${REACTION_COLUMNS}`;
export const MESSAGES = 'messages m LEFT JOIN messages r ON r.id = m.reply_to';

/**
 * Which messages $1 may search, the one place this adapter says it: as in the SQLite adapter's
 * SEARCHABLE_BY_ME, the direct messages $1 sent or received, none of a conversation with someone
 * $1 has blocked, and the messages of the groups $1 is a member of now, none from a sender $1
 * blocks; never a deleted one. The '~name' and '#group' lexemes
 * (./migrations/0005-message-search.ts, ./migrations/0010-group-search.ts) narrow the index to $1's
 * conversations first; this condition is what decides.
 */
const SEARCHABLE_BY_ME = `NOT m.deleted AND CASE WHEN m.group_id IS NULL
    THEN (m.sender = $1 OR m.recipient = $1)
      AND NOT EXISTS (SELECT 1 FROM blocks b WHERE b.blocker = $1 AND b.blocked IN (m.sender, m.recipient))
    ELSE EXISTS (SELECT 1 FROM group_members g WHERE g.group_id = m.group_id AND g.member = $1)
      AND NOT EXISTS (SELECT 1 FROM blocks b WHERE b.blocker = $1 AND b.blocked = m.sender) END`;
/**
 * The words as a to_tsquery() text (every word quoted, so nothing a person types is tsquery syntax)
 * and where to look as lexemes: one conversation's, or the user's name or any of its groups.
 */
export function searchQueries(
  terms: readonly SearchTerm[],
  user: string,
  scope: SearchScope,
): [string, string] {
  return [searchWords(terms), scopeLexemes(user, scope)];
}

/** The words of a query as a to_tsquery() text: every word quoted, so nothing typed is tsquery syntax. */
export function searchWords(terms: readonly SearchTerm[]): string {
  const words = terms.map(({ word, prefix }) => `'${word.replace(/['\\]/gu, '\\$&')}'${prefix ? ':*' : ''}`);
  return words.join(' & ');
}

function scopeLexemes(user: string, scope: SearchScope): string {
  if ('peer' in scope) return `'~${user}' & '~${scope.peer}'`;
  if ('group' in scope) return `'#${scope.group}'`;
  return [`'~${user}'`, ...scope.groups.map((id) => `'#${id}'`)].join(' | ');
}

const HEADLINE_OPTIONS = `'StartSel=' || chr(2) || ', StopSel=' || chr(3) ||
  ', MaxWords=${SEARCH_SNIPPET_WORDS}, MinWords=${Math.ceil(SEARCH_SNIPPET_WORDS / 2)}, ShortWord=0'`;

export const SQL = {
  userExists: 'SELECT 1 FROM users WHERE name = $1',
  passwordHash: 'SELECT password_hash FROM users WHERE name = $1',
  registerUser: 'SELECT register_user($1, $2, $3, $4, $5, $6) AS outcome',
  hasLookAlike: 'SELECT 1 FROM users WHERE look_alike = $1 OR look_alike_folded = $2 LIMIT 1',
  setPasswordHash: 'UPDATE users SET password_hash = $2 WHERE name = $1',
  searchUsers: 'SELECT name FROM users WHERE name >= $1 AND name < $2 ORDER BY name LIMIT $3',

  lockState: 'SELECT failures, locked_until FROM lockouts WHERE name = $1',
  // One statement: a concurrent failure waits for this row's lock, then counts from what this one
  // wrote. $2 now, $3 policy.maxFailures, $4 policy.lockMs. While locked, a failure keeps the lock
  // and counts a try during it; otherwise the count with this failure (from zero after a lock ran
  // out) is repeated in both CASEs, and the failure that reaches $3 locks.
  recordFailure: `
    INSERT INTO lockouts AS l (name, failures, locked_until)
    VALUES ($1, CASE WHEN 1 >= $3::integer THEN 0 ELSE 1 END, CASE WHEN 1 >= $3 THEN $2::bigint + $4::bigint ELSE 0 END)
    ON CONFLICT (name) DO UPDATE SET
      failures = CASE WHEN l.locked_until > $2 THEN l.failures + 1
                      WHEN (CASE WHEN l.locked_until > 0 THEN 0 ELSE l.failures END) + 1 >= $3 THEN 0
                      ELSE (CASE WHEN l.locked_until > 0 THEN 0 ELSE l.failures END) + 1 END,
      locked_until = CASE WHEN l.locked_until > $2 THEN l.locked_until
                          WHEN (CASE WHEN l.locked_until > 0 THEN 0 ELSE l.failures END) + 1 >= $3 THEN $2 + $4
                          ELSE 0 END
    RETURNING failures, locked_until`,
  resetLockout:
    'UPDATE lockouts SET failures = 0, locked_until = 0 WHERE name = $1 AND (failures <> 0 OR locked_until <> 0)',

  blocksOf: 'SELECT blocked FROM blocks WHERE blocker = $1 ORDER BY blocked',
  blockersOf: 'SELECT blocker FROM blocks WHERE blocked = $1 ORDER BY blocker',
  isBlocked: 'SELECT 1 FROM blocks WHERE blocker = $1 AND blocked = $2',
  addBlock: 'INSERT INTO blocks (blocker, blocked) VALUES ($1, $2) ON CONFLICT DO NOTHING',
  removeBlock: 'DELETE FROM blocks WHERE blocker = $1 AND blocked = $2 RETURNING 1',

  insertDirect: 'SELECT * FROM insert_direct($1, $2, $3, $4, $5, $6, $7)',
  // Direct and group messages to the recipient, each read from its own undelivered index.
  undeliveredAfter: `SELECT ${MESSAGE_COLUMNS} FROM ${MESSAGES} WHERE m.id IN (
      (SELECT id FROM messages WHERE recipient = $1 AND NOT acked AND id > $2 ORDER BY id LIMIT $3)
      UNION ALL
      (SELECT message_id FROM group_deliveries WHERE recipient = $1 AND NOT acked AND message_id > $2
        ORDER BY message_id LIMIT $3)
    ) ORDER BY m.id LIMIT $3`,
  countUndelivered: `SELECT (SELECT count(*) FROM messages WHERE recipient = $1 AND NOT acked)
    + (SELECT count(*) FROM group_deliveries WHERE recipient = $1 AND NOT acked) AS count`,
  // Direct senders (group_id null) and, for group messages, each sender with its group.
  acknowledge: `
    WITH group_done AS (
      UPDATE group_deliveries SET acked = true WHERE recipient = $1 AND NOT acked AND message_id = ANY ($2::bigint[])
      RETURNING message_id
    ), done AS (
      UPDATE messages SET acked = true WHERE recipient = $1 AND NOT acked AND id = ANY ($2::bigint[])
      RETURNING sender
    )
    SELECT DISTINCT sender, NULL::bigint AS group_id FROM done
    UNION
    SELECT DISTINCT m.sender, m.group_id FROM group_done g JOIN messages m ON m.id = g.message_id`,
  historyPage: `SELECT ${MESSAGE_COLUMNS} FROM ${MESSAGES}
    WHERE m.conversation = $1 AND m.id < $2 ORDER BY m.id DESC LIMIT $3`,
  // Each conversation of $1 with its newest message (one index probe each) and how many messages
  // of others it holds above $1's read mark.
  conversations: `
    SELECT m.id, m.sender, m.recipient, m.text, m.sent_at, m.edited_at, m.deleted, m.reply_to,
      r.sender AS reply_from, r.text AS reply_text, r.deleted AS reply_deleted, ${REACTION_COLUMNS},
      (SELECT count(*) FROM messages u
        WHERE u.conversation = c.conversation AND u.sender <> $1
          AND u.id > coalesce((SELECT up_to FROM read_marks r WHERE r.name = $1 AND r.conversation = c.conversation), 0)
      ) AS unread
    FROM conversation_members c
    CROSS JOIN LATERAL (
      SELECT * FROM messages WHERE conversation = c.conversation ORDER BY id DESC LIMIT 1
    ) m
    LEFT JOIN messages r ON r.id = m.reply_to
    WHERE c.member = $1
    ORDER BY m.id DESC`,
  // Refused (no row) when $3 is past the conversation's newest message; the shared mark moves only
  // while the reader's read receipts are on.
  markRead: `
    WITH me AS (SELECT read_receipts AS shared FROM users WHERE name = $1)
    INSERT INTO read_marks AS r (name, conversation, up_to, shared_up_to)
    SELECT $1, $2, $3, CASE WHEN me.shared THEN $3::bigint ELSE 0 END FROM me
    WHERE (SELECT max(id) FROM messages WHERE conversation = $2) >= $3
    ON CONFLICT (name, conversation) DO UPDATE SET up_to = greatest(r.up_to, excluded.up_to),
      shared_up_to = greatest(r.shared_up_to, excluded.shared_up_to)
    RETURNING (SELECT shared FROM me) AS shared`,
  // $1 sender, $2 recipient, $3 their conversation. The undelivered index holds only the
  // recipient's backlog: a short scan.
  receiptState: `
    SELECT
      (SELECT min(id) FROM messages WHERE recipient = $2 AND NOT acked AND sender = $1) AS oldest_unacked,
      (SELECT coalesce(max(id), 0) FROM messages WHERE conversation = $3) AS newest,
      (SELECT coalesce(max(shared_up_to), 0) FROM read_marks WHERE name = $2 AND conversation = $3) AS shared,
      coalesce((SELECT read_receipts FROM users WHERE name = $1), false) AS sender_shares,
      EXISTS (SELECT 1 FROM blocks WHERE blocker = $2 AND blocked = $1) AS blocked`,
  readReceipts: 'SELECT read_receipts FROM users WHERE name = $1',
  setReadReceipts: 'UPDATE users SET read_receipts = $2 WHERE name = $1',

  messageById: `SELECT ${MESSAGE_COLUMNS} FROM ${MESSAGES} WHERE m.id = $1`,
  // $1 id, $2 sender, $3 text, $4 at, $5 editable since. editedAt increases with every edit.
  editMessage: `UPDATE messages SET text = $3, edited_at = greatest($4::bigint, coalesce(edited_at, 0) + 1),
      revision = revision + 1, sender_seen_revision = revision + 1
    WHERE id = $1 AND sender = $2 AND NOT deleted AND sent_at >= $5
    RETURNING revision`,
  // A deleted message keeps no reactions, as it keeps no text.
  deleteMessage: `
    WITH deleted AS (
      UPDATE messages SET text = ''::bytea, deleted = true, revision = revision + 1,
        sender_seen_revision = revision + 1
      WHERE id = $1 AND sender = $2 AND NOT deleted
      RETURNING id, revision
    ), cleared AS (
      DELETE FROM reactions WHERE message_id IN (SELECT id FROM deleted)
    )
    SELECT revision FROM deleted`,
  react: 'SELECT * FROM react($1, $2, $3, $4, $5)',
  // Both sides of the user's direct conversations (messages to it it has, and messages from it),
  // the group messages it was delivered, and its own group messages while it is still a member
  // (one who left or was removed is sent nothing more of the group).
  changesAfter: `
    (SELECT ${MESSAGE_COLUMNS} FROM ${MESSAGES}
      WHERE m.recipient = $1 AND m.revision > m.seen_revision AND m.acked AND m.id > $2
      ORDER BY m.id LIMIT $3)
    UNION ALL
    (SELECT ${MESSAGE_COLUMNS} FROM ${MESSAGES}
      WHERE m.sender = $1 AND m.revision > m.sender_seen_revision AND m.id > $2
        AND (m.group_id IS NULL OR EXISTS (SELECT 1 FROM group_members g
          WHERE g.group_id = m.group_id AND g.member = $1))
      ORDER BY m.id LIMIT $3)
    UNION ALL
    (SELECT ${MESSAGE_COLUMNS} FROM group_deliveries d JOIN messages m ON m.id = d.message_id
        LEFT JOIN messages r ON r.id = m.reply_to
      WHERE d.recipient = $1 AND d.acked AND m.revision > d.seen_revision AND d.message_id > $2
      ORDER BY d.message_id LIMIT $3)
    ORDER BY id LIMIT $3`,
  // $2 ids and $3 revisions, pairwise; each moves the side of the conversation $1 is on, direct or
  // (its delivery row) group.
  acknowledgeChanges: `
    WITH direct AS (
      UPDATE messages SET
        seen_revision = CASE WHEN recipient = $1 THEN greatest(seen_revision, a.revision) ELSE seen_revision END,
        sender_seen_revision = CASE WHEN sender = $1 THEN greatest(sender_seen_revision, a.revision)
          ELSE sender_seen_revision END
      FROM unnest($2::bigint[], $3::integer[]) AS a (id, revision)
      WHERE messages.id = a.id AND (messages.recipient = $1 OR messages.sender = $1)
    )
    UPDATE group_deliveries SET seen_revision = greatest(seen_revision, a.revision)
    FROM unnest($2::bigint[], $3::integer[]) AS a (id, revision)
    WHERE group_deliveries.message_id = a.id AND group_deliveries.recipient = $1`,

  // $1 user, $2 the words (to_tsquery syntax, every word quoted), $3 where to look as lexemes
  // (searchQueries), $4 the conversation or null, $5 before, $6 limit. The newest matches first;
  // only they get a headline.
  searchMessages: `
    SELECT h.id, h.sender AS "from", h.recipient AS "to", h.group_id AS "groupId",
      (SELECT name FROM groups WHERE id = h.group_id) AS "groupName", h.sent_at AS "sentAt",
      ts_headline('simple', translate(message_search_decoded(h.text), chr(2) || chr(3), '  '),
        to_tsquery('simple', $2), ${HEADLINE_OPTIONS}) AS marked
    FROM (
      SELECT m.id, m.sender, m.recipient, m.group_id, m.sent_at, m.text FROM messages m
      WHERE message_search_vector(m.text, m.sender, m.recipient, m.group_id)
          @@ (to_tsquery('simple', $2) && $3::tsquery)
        AND m.id < $5 AND ($4::text IS NULL OR m.conversation = $4) AND ${SEARCHABLE_BY_ME}
      ORDER BY m.id DESC LIMIT $6
    ) h
    ORDER BY h.id DESC`,

  // $1 user, $2 the words (to_tsquery syntax), $3 before, $4 limit. Every broadcast with the words,
  // newest first, until $4 of them reached $1 (the index cannot narrow to one user's: who received
  // a broadcast follows from the online spans, as in broadcastPage).
  // The member's groups, the most recently active first (search-snippet.ts, SEARCH_GROUPS_MAX).
  searchGroupsOf: `
    SELECT g.group_id FROM group_members g WHERE g.member = $1
    ORDER BY (SELECT max(m.id) FROM messages m WHERE m.conversation = '#' || g.group_id) DESC NULLS LAST,
      g.group_id DESC
    LIMIT ${SEARCH_GROUPS_MAX}`,
  searchBroadcasts: `
    SELECT h.id, h.sender AS "from", h.sent_at AS "sentAt",
      ts_headline('simple', translate(message_search_decoded(h.text), chr(2) || chr(3), '  '),
        to_tsquery('simple', $2), ${HEADLINE_OPTIONS}) AS marked
    FROM (
      SELECT b.id, b.sender, b.sent_at, b.text FROM broadcasts b
      WHERE to_tsvector('simple'::regconfig, message_search_text(b.text)) @@ to_tsquery('simple', $2)
        AND b.id < $3 AND NOT ($1 = ANY (b.excluded))
        AND EXISTS (SELECT 1 FROM online_spans s WHERE s.name = $1 AND b.id > s.after_broadcast
          AND b.id <= coalesce(s.until_broadcast, ${Number.MAX_SAFE_INTEGER}))
        AND NOT EXISTS (SELECT 1 FROM blocks k WHERE k.blocker = $1 AND k.blocked = b.sender)
      ORDER BY b.id DESC LIMIT $4
    ) h
    ORDER BY h.id DESC`,

  insertBroadcast:
    'INSERT INTO broadcasts (sender, text, sent_at, excluded) VALUES ($1, $2, $3, $4) RETURNING id',
  // The user's spans are id ranges of broadcasts; DISTINCT because two spans of one user may
  // overlap when two nodes opened one for it at the same moment.
  broadcastPage: `
    SELECT DISTINCT b.id, b.sender, b.text, b.sent_at
    FROM online_spans s
    JOIN broadcasts b ON b.id > s.after_broadcast AND b.id <= coalesce(s.until_broadcast, ${Number.MAX_SAFE_INTEGER})
    WHERE s.name = $1 AND b.id < $2 AND NOT ($1 = ANY (b.excluded))
    ORDER BY b.id DESC LIMIT $3`,

  // Records the user as seen, closes any span of it left open (by this node or another, for this
  // user only) and opens a new one, in one statement: the three see one snapshot, so the UPDATE
  // does not close the span the INSERT opens.
  online: `
    WITH seen AS (
      INSERT INTO last_seen (name, at) VALUES ($1, $2)
      ON CONFLICT (name) DO UPDATE SET at = greatest(last_seen.at, excluded.at)
    ), closed AS (
      UPDATE online_spans SET until_broadcast = last_broadcast_drawn() WHERE name = $1 AND until_broadcast IS NULL
    )
    INSERT INTO online_spans (name, after_broadcast) VALUES ($1, last_broadcast_drawn())`,
  offline: `
    WITH seen AS (
      INSERT INTO last_seen (name, at) VALUES ($1, $2)
      ON CONFLICT (name) DO UPDATE SET at = greatest(last_seen.at, excluded.at)
    )
    UPDATE online_spans SET until_broadcast = last_broadcast_drawn() WHERE name = $1 AND until_broadcast IS NULL`,
  seenSince: 'SELECT name FROM last_seen WHERE at >= $1 ORDER BY name',
  everyoneOffline:
    'UPDATE online_spans SET until_broadcast = last_broadcast_drawn() WHERE until_broadcast IS NULL',
} as const;

export type Statement = keyof typeof SQL;
