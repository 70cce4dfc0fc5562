import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { PrivateCloseReason, PrivateMessage } from '../../../shared/api';
import { call } from '../api';
import { describePrivateError, describeProblem } from '../errors';
import { useSessionStore } from './session';
import { useToastsStore } from './toasts';

export interface PrivateSession {
  peer: string;
  open: boolean;
  messages: PrivateMessage[];
  closedReason: PrivateCloseReason | null;
  error: string | null;
  loaded: boolean;
}

const msgKey = (m: PrivateMessage) => `${m.from}\u0000${m.at}\u0000${m.text}`;

export const usePrivateStore = defineStore('private', () => {
  const sessions = ref<Record<string, PrivateSession>>({});

  function session(peer: string): PrivateSession {
    let s = sessions.value[peer];
    if (!s) {
      s = { peer, open: false, messages: [], closedReason: null, error: null, loaded: false };
      sessions.value[peer] = s;
    }
    return sessions.value[peer] as PrivateSession;
  }

  function addMessages(peer: string, incoming: PrivateMessage[]): void {
    const s = session(peer);
    const seen = new Set(s.messages.map(msgKey));
    const fresh = incoming.filter((m) => !seen.has(msgKey(m)));
    if (fresh.length) s.messages = [...s.messages, ...fresh].sort((a, b) => a.at - b.at);
  }

  /** Main window: asks the server to introduce us, then opens the private window. */
  async function start(peer: string): Promise<boolean> {
    const r = await call('startPrivate', peer);
    if (!r.ok) {
      useToastsStore().show(describePrivateError(r.error, peer), 'error');
      return false;
    }
    const s = session(peer);
    s.open = true;
    s.closedReason = null;
    s.error = null;
    await openWindow(peer);
    return true;
  }

  /** Private window: the same as `start`, without opening another window. */
  async function restart(peer: string): Promise<boolean> {
    const s = session(peer);
    const r = await call('startPrivate', peer);
    if (!r.ok) {
      s.error = describePrivateError(r.error, peer);
      return false;
    }
    s.open = true;
    s.closedReason = null;
    s.error = null;
    return true;
  }

  async function openWindow(peer: string): Promise<void> {
    const r = await call('openPrivateWindow', peer);
    if (!r.ok)
      useToastsStore().show(`Could not open the private chat window. ${describeProblem(r.error)}`, 'error');
  }

  async function load(peer: string): Promise<void> {
    const r = await call('privateTranscript', peer);
    const s = session(peer);
    s.loaded = true;
    if (!r.ok) {
      s.error = describePrivateError(r.error, peer);
      return;
    }
    s.open = r.value.open;
    addMessages(peer, r.value.messages);
  }

  async function send(peer: string, text: string): Promise<boolean> {
    const s = session(peer);
    s.error = null;
    const r = await call('sendPrivate', peer, text);
    if (!r.ok) {
      s.error = describePrivateError(r.error, peer);
      if (r.error.code === 'private_not_enabled' || r.error.code === 'peer_unreachable') s.open = false;
      return false;
    }
    addMessages(peer, [{ from: useSessionStore().username ?? '', text, at: r.value.sentAt }]);
    return true;
  }

  async function stop(peer: string): Promise<void> {
    const r = await call('stopPrivate', peer);
    const s = session(peer);
    if (!r.ok && r.error.code !== 'private_not_enabled') {
      s.error = describePrivateError(r.error, peer);
      return;
    }
    s.open = false;
    s.closedReason = 'me';
  }

  function handleOpened(peer: string): void {
    const s = session(peer);
    s.open = true;
    s.closedReason = null;
    s.error = null;
  }

  function handleMessage(peer: string, from: string, text: string, at: number): void {
    session(peer).open = true;
    addMessages(peer, [{ from, text, at }]);
  }

  function handleClosed(peer: string, reason: PrivateCloseReason): void {
    const s = session(peer);
    s.open = false;
    s.closedReason = reason;
  }

  /**
   * In a private window after this user's own logout: every chat there has ended, and its messages
   * go too. Private chats are never stored (the core forgets them at logout as well).
   */
  function handleSignedOut(): void {
    for (const s of Object.values(sessions.value)) {
      if (s.open) s.closedReason = 'logout';
      s.open = false;
      s.messages = [];
      s.error = null;
    }
  }

  function reset(): void {
    sessions.value = {};
  }

  return {
    sessions,
    session,
    start,
    restart,
    openWindow,
    load,
    send,
    stop,
    handleOpened,
    handleMessage,
    handleClosed,
    handleSignedOut,
    reset,
  };
});
