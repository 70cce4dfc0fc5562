/**
 * Direct messages (stored: history plus the delivery queue), broadcasts (sent to online users only,
 * stored once for the history of those who received it), offline delivery, acknowledgements,
 * history pages and conversation summaries.
 *
 * Delivery guarantee: a direct message stays undelivered until its recipient acknowledges it, and
 * every undelivered message is pushed again (offline: true) at the recipient's next login (the
 * session streams that backlog, see Session.startBacklog). An acknowledgement covers only the
 * messages that were written to the acknowledging connection (Session.takeDelivered), never a
 * message it did not get: with several nodes writing, ids need not arrive in id order. Clients
 * drop ids they have already shown, which makes delivery exactly-once for the user.
 */
import { encodeFrame } from '../src/shared/codec.js';
import type { DirectMessage, RequestResult, ServerFrame } from '../src/shared/protocol.js';
import type { Accounts } from './accounts.js';
import { BusUnavailableError, type BroadcastEvent, type Bus } from './bus/bus.js';
import { RequestError } from './errors.js';
import type { Presence } from './presence.js';
import type { Blocks } from './blocks.js';
import type { Groups } from './groups.js';
import type { Receipts } from './receipts.js';
import type {
  BroadcastStore,
  ChangeRefusal,
  DirectChange,
  DirectChangeEvent,
  MessageContent,
  MessageStore,
  ReactionChange,
  ReactionRefusal,
} from './store/store.js';

export function requireOther(me: string, peer: string): void {
  if (peer === me) throw new RequestError('self_target', 'you cannot do that with yourself');
}

export function unknownUser(name: string): RequestError {
  return new RequestError('unknown_user', `no user named ${name}`);
}

function unknownMessage(id: number): RequestError {
  return new RequestError('unknown_message', `no message ${id} in your conversations`);
}

function refusedChange(refusal: ChangeRefusal, id: number, windowSeconds: number): RequestError {
  switch (refusal) {
    case 'unknown_message':
      return unknownMessage(id);
    case 'not_yours':
      return new RequestError('not_yours', 'only the sender of a message can edit or delete it');
    case 'message_deleted':
      return new RequestError('message_deleted', `message ${id} was deleted`);
    case 'edit_window_passed':
      return new RequestError(
        'edit_window_passed',
        `a message can be edited only within ${windowSeconds} seconds of sending it`,
      );
  }
}

function refusedReaction(refusal: ReactionRefusal, id: number): RequestError {
  switch (refusal) {
    case 'unknown_message':
      return unknownMessage(id);
    case 'message_deleted':
      return new RequestError('message_deleted', `message ${id} was deleted`);
    case 'blocked_by_recipient':
      return new RequestError('blocked_by_recipient', 'the other side of this conversation has blocked you');
  }
}

export class Messages {
  constructor(
    private readonly store: { messages: MessageStore; broadcasts: BroadcastStore },
    private readonly accounts: Accounts,
    private readonly bus: Bus,
    private readonly presence: Presence,
    private readonly blocks: Blocks,
    private readonly receipts: Receipts,
    private readonly groups: Groups,
    /** How long after sending a message may be edited (`--edit-window`); deletes have no limit. */
    readonly editWindowSeconds: number,
    /** A message carrying this file was deleted: free its blob if nothing else refers to it. */
    private readonly releaseFile: (sha256: string) => void = () => {},
  ) {}

  /** Throws self_target / unknown_user for a peer argument that cannot be used. */
  async requirePeer(me: string, peer: string): Promise<void> {
    requireOther(me, peer);
    if (!(await this.accounts.exists(peer))) throw unknownUser(peer);
  }

  /** The hot path: one guarded insert, then the frame to the recipient's node. */
  async send(
    from: string,
    to: string,
    content: MessageContent,
    now = Date.now(),
  ): Promise<RequestResult<'message'>> {
    requireOther(from, to);
    if (content.replyTo !== undefined) await this.requireInConversation(content.replyTo, from, to);
    const stored = await this.store.messages.insertDirect({ ...content, from, to, sentAt: now });
    if ('refused' in stored) {
      throw stored.refused === 'unknown_user'
        ? unknownUser(to)
        : new RequestError('blocked_by_recipient', `${to} has blocked you`);
    }
    const { message } = stored;
    // A clientId the sender used for a group message: answered with it, not delivered here again.
    if (message.to === undefined) return { message, online: false };
    const direct = { ...message, to: message.to };
    if (stored.duplicate) return { message, online: await this.redeliverRetried(direct) };
    return { message, online: await this.deliverLive(direct) };
  }

  /** A reply must answer a message of its own conversation; any other id is unknown_message. */
  private async requireInConversation(id: number, a: string, b: string): Promise<void> {
    const original = await this.store.messages.messageById(id);
    const inConversation =
      original !== undefined &&
      ((original.from === a && original.to === b) || (original.from === b && original.to === a));
    if (!inConversation) throw unknownMessage(id);
  }

