// @vitest-environment happy-dom
/**
 * Clicking a desktop notification brings the window to the front (window.focus, and `focusWindow`
 * so the Electron shell can raise a minimised window) and opens what it was about: the direct
 * chat, Everyone for a broadcast, or the private chat window it came from. The shell's half is
 * test/shell/notification-click-focus.test.ts.
 */
import { mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import MainWindow from '../components/MainWindow.vue';
import PrivateChatWindow from '../components/PrivateChatWindow.vue';
import { EVERYONE } from '../constants';
import { useConversationsStore } from '../stores/conversations';
import { useSessionStore } from '../stores/session';
import { dm, FakeMessenger, installFake, ok, settle } from './fake-messenger';
import { fakeLayout } from './helpers';

class FakeNotification {
  static permission = 'granted';
  static requestPermission = () => Promise.resolve('granted');
  static shown: FakeNotification[] = [];
  onclick: (() => void) | null = null;
  readonly close = vi.fn();
  constructor(
    readonly title: string,
    readonly options?: { body?: string },
  ) {
    FakeNotification.shown.push(this);
  }
  click(): void {
    this.onclick?.();
  }
}

let fake: FakeMessenger;
let restoreLayout: () => void;
let windowFocus: ReturnType<typeof vi.fn>;

beforeEach(() => {
  setActivePinia(createPinia());
  fake = installFake(new FakeMessenger().loggedInAs('me'));
  restoreLayout = fakeLayout();
  FakeNotification.shown = [];
  vi.stubGlobal('Notification', FakeNotification);
  windowFocus = vi.fn();
  vi.stubGlobal('focus', windowFocus);
  vi.spyOn(document, 'hasFocus').mockReturnValue(false); // the user is in another app
});
afterEach(() => {
  restoreLayout();
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
  document.body.innerHTML = '';
});

function lastNotification(): FakeNotification {
  const n = FakeNotification.shown.at(-1);
  if (!n) throw new Error('no notification was shown');
  return n;
}

describe('notification click in the main window', () => {
  it('brings the window forward and opens the direct chat', async () => {
    const wrapper = mount(MainWindow, { attachTo: document.body });
    await settle();
    expect(useConversationsStore().active).toBe(EVERYONE);
    fake.emit({ kind: 'message', message: dm('bob', 'me', 'are you there?', { id: 21 }), offline: false });
    const n = lastNotification();
    expect(n.title).toBe('bob');

    n.click();
    await settle();
    expect(n.close).toHaveBeenCalled();
    expect(windowFocus).toHaveBeenCalled();
    expect(fake.callsOf('focusWindow')).toEqual([[]]);
    expect(useConversationsStore().active).toBe('bob');
    expect(wrapper.find('[role="log"]').attributes('aria-label')).toBe('Messages with bob');
    wrapper.unmount();
  });

  it('opens Everyone for a broadcast', async () => {
    const wrapper = mount(MainWindow, { attachTo: document.body });
    await settle();
    useConversationsStore().select('bob');
    fake.emit({ kind: 'broadcast', id: 1, from: 'carol', text: 'lunch?', sentAt: 1_700_000_000_000 });
    const n = lastNotification();
    expect(n.title).toBe('carol to everyone');
    n.click();
    await settle();
    expect(useConversationsStore().active).toBe(EVERYONE);
    expect(fake.callsOf('focusWindow')).toHaveLength(1);
    wrapper.unmount();
  });

  it('after a logout it only brings the window forward', async () => {
    const wrapper = mount(MainWindow, { attachTo: document.body });
    await settle();
    fake.emit({ kind: 'message', message: dm('bob', 'me', 'bye', { id: 22 }), offline: false });
    await useSessionStore().logout();
    fake.emit({ kind: 'logged_out', reason: 'user' }); // as the core does
    await settle();
    lastNotification().click();
    expect(windowFocus).toHaveBeenCalled();
    expect(useConversationsStore().active).toBeNull();
    wrapper.unmount();
  });
});

describe('notification click in a private chat window', () => {
  it('its own window notifies for its peer, and a click brings it forward', async () => {
    fake.on('privateTranscript', (peer) => ok({ peer, open: true, messages: [] }));
    const wrapper = mount(PrivateChatWindow, { props: { peer: 'bob' }, attachTo: document.body });
    await settle();
    fake.emit({ kind: 'private_message', peer: 'carol', from: 'carol', text: 'not for this window', at: 1 });
    fake.emit({ kind: 'private_message', peer: 'bob', from: 'me', text: 'my own', at: 2 });
    expect(FakeNotification.shown).toEqual([]);

    fake.emit({ kind: 'private_message', peer: 'bob', from: 'bob', text: 'psst', at: 3 });
    const n = lastNotification();
    expect(n.title).toBe('bob (private chat)');
    expect(n.options?.body).toBe('psst');
    n.click();
    expect(windowFocus).toHaveBeenCalled();
    expect(fake.callsOf('focusWindow')).toEqual([[]]);
    wrapper.unmount();
  });

  it('stays quiet while that window has the focus', async () => {
    vi.spyOn(document, 'hasFocus').mockReturnValue(true);
    const wrapper = mount(PrivateChatWindow, { props: { peer: 'bob' }, attachTo: document.body });
    await settle();
    fake.emit({ kind: 'private_message', peer: 'bob', from: 'bob', text: 'hi', at: 1 });
    expect(FakeNotification.shown).toEqual([]);
    wrapper.unmount();
  });
});
