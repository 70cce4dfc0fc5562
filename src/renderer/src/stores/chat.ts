import { defineStore } from 'pinia';
import { shallowReactive } from 'vue';
import type { ApiResult, AppEvent } from '../../../shared/api';
import { REPLY_EXCERPT_MAX, excerpt } from '../../../shared/limits';
import { newerMessage, wasChanged } from '../../../shared/message-state';
import type { FileTransfer } from '../../../shared/files';
import type {
  BroadcastMessage,
  DirectMessage,
  FileInfo,
  GroupReceiptMember,
  Reaction,
  ReceiptMarks,
  ReplyQuote,
} from '../../../shared/protocol';
import type { ReactionEmoji } from '../../../shared/reactions';
import { call } from '../api';
import { EVERYONE, conversationKeyOf, groupIdOf, groupKey } from '../constants';
import { describeProblem, describeSendError } from '../errors';
import { useConversationsStore } from './conversations';
import { useReceiptsStore } from './receipts';
import { useSessionStore } from './session';

export { EVERYONE };
export const PAGE_SIZE = 100;
/** Pages a click on a reply's quote loads at most to find the original (10,000 messages back). */
export const MAX_JUMP_PAGES = 100;
export const PARTIAL_BROADCAST_NOTICE = 'Your message could not be delivered to some recipients';

export type ChatItemStatus = 'sent' | 'sending' | 'queued' | 'failed';

export interface ChatItem {
  /** Stable key for rendering: `m<id>` for stored messages, `l<n>` for local ones. */
  key: string;
  /** Server id (a broadcast's in Everyone); absent for messages not (yet) stored by the server. */
  id?: number;
  from: string;
  to: string;
  text: string;
  sentAt: number;
  mine: boolean;
  status: ChatItemStatus;
  /** Why the message was not delivered. */
  error?: string;
  /** Extra information, e.g. partial broadcast delivery. */
  notice?: string;
  /** The failure was the connection's, not the recipient's: sending again may work. */
  retryable?: boolean;
  /** While queued in the core: the id its outcome event carries. */
  clientId?: string;
  /** When its sender last edited it. */
  editedAt?: number;
  /** Its sender deleted it: `text` is empty. */
  deleted?: true;
  /** The message it answers, as a quote. */
  replyTo?: ReplyQuote;
  /** Who reacted with what, in the set's order. */
  reactions?: Reaction[];
  /** How many times it changed (orders its states, see newerMessage). */
  revision?: number;
  /** The file it carries (a local one being sent: its hash is not known yet, ''). */
  file?: FileInfo;
}

/** What became of a message the core had queued while disconnected. */
export type QueuedOutcome = Extract<AppEvent, { kind: 'queued_sent' | 'queued_failed' }>;

const RETRYABLE: ReadonlySet<string> = new Set([
  'not_connected',
  'unreachable',
  'timeout',
  'rate_limited',
  'internal_error',
  'unavailable',
]);

export interface Thread {
  /** Stored messages sorted by id with refused local ones among them by time, then local ones being sent. */
  items: ChatItem[];
  hasMore: boolean;
  loading: boolean;
  loaded: boolean;
  error: string | null;
}

function emptyThread(): Thread {
  return { items: [], hasMore: true, loading: false, loaded: false, error: null };
}

/** A stored broadcast as the Everyone thread holds it: a message to EVERYONE, by broadcast id. */
export function broadcastAsMessage(b: BroadcastMessage): DirectMessage {
  return { id: b.id, from: b.from, to: EVERYONE, text: b.text, sentAt: b.sentAt };
}

interface Page extends ReceiptMarks {
  messages: DirectMessage[];
  hasMore: boolean;
  receipts?: GroupReceiptMember[];
}

/** A page of a direct conversation, a group, or the broadcasts kept for this user. */
async function requestPage(peer: string, before: number | undefined): Promise<ApiResult<Page>> {
  const query = before === undefined ? { limit: PAGE_SIZE } : { before, limit: PAGE_SIZE };
  const group = groupIdOf(peer);
  if (group !== undefined) return call('groupHistory', { group, ...query });
  if (peer !== EVERYONE) return call('history', { peer, ...query });
  const r = await call('broadcasts', query);
  return r.ok
    ? { ok: true, value: { messages: r.value.broadcasts.map(broadcastAsMessage), hasMore: r.value.hasMore } }
    : r;
}

/** A page's receipts: a peer's two marks, or a group's members' (the whole list). */
function applyPageReceipts(peer: string, page: Page): void {
  if (peer === EVERYONE) return;
  const group = groupIdOf(peer);
  if (group === undefined) useReceiptsStore().apply(peer, page);
  else useReceiptsStore().setGroup(group, page.receipts);
}

