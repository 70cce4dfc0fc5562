/**
 * The PostgreSQL adapter's GroupStore (server/store/store.ts). Every change is one transaction that
 * first locks the group's row (FOR UPDATE; a message takes it FOR SHARE), then decides with
 * ../group-rules.ts on what it read: a check and its write cannot be separated by another node's
 * change, and a member removed is never sent a message stored after the removal.
 */
import type { DirectMessage, GroupInfo } from '../../../src/shared/protocol.js';
import * as rules from '../group-rules.js';
import type { GroupState, Refused } from '../group-rules.js';
import type { GroupConversationRow, GroupReceiptStates, GroupStore, NewGroupMessage } from '../store.js';
import type { Connection, TransactionQuery } from './connection.js';
import { storeMessageFile } from './postgres-files.js';
import { MESSAGES, MESSAGE_COLUMNS } from './statements.js';

/** Turns a stored row into the wire's message (the adapter's own, passed in). */
type ToMessage = (row: never) => DirectMessage;

async function readGroup(
  query: TransactionQuery,
  id: number,
  lock: 'UPDATE' | 'SHARE',
): Promise<GroupState | undefined> {
  const [row] = await query<{ id: number; name: string; creator: string }>(
    `SELECT id, name, creator FROM groups WHERE id = $1 FOR ${lock}`,
    [id],
  );
  if (!row) return undefined;
  const members = await query<{ name: string; admin: boolean }>(
    'SELECT member AS name, admin FROM group_members WHERE group_id = $1 ORDER BY joined',
    [id],
  );
  return { ...row, members };
}

const isMember = (group: GroupState | undefined, name: string) =>
  group?.members.some((m) => m.name === name) === true;

async function addMembers(query: TransactionQuery, id: number, names: readonly string[], admin: boolean) {
  if (names.length === 0) return;
  await query(
    `INSERT INTO group_members (group_id, member, admin)
     SELECT $1, name, $3 FROM unnest($2::text[]) WITH ORDINALITY AS u (name, n) ORDER BY n`,
    [id, [...names], admin],
  );
}

async function drop(query: TransactionQuery, group: GroupState, name: string) {
  const successor = rules.successorAdmin(group, name);
  await query('DELETE FROM group_members WHERE group_id = $1 AND member = $2', [group.id, name]);
  await query(
    `DELETE FROM group_deliveries WHERE recipient = $1
       AND message_id IN (SELECT id FROM messages WHERE conversation = $2)`,
    [name, rules.groupKey(group.id)],
  );
  // Its runs as a member and as a sender: a former member is told nothing more of the group.
  await query('DELETE FROM group_receipts WHERE group_id = $1 AND (member = $2 OR sender = $2)', [
    group.id,
    name,
  ]);
  if (successor !== undefined)
    await query('UPDATE group_members SET admin = true WHERE group_id = $1 AND member = $2', [
      group.id,
      successor,
    ]);
}

/**
 * Each recipient's run of the sender's messages goes on to `id`; the run of a member not sent it
 * (it blocked the sender) ends (../sqlite/migrations/0011-group-receipts.ts).
 */
async function updateReceiptRuns(
  query: TransactionQuery,
  group: number,
  sender: string,
  id: number,
  recipients: readonly string[],
  notSent: readonly string[],
) {
  await query(
    `INSERT INTO group_receipts AS g (group_id, sender, member, since, newest)
     SELECT $1, $2, name, $3, $3 FROM unnest($4::text[]) AS name
     ON CONFLICT (group_id, sender, member) DO UPDATE SET newest = greatest(g.newest, excluded.newest)`,
    [group, sender, id, [...recipients]],
  );
  if (notSent.length > 0)
    await query(
      'DELETE FROM group_receipts WHERE group_id = $1 AND sender = $2 AND member = ANY ($3::text[])',
      [group, sender, [...notSent]],
    );
}

interface ReceiptRow {
  member: string;
  since: number;
  newest: number;
  oldest_unacked: number | null;
  shared: number;
  blocked: boolean;
}

