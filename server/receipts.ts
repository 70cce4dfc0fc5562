/**
 * Receipts: tells a sender how far its messages to a peer were delivered and read.
 *
 * Per recipient, messages are acknowledged and marked read by id, so the state of a conversation
 * travels as two watermarks (ReceiptMarks), never one frame per message. An ack or a markread only
 * notes the conversation as changed; every RECEIPT_INTERVAL_MS the changed ones are read from the
 * store (one query each, whatever the number of messages behind the change) and pushed to their
 * senders on whichever node holds them. So a conversation gets at most one `receipt` frame per
 * interval, however many messages were acked or read in it.
 *
 * What a sender may see (visibleMarks): nothing while the peer blocks it (no new delivery or read
 * reveals that the blocker was online); the read mark only while the sender's read receipts are
 * on. The recipient's side of the setting is in the mark itself: it moves only while the
 * recipient's are on (so reads shared before they turned it off stay shown).
 *
 * Groups alike, per member (docs/protocol.md, "Group receipts"): an ack or a markread notes the
 * sender's group with the members whose marks moved; each interval the sender's state in the group
 * is read once (GroupStore.receipts: a few index probes per member) and one `group_receipt` frame
 * lists those members. So a group gets at most one frame per sender per interval.
 */
import { MAX_PENDING_RECEIPTS, RECEIPT_INTERVAL_MS } from '../src/shared/limits.js';
import type { GroupReceiptMember, ReceiptMarks, ServerFrame } from '../src/shared/protocol.js';
import { BusUnavailableError, type Bus } from './bus/bus.js';
import {
  StoreUnavailableError,
  type GroupReceiptStates,
  type GroupStore,
  type MessageStore,
  type ReceiptState,
} from './store/store.js';

/** The marks of `state` that its sender may see. */
export function visibleMarks(state: ReceiptState): ReceiptMarks {
  if (state.recipientBlocksSender) return {};
  const marks: ReceiptMarks = {};
  if (state.deliveredUpTo > 0) marks.deliveredUpTo = state.deliveredUpTo;
  const readUpTo = Math.min(state.sharedReadUpTo, state.deliveredUpTo);
  if (state.senderSharesReads && readUpTo > 0) marks.readUpTo = readUpTo;
  return marks;
}

/**
 * The members' receipts on a sender's messages in a group, as the sender may see them: none from a
 * member who blocks it (as for a direct peer), reads only while the sender's read receipts are on,
 * a read mark never above the delivered one, no mark below the member's run.
 */
export function visibleGroupMarks(states: GroupReceiptStates): GroupReceiptMember[] {
  const members: GroupReceiptMember[] = [];
  for (const state of states.members) {
    if (state.memberBlocksSender) continue;
    const marks = visibleMarks({
      deliveredUpTo: state.deliveredUpTo,
      sharedReadUpTo: state.sharedReadUpTo,
      senderSharesReads: states.senderSharesReads,
      recipientBlocksSender: false,
    });
    // A mark below the member's run says nothing about the messages it was sent: left out.
    const member: GroupReceiptMember = { name: state.member, since: state.since };
    if ((marks.deliveredUpTo ?? 0) >= state.since) member.deliveredUpTo = marks.deliveredUpTo;
    if ((marks.readUpTo ?? 0) >= state.since) member.readUpTo = marks.readUpTo;
    members.push(member);
  }
  return members;
}

interface Moved {
  delivered: boolean;
  read: boolean;
}

/** A direct conversation changed (recipient), or a group's members (group, members changed). */
interface Pending {
  sender: string;
  recipient: string;
  delivered: boolean;
  read: boolean;
  group?: number;
  /** Of a group: the members whose marks moved, and which (at most a group's members). */
  members?: Map<string, Moved>;
}

export class Receipts {
  /** Conversations changed since the last flush, by sender and recipient. */
  private pending = new Map<string, Pending>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();

  private readonly push: boolean;
  private readonly intervalMs: number;

  /** `push: false` (`--no-receipts`): no frames; history and conversations still carry the marks. */
  constructor(
    private readonly store: MessageStore,
    private readonly groups: GroupStore,
    private readonly bus: Bus,
    private readonly warn: (message: string) => void,
    options: { push?: boolean; intervalMs?: number } = {},
  ) {
    this.push = options.push ?? true;
    this.intervalMs = options.intervalMs ?? RECEIPT_INTERVAL_MS;
  }

  /** The recipient's app acknowledged messages from these senders. */
  delivered(recipient: string, senders: readonly string[]): void {
    for (const sender of senders) this.note(sender, recipient, 'delivered');
  }