function toItem(m: DirectMessage, me: string | null): ChatItem {
  const item: ChatItem = {
    key: `m${m.id}`,
    id: m.id,
    from: m.from,
    to: m.group === undefined ? (m.to ?? '') : groupKey(m.group),
    text: m.text,
    sentAt: m.sentAt,
    mine: m.from === me,
    status: 'sent',
  };
  if (m.editedAt !== undefined) item.editedAt = m.editedAt;
  if (m.deleted) item.deleted = true;
  if (m.replyTo) item.replyTo = m.replyTo;
  if (m.reactions) item.reactions = m.reactions;
  if (m.revision !== undefined) item.revision = m.revision;
  if (m.file) item.file = m.file;
  return item;
}

/** Whether the server still accepts an edit of this message (the window is the server's). */
export function canEdit(item: ChatItem, windowSeconds: number | undefined, now = Date.now()): boolean {
  if (!item.mine || item.deleted || item.id === undefined) return false;
  return windowSeconds === undefined || now - item.sentAt < windowSeconds * 1000;
}

/** What a reply shows of `message` (as the server quotes it). */
export function quoteOf(message: { id?: number; from: string; text: string; deleted?: true }): ReplyQuote {
  const id = message.id ?? 0;
  return message.deleted
    ? { id, from: message.from, text: '', deleted: true }
    : { id, from: message.from, text: excerpt(message.text, REPLY_EXCERPT_MAX) };
}

/** A stored item as the message it shows (for ordering its states, see newerMessage). */
function asMessage(item: ChatItem): DirectMessage {
  const { id = 0, from, to, text, sentAt, editedAt, deleted, replyTo, reactions, revision, file } = item;
  return { id, from, to, text, sentAt, editedAt, deleted, replyTo, reactions, revision, file };
}

