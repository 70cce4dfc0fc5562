/**
 * The SQLite adapter's GroupStore (server/store/store.ts). Each change reads the group and decides
 * with ./../group-rules.ts inside one synchronous step: SQLite has one writer, so nothing can come
 * between a check and its write.
 */
import type { DirectMessage } from '../../../src/shared/protocol.js';
import {
  groupInfo,
  groupKey,
  planAdd,
  planCreate,
  planRemove,
  planRename,
  planSetAdmin,
  successorAdmin,
  type GroupState,
} from '../group-rules.js';
import { toDirectMessage, type StoredMessageRow } from '../message-row.js';
import type { GroupConversationRow, GroupReceiptState, GroupStore, NewGroupMessage } from '../store.js';
import type { MessageFileWriter } from './sqlite-files.js';
import type { Statements } from './statements.js';

/** What the adapter's Durable gives: statements run now, results resolve once durable. */
export interface DurableIo {
  write<T>(fn: () => T): Promise<T>;
  read<T>(fn: () => T): Promise<T>;
}

interface ReceiptRow {
  member: string;
  since: number;
  newest: number;
  oldestUnacked: number | null;
  shared: number;
  blocked: number;
}

const receiptState = (row: ReceiptRow): GroupReceiptState => ({
  member: row.member,
  since: row.since,
  deliveredUpTo: row.oldestUnacked === null ? row.newest : row.oldestUnacked - 1,
  sharedReadUpTo: row.shared,
  memberBlocksSender: row.blocked === 1,
});

