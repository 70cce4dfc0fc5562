import { defineStore } from 'pinia';
import { computed, ref, watch } from 'vue';
import type { ApiResult, AppEvent } from '../../../shared/api';
import type {
  ConversationSummary,
  DirectMessage,
  GroupInfo,
  GroupSummary,
  UserEntry,
} from '../../../shared/protocol';
import { call } from '../api';
import { describeProblem } from '../errors';
import { EVERYONE, EVERYONE_LABEL, conversationKeyOf, groupIdOf, groupKey } from '../constants';
import { useReceiptsStore } from './receipts';
import { useSessionStore } from './session';

export const APP_TITLE = 'Messenger';

export interface Preview {
  from: string;
  text: string;
  sentAt: number;
  /** Server id of the last stored message, when known. */
  id?: number;
  /** The last message was deleted by its sender (`text` is empty). */
  deleted?: true;
}

function previewOf(message: DirectMessage): Preview {
  // A file without a caption is named by its file.
  const text = message.text === '' && message.file ? `📎 ${message.file.name}` : message.text;
  const preview: Preview = { from: message.from, text, sentAt: message.sentAt, id: message.id };
  if (message.deleted) preview.deleted = true;
  return preview;
}

export interface ConversationEntry {
  /** The peer's username, EVERYONE for broadcasts, or a group's key ("#" and its id). */
  key: string;
  last: Preview | null;
  unread: number;
}

export function windowHasFocus(): boolean {
  return typeof document.hasFocus === 'function' ? document.hasFocus() : true;
}

