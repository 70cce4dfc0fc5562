// @vitest-environment happy-dom
/**
 * The settings screen and what each setting changes: the theme at once, desktop notifications (on
 * or off, sound, muted conversations), presence toasts, and what closing the window does (told to
 * the shell). Settings are kept in localStorage and validated when read back.
 */
import { mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import MainWindow from '../components/MainWindow.vue';
import SettingsDialog from '../components/SettingsDialog.vue';
import { EVERYONE } from '../constants';
import { notifyIfUnfocused } from '../notify';
import { usePeopleStore } from '../stores/people';
import {
  MUTED_MAX,
  parseSettings,
  PRESENCE_TOASTS_AUTO_LIMIT,
  SETTINGS_KEY,
  useSettingsStore,
} from '../stores/settings';
import { useToastsStore } from '../stores/toasts';
import { dm, FakeMessenger, installFake, ok, settle } from './fake-messenger';
import { button, fakeLayout } from './helpers';

class FakeNotification {
  static permission = 'granted';
  static requestPermission = vi.fn(() => Promise.resolve('granted'));
  static shown: FakeNotification[] = [];
  onclick: (() => void) | null = null;
  close = vi.fn();
  constructor(
    readonly title: string,
    readonly options?: { body?: string; silent?: boolean },
  ) {
    FakeNotification.shown.push(this);
  }
}

/** A stand-in for matchMedia('(prefers-color-scheme: dark)') whose answer the test changes. */
function fakeSystemTheme(dark: boolean) {
  const listeners = new Set<(e: { matches: boolean }) => void>();
  const query = {
    matches: dark,
    addEventListener: (_: string, l: (e: { matches: boolean }) => void) => listeners.add(l),
    removeEventListener: (_: string, l: (e: { matches: boolean }) => void) => listeners.delete(l),
  };
  vi.stubGlobal(
    'matchMedia',
    vi.fn(() => query),
  );
  return {
    set(next: boolean) {
      query.matches = next;
      listeners.forEach((l) => l({ matches: next }));
    },
  };
}

let fake: FakeMessenger;

beforeEach(() => {
  localStorage.clear();
  delete document.documentElement.dataset['theme'];
  FakeNotification.shown = [];
  vi.stubGlobal('Notification', FakeNotification);
  fake = installFake(new FakeMessenger().loggedInAs('me'));
});
afterEach(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
  document.body.innerHTML = '';
});

function freshStore() {
  setActivePinia(createPinia());
  return useSettingsStore();
}

describe('stored settings', () => {
  it('start from the defaults: system theme, notifications with sound, automatic presence toasts, quit on close', () => {
    expect(parseSettings(null)).toEqual({
      theme: 'system',
      notifications: true,
      sound: true,
      muted: [],
      presenceToasts: 'auto',
      onClose: 'quit',
    });
  });

  it('read back damaged or foreign values as the defaults, field by field', () => {
    expect(parseSettings('{not json')).toEqual(parseSettings(null));
    expect(parseSettings('null')).toEqual(parseSettings(null));
    expect(parseSettings('[1,2]')).toEqual(parseSettings(null));
    const mixed = parseSettings(
      JSON.stringify({ theme: 'dark', notifications: 'yes', muted: ['bob', 42], onClose: 'explode' }),
    );
    expect(mixed).toMatchObject({ theme: 'dark', notifications: true, muted: [], onClose: 'quit' });
    const tooMany = Array.from({ length: MUTED_MAX + 1 }, (_, i) => `user${i}`);
    expect(parseSettings(JSON.stringify({ muted: tooMany })).muted).toEqual([]);
    expect(parseSettings(JSON.stringify({ muted: ['x'.repeat(1000)] })).muted).toEqual([]);
  });

  it('are saved as they change and survive a restart of the app', async () => {
    const store = freshStore();
    store.settings.theme = 'dark';
    store.setMuted('bob', true);
    await settle();
    expect(JSON.parse(localStorage.getItem(SETTINGS_KEY) ?? '{}')).toMatchObject({
      theme: 'dark',
      muted: ['bob'],
    });
    expect(freshStore().settings).toMatchObject({ theme: 'dark', muted: ['bob'] });
  });
});

