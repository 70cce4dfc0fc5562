import { defineStore } from 'pinia';
import { ref } from 'vue';
import { call } from '../api';
import { useToastsStore } from './toasts';

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

  async function refreshOnline(): Promise<void> {
    const r = await call('whoElse');
    if (r.ok) {
      online.value = [...r.value].sort();
      error.value = null;
    } else error.value = `Could not load who is online: ${r.error.message}`;
  }

  async function refreshRecent(): Promise<void> {
    const r = await call('whoElseSince', windowSeconds.value);
    if (r.ok) recent.value = [...r.value].sort();
    else error.value = `Could not load who was online recently: ${r.error.message}`;
  }

  async function setWindow(seconds: number): Promise<void> {
    windowSeconds.value = seconds;
    await refreshRecent();
  }

  function isOnline(name: string): boolean {
    return online.value.includes(name);
  }

  function handlePresence(user: string, isNowOnline: boolean): void {
    const without = online.value.filter((u) => u !== user);
    online.value = isNowOnline ? [...without, user].sort() : without;
    if (isNowOnline && !recent.value.includes(user)) recent.value = [...recent.value, user].sort();
    useToastsStore().show(`${user} ${isNowOnline ? 'logged in' : 'logged out'}`, 'presence');
  }

  function reset(): void {
    online.value = [];
    recent.value = [];
    error.value = null;
  }

  return {
    online,
    recent,
    windowSeconds,
    error,
    refreshOnline,
    refreshRecent,
    setWindow,
    isOnline,
    handlePresence,
    reset,
  };
});
