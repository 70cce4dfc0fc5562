/**
 * Direct messages (stored: history plus the delivery queue), broadcasts (sent to online users only,
 * stored once for the history of those who received it),
 * offline delivery, acknowledgements, history pages and conversation summaries.
 *
 * Delivery guarantee: a direct message stays "undelivered" until its recipient acks it; every
 * unacked message is pushed again (offline: true) at the recipient's next login (the session
 * streams that backlog, see Session.startBacklog). Clients drop ids
 * they have already shown, which makes delivery exactly-once from the user's point of view.
 */
import { encodeFrame } from '../src/shared/codec.js';
import type {
  ConversationSummary,
  DirectMessage,
  RequestResult,
  ServerFrame,
} from '../src/shared/protocol.js';
import type { Blocks } from './blocks.js';
import { RequestError } from './errors.js';
import type { OnlineUser, Presence } from './presence.js';
import type { Storage } from './storage.js';

function requireOther(me: string, peer: string): void {
  if (peer === me) throw new RequestError('self_target', 'you cannot do that with yourself');
}

function unknownUser(name: string): RequestError {
  return new RequestError('unknown_user', `no user named ${name}`);
}

export class Messages {
  constructor(
    private readonly storage: Storage,
    private readonly presence: Presence,
    private readonly blocks: Blocks,
  ) {}

  /** Throws self_target / unknown_user for a peer argument that cannot be used. */
  requirePeer(me: string, peer: string): void {
    requireOther(me, peer);
    if (!this.storage.userExists(peer)) throw unknownUser(peer);
  }

  /** The hot path: one statement (a guarded insert) per successful message. */
  send(
    from: string,
    to: string,
    text: string,
    clientId?: string,
    now = Date.now(),
  ): RequestResult<'message'> {
    requireOther(from, to);
    const message = this.storage.insertMessage(from, to, text, now, clientId);
    if (!message) {
      // A retry of a message already stored: answer as the first time, deliver nothing again.
      const stored = clientId === undefined ? undefined : this.storage.messageByClientId(from, clientId);
      if (stored) return { message: stored, online: this.presence.get(to) !== undefined };
      throw this.storage.userExists(to)
        ? new RequestError('blocked_by_recipient', `${to} has blocked you`)
        : unknownUser(to);
    }
    const recipient = this.presence.get(to);
    recipient?.send({ type: 'message', message, offline: false });
    return { message, online: recipient !== undefined };
  }

  /**
   * One stored row per broadcast, whatever the audience: who received it follows from who was
   * online (storage's online spans) minus the blockers listed with it. The frames are queued before
   * the row is written, so they do not wait for its commit and sync (as they did not when
   * broadcasts were not kept); the sender's reply, queued after it, does.
   */
  broadcast(sender: OnlineUser, text: string, now = Date.now()): RequestResult<'broadcast'> {
    const receivers: OnlineUser[] = [];
    const blockers: string[] = [];
    for (const user of this.presence.users()) {
      if (user === sender) continue;
      if (this.blocks.has(user.username, sender.username)) blockers.push(user.username);
      else receivers.push(user);
    }
    const id = this.storage.reserveBroadcastId();
    // Encoded once; every recipient gets the same string.
    const line = encodeFrame({
      type: 'broadcast',
      id,
      from: sender.username,
      text,
      sentAt: now,
    } satisfies ServerFrame);
    for (const user of receivers) user.sendEncoded(line);
    this.storage.insertBroadcast(id, sender.username, text, now, blockers);
    return { delivered: receivers.length, blockedBy: blockers.length, sentAt: now, id };
  }

  /** A page of the broadcasts `me` sent or received, oldest first. */
  broadcasts(me: string, before: number | undefined, limit: number): RequestResult<'broadcasts'> {
    const page = this.storage.broadcastPage(me, before ?? Number.MAX_SAFE_INTEGER, limit + 1);
    return { broadcasts: page.slice(0, limit).reverse(), hasMore: page.length > limit };
  }

  pendingCount(user: string): number {
    return this.storage.countUndelivered(user);
  }

  acknowledge(user: string, upTo: number): void {
    this.storage.acknowledge(user, upTo);
  }

  history(me: string, peer: string, before: number | undefined, limit: number): RequestResult<'history'> {
    this.requirePeer(me, peer);
    const page = this.storage.historyPage(me, peer, before ?? Number.MAX_SAFE_INTEGER, limit + 1);
    const hasMore = page.length > limit;
    return { messages: page.slice(0, limit).reverse(), hasMore };
  }

  conversations(me: string): ConversationSummary[] {
    const summaries: ConversationSummary[] = [];
    for (const { peer, lastId } of this.storage.conversationPeers(me)) {
      const last = this.storage.messageById(lastId) as DirectMessage;
      summaries.push({ peer, last, unread: this.storage.unreadFrom(me, peer) });
    }
    return summaries;
  }

  markRead(me: string, peer: string, upTo: number): void {
    this.requirePeer(me, peer);
    this.storage.markRead(me, peer, upTo);
  }
}