  /** The sender changes the text of its message, within the edit window. */
  edit(sender: string, id: number, text: string, now = Date.now()): Promise<RequestResult<'edit'>> {
    const editableSince = now - this.editWindowSeconds * 1000;
    return this.change({ id, sender, at: now, text, editableSince });
  }

  /** The sender deletes its message for both sides, at any time: the text is erased. */
  delete(sender: string, id: number, now = Date.now()): Promise<RequestResult<'delete'>> {
    return this.change({ id, sender, at: now, delete: true });
  }

  /**
   * Stores the change, then pushes the message's new state to its recipient's node. A recipient
   * that does not get the push (offline, or the bus is down) gets it at its next login: the store
   * keeps the change pending until the recipient acknowledges its revision.
   */
  private async change(change: DirectChange): Promise<{ message: DirectMessage }> {
    // A group message: members only, and only its sender (the store checks the sender of a direct one).
    const current = await this.store.messages.messageById(change.id);
    if (current?.group !== undefined)
      await this.groups.requireChangeable(change.sender, { ...current, group: current.group });
    const changed = await this.store.messages.changeDirect(change);
    if ('refused' in changed) throw refusedChange(changed.refused, change.id, this.editWindowSeconds);
    if (changed.message.group === undefined) await this.pushChange(changed);
    else await this.groups.pushChange(changed.message, changed.revision);
    const file = current?.file;
    if ('delete' in change && file !== undefined) this.releaseFile(file.sha256);
    return { message: changed.message };
  }

  /**
   * Adds or removes the user's reaction. A change is pushed to the other side of the conversation
   * like an edit (and kept pending for it until acknowledged), or to the group's members who have
   * the message; one that changes nothing is not.
   */
  async react(change: ReactionChange): Promise<RequestResult<'react'>> {
    const reacted = await this.store.messages.react(change);
    if ('refused' in reacted) throw refusedReaction(reacted.refused, change.id);
    const { message } = reacted;
    if (!reacted.changed) return { message };
    const { group } = message;
    if (group !== undefined)
      await this.groups.pushReaction({ ...message, group }, reacted.revision, change.user);
    else await this.pushChange(reacted, message.from === change.user ? message.to : message.from);
    return { message };
  }

  /** To the side that did not make the change: the recipient of an edit or delete. */
  private async pushChange({ message, revision }: DirectChangeEvent, to = message.to): Promise<void> {
    if (to === undefined) return;
    try {
      await this.bus.deliver(to, { type: 'message_update', message, revision });
    } catch (error) {
      if (!(error instanceof BusUnavailableError)) throw error;
    }
  }

  /** At most limit changes to messages user already has and has not acknowledged, id > afterId. */
  changesAfter(user: string, afterId: number, limit: number): Promise<DirectChangeEvent[]> {
    return this.store.messages.changesAfter(user, afterId, limit);
  }

  /** The user has these revisions of its messages (each was written to its connection). */
  async acknowledgeChanges(
    user: string,
    changes: readonly { id: number; revision: number }[],
  ): Promise<void> {
    // Most acks cover no change: no write (a durable commit) for them.
    if (changes.length > 0) await this.store.messages.acknowledgeChanges(user, changes);
  }

  /**
   * A retry of a message already stored: answered as the first time. It is pushed again while its
   * recipient has not acknowledged it, since the first push may never have happened (the node that
   * stored it died before publishing). A recipient that has it unacknowledged on its connection
   * drops the second push (Session.alreadyWritten).
   */
  private async redeliverRetried(message: DirectMessage & { to: string }): Promise<boolean> {
    const [pending] = await this.store.messages.undeliveredAfter(message.to, message.id - 1, 1);
    if (pending?.id === message.id) return this.deliverLive(message);
    return (await this.presence.lookup(message.to)) !== undefined;
  }

  /**
   * Hands a stored message to the recipient's node. If the bus cannot be reached the message stays
   * stored and undelivered: the sender's reply is still a success, and the recipient gets it when
   * the bus is back (BusListener.resync) or at its next login.
   */
  private async deliverLive(message: DirectMessage & { to: string }): Promise<boolean> {
    try {
      return await this.bus.deliver(message.to, { type: 'message', message, offline: false });
    } catch (error) {
      if (error instanceof BusUnavailableError) return false;
      throw error;
    }
  }

