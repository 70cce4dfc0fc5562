// @vitest-environment happy-dom
import { mount, type DOMWrapper, type VueWrapper } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import MainWindow from '../components/MainWindow.vue';
import { dm, FakeMessenger, installFake, ok, settle } from './fake-messenger';
import { button, fakeLayout, hasButton } from './helpers';

let fake: FakeMessenger;
let restoreLayout: () => void;

beforeEach(() => {
  setActivePinia(createPinia());
  fake = installFake(new FakeMessenger().loggedInAs('me'));
  restoreLayout = fakeLayout();
});
afterEach(() => {
  restoreLayout();
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
  document.body.innerHTML = '';
});

/** What a screen reader reads for a conversation entry (its one visually hidden sentence). */
function spokenName(entryButton: DOMWrapper<Element>): string {
  return entryButton.find('.visually-hidden').text();
}

/** The conversation entry whose spoken name starts with `start`. */
function entry(wrapper: VueWrapper, start: string): DOMWrapper<Element> {
  const found = wrapper
    .find('ul[aria-label="Conversation list"]')
    .findAll('button')
    .find((b) => spokenName(b).startsWith(`${start}, `));
  if (!found) throw new Error(`no conversation entry ${start}`);
  return found;
}

describe('main window', () => {
  it('lists conversations with peer names, unread counts and online state', async () => {
    fake.on('conversations', () =>
      ok([{ peer: 'bob', last: dm('bob', 'me', 'see you', { id: 3 }), unread: 2 }]),
    );
    fake.on('whoElse', () => ok(['bob']));
    const wrapper = mount(MainWindow, { attachTo: document.body });
    await settle();
    const list = wrapper.find('ul[aria-label="Conversation list"]');
    const names = list.findAll('button').map(spokenName);
    expect(names).toEqual([
      'Everyone, Broadcast to everyone online',
      expect.stringMatching(/^bob, online, 2 unread, [^,]+, see you$/),
    ]);
    expect(list.text()).toContain('see you');
    expect(document.title).toBe('(2) Messenger');
    expect(fake.callsOf('conversations')).toHaveLength(1);

    await entry(wrapper, 'bob, online, 2 unread').trigger('click');
    await settle();
    expect(wrapper.find('[role="log"]').attributes('aria-label')).toBe('Messages with bob');
    expect(document.title).toBe('Messenger');
    expect(fake.callsOf('markRead')).toEqual([['bob', 3]]);
    wrapper.unmount();
  });

  it('reports the unread total to the shell (dock badge or tray) as it changes', async () => {
    fake.on('conversations', () =>
      ok([
        { peer: 'bob', last: dm('bob', 'me', 'one', { id: 5 }), unread: 2 },
        { peer: 'carol', last: dm('carol', 'me', 'two', { id: 6 }), unread: 1 },
      ]),
    );
    const wrapper = mount(MainWindow, { attachTo: document.body });
    await settle();
    expect(fake.callsOf('setUnreadCount').at(-1)).toEqual([3]);
    vi.spyOn(document, 'hasFocus').mockReturnValue(false);
    fake.emit({ kind: 'message', message: dm('bob', 'me', 'three', { id: 7 }), offline: false });
    await settle();
    expect(fake.callsOf('setUnreadCount').at(-1)).toEqual([4]);
    await entry(wrapper, 'bob, offline, 3 unread').trigger('click');
    await settle();
    expect(fake.callsOf('setUnreadCount').at(-1)).toEqual([1]);
    await button(wrapper, 'Log out').trigger('click');
    fake.emit({ kind: 'logged_out', reason: 'user' }); // as the core does
    await settle();
    expect(fake.callsOf('setUnreadCount').at(-1)).toEqual([0]);
    wrapper.unmount();
  });

  it('shows reconnecting with the queued count', async () => {
    const wrapper = mount(MainWindow, { attachTo: document.body });
    await settle();
    fake.emit({ kind: 'state', state: { ...fake.state, connection: 'reconnecting', queued: 2 } });
    await settle(1);
    expect(wrapper.find('.connection-banner [role="status"]').text()).toBe(
      'Connection lost. Reconnecting… 2 messages queued.',
    );
    fake.emit({ kind: 'state', state: { ...fake.state, connection: 'connected', queued: 0 } });
    await settle(1);
    expect(wrapper.find('.connection-banner').text()).toBe('');
    wrapper.unmount();
  });

  it('opens the blocked users dialog and closes it with Escape', async () => {
    const wrapper = mount(MainWindow, { attachTo: document.body });
    await settle();
    await button(wrapper, 'Blocked users').trigger('click');
    const dialog = 'dialog[aria-labelledby="blocked-title"]';
    expect(wrapper.find(dialog).exists()).toBe(true);
    // Escape on a modal <dialog> is its cancel event.
    await wrapper.find(dialog).trigger('cancel');
    expect(wrapper.find(dialog).exists()).toBe(false);
    wrapper.unmount();
  });

  it('shows a desktop notification for a new message only when the window is not focused', async () => {
    const shown: { title: string; body?: string }[] = [];
    class FakeNotification {
      static permission = 'granted';
      static requestPermission = () => Promise.resolve('granted');
      onclick: (() => void) | null = null;
      constructor(title: string, options?: { body?: string }) {
        shown.push({ title, body: options?.body });
      }
    }
    vi.stubGlobal('Notification', FakeNotification);
    const focus = vi.spyOn(document, 'hasFocus').mockReturnValue(true);
    const wrapper = mount(MainWindow, { attachTo: document.body });
    await settle();
    fake.emit({ kind: 'message', message: dm('bob', 'me', 'while focused', { id: 10 }), offline: false });
    focus.mockReturnValue(false);
    fake.emit({ kind: 'message', message: dm('bob', 'me', 'while away', { id: 11 }), offline: false });
    expect(shown).toEqual([{ title: 'bob', body: 'while away' }]);
    wrapper.unmount();
  });

  it('logs out', async () => {
    const wrapper = mount(MainWindow, { attachTo: document.body });
    await settle();
    await button(wrapper, 'Log out').trigger('click');
    await settle();
    expect(fake.callsOf('logout')).toHaveLength(1);
    expect(hasButton(wrapper, 'Log in')).toBe(true);
    expect(wrapper.text()).not.toContain('inactivity');
    wrapper.unmount();
  });
});