describe('several windows', () => {
  it('a change saved by another window of the app applies here at once', async () => {
    fakeSystemTheme(false);
    const store = freshStore();
    const elsewhere = { ...parseSettings(null), theme: 'dark', presenceToasts: 'off' };
    window.dispatchEvent(
      new StorageEvent('storage', { key: SETTINGS_KEY, newValue: JSON.stringify(elsewhere) }),
    );
    await settle();
    expect(store.settings).toMatchObject({ theme: 'dark', presenceToasts: 'off' });
    expect(document.documentElement.dataset['theme']).toBe('dark');
  });
});

describe('theme', () => {
  it('applies the chosen theme to the page at once, and "system" follows the system as it changes', async () => {
    const system = fakeSystemTheme(false);
    const store = freshStore();
    expect(document.documentElement.dataset['theme']).toBe('light');
    system.set(true);
    await settle();
    expect(document.documentElement.dataset['theme']).toBe('dark');
    store.settings.theme = 'light';
    await settle();
    expect(document.documentElement.dataset['theme']).toBe('light');
    store.settings.theme = 'dark';
    system.set(false);
    await settle();
    expect(document.documentElement.dataset['theme']).toBe('dark');
  });
});

describe('desktop notifications', () => {
  beforeEach(() => {
    vi.spyOn(document, 'hasFocus').mockReturnValue(false);
  });

  it('are not shown when turned off, nor for a muted conversation', async () => {
    const store = freshStore();
    notifyIfUnfocused('bob', 'one', undefined, 'bob');
    expect(FakeNotification.shown.map((n) => n.options?.body)).toEqual(['one']);

    store.setMuted('bob', true);
    notifyIfUnfocused('bob', 'muted', undefined, 'bob');
    notifyIfUnfocused('carol', 'not muted', undefined, 'carol');
    store.setMuted(EVERYONE, true);
    notifyIfUnfocused('dave to everyone', 'muted broadcast', undefined, EVERYONE);
    expect(FakeNotification.shown.map((n) => n.options?.body)).toEqual(['one', 'not muted']);

    store.settings.notifications = false;
    notifyIfUnfocused('carol', 'all off', undefined, 'carol');
    expect(FakeNotification.shown).toHaveLength(2);
  });

  it('are silent when sound is off', () => {
    const store = freshStore();
    notifyIfUnfocused('bob', 'with sound', undefined, 'bob');
    store.settings.sound = false;
    notifyIfUnfocused('bob', 'quiet', undefined, 'bob');
    expect(FakeNotification.shown.map((n) => n.options?.silent)).toEqual([false, true]);
  });
});

describe('presence toasts', () => {
  function presenceToasts(): string[] {
    return useToastsStore()
      .toasts.filter((t) => t.kind === 'presence')
      .map((t) => t.text);
  }

  it('"off" shows none, "on" shows each login and logout', () => {
    const store = freshStore();
    const people = usePeopleStore();
    store.settings.presenceToasts = 'off';
    people.handlePresence('bob', true);
    expect(presenceToasts()).toEqual([]);
    expect(people.online).toEqual(['bob']); // the people panel still knows
    store.settings.presenceToasts = 'on';
    people.handlePresence('bob', false);
    expect(presenceToasts()).toEqual(['bob logged out']);
  });

  it(`"automatic" (the default) stops once more than ${PRESENCE_TOASTS_AUTO_LIMIT} people are online`, () => {
    freshStore();
    const people = usePeopleStore();
    for (let i = 1; i <= PRESENCE_TOASTS_AUTO_LIMIT; i++) people.handlePresence(`user${i}`, true);
    expect(presenceToasts()).toHaveLength(Math.min(PRESENCE_TOASTS_AUTO_LIMIT, 5)); // toasts keep the newest 5
    expect(presenceToasts().at(-1)).toBe(`user${PRESENCE_TOASTS_AUTO_LIMIT} logged in`);
    people.handlePresence('one-too-many', true);
    expect(presenceToasts()).not.toContain('one-too-many logged in');
    people.handlePresence('user1', false);
    expect(presenceToasts().at(-1)).toBe('user1 logged out');
  });
});