  /**
   * One stored row per broadcast, whatever the audience: who received it follows from who was
   * online (the store's online spans) minus the blockers listed with it. Each node hands the frame
   * to its own users.
   */
  async broadcast(sender: string, text: string, now = Date.now()): Promise<RequestResult<'broadcast'>> {
    const [online, blockers] = await Promise.all([this.bus.online(), this.blocks.blockersOf(sender)]);
    let delivered = 0;
    const excluded: string[] = [];
    for (const { username } of online) {
      if (username === sender) continue;
      if (blockers.has(username)) excluded.push(username);
      else delivered++;
    }
    const id = await this.store.broadcasts.insert({ from: sender, text, sentAt: now, excluded });
    // Encoded once; every recipient on every node gets the same string.
    const line = encodeFrame({
      type: 'broadcast',
      id,
      from: sender,
      text,
      sentAt: now,
    } satisfies ServerFrame);
    await this.bus.broadcast({ line, from: sender, excluded });
    return { delivered, blockedBy: excluded.length, sentAt: now, id };
  }

  /** A broadcast from the bus: this node's users get it, except its sender and its excluded. */
  deliverBroadcast(event: BroadcastEvent): void {
    if (event.to !== undefined) {
      this.deliverToListed(event, event.to);
      return;
    }
    const excluded = event.excluded.length === 0 ? undefined : new Set(event.excluded);
    const line = Buffer.from(event.line);
    for (const user of this.presence.localUsers()) {
      const name = user.username;
      if (name === event.from || excluded?.has(name) || this.blocks.cachedHas(name, event.from)) continue;
      user.sendEncoded(line);
    }
  }

  /**
   * A group's frame: only the users listed, one lookup each. A message or a change (tracked) is
   * parsed once per node, so each session can track its id; every one writes the same line.
   */
  private deliverToListed(event: BroadcastEvent, to: readonly string[]): void {
    let frame: ServerFrame | undefined;
    if (event.tracked) {
      try {
        frame = JSON.parse(event.line) as ServerFrame;
      } catch {
        return;
      }
    }
    // One Buffer for every recipient, as for a broadcast (a gateway then gets one command).
    const line = Buffer.from(event.line);
    for (const name of to) {
      const user = this.presence.localUser(name);
      if (user === undefined) continue;
      if (event.skipBlocked && this.blocks.cachedHas(name, event.from) !== false) continue;
      if (frame) user.sendTracked(frame, line);
      else user.sendEncoded(line);
    }
  }

  /** A page of the broadcasts `me` sent or received, oldest first. */
  async broadcasts(
    me: string,
    before: number | undefined,
    limit: number,
  ): Promise<RequestResult<'broadcasts'>> {
    const page = await this.store.broadcasts.page(me, before ?? Number.MAX_SAFE_INTEGER, limit + 1);
    return { broadcasts: page.slice(0, limit).reverse(), hasMore: page.length > limit };
  }

  /** At most limit undelivered messages to user with id > afterId, in id order (the backlog). */
  pendingAfter(user: string, afterId: number, limit: number): Promise<DirectMessage[]> {
    return this.store.messages.undeliveredAfter(user, afterId, limit);
  }

  pendingCount(user: string): Promise<number> {
    return this.store.messages.countUndelivered(user);
  }

  /** Marks these messages, each written to the user's connection, as delivered; tells their senders. */
  async acknowledge(user: string, ids: readonly number[]): Promise<void> {
    const acked = await this.store.messages.acknowledge(user, ids);
    this.receipts.delivered(user, acked.senders);
    this.receipts.groupDelivered(user, acked.groups);
  }

  async history(
    me: string,
    peer: string,
    before: number | undefined,
    limit: number,
  ): Promise<RequestResult<'history'>> {
    await this.requirePeer(me, peer);
    const page = await this.store.messages.historyPage(
      me,
      peer,
      before ?? Number.MAX_SAFE_INTEGER,
      limit + 1,
    );
    const marks = await this.receipts.marks(me, peer);
    return { messages: page.slice(0, limit).reverse(), hasMore: page.length > limit, ...marks };
  }

  /** Each conversation with the receipt marks of my messages in it, and my groups. */
  async conversations(me: string): Promise<RequestResult<'conversations'>> {
    const rows = await this.store.messages.conversations(me);
    const marks = await Promise.all(rows.map((row) => this.receipts.marks(me, row.peer)));
    const groups = await this.groups.conversations(me);
    return { conversations: rows.map((row, index) => ({ ...row, ...marks[index] })), groups };
  }

  /** Refuses a mark past the conversation's newest message: the user cannot have read it. */
  async markRead(me: string, peer: string, upTo: number): Promise<void> {
    await this.requirePeer(me, peer);
    const outcome = await this.store.messages.markRead(me, peer, upTo);
    if (outcome === 'unknown_message') {
      throw new RequestError('unknown_message', `no message ${upTo} in your conversation with ${peer}`);
    }
    if (outcome === 'shared') this.receipts.read(me, peer);
  }

  /** The user's settings, after changing those given. */
  async settings(me: string, change: { readReceipts?: boolean }): Promise<RequestResult<'settings'>> {
    if (change.readReceipts !== undefined) await this.accounts.setReadReceipts(me, change.readReceipts);
    return { readReceipts: await this.accounts.readReceipts(me) };
  }
}