/** Per member: its run, the oldest of it not acknowledged (a short scan of its backlog), its shared read mark. */
const RECEIPTS = `
  SELECT g.member, g.since, g.newest,
    (SELECT min(d.message_id) FROM group_deliveries d JOIN messages x ON x.id = d.message_id
      WHERE d.recipient = g.member AND NOT d.acked AND d.message_id >= g.since
        AND x.conversation = $3 AND x.sender = $2) AS oldest_unacked,
    coalesce((SELECT shared_up_to FROM read_marks WHERE name = g.member AND conversation = $3), 0) AS shared,
    EXISTS (SELECT 1 FROM blocks WHERE blocker = g.member AND blocked = $2) AS blocked
  FROM group_receipts g WHERE g.group_id = $1 AND g.sender = $2 ORDER BY g.member`;

async function receipts(query: TransactionQuery, sender: string, group: number): Promise<GroupReceiptStates> {
  const [me] = await query<{ read_receipts: boolean }>('SELECT read_receipts FROM users WHERE name = $1', [
    sender,
  ]);
  const rows = await query<ReceiptRow>(RECEIPTS, [group, sender, rules.groupKey(group)]);
  return {
    senderSharesReads: me?.read_receipts === true,
    members: rows.map((row) => ({
      member: row.member,
      since: row.since,
      deliveredUpTo: row.oldest_unacked === null ? row.newest : row.oldest_unacked - 1,
      sharedReadUpTo: row.shared,
      memberBlocksSender: row.blocked,
    })),
  };
}

/**
 * Moves the member's read mark to a message of the group it may see (else no row: refused); the
 * shared mark moves only while its read receipts are on. With the senders it has receipts for.
 */
async function markRead(query: TransactionQuery, name: string, group: number, upTo: number) {
  const key = rules.groupKey(group);
  const [row] = await query<{ shared: boolean }>(
    `WITH me AS (SELECT read_receipts AS shared FROM users WHERE name = $1)
     INSERT INTO read_marks AS r (name, conversation, up_to, shared_up_to)
     SELECT $1, $2, $3, CASE WHEN me.shared THEN $3::bigint ELSE 0 END FROM me
     WHERE EXISTS (SELECT 1 FROM messages m WHERE m.id = $3 AND m.conversation = $2
       AND NOT EXISTS (SELECT 1 FROM blocks WHERE blocker = $1 AND blocked = m.sender))
     ON CONFLICT (name, conversation) DO UPDATE SET up_to = greatest(r.up_to, excluded.up_to),
       shared_up_to = greatest(r.shared_up_to, excluded.shared_up_to)
     RETURNING (SELECT shared FROM me) AS shared`,
    [name, key, upTo],
  );
  if (row === undefined) return 'unknown_message' as const;
  if (!row.shared) return { shared: false, senders: [] };
  const senders = await query<{ sender: string }>(
    'SELECT sender FROM group_receipts WHERE group_id = $1 AND member = $2',
    [group, name],
  );
  return { shared: true, senders: senders.map((s) => s.sender) };
}

