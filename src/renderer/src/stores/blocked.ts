import { defineStore } from 'pinia';
import { ref } from 'vue';
import { USERNAME_PATTERN, USERNAME_MAX_LENGTH } from '../../../shared/limits';
import { call } from '../api';
import { describeBlockError, describeProblem } from '../errors';
import { usePeopleStore } from './people';

export const useBlockedStore = defineStore('blocked', () => {
  const users = ref<string[]>([]);
  const error = ref<string | null>(null);
  /** The last successful change, for a polite status line. */
  const status = ref<string | null>(null);
  const busy = ref(false);

  async function load(): Promise<void> {
    const r = await call('listBlocked');
    if (r.ok) users.value = [...r.value].sort();
    else error.value = `Could not load blocked users. ${describeProblem(r.error)}`;
  }

  function validName(name: string): boolean {
    return name.length > 0 && name.length <= USERNAME_MAX_LENGTH && USERNAME_PATTERN.test(name);
  }

  async function change(action: 'block' | 'unblock', raw: string): Promise<boolean> {
    const name = raw.trim();
    error.value = null;
    status.value = null;
    if (!validName(name)) {
      error.value = name === '' ? 'Enter a username.' : `"${name}" is not a valid username.`;
      return false;
    }
    busy.value = true;
    try {
      const r = action === 'block' ? await call('block', name) : await call('unblock', name);
      if (!r.ok) {
        error.value = describeBlockError(r.error, name, action);
        return false;
      }
      const others = users.value.filter((u) => u !== name);
      users.value = action === 'block' ? [...others, name].sort() : others;
      status.value = action === 'block' ? `${name} has been blocked` : `${name} has been unblocked`;
      void usePeopleStore().refreshOnline();
      return true;
    } finally {
      busy.value = false;
    }
  }

  const block = (name: string) => change('block', name);
  const unblock = (name: string) => change('unblock', name);

  function isBlocked(name: string): boolean {
    return users.value.includes(name);
  }

  function reset(): void {
    users.value = [];
    error.value = null;
    status.value = null;
  }

  return { users, error, status, busy, load, block, unblock, isBlocked, reset };
});