/** The index of the item with this id in `sorted` (items with ids, ascending), or -1. */
function indexOfId(sorted: readonly ChatItem[], id: number): number {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const at = sorted[mid]?.id ?? 0;
    if (at === id) return mid;
    if (at < id) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/**
 * The items with `message`'s newer state (edited, deleted), and the quotes of replies to it too;
 * the same array when nothing changed.
 */
export function applyChange(items: ChatItem[], message: DirectMessage, me: string | null): ChatItem[] {
  let changed = false;
  const out = items.map((item) => {
    if (item.id === message.id) {
      if (newerMessage(asMessage(item), message) !== message) return item;
      changed = true;
      return { ...toItem(message, me), key: item.key };
    }
    if (item.replyTo?.id !== message.id) return item;
    const quote = quoteOf(message);
    if (quote.text === item.replyTo.text && quote.deleted === item.replyTo.deleted) return item;
    changed = true;
    return { ...item, replyTo: quote };
  });
  return changed ? out : items;
}

/**
 * Merges stored messages into a thread's items: de-duplicated by id, sorted by id; local items as
 * `withLocals` places them.
 */
export function mergeMessages(items: ChatItem[], incoming: DirectMessage[], me: string | null): ChatItem[] {
  let base = items;
  // A page or a redelivery may bring a newer state of a message shown already.
  for (const m of incoming) if (wasChanged(m)) base = applyChange(base, m, me);
  return addStored(base, incoming, me);
}

function addStored(items: ChatItem[], incoming: DirectMessage[], me: string | null): ChatItem[] {
  const hasLocal = items.some((i) => i.id === undefined);
  const stored = hasLocal ? items.filter((i) => i.id !== undefined) : items;
  const locals = hasLocal ? items.filter((i) => i.id === undefined) : [];
  // `stored` is sorted by id: a binary search finds duplicates without a set of every stored id
  // (a thread can hold 100,000 and a page of 100 arrives each time the view nears the top).
  const seen = new Set<number>();
  const fresh: ChatItem[] = [];
  for (const m of incoming) {
    if (seen.has(m.id) || indexOfId(stored, m.id) !== -1) continue;
    seen.add(m.id);
    fresh.push(toItem(m, me));
  }
  if (fresh.length === 0) return items;
  fresh.sort((a, b) => (a.id ?? 0) - (b.id ?? 0));
  const minStored = stored[0]?.id;
  const maxStored = stored[stored.length - 1]?.id;
  let merged: ChatItem[];
  if (maxStored === undefined || minStored === undefined) merged = fresh;
  else if ((fresh[0]?.id ?? 0) > maxStored) merged = stored.concat(fresh);
  else if ((fresh[fresh.length - 1]?.id ?? 0) < minStored) merged = fresh.concat(stored);
  else merged = stored.concat(fresh).sort((a, b) => (a.id ?? 0) - (b.id ?? 0));
  return withLocals(merged, locals);
}

function placeLocals(items: ChatItem[]): ChatItem[] {
  return withLocals(
    items.filter((i) => i.id !== undefined),
    items.filter((i) => i.id === undefined),
  );
}

/**
 * Stored items plus the local ones: a message still on its way stays last, where it was written; a
 * refused one is never stored, so it takes its place in time among the stored messages. (Kept last,
 * it sat below everything that arrived later, and new messages no longer scrolled into view.)
 */
function withLocals(stored: ChatItem[], locals: ChatItem[]): ChatItem[] {
  if (locals.length === 0) return stored;
  const out = stored.slice();
  const pending: ChatItem[] = [];
  for (const item of locals) {
    if (item.status !== 'failed') {
      pending.push(item);
      continue;
    }
    // From the end: a refusal is recent, so this stops after a few steps.
    let at = out.length;
    while (at > 0 && (out[at - 1] as ChatItem).sentAt > item.sentAt) at--;
    out.splice(at, 0, item);
  }
  return out.concat(pending);
}

export const useChatStore = defineStore('chat', () => {
  /** Shallow: a thread of 100,000 messages must not become 100,000 reactive proxies. */
  const threads = shallowReactive(new Map<string, Thread>());
  let localSeq = 1;
  /** Outcomes that arrived before the reply of the send call that queued the message. */
  const earlyOutcomes = new Map<string, QueuedOutcome>();
  /**
   * Grows at every reset (logout): an answer to a request made before it belongs to the previous
   * account and must not land in this one's threads.
   */
  let generation = 0;

  const me = () => useSessionStore().username;

  function thread(peer: string): Thread {
    return threads.get(peer) ?? emptyThread();
  }

  function update(peer: string, patch: Partial<Thread>): void {
    threads.set(peer, { ...thread(peer), ...patch });
  }

  function updateItem(peer: string, key: string, patch: Partial<ChatItem> | null): void {
    const t = thread(peer);
    const idx = t.items.findIndex((i) => i.key === key);
    if (idx === -1) return;
    const items = t.items.slice();
    if (patch === null) items.splice(idx, 1);
    else items[idx] = { ...(items[idx] as ChatItem), ...patch };
    // A message refused now may have been overtaken by messages that arrived meanwhile.
    update(peer, { items: patch?.status === 'failed' ? placeLocals(items) : items });
  }

  async function fetchPage(peer: string, before?: number): Promise<void> {
    const t = thread(peer);
    if (t.loading) return;
    update(peer, { loading: true, error: null });
    const asked = generation;
    const r = await requestPage(peer, before);
    if (asked !== generation) return;
    if (!r.ok) {
      update(peer, { loading: false, error: `Could not load messages. ${describeProblem(r.error)}` });
      return;
    }
    const cur = thread(peer);
    applyPageReceipts(peer, r.value);
    update(peer, {
      items: mergeMessages(cur.items, r.value.messages, me()),
      hasMore: before === undefined && cur.loaded ? cur.hasMore : r.value.hasMore,
      loading: false,
      loaded: true,
    });
    // The list entry shows what the chat shows, even for a conversation the list did not know.
    const newest = r.value.messages.at(-1);
    if (before === undefined && newest) useConversationsStore().noteHistory(peer, newest);
  }

  /** Loads the newest page once. */
  async function ensureLoaded(peer: string): Promise<void> {
    if (thread(peer).loaded) return;
    await fetchPage(peer);
  }

  /** Loads the page before the oldest message shown. */
  async function loadOlder(peer: string): Promise<void> {
    const t = thread(peer);
    if (t.loading || !t.hasMore) return;
    if (!t.loaded) return fetchPage(peer);
    const oldest = t.items.find((i) => i.id !== undefined)?.id;
    await fetchPage(peer, oldest);
  }

  function receive(message: DirectMessage): void {
    const self = me();
    const peer = conversationKeyOf(message, self);
    const t = thread(peer);
    // A thread never opened is loaded from history when opened; keep what arrived so nothing is lost.
    update(peer, { items: mergeMessages(t.items, [message], self) });
  }

  /** A message of this user's conversations changed (edited or deleted by its sender, reacted to). */
  function receiveChange(message: DirectMessage): void {
    const self = me();
    const peer = conversationKeyOf(message, self);
    const t = threads.get(peer);
    if (t) update(peer, { items: applyChange(t.items, message, self) });
    useConversationsStore().noteChange(peer, message);
  }

  /** Edits one of this user's messages; the error, if any, as the app words it. */
  async function edit(peer: string, id: number, text: string): Promise<string | null> {
    const r = await call('editMessage', id, text);
    if (!r.ok) return `Could not edit the message. ${describeProblem(r.error)}`;
    receiveChange(r.value.message);
    return null;
  }

  /** Deletes one of this user's messages for both sides; the error, if any. */
  async function remove(peer: string, id: number): Promise<string | null> {
    const r = await call('deleteMessage', id);
    if (!r.ok) return `Could not delete the message. ${describeProblem(r.error)}`;
    receiveChange(r.value.message);
    return null;
  }

  /** Adds or takes back this user's reaction on a message; the error, if any. */
  async function react(id: number, emoji: ReactionEmoji, add: boolean): Promise<string | null> {
    const r = await call('react', id, emoji, add);
    if (!r.ok) return `Could not change the reaction. ${describeProblem(r.error)}`;
    receiveChange(r.value.message);
    return null;
  }

  /**
   * Loads older pages until the message with this id is in the thread (at most MAX_JUMP_PAGES of
   * them); true when it is there. Ids grow with time, so once the oldest loaded is older than `id`
   * and it is not there, it is not in this conversation.
   */
  async function loadUntil(peer: string, id: number): Promise<boolean> {
    for (let page = 0; page <= MAX_JUMP_PAGES; page++) {
      const t = thread(peer);
      if (t.items.some((i) => i.id === id)) return true;
      const oldest = t.items.find((i) => i.id !== undefined)?.id;
      if (t.error !== null || (t.loaded && (!t.hasMore || (oldest !== undefined && oldest < id))))
        return false;
      // A page the view asked for is on its way: wait for it rather than ask twice.
      if (t.loading) await new Promise((resolve) => setTimeout(resolve, 50));
      else await loadOlder(peer);
    }
    return thread(peer).items.some((i) => i.id === id);
  }

  async function send(peer: string, text: string, replyTo?: ChatItem): Promise<boolean> {
    const self = me() ?? '';
    const local: ChatItem = {
      key: `l${localSeq++}`,
      from: self,
      to: peer,
      text,
      sentAt: Date.now(),
      mine: true,
      status: 'sending',
    };
    if (replyTo?.id !== undefined) local.replyTo = quoteOf(replyTo);
    update(peer, { items: thread(peer).items.concat(local) });
    const conversations = useConversationsStore();
    conversations.notePreview(peer, { from: self, text, sentAt: local.sentAt });
    const asked = generation;
    const r = await sendCall(peer, text, local.replyTo?.id);
    if (asked !== generation) return r.ok;
    if (!r.ok) {
      updateItem(peer, local.key, {
        status: 'failed',
        error: describeSendError(r.error, peer),
        retryable: RETRYABLE.has(r.error.code),
      });
      return false;
    }
    const stored = r.value.message;
    const { clientId } = r.value;
    if (stored) {
      updateItem(peer, local.key, null);
      receive(stored);
      noteGroupSent(stored, r.value.recipients);
      conversations.noteMessage(stored, false);
    } else if (clientId !== undefined) {
      updateItem(peer, local.key, { status: 'queued', clientId });
      const early = earlyOutcomes.get(clientId);
      earlyOutcomes.delete(clientId);
      if (early) settleQueued(early);
    } else {
      updateItem(peer, local.key, { status: r.value.queued ? 'queued' : 'sent' });
    }
    return true;
  }

  /** Sends to a person or a group; either is queued by the core while it is disconnected. */
  function sendCall(peer: string, text: string, replyTo: number | undefined) {
    const group = groupIdOf(peer);
    // No trailing undefined: the bridges send arguments as JSON, where it would arrive as null.
    if (group === undefined)
      return replyTo === undefined
        ? call('sendMessage', peer, text)
        : call('sendMessage', peer, text, replyTo);
    return replyTo === undefined
      ? call('sendGroupMessage', group, text)
      : call('sendGroupMessage', group, text, replyTo);
  }

  /** A group message of mine was stored: the members it was sent to are its receipts' "of N". */
  function noteGroupSent(message: DirectMessage, recipients: string[] | undefined): void {
    if (message.group !== undefined) useReceiptsStore().noteGroupSend(message.group, message.id, recipients);
  }

  /** A queued message was stored (its local row gives way to the stored one) or refused (it fails). */
  function settleQueued(outcome: QueuedOutcome): void {
    const peer =
      outcome.kind === 'queued_sent'
        ? conversationKeyOf(outcome.message, me())
        : 'to' in outcome
          ? outcome.to
          : groupKey(outcome.group);
    const local = thread(peer).items.find((i) => i.clientId === outcome.clientId);
    // receive() de-duplicates by id, so an early outcome settled again later adds nothing twice.
    if (outcome.kind === 'queued_sent') {
      receive(outcome.message);
      noteGroupSent(outcome.message, outcome.recipients);
    }
    if (!local) {
      earlyOutcomes.set(outcome.clientId, outcome);
      return;
    }
    if (outcome.kind === 'queued_sent') updateItem(peer, local.key, null);
    else {
      updateItem(peer, local.key, {
        status: 'failed',
        clientId: undefined,
        error: describeSendError(outcome.error, peer),
        // A file is sent again by picking it again: the app no longer has its bytes.
        retryable: !local.file && RETRYABLE.has(outcome.error.code),
      });
    }
  }

  /** A file being sent to a chat shows in its timeline at once, under its transfer's client id. */
  function addLocalFile(peer: string, transfer: FileTransfer): void {
    const { name, size, mime } = transfer;
    const local: ChatItem = {
      key: `l${localSeq++}`,
      from: me() ?? '',
      to: peer,
      text: '',
      sentAt: Date.now(),
      mine: true,
      status: 'sending',
      file: { name, size, mime, sha256: '' },
    };
    if (transfer.clientId !== undefined) local.clientId = transfer.clientId;
    update(peer, { items: thread(peer).items.concat(local) });
  }

  /**
   * A file being sent ended before its message was stored: cancelled, its row goes; failed, it
   * says why (a refused message is told by `queued_failed` instead, as for text).
   */
  function settleLocalFile(peer: string, transfer: FileTransfer, error: string | null): void {
    const local = thread(peer).items.find(
      (i) => i.clientId !== undefined && i.clientId === transfer.clientId,
    );
    if (!local) return;
    if (transfer.state === 'cancelled') updateItem(peer, local.key, null);
    else if (transfer.state === 'failed' && transfer.reason !== 'refused' && error !== null) {
      updateItem(peer, local.key, { status: 'failed', clientId: undefined, error, retryable: false });
    }
  }

  async function sendBroadcast(text: string): Promise<boolean> {
    const self = me() ?? '';
    const local: ChatItem = {
      key: `l${localSeq++}`,
      from: self,
      to: EVERYONE,
      text,
      sentAt: Date.now(),
      mine: true,
      status: 'sending',
    };
    update(EVERYONE, { items: thread(EVERYONE).items.concat(local) });
    useConversationsStore().noteBroadcast(self, text, local.sentAt, false);
    const asked = generation;
    const r = await call('broadcast', text);
    if (asked !== generation) return r.ok;
    if (!r.ok) {
      updateItem(EVERYONE, local.key, {
        status: 'failed',
        error: describeSendError(r.error, 'Everyone'),
        retryable: RETRYABLE.has(r.error.code),
      });
      return false;
    }
    // The local row gives way to the stored broadcast, which history pages list under the same id.
    const { id, sentAt, blockedBy } = r.value;
    updateItem(EVERYONE, local.key, null);
    receiveBroadcast({ id, from: self, text, sentAt });
    if (blockedBy > 0) updateItem(EVERYONE, `m${id}`, { notice: PARTIAL_BROADCAST_NOTICE });
    useConversationsStore().noteBroadcast(self, text, sentAt, false, id);
    return true;
  }

  function receiveBroadcast(broadcast: BroadcastMessage): void {
    const t = thread(EVERYONE);
    update(EVERYONE, { items: mergeMessages(t.items, [broadcastAsMessage(broadcast)], me()) });
  }

  /** Sends a failed message again (it moves to the end of the conversation). */
  async function retry(peer: string, key: string): Promise<boolean> {
    const item = thread(peer).items.find((i) => i.key === key);
    if (!item || item.status !== 'failed') return false;
    updateItem(peer, key, null);
    return peer === EVERYONE ? sendBroadcast(item.text) : send(peer, item.text);
  }

  function reset(): void {
    generation++;
    threads.clear();
    earlyOutcomes.clear();
  }

  return {
    threads,
    thread,
    ensureLoaded,
    loadOlder,
    receive,
    receiveChange,
    edit,
    remove,
    react,
    loadUntil,
    send,
    sendBroadcast,
    receiveBroadcast,
    settleQueued,
    addLocalFile,
    settleLocalFile,
    retry,
    reset,
  };
});