describe('settings dialog', () => {
  let restoreLayout: () => void;
  beforeEach(() => {
    restoreLayout = fakeLayout();
  });
  afterEach(() => restoreLayout());

  it('opens as a modal dialog from the Settings button, and closing it returns focus to the button', async () => {
    setActivePinia(createPinia());
    const wrapper = mount(MainWindow, { attachTo: document.body });
    await settle();
    const opener = button(wrapper, 'Settings');
    await opener.trigger('click');
    await settle();
    const dialog = wrapper.find<HTMLDialogElement>('dialog');
    expect(dialog.element.open).toBe(true);
    expect(dialog.attributes('aria-labelledby')).toBe('settings-title');
    expect(wrapper.find('#settings-title').text()).toBe('Settings');

    // Done (Escape closes a modal dialog the same way, natively).
    await button(wrapper, 'Done').trigger('click');
    await settle();
    expect(dialog.element.open).toBe(false);
    expect(wrapper.find('dialog').exists()).toBe(false);
    expect(document.activeElement).toBe(opener.element);
    wrapper.unmount();
  });

  it('changes settings through labelled controls, and tells the shell what closing the window does', async () => {
    fakeSystemTheme(false);
    setActivePinia(createPinia());
    fake.on('conversations', () => ok([{ peer: 'bob', last: dm('bob', 'me', 'hi'), unread: 0 }]));
    const main = mount(MainWindow, { attachTo: document.body });
    await settle();
    expect(fake.callsOf('setCloseBehaviour')).toEqual([['quit']]);
    await button(main, 'Settings').trigger('click');
    await settle();
    const labelled = (text: string) => {
      const label = main.findAll('dialog label').find((l) => l.text().replace(/\s+/g, ' ').trim() === text);
      if (!label) throw new Error(`no control labelled ${text}`);
      return label.find<HTMLInputElement>('input');
    };

    await labelled('Dark').setValue(true);
    expect(document.documentElement.dataset['theme']).toBe('dark');
    await labelled('Never').setValue(true);
    await labelled('Play a sound').setValue(false);
    await labelled('Mute bob').setValue(true);
    await labelled('Keep running in the background (tray icon), still receiving messages').setValue(true);
    await settle();
    expect(fake.callsOf('setCloseBehaviour').at(-1)).toEqual(['background']);
    expect(useSettingsStore().settings).toMatchObject({
      theme: 'dark',
      presenceToasts: 'off',
      sound: false,
      muted: ['bob'],
      onClose: 'background',
    });
    expect(labelled('Mute Everyone').element.checked).toBe(false);

    await labelled('Show notifications').setValue(false);
    expect(labelled('Play a sound').element.disabled).toBe(true);
    main.unmount();
  });

  it('in the browser shell, explains that closing the window ends the app instead of offering a choice', async () => {
    vi.resetModules();
    vi.doMock('../bridge/install', () => ({ runsInBrowserShell: () => true }));
    const { default: BrowserSettings } = (await import('../components/SettingsDialog.vue')) as {
      default: typeof SettingsDialog;
    };
    setActivePinia(createPinia());
    const wrapper = mount(BrowserSettings, { attachTo: document.body });
    expect(wrapper.text()).toContain('In the browser, closing the window ends the app.');
    expect(wrapper.find('input[name="on-close"]').exists()).toBe(false);
    vi.doUnmock('../bridge/install');
    wrapper.unmount();
  });
});
