import { defineStore } from 'pinia';
import { computed, ref, watch } from 'vue';
import type { DirectMessage, UserEntry } from '../../../shared/protocol';
import { call } from '../api';
import { EVERYONE } from '../constants';
import { useSessionStore } from './session';

export const APP_TITLE = 'Messenger';

export interface Preview {
  from: string;
  text: string;
  sentAt: number;
  /** Server id of the last stored message, when known. */
  id?: number;
}

export interface ConversationEntry {
  /** The peer's username, or EVERYONE for broadcasts. */
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
  const searchResults = ref<UserEntry[]>([]);
  const searchError = ref<string | null>(null);
  const loadError = ref<string | null>(null);
  /** Highest message id marked read per peer, so a late markRead never goes backwards. */
  const readUpTo = new Map<string, number>();

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
    const r = await call('conversations');
    if (!r.ok) {
      loadError.value = `Could not load conversations: ${r.error.message}`;
      return;
    }
    loadError.value = null;
    for (const s of r.value) {
      const cur = entries.value[s.peer];
      // Events that arrived while the request was in flight are newer than the summary: keep them.
      if (cur?.last?.id !== undefined && cur.last.id > s.last.id) continue;
      entries.value[s.peer] = { key: s.peer, last: { ...s.last }, unread: s.unread };
    }
  }

  function isActiveAndFocused(key: string): boolean {
    return active.value === key && windowHasFocus();
  }

  async function markRead(peer: string, upTo: number): Promise<void> {
    if ((readUpTo.get(peer) ?? 0) >= upTo) return;
    readUpTo.set(peer, upTo);
    await call('markRead', peer, upTo);
  }

  /** A stored direct message, sent or received. */
  function noteMessage(message: DirectMessage, incoming: boolean): void {
    const peer = incoming ? message.from : message.to;
    const e = entry(peer);
    if (e.last?.id !== undefined && message.id <= e.last.id) return; // already counted
    e.last = { from: message.from, text: message.text, sentAt: message.sentAt, id: message.id };
    if (!incoming) return;
    if (isActiveAndFocused(peer)) void markRead(peer, message.id);
    else e.unread += 1;
  }

  /** Preview of a message not (yet) stored, e.g. while sending. */
  function notePreview(peer: string, preview: Preview): void {
    const e = entry(peer);
    e.last = { ...preview, id: e.last?.id };
  }

  function noteBroadcast(from: string, text: string, sentAt: number, incoming: boolean): void {
    everyone.value.last = { from, text, sentAt };
    if (incoming && !isActiveAndFocused(EVERYONE)) everyone.value.unread += 1;
  }

  function markActiveRead(): void {
    const key = active.value;
    if (key === null) return;
    const e = entry(key);
    if (e.unread === 0) return;
    e.unread = 0;
    if (key !== EVERYONE && e.last?.id !== undefined) void markRead(key, e.last.id);
  }

  function select(key: string): void {
    entry(key);
    active.value = key;
    markActiveRead();
  }

  async function search(prefix: string): Promise<void> {
    const q = prefix.trim();
    if (q === '') {
      searchResults.value = [];
      searchError.value = null;
      return;
    }
    const r = await call('searchUsers', q);
    if (!r.ok) {
      searchResults.value = [];
      searchError.value = `Search failed: ${r.error.message}`;
      return;
    }
    searchError.value = null;
    const self = useSessionStore().username;
    searchResults.value = r.value.filter((u) => u.name !== self);
  }

  function reset(): void {
    entries.value = {};
    everyone.value = { key: EVERYONE, last: null, unread: 0 };
    active.value = null;
    searchResults.value = [];
    searchError.value = null;
    loadError.value = null;
    readUpTo.clear();
  }

  return {
    entries,
    everyone,
    active,
    list,
    totalUnread,
    searchResults,
    searchError,
    loadError,
    load,
    noteMessage,
    notePreview,
    noteBroadcast,
    markActiveRead,
    select,
    search,
    reset,
  };
});
