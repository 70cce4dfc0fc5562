/**
 * Unsent text, per conversation, kept across conversation switches, logouts (an inactivity logout
 * included) and app restarts. Stored in the renderer's localStorage (the same in Electron and the
 * browser shell), scoped to server + account + conversation, and bounded: at most MAX_DRAFTS
 * drafts (the oldest go first), each at most MAX_DRAFT_LENGTH UTF-16 units.
 */
import { defineStore } from 'pinia';
import { computed, ref, watch } from 'vue';
import { TEXT_MAX_LENGTH } from '../../../shared/limits';
import { useConversationsStore } from './conversations';
import { useSessionStore } from './session';

const DRAFTS_KEY = 'messenger.drafts';
export const MAX_DRAFTS = 100;
/** A draft may run over the message limit (the composer says so); twice the limit in code units is plenty. */
export const MAX_DRAFT_LENGTH = TEXT_MAX_LENGTH * 2;
/** Writes wait this long after the last keystroke, so typing does not rewrite storage each time. */
const SAVE_DELAY_MS = 300;

interface Draft {
  text: string;
  /** Last edited (ms since epoch): the oldest drafts are dropped first. */
  at: number;
}

function isDraft(value: unknown): value is Draft {
  const d = value as Partial<Draft> | null;
  return typeof d === 'object' && d !== null && typeof d.text === 'string' && typeof d.at === 'number';
}

function readStored(): Record<string, Draft> {
  try {
    const parsed: unknown = JSON.parse(localStorage.getItem(DRAFTS_KEY) ?? '{}');
    if (typeof parsed !== 'object' || parsed === null) return {};
    return Object.fromEntries(Object.entries(parsed).filter(([, d]) => isDraft(d))) as Record<string, Draft>;
  } catch {
    return {};
  }
}

/** Keeps the newest MAX_DRAFTS drafts. */
function bounded(drafts: Record<string, Draft>): Record<string, Draft> {
  const entries = Object.entries(drafts);
  if (entries.length <= MAX_DRAFTS) return drafts;
  entries.sort(([, a], [, b]) => b.at - a.at);
  return Object.fromEntries(entries.slice(0, MAX_DRAFTS));
}

export const useDraftsStore = defineStore('drafts', () => {
  const session = useSessionStore();
  const drafts = ref<Record<string, Draft>>(readStored());
  let saveTimer: ReturnType<typeof setTimeout> | undefined;
  /** Edit times strictly increase, so "oldest" is well defined even within one millisecond. */
  let lastEditAt = Math.max(0, ...Object.values(drafts.value).map((d) => d.at));

  /** Server and account, or null while logged out (no draft is read or written then). */
  const scope = computed(() => {
    const server = session.state?.server;
    const user = session.username;
    return server && user ? [server.host, server.port, user] : null;
  });

  function keyOf(conversation: string): string | null {
    return scope.value ? JSON.stringify([...scope.value, conversation]) : null;
  }

  function get(conversation: string): string {
    const key = keyOf(conversation);
    return (key && drafts.value[key]?.text) || '';
  }

  function set(conversation: string, text: string): void {
    const key = keyOf(conversation);
    if (!key || get(conversation) === text) return;
    const next = { ...drafts.value };
    if (text === '') delete next[key];
    else {
      lastEditAt = Math.max(Date.now(), lastEditAt + 1);
      next[key] = { text: text.slice(0, MAX_DRAFT_LENGTH), at: lastEditAt };
    }
    drafts.value = bounded(next);
    clearTimeout(saveTimer);
    saveTimer = setTimeout(save, SAVE_DELAY_MS);
  }

  function save(): void {
    clearTimeout(saveTimer);
    saveTimer = undefined;
    try {
      localStorage.setItem(DRAFTS_KEY, JSON.stringify(drafts.value));
    } catch {
      // Storage full or unavailable: the drafts still last as long as this window.
    }
  }

  /** Writes a pending change now (the window is going away). */
  function flush(): void {
    if (saveTimer !== undefined) save();
  }

  window.addEventListener('pagehide', flush);

  /** The conversation last open per server and account (this window only), to resume it. */
  const lastOpen = new Map<string, string>();
  watch(
    () => useConversationsStore().active,
    (conversation) => {
      const key = scope.value && JSON.stringify(scope.value);
      if (key && conversation !== null) lastOpen.set(key, conversation);
    },
    { immediate: true },
  );

  /** After logging in again (an inactivity logout, say): where this account was, with its draft. */
  function lastOpened(): string | null {
    return (scope.value && lastOpen.get(JSON.stringify(scope.value))) ?? null;
  }

  return { get, set, flush, lastOpened };
});