export function postgresGroupStore(connection: Connection, toMessage: ToMessage): GroupStore {
  const tx = <T>(work: (query: TransactionQuery) => Promise<T>) => connection.transaction(work);
  /** Runs `change` on the locked group; the group as it is after it, or the refusal. */
  const change = (
    id: number,
    decide: (group: GroupState | undefined) => Refused | undefined,
    apply: (query: TransactionQuery, group: GroupState) => Promise<void>,
  ) =>
    tx(async (query): Promise<GroupInfo | Refused> => {
      const group = await readGroup(query, id, 'UPDATE');
      const refusal = decide(group);
      if (refusal || !group) return refusal ?? { refused: 'unknown_group' };
      await apply(query, group);
      return rules.groupInfo((await readGroup(query, id, 'SHARE')) as GroupState);
    });
  const messages = async (query: TransactionQuery, sql: string, values: unknown[]) =>
    (await query<never>(sql, values)).map(toMessage);
  const byId = async (query: TransactionQuery, id: number) =>
    (await messages(query, `SELECT ${MESSAGE_COLUMNS} FROM ${MESSAGES} WHERE m.id = $1`, [id]))[0];

  const insertMessage = (message: NewGroupMessage) =>
    tx(async (query) => {
      const { from, group, text, sentAt, clientId, replyTo, file } = message;
      const current = await readGroup(query, group, 'SHARE');
      if (!current || !isMember(current, from)) return { refused: 'unknown_group' } as const;
      const [blocked] = await query<{ names: string[] }>(
        `SELECT coalesce(array_agg(blocker), '{}') AS names FROM blocks WHERE blocked = $1 AND blocker = ANY ($2::text[])`,
        [from, current.members.map((m) => m.name)],
      );
      const blockers = new Set(blocked?.names ?? []);
      const recipients = current.members
        .map((m) => m.name)
        .filter((name) => name !== from && !blockers.has(name));
      // Per recipient, messages commit in id order (as insert_direct's lock in
      // ./migrations/0001-initial.ts): every recipient's lock, in one order, before the id is drawn.
      await query(
        `SELECT pg_advisory_xact_lock(h) FROM (
           SELECT DISTINCT hashtextextended(name, 0) AS h FROM unnest($1::text[]) AS name ORDER BY h
         ) locks`,
        [recipients],
      );
      if (clientId !== undefined) {
        const [stored] = await messages(
          query,
          `SELECT ${MESSAGE_COLUMNS} FROM ${MESSAGES} WHERE m.sender = $1 AND m.client_id = $2`,
          [from, clientId],
        );
        if (stored) {
          const rows = await query<{ recipient: string }>(
            'SELECT recipient FROM group_deliveries WHERE message_id = $1',
            [stored.id],
          );
          return { message: stored, recipients: rows.map((r) => r.recipient), duplicate: true };
        }
      }
      const [row] = await query<{ id: number }>(
        `INSERT INTO messages (conversation, sender, recipient, group_id, text, sent_at, client_id, reply_to, acked)
         VALUES ($1, $2, '', $3, $4, $5, $6, $7, true) RETURNING id`,
        [
          rules.groupKey(group),
          from,
          group,
          Buffer.from(text, 'utf8'),
          sentAt,
          clientId ?? null,
          replyTo ?? null,
        ],
      );
      const id = row?.id as number;
      await query(
        'INSERT INTO group_deliveries (recipient, message_id) SELECT name, $2 FROM unnest($1::text[]) AS name',
        [recipients, id],
      );
      await updateReceiptRuns(query, group, from, id, recipients, [...blockers]);
      if (file) await storeMessageFile(query, id, file);
      const stored: DirectMessage =
        replyTo === undefined
          ? { id, from, group, text, sentAt, ...(file ? { file } : {}) }
          : ((await byId(query, id)) as DirectMessage);
      return { message: stored, recipients, duplicate: false };
    });

  const conversation = async (
    query: TransactionQuery,
    id: number,
    reader: string,
  ): Promise<GroupConversationRow> => {
    const key = rules.groupKey(id);
    const group = rules.groupInfo((await readGroup(query, id, 'SHARE')) as GroupState);
    const notBlocked = 'NOT EXISTS (SELECT 1 FROM blocks WHERE blocker = $2 AND blocked = m.sender)';
    const [last] = await messages(
      query,
      `SELECT ${MESSAGE_COLUMNS} FROM ${MESSAGES} WHERE m.conversation = $1 AND ${notBlocked} ORDER BY m.id DESC LIMIT 1`,
      [key, reader],
    );
    const [unread] = await query<{ count: number }>(
      `SELECT count(*)::integer AS count FROM messages m WHERE m.conversation = $1 AND m.sender <> $2
         AND m.id > coalesce((SELECT up_to FROM read_marks WHERE name = $2 AND conversation = $1), 0)
         AND ${notBlocked}`,
      [key, reader],
    );
    return { group, ...(last ? { last } : {}), unread: unread?.count ?? 0 };
  };

  return {
    create: ({ name, creator, members, at }, limits) =>
      tx(async (query) => {
        // Serialises one creator's creations, so the count cannot be passed by racing requests.
        await query('SELECT pg_advisory_xact_lock(3, hashtext($1))', [creator]);
        const [counted] = await query<{ count: number }>(
          'SELECT count(*)::integer AS count FROM groups WHERE creator = $1',
          [creator],
        );
        const others = rules.planCreate(creator, members, counted?.count ?? 0, limits);
        if ('refused' in others) return others;
        const [row] = await query<{ id: number }>(
          'INSERT INTO groups (name, creator, created_at) VALUES ($1, $2, $3) RETURNING id',
          [name, creator, at],
        );
        const id = row?.id as number;
        await addMembers(query, id, [creator], true);
        await addMembers(query, id, others, false);
        return rules.groupInfo((await readGroup(query, id, 'SHARE')) as GroupState);
      }),
    get: (id, member) =>
      tx(async (query) => {
        const group = await readGroup(query, id, 'SHARE');
        return isMember(group, member) && group ? rules.groupInfo(group) : undefined;
      }),
    add: (id, by, users, limits) => {
      let added: string[] = [];
      return change(
        id,
        (group) => {
          const plan = rules.planAdd(group, by, users, limits);
          if ('refused' in plan) return plan;
          added = plan;
          return undefined;
        },
        (query) => addMembers(query, id, added, false),
      );
    },
    remove: (id, by, user) =>
      change(
        id,
        (group) => rules.planRemove(group, by, user),
        (query, group) => drop(query, group, user),
      ),
    leave: (id, user) =>
      change(
        id,
        (group) => (isMember(group, user) ? undefined : { refused: 'unknown_group' }),
        (query, group) => drop(query, group, user),
      ),
    rename: (id, by, name) =>
      change(
        id,
        (group) => rules.planRename(group, by),
        async (query) => void (await query('UPDATE groups SET name = $1 WHERE id = $2', [name, id])),
      ),
    setAdmin: (id, by, user, admin) =>
      change(
        id,
        (group) => rules.planSetAdmin(group, by, user, admin),
        async (query) =>
          void (await query('UPDATE group_members SET admin = $3 WHERE group_id = $1 AND member = $2', [
            id,
            user,
            admin,
          ])),
      ),
    insertMessage,
    historyPage: (group, reader, before, limit) =>
      tx((query) =>
        messages(
          query,
          `SELECT ${MESSAGE_COLUMNS} FROM ${MESSAGES} WHERE m.conversation = $1 AND m.id < $3
             AND NOT EXISTS (SELECT 1 FROM blocks WHERE blocker = $2 AND blocked = m.sender)
           ORDER BY m.id DESC LIMIT $4`,
          [rules.groupKey(group), reader, before, limit],
        ),
      ),
    conversations: (name) =>
      tx(async (query) => {
        const ids = await query<{ group_id: number }>(
          'SELECT group_id FROM group_members WHERE member = $1',
          [name],
        );
        const rows: GroupConversationRow[] = [];
        for (const { group_id: id } of ids) rows.push(await conversation(query, id, name));
        return rows.sort((a, b) => (b.last?.id ?? 0) - (a.last?.id ?? 0) || b.group.id - a.group.id);
      }),
    markRead: (name, group, upTo) => tx((query) => markRead(query, name, group, upTo)),
    receipts: (sender, group) => tx((query) => receipts(query, sender, group)),
    recipientsOf: (messageId) =>
      tx(async (query) =>
        (
          await query<{ recipient: string }>('SELECT recipient FROM group_deliveries WHERE message_id = $1', [
            messageId,
          ])
        ).map((r) => r.recipient),
      ),
  };
}