export function groupStore(s: Statements, io: DurableIo, storeFile: MessageFileWriter): GroupStore {
  const state = (id: number): GroupState | undefined => {
    const row = s.groupRow.get(id) as { id: number; name: string; creator: string } | undefined;
    if (!row) return undefined;
    const members = (s.groupMembers.all(id) as { name: string; admin: number }[]).map((m) => ({
      name: m.name,
      admin: m.admin === 1,
    }));
    return { ...row, members };
  };
  const isMember = (group: GroupState | undefined, name: string) =>
    group?.members.some((m) => m.name === name) === true;
  const visible = (id: number, name: string) => {
    const group = state(id);
    return isMember(group, name) ? group : undefined;
  };
  const addMember = (group: number, member: string, admin: boolean) =>
    s.addGroupMember.run({ group, member, admin: admin ? 1 : 0 });
  /** Takes `name` out of the group, and its pending deliveries with it; names a successor admin. */
  const drop = (group: GroupState, name: string) => {
    const successor = successorAdmin(group, name);
    s.removeGroupMember.run(group.id, name);
    s.dropGroupDeliveries.run({ member: name, key: groupKey(group.id) });
    s.dropReceiptRuns.run({ group: group.id, name });
    if (successor !== undefined) s.setGroupAdmin.run(1, group.id, successor);
  };
  const after = (id: number) => groupInfo(state(id) as GroupState);
  const byId = (id: number) => {
    const row = s.messageById.get(id) as StoredMessageRow | undefined;
    return row && toDirectMessage(row);
  };
  const insertMessage = ({ from, group, text, sentAt, clientId, replyTo, file }: NewGroupMessage) => {
    const current = state(group);
    if (!isMember(current, from) || !current) return { refused: 'unknown_group' } as const;
    const row = {
      from,
      group,
      pair: groupKey(group),
      text,
      sentAt,
      clientId: clientId ?? null,
      replyTo: replyTo ?? null,
    };
    const id = s.insertGroupMessage.get(row) as number | undefined;
    if (id === undefined) {
      const stored = s.messageByClientId.get(from, clientId) as StoredMessageRow;
      const message = toDirectMessage(stored);
      return { message, recipients: s.recipientsOf.all(message.id) as string[], duplicate: true };
    }
    const others = current.members.map((m) => m.name).filter((name) => name !== from);
    const recipients = others.filter((name) => s.isBlocked.get(name, from) === undefined);
    for (const name of recipients) {
      s.insertGroupDelivery.run(name, id);
      s.extendReceiptRun.run({ group, sender: from, member: name, id });
    }
    // A member not sent this one: its run of the sender's messages ends here.
    for (const name of others) if (!recipients.includes(name)) s.endReceiptRun.run(group, from, name);
    if (file) storeFile(id, file);
    const message: DirectMessage =
      replyTo === undefined
        ? { id, from, group, text, sentAt, ...(file ? { file } : {}) }
        : (byId(id) as DirectMessage);
    return { message, recipients, duplicate: false };
  };
  const conversation = (id: number, reader: string): GroupConversationRow => {
    const key = groupKey(id);
    const lastId = s.groupLast.get({ key, reader }) as number | null;
    const last = lastId === null ? undefined : byId(lastId);
    const unread = s.groupUnread.get({ key, reader }) as number;
    return { group: after(id), ...(last ? { last } : {}), unread };
  };
  return {
    create: ({ name, creator, members, at }, limits) =>
      io.write(() => {
        const others = planCreate(creator, members, s.createdGroups.get(creator) as number, limits);
        if ('refused' in others) return others;
        const id = s.insertGroup.get(name, creator, at) as number;
        addMember(id, creator, true);
        for (const member of others) addMember(id, member, false);
        return after(id);
      }),
    get: (id, member) =>
      io.read(() => {
        const group = visible(id, member);
        return group && groupInfo(group);
      }),
    add: (id, by, users, limits) =>
      io.write(() => {
        const added = planAdd(state(id), by, users, limits);
        if ('refused' in added) return added;
        for (const user of added) addMember(id, user, false);
        return after(id);
      }),
    remove: (id, by, user) =>
      io.write(() => {
        const group = state(id);
        const refusal = planRemove(group, by, user);
        if (refusal || !group) return refusal ?? { refused: 'unknown_group' };
        drop(group, user);
        return after(id);
      }),
    leave: (id, user) =>
      io.write(() => {
        const group = visible(id, user);
        if (!group) return { refused: 'unknown_group' };
        drop(group, user);
        return after(id);
      }),
    rename: (id, by, name) =>
      io.write(() => {
        const refusal = planRename(state(id), by);
        if (refusal) return refusal;
        s.renameGroup.run(name, id);
        return after(id);
      }),
    setAdmin: (id, by, user, admin) =>
      io.write(() => {
        const refusal = planSetAdmin(state(id), by, user, admin);
        if (refusal) return refusal;
        s.setGroupAdmin.run(admin ? 1 : 0, id, user);
        return after(id);
      }),
    insertMessage: (message) => io.write(() => insertMessage(message)),
    historyPage: (group, reader, before, limit) =>
      io.read(() =>
        (s.groupHistoryPage.all({ key: groupKey(group), reader, before, limit }) as StoredMessageRow[]).map(
          toDirectMessage,
        ),
      ),
    conversations: (name) =>
      io.read(() =>
        (s.groupsOf.all(name) as number[])
          .map((id) => conversation(id, name))
          .sort((a, b) => (b.last?.id ?? 0) - (a.last?.id ?? 0) || b.group.id - a.group.id),
      ),
    markRead: (name, group, upTo) =>
      io.write(() => {
        const key = groupKey(group);
        if (s.groupReadable.get({ upTo, key, reader: name }) === undefined) return 'unknown_message' as const;
        const shared = s.readReceipts.get(name) === 1;
        s.markRead.run({ name, peer: key, upTo, shared: shared ? 1 : 0 });
        return { shared, senders: shared ? (s.receiptSendersTo.all(group, name) as string[]) : [] };
      }),
    receipts: (sender, group) =>
      io.read(() => ({
        senderSharesReads: s.readReceipts.get(sender) === 1,
        members: (s.groupReceipts.all({ group, sender, key: groupKey(group) }) as ReceiptRow[]).map(
          receiptState,
        ),
      })),
    recipientsOf: (messageId) => io.read(() => s.recipientsOf.all(messageId) as string[]),
  };
}
