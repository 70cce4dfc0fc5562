/**
 * Delivery state of my messages, per conversation (docs/app.md, "Delivered and read"): the
 * server's two watermarks for each peer, which only grow. A message of mine with an id up to
 * `deliveredUpTo` reached the peer's app, up to `readUpTo` was read there. In a group, the same
 * per member, with the first of my messages each member was sent (`since`), so that a message
 * counts only the members it was sent to. Also the account's "Send read receipts" setting, which
 * the server keeps.
 */
import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { GroupReceiptMember, ReceiptMarks } from '../../../shared/protocol';
import { call } from '../api';
import { describeProblem } from '../errors';
import { useConversationsStore } from './conversations';

/** What my stored message shows: stored by the server, reached the peer's app, read there. */
export type Receipt = 'sent' | 'delivered' | 'read';

export const RECEIPT_LABELS: Readonly<Record<Receipt, string>> = {
  sent: 'Sent',
  delivered: 'Delivered',
  read: 'Read',
};

interface Marks {
  deliveredUpTo: number;
  readUpTo: number;
}

/** A group message of mine: whom it was sent to, who has it, who read it (names sorted). */
export interface GroupReceipt {
  recipients: string[];
  delivered: string[];
  read: string[];
}

/** "Read by 3 of 5" while someone read it, else "Delivered to 2 of 5", else "Sent". */
export function groupReceiptLabel({ recipients, delivered, read }: GroupReceipt): string {
  const of = recipients.length;
  if (read.length > 0) return `Read by ${read.length} of ${of}`;
  if (delivered.length > 0) return `Delivered to ${delivered.length} of ${of}`;
  return RECEIPT_LABELS.sent;
}

/** The names behind the label, for its tooltip and screen readers. */
export function groupReceiptNames({ recipients, delivered, read }: GroupReceipt): string {
  const notYet = recipients.filter((name) => !delivered.includes(name));
  const onlyDelivered = delivered.filter((name) => !read.includes(name));
  const parts: string[] = [];
  if (read.length > 0) parts.push(`Read by ${read.join(', ')}`);
  if (onlyDelivered.length > 0) parts.push(`Delivered to ${onlyDelivered.join(', ')}`);
  if (notYet.length > 0) parts.push(`Not yet delivered to ${notYet.join(', ')}`);
  return parts.join('. ');
}

type GroupMarks = Record<string, GroupReceiptMember>;

/**
 * A member's newer state: a later run (a higher `since`: it left and came back, or unblocked me)
 * replaces the old one; in the same run each mark only grows (answers may arrive out of order).
 */
function mergeMember(known: GroupReceiptMember | undefined, update: GroupReceiptMember): GroupReceiptMember {
  if (known === undefined || update.since > known.since) return update;
  if (update.since < known.since) return known;
  const merged: GroupReceiptMember = { name: known.name, since: known.since };
  const delivered = Math.max(known.deliveredUpTo ?? 0, update.deliveredUpTo ?? 0);
  const read = Math.max(known.readUpTo ?? 0, update.readUpTo ?? 0);
  if (delivered > 0) merged.deliveredUpTo = delivered;
  if (read > 0) merged.readUpTo = read;
  return merged;
}

export const useReceiptsStore = defineStore('receipts', () => {
  const marks = ref<Record<string, Marks>>({});
  /** Per group id, each member's receipts on my messages there. */
  const groupMarks = ref<Record<number, GroupMarks>>({});
  /** The account's setting; null until the server has said. */
  const readReceipts = ref<boolean | null>(null);
  const settingError = ref<string | null>(null);

  /** New marks for my messages to peer: each only moves forward (answers may arrive out of order). */
  function apply(peer: string, update: ReceiptMarks): void {
    const known = marks.value[peer] ?? { deliveredUpTo: 0, readUpTo: 0 };
    const next = {
      deliveredUpTo: Math.max(known.deliveredUpTo, update.deliveredUpTo ?? 0),
      readUpTo: Math.max(known.readUpTo, update.readUpTo ?? 0),
    };
    if (next.deliveredUpTo !== known.deliveredUpTo || next.readUpTo !== known.readUpTo) {
      marks.value[peer] = next;
    }
  }

  function stateOf(peer: string, id: number): Receipt {
    const known = marks.value[peer];
    if (known === undefined) return 'sent';
    if (id <= known.readUpTo) return 'read';
    return id <= known.deliveredUpTo ? 'delivered' : 'sent';
  }

  /** A `group_receipt` event: these members' marks moved. */
  function applyGroup(group: number, members: readonly GroupReceiptMember[]): void {
    const known = { ...groupMarks.value[group] };
    for (const member of members) known[member.name] = mergeMember(known[member.name], member);
    groupMarks.value[group] = known;
  }

  /** The whole list from a history page or the conversation list: members not in it are gone. */
  function setGroup(group: number, members: readonly GroupReceiptMember[] | undefined): void {
    const old = groupMarks.value[group] ?? {};
    const next: GroupMarks = {};
    for (const member of members ?? []) next[member.name] = mergeMember(old[member.name], member);
    groupMarks.value[group] = next;
  }

  /**
   * My message `id` was sent to `recipients`: as the server does, a member not known yet starts
   * its run here, and a member not sent it (it blocked me) is no longer counted.
   */
  function noteGroupSend(group: number, id: number, recipients: readonly string[] | undefined): void {
    if (recipients === undefined) return;
    const old = groupMarks.value[group] ?? {};
    const next: GroupMarks = {};
    for (const name of recipients) next[name] = old[name] ?? { name, since: id };
    groupMarks.value[group] = next;
  }

  /** Members who left or were removed: their deliveries are gone with them. */
  function dropGroupMembers(group: number, names: readonly string[]): void {
    const known = groupMarks.value[group];
    if (known === undefined) return;
    const next = { ...known };
    for (const name of names) delete next[name];
    groupMarks.value[group] = next;
  }

  function groupStateOf(group: number, id: number): GroupReceipt {
    const members = Object.values(groupMarks.value[group] ?? {})
      .filter((m) => m.since <= id)
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return {
      recipients: members.map((m) => m.name),
      delivered: members.filter((m) => (m.deliveredUpTo ?? 0) >= id).map((m) => m.name),
      read: members.filter((m) => (m.readUpTo ?? 0) >= id).map((m) => m.name),
    };
  }

  async function loadSettings(): Promise<void> {
    const r = await call('getSettings');
    if (r.ok) readReceipts.value = r.value.readReceipts;
  }

  /**
   * Off: the server stops showing others' reads to me, so the ones shown go too. On: the
   * conversations are loaded again, with the reads the server shows me now.
   */
  async function setReadReceipts(on: boolean): Promise<void> {
    const r = await call('setReadReceipts', on);
    if (!r.ok) {
      settingError.value = `Could not change read receipts. ${describeProblem(r.error)}`;
      return;
    }
    settingError.value = null;
    readReceipts.value = r.value.readReceipts;
    if (!r.value.readReceipts) {
      for (const known of Object.values(marks.value)) known.readUpTo = 0;
      for (const members of Object.values(groupMarks.value))
        for (const member of Object.values(members)) delete member.readUpTo;
    } else await useConversationsStore().load();
  }

  function reset(): void {
    marks.value = {};
    groupMarks.value = {};
    readReceipts.value = null;
    settingError.value = null;
  }

  return {
    marks,
    groupMarks,
    readReceipts,
    settingError,
    apply,
    stateOf,
    applyGroup,
    setGroup,
    noteGroupSend,
    dropGroupMembers,
    groupStateOf,
    loadSettings,
    setReadReceipts,
    reset,
  };
});
