import { defineStore } from 'pinia';
import { computed, ref, watch } from 'vue';
import { call } from '../api';
import { describeProblem } from '../errors';
import { useSessionStore } from './session';
import { useSettingsStore } from './settings';
import { useToastsStore } from './toasts';

/** What the app can say about someone: while disconnected it hears no presence, so it does not know. */
export type PresenceStatus = 'online' | 'offline' | 'unknown';

export const PRESENCE_LABELS: Record<PresenceStatus, string> = {
  online: 'Online',
  offline: 'Offline',
  unknown: 'Status unknown while disconnected',
};

export const RECENT_WINDOWS = [
  { seconds: 5 * 60, label: 'Last 5 minutes' },
  { seconds: 60 * 60, label: 'Last hour' },
  { seconds: 24 * 60 * 60, label: 'Last 24 hours' },
  { seconds: 7 * 24 * 60 * 60, label: 'Last 7 days' },
] as const;

export const usePeopleStore = defineStore('people', () => {
  const online = ref<string[]>([]);
  const recent = ref<string[]>([]);
  const windowSeconds = ref<number>(60 * 60);
  const error = ref<string | null>(null);
  const session = useSessionStore();
  /** Presence is only known while connected: events missed during an outage would leave it stale. */
  const known = computed(() => session.connection === 'connected');
  /** Grows at every reset (logout): answers to the previous account's requests are dropped. */
  let generation = 0;

  // Back from an outage: ask again, since every login and logout meanwhile went unheard.
  watch(known, (isKnown) => {
    if (isKnown && session.loggedIn) void Promise.all([refreshOnline(), refreshRecent()]);
  });

  async function refreshOnline(): Promise<void> {
    const asked = generation;
    const r = await call('whoElse');
    if (asked !== generation) return;
    if (r.ok) {
      online.value = [...r.value].sort();
      error.value = null;
    } else error.value = `Could not load who is online. ${describeProblem(r.error)}`;
  }

  async function refreshRecent(): Promise<void> {
    const asked = generation;
    const r = await call('whoElseSince', windowSeconds.value);
    if (asked !== generation) return;
    if (r.ok) recent.value = [...r.value].sort();
    else error.value = `Could not load who was online recently. ${describeProblem(r.error)}`;
  }

  async function setWindow(seconds: number): Promise<void> {
    windowSeconds.value = seconds;
    await refreshRecent();
  }

  /** Online as far as the app knows: false while disconnected, when nobody's presence is known. */
  function isOnline(name: string): boolean {
    return known.value && online.value.includes(name);
  }

  function statusOf(name: string): PresenceStatus {
    if (!known.value) return 'unknown';
    return online.value.includes(name) ? 'online' : 'offline';
  }

  function handlePresence(user: string, isNowOnline: boolean): void {
    const without = online.value.filter((u) => u !== user);
    online.value = isNowOnline ? [...without, user].sort() : without;
    if (isNowOnline && !recent.value.includes(user)) recent.value = [...recent.value, user].sort();
    // A setting: with many people online a toast for every login and logout is only noise.
    if (useSettingsStore().presenceToastsWanted(online.value.length))
      useToastsStore().show(`${user} ${isNowOnline ? 'logged in' : 'logged out'}`, 'presence');
  }

  function reset(): void {
    generation++;
    online.value = [];
    recent.value = [];
    error.value = null;
  }

  return {
    online,
    recent,
    windowSeconds,
    error,
    known,
    refreshOnline,
    refreshRecent,
    setWindow,
    isOnline,
    statusOf,
    handlePresence,
    reset,
  };
});
