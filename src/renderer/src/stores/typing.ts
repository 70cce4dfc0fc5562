/**
 * Typing indicators. The core says who is typing to this user (each ends by itself after a few
 * seconds without a refresh, at a stop, or when their message arrives); this store shows it, and
 * tells the core when this user types in a direct chat (the core throttles what goes out).
 */
import { defineStore } from 'pinia';
import { ref } from 'vue';
import { call } from '../api';
import { useBlockedStore } from './blocked';

export const useTypingStore = defineStore('typing', () => {
  /** Who is typing to this user now, as the core last said. */
  const peers = ref<string[]>([]);

  function apply(now: string[]): void {
    peers.value = now;
  }

  /** The server never relays a blocked user's notices; the app does not show one either way. */
  function isTyping(peer: string): boolean {
    return peers.value.includes(peer) && !useBlockedStore().isBlocked(peer);
  }

  /** This user typed in the chat with `peer` (`active`), or stopped: emptied it, left it. */
  function report(peer: string, active: boolean): void {
    void call('typing', peer, active);
  }

  function reset(): void {
    peers.value = [];
  }

  return { peers, apply, isTyping, report, reset };
});