export const useConversationsStore = defineStore('conversations', () => {
  const entries = ref<Record<string, ConversationEntry>>({});
  const everyone = ref<ConversationEntry>({ key: EVERYONE, last: null, unread: 0 });
  const active = ref<string | null>(null);
  /** This user's groups as the server last described them, by conversation key. */
  const groups = ref<Record<string, GroupInfo>>({});
  const searchResults = ref<UserEntry[]>([]);
  const searchError = ref<string | null>(null);
  const loadError = ref<string | null>(null);
  /** Highest message id marked read per peer, so a late markRead never goes backwards. */
  const readUpTo = new Map<string, number>();
  /** Each conversation's unread count when it was last selected, before selecting read it. */
  const unreadWhenSelected = new Map<string, number>();
  /**
   * Ids of the incoming messages counted in each entry's unread since it was last read: a
   * conversations answer can arrive after live messages it does not include, and its count is then
   * completed with these rather than replaced by them.
   */
  const countedUnread = new Map<string, number[]>();
  /** Grows at every reset (logout): answers to the previous account's requests are dropped. */
  let generation = 0;

  /** Everyone first, then the most recent conversation first. */
  const list = computed<ConversationEntry[]>(() => {
    const direct = Object.values(entries.value).sort(
      (a, b) => (b.last?.sentAt ?? Number.MAX_SAFE_INTEGER) - (a.last?.sentAt ?? Number.MAX_SAFE_INTEGER),
    );
    return [everyone.value, ...direct];
  });

  const totalUnread = computed(
    () => everyone.value.unread + Object.values(entries.value).reduce((sum, e) => sum + e.unread, 0),
  );

  // The title carries the total (a browser tab shows it); the shell puts it on the dock or tray.
  watch(
    totalUnread,
    (n) => {
      document.title = n > 0 ? `(${n}) ${APP_TITLE}` : APP_TITLE;
      void call('setUnreadCount', n);
    },
    { immediate: true },
  );

  function entry(peer: string): ConversationEntry {
    if (peer === EVERYONE) return everyone.value;
    let e = entries.value[peer];
    if (!e) {
      e = { key: peer, last: null, unread: 0 };
      entries.value[peer] = e;
    }
    return entries.value[peer] as ConversationEntry;
  }

  async function load(): Promise<void> {
    const asked = generation;
    const [r, kept, mine] = await Promise.all([
      call('conversations'),
      call('broadcasts', { limit: 1 }),
      call('groups'),
    ]);
    if (asked !== generation) return;
    // Everyone previews the newest broadcast kept for this user, from an earlier login too.
    const newestBroadcast = kept.ok ? kept.value.broadcasts.at(-1) : undefined;
    if (newestBroadcast) noteHistory(EVERYONE, { ...newestBroadcast, to: EVERYONE });
    if (!r.ok) {
      loadError.value = `Could not load conversations. ${describeProblem(r.error)}`;
      return;
    }
    loadError.value = null;
    for (const s of r.value) applySummary(s);
    if (mine.ok) for (const g of mine.value) applyGroupSummary(g);
  }

  /** A group as the server summed it up: listed even before its first message. */
  function applyGroupSummary(s: GroupSummary): void {
    const key = groupKey(s.group.id);
    groups.value[key] = s.group;
    const cur = entries.value[key];
    const last = s.last ? previewOf(s.last) : (cur?.last ?? null);
    entries.value[key] = { key, last, unread: cur && cur.unread > s.unread ? cur.unread : s.unread };
    useReceiptsStore().setGroup(s.group.id, s.receipts);
  }

  /** A group changed: kept as it is now, or dropped when this user is no longer in it. */
  function applyGroupEvent(e: Extract<AppEvent, { kind: 'group' }>): void {
    const key = groupKey(e.id);
    if (e.group) {
      groups.value[key] = e.group;
      entry(key);
      return;
    }
    delete groups.value[key];
    delete entries.value[key];
    if (active.value === key) active.value = null;
  }

  /**
   * A group change by this user: null when the server made it (its group event updates the list),
   * else why not, as the app words it after `what` ("Could not add bob. …").
   */
  async function changeGroup(what: string, done: Promise<ApiResult<unknown>>): Promise<string | null> {
    const r = await done;
    return r.ok ? null : `Could not ${what}. ${describeProblem(r.error)}`;
  }

  const addToGroup = (id: number, name: string) => changeGroup(`add ${name}`, call('addToGroup', id, [name]));
  const removeFromGroup = (id: number, name: string) =>
    changeGroup(`remove ${name}`, call('removeFromGroup', id, name));
  const renameGroup = (id: number, name: string) =>
    changeGroup('rename the group', call('renameGroup', id, name));
  const leaveGroup = (id: number) => changeGroup('leave the group', call('leaveGroup', id));

  /** Creates a group and opens it; the error, if any, as the app words it. */
  async function createGroup(name: string, members: string[]): Promise<string | null> {
    const r = await call('createGroup', name, members);
    if (!r.ok) return `Could not create the group. ${describeProblem(r.error)}`;
    const { group } = r.value;
    groups.value[groupKey(group.id)] = group;
    entry(groupKey(group.id));
    select(groupKey(group.id));
    return null;
  }

  /** What the list and the chat header call a conversation. */
  function displayName(key: string): string {
    if (key === EVERYONE) return EVERYONE_LABEL;
    return groups.value[key]?.name ?? key;
  }

  /** A conversation as the server summed it up, completed by live messages newer than it. */
  function applySummary(s: ConversationSummary): void {
    const cur = entries.value[s.peer];
    const newer = (countedUnread.get(s.peer) ?? []).filter((id) => id > s.last.id);
    countedUnread.set(s.peer, newer);
    const last = cur?.last?.id !== undefined && cur.last.id > s.last.id ? cur.last : { ...s.last };
    entries.value[s.peer] = { key: s.peer, last, unread: s.unread + newer.length };
    useReceiptsStore().apply(s.peer, s);
    if (isActiveAndFocused(s.peer)) markActiveRead();
  }

  function isActiveAndFocused(key: string): boolean {
    return active.value === key && windowHasFocus();
  }

  async function markRead(peer: string, upTo: number): Promise<void> {
    if ((readUpTo.get(peer) ?? 0) >= upTo) return;
    readUpTo.set(peer, upTo);
    const group = groupIdOf(peer);
    if (group === undefined) await call('markRead', peer, upTo);
    else await call('markGroupRead', group, upTo);
  }

  /** A stored direct message, sent or received. */
  function noteMessage(message: DirectMessage, incoming: boolean): void {
    const peer = conversationKeyOf(message, incoming ? null : message.from);
    const e = entry(peer);
    if (e.last?.id !== undefined && message.id <= e.last.id) return; // already counted
    e.last = previewOf(message);
    if (!incoming) return;
    if (isActiveAndFocused(peer)) void markRead(peer, message.id);
    else {
      e.unread += 1;
      countedUnread.set(peer, [...(countedUnread.get(peer) ?? []), message.id]);
    }
  }

  /** A message changed (edited or deleted): the preview follows when it shows that message. */
  function noteChange(peer: string, message: DirectMessage): void {
    const e = entries.value[peer];
    if (e?.last?.id !== message.id) return;
    e.last = previewOf(message);
  }

  /** The newest message of a chat's history: the entry previews it when it knows nothing newer. */
  function noteHistory(peer: string, newest: DirectMessage): void {
    const e = entry(peer);
    const known = e.last;
    if (known && (known.id === undefined ? known.sentAt >= newest.sentAt : known.id >= newest.id)) return;
    e.last = previewOf(newest);
    if (isActiveAndFocused(peer)) markActiveRead();
  }

  /** Preview of a message not (yet) stored, e.g. while sending. */
  function notePreview(peer: string, preview: Preview): void {
    const e = entry(peer);
    e.last = { ...preview, id: e.last?.id };
  }

  function noteBroadcast(from: string, text: string, sentAt: number, incoming: boolean, id?: number): void {
    everyone.value.last = { from, text, sentAt, id };
    if (incoming && !isActiveAndFocused(EVERYONE)) everyone.value.unread += 1;
  }

  function markActiveRead(): void {
    const key = active.value;
    if (key === null) return;
    const e = entry(key);
    e.unread = 0;
    countedUnread.delete(key);
    // Also with nothing counted: a chat first seen through its history may have unread messages
    // on the server (markRead skips marks it has already sent). Only while the window is in front:
    // the mark is the peer's read receipt, and an open chat behind other windows was not read (the
    // window's focus event marks it then).
    if (key !== EVERYONE && e.last?.id !== undefined && windowHasFocus()) void markRead(key, e.last.id);
  }

  function select(key: string): void {
    unreadWhenSelected.set(key, entry(key).unread);
    active.value = key;
    markActiveRead();
  }

  /** How many messages were unread when `key` was last opened: the chat opens at the first of them. */
  function unreadAtOpen(key: string): number {
    return unreadWhenSelected.get(key) ?? 0;
  }

  async function search(prefix: string): Promise<void> {
    const q = prefix.trim();
    if (q === '') {
      searchResults.value = [];
      searchError.value = null;
      return;
    }
    const asked = generation;
    const r = await call('searchUsers', q);
    if (asked !== generation) return;
    if (!r.ok) {
      searchResults.value = [];
      searchError.value = `Search failed. ${describeProblem(r.error)}`;
      return;
    }
    searchError.value = null;
    const self = useSessionStore().username;
    searchResults.value = r.value.filter((u) => u.name !== self);
  }

  function reset(): void {
    generation++;
    countedUnread.clear();
    entries.value = {};
    groups.value = {};
    everyone.value = { key: EVERYONE, last: null, unread: 0 };
    active.value = null;
    searchResults.value = [];
    searchError.value = null;
    loadError.value = null;
    readUpTo.clear();
    unreadWhenSelected.clear();
  }

  return {
    entries,
    groups,
    everyone,
    active,
    list,
    totalUnread,
    searchResults,
    searchError,
    loadError,
    load,
    applyGroupEvent,
    createGroup,
    addToGroup,
    removeFromGroup,
    renameGroup,
    leaveGroup,
    displayName,
    noteMessage,
    noteChange,
    noteHistory,
    notePreview,
    noteBroadcast,
    markActiveRead,
    select,
    unreadAtOpen,
    search,
    reset,
  };
});