  /** The reader's shared read mark for `sender` moved. */
  read(reader: string, sender: string): void {
    this.note(sender, reader, 'read');
  }

  /** Members of `group` acknowledged messages from these senders there. */
  groupDelivered(member: string, groups: readonly { sender: string; group: number }[]): void {
    for (const { sender, group } of groups) this.noteGroup(sender, group, member, 'delivered');
  }

  /** The member's shared read mark in `group` moved: the senders it was sent messages by are told. */
  groupRead(member: string, group: number, senders: readonly string[]): void {
    for (const sender of senders) if (sender !== member) this.noteGroup(sender, group, member, 'read');
  }

  /** The members' receipts on my messages in the group, as I may see them (history, conversations). */
  async groupMarks(me: string, group: number): Promise<GroupReceiptMember[]> {
    return visibleGroupMarks(await this.groups.receipts(me, group));
  }

  /** The state of my messages to peer, as I may see it (history, conversations). */
  async marks(me: string, peer: string): Promise<ReceiptMarks> {
    return visibleMarks(await this.store.receiptState(me, peer));
  }

  /** Stops the timer; what is pending is dropped (senders see it at their next load). */
  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.pending.clear();
    await this.flushing;
  }

  private note(sender: string, recipient: string, what: 'delivered' | 'read'): void {
    if (!this.push) return;
    const key = `${sender}\n${recipient}`;
    let entry = this.pending.get(key);
    if (entry === undefined) {
      // Past the bound the change is not lost: the sender reads it with its next history page.
      if (this.pending.size >= MAX_PENDING_RECEIPTS) return;
      entry = { sender, recipient, delivered: false, read: false };
      this.pending.set(key, entry);
    }
    entry[what] = true;
    this.timer ??= setTimeout(() => this.flush(), this.intervalMs);
  }

  private noteGroup(sender: string, group: number, member: string, what: keyof Moved): void {
    if (!this.push) return;
    const key = `${sender}\n#${group}`;
    let entry = this.pending.get(key);
    if (entry === undefined) {
      if (this.pending.size >= MAX_PENDING_RECEIPTS) return;
      entry = { sender, recipient: '', delivered: false, read: false, group, members: new Map() };
      this.pending.set(key, entry);
    }
    const moved = entry.members?.get(member) ?? { delivered: false, read: false };
    moved[what] = true;
    entry.members?.set(member, moved);
    this.timer ??= setTimeout(() => this.flush(), this.intervalMs);
  }

  private flush(): void {
    this.timer = undefined;
    const batch = [...this.pending.values()];
    this.pending = new Map();
    this.flushing = Promise.all(batch.map((entry) => this.send(entry))).then(() => undefined);
  }

  /**
   * One frame for the group, with the members whose marks moved as the sender may see them: a read
   * the sender may not see sends nothing, so not even the frame's timing tells it.
   */
  private async sendGroup(entry: Pending, group: number, changed: Map<string, Moved>): Promise<void> {
    const members = (await this.groupMarks(entry.sender, group)).filter((m) => {
      const moved = changed.get(m.name);
      return moved !== undefined && (moved.delivered || (moved.read && m.readUpTo !== undefined));
    });
    if (members.length === 0) return;
    await this.bus.deliver(entry.sender, { type: 'group_receipt', group, members });
  }

  private async send(entry: Pending): Promise<void> {
    try {
      if (entry.group !== undefined && entry.members !== undefined) {
        await this.sendGroup(entry, entry.group, entry.members);
        return;
      }
      const marks = visibleMarks(await this.store.receiptState(entry.sender, entry.recipient));
      // Only what changed: a read mark moved while the sender may not see reads sends nothing, so
      // not even the timing of the frame tells it that the peer read.
      const frame: ServerFrame = { type: 'receipt', peer: entry.recipient };
      if (entry.delivered && marks.deliveredUpTo !== undefined) frame.deliveredUpTo = marks.deliveredUpTo;
      if (entry.read && marks.readUpTo !== undefined) frame.readUpTo = marks.readUpTo;
      if (frame.deliveredUpTo === undefined && frame.readUpTo === undefined) return;
      await this.bus.deliver(entry.sender, frame);
    } catch (error) {
      // At most once, like every bus frame: the sender reads the marks with its next history page.
      if (error instanceof BusUnavailableError || error instanceof StoreUnavailableError) return;
      this.warn(
        `receipt for ${entry.sender} failed: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }
}
