/**
 * The app's settings, kept per device in localStorage (shared by the main and private windows, in
 * Electron and in the browser shell). What is read back is validated field by field: a damaged or
 * foreign value falls back to that field's default, never breaking the others.
 */
import { defineStore } from 'pinia';
import { computed, ref, watch } from 'vue';
import { z } from 'zod';
import { closeBehaviourSchema } from '../../../shared/api';
import { USERNAME_MAX_LENGTH } from '../../../shared/limits';
import { call } from '../api';
import { EVERYONE } from '../constants';

export const SETTINGS_KEY = 'messenger.settings';
/** More muted conversations than anyone keeps; bounds what is stored and read back. */
export const MUTED_MAX = 500;
/** "Automatic" presence toasts stop once more people than this are online. */
export const PRESENCE_TOASTS_AUTO_LIMIT = 10;

const conversationKeySchema = z.union([z.literal(EVERYONE), z.string().min(1).max(USERNAME_MAX_LENGTH)]);

const settingsSchema = z.object({
  theme: z.enum(['system', 'light', 'dark']).catch('system'),
  notifications: z.boolean().catch(true),
  sound: z.boolean().catch(true),
  muted: z.array(conversationKeySchema).max(MUTED_MAX).catch([]),
  presenceToasts: z.enum(['on', 'off', 'auto']).catch('auto'),
  onClose: closeBehaviourSchema.catch('quit'),
});

export type Settings = z.infer<typeof settingsSchema>;
export type ThemeSetting = Settings['theme'];
export type PresenceToastsSetting = Settings['presenceToasts'];

/** Parses stored settings; anything unreadable gives the defaults. */
export function parseSettings(raw: string | null): Settings {
  let value: unknown = {};
  try {
    value = raw ? JSON.parse(raw) : {};
  } catch {
    // damaged storage: start from the defaults
  }
  const parsed = settingsSchema.safeParse(value !== null && typeof value === 'object' ? value : {});
  return parsed.success ? parsed.data : settingsSchema.parse({});
}

function readSettings(): Settings {
  try {
    return parseSettings(localStorage.getItem(SETTINGS_KEY));
  } catch {
    return parseSettings(null);
  }
}

function writeSettings(settings: Settings): void {
  try {
    localStorage.setItem(SETTINGS_KEY, JSON.stringify(settings));
  } catch {
    // storage unavailable: the settings still hold for this window until it closes
  }
}

const darkQuery = (): MediaQueryList | null =>
  typeof window.matchMedia === 'function' ? window.matchMedia('(prefers-color-scheme: dark)') : null;

export const useSettingsStore = defineStore('settings', () => {
  const settings = ref<Settings>(readSettings());
  const systemDark = ref(darkQuery()?.matches ?? false);

  const theme = computed<'light' | 'dark'>(() =>
    settings.value.theme === 'system' ? (systemDark.value ? 'dark' : 'light') : settings.value.theme,
  );

  function presenceToastsWanted(onlineCount: number): boolean {
    const mode = settings.value.presenceToasts;
    return mode === 'on' || (mode === 'auto' && onlineCount <= PRESENCE_TOASTS_AUTO_LIMIT);
  }

  function isMuted(conversation: string): boolean {
    return settings.value.muted.includes(conversation);
  }

  function setMuted(conversation: string, muted: boolean): void {
    const others = settings.value.muted.filter((key) => key !== conversation);
    settings.value.muted = muted ? [...others, conversation].slice(-MUTED_MAX) : others;
  }

  /** Whether a message in `conversation` (a peer, or Everyone) may show a desktop notification. */
  function notificationsAllowed(conversation?: string): boolean {
    return settings.value.notifications && !(conversation !== undefined && isMuted(conversation));
  }

  /** Tells the shell what closing the main window does (main window only). */
  function sendCloseBehaviour(): void {
    void call('setCloseBehaviour', settings.value.onClose);
  }

  function applyTheme(): void {
    document.documentElement.dataset['theme'] = theme.value;
  }

  watch(settings, writeSettings, { deep: true });
  watch(theme, applyTheme, { immediate: true });
  darkQuery()?.addEventListener('change', (e) => {
    systemDark.value = e.matches;
  });
  // Another window of the app changed them (the settings dialog lives in the main window).
  window.addEventListener('storage', (e) => {
    if (e.key === SETTINGS_KEY) settings.value = parseSettings(e.newValue);
  });

  return {
    settings,
    theme,
    presenceToastsWanted,
    isMuted,
    setMuted,
    notificationsAllowed,
    sendCloseBehaviour,
  };
});
