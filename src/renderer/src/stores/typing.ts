/**
 * Typing indicators. The core says who is typing to this user (each ends by itself after a few
 * seconds without a refresh, at a stop, or when their message arrives); this store shows it, and
 * tells the core when this user types in a direct chat (the core throttles what goes out).
 */
import { defineStore } from 'pinia';
import { ref } from 'vue';
import { call } from '../api';
import { groupIdOf } from '../constants';
import { useBlockedStore } from './blocked';

export const useTypingStore = defineStore('typing', () => {
  /** Who is typing to this user now, as the core last said. */
  const peers = ref<string[]>([]);
  /** Who is typing in each group (by group id), as the core last said. */
  const inGroups = ref<Record<number, string[]>>({});

  function apply(now: string[]): void {
    peers.value = now;
  }

  function applyGroups(now: Record<number, string[]>): void {
    inGroups.value = now;
  }

  /** Who is typing in a group's conversation (its key), without anyone this user blocked. */
  function typersIn(key: string): string[] {
    const group = groupIdOf(key);
    if (group === undefined) return [];
    const blocked = useBlockedStore();
    return (inGroups.value[group] ?? []).filter((name) => !blocked.isBlocked(name));
  }

  /** The server never relays a blocked user's notices; the app does not show one either way. */
  function isTyping(peer: string): boolean {
    if (groupIdOf(peer) !== undefined) return typersIn(peer).length > 0;
    return peers.value.includes(peer) && !useBlockedStore().isBlocked(peer);
  }

  /** This user typed in the chat with `peer` or a group (`active`), or stopped: emptied it, left it. */
  function report(peer: string, active: boolean): void {
    const group = groupIdOf(peer);
    if (group === undefined) void call('typing', peer, active);
    else void call('groupTyping', group, active);
  }

  function reset(): void {
    peers.value = [];
    inGroups.value = {};
  }

  return { peers, apply, applyGroups, typersIn, isTyping, report, reset };
});
