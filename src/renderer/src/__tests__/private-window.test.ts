// @vitest-environment happy-dom
/**
 * Private-chat windows around the user's own logout and their own closing, and the main window's
 * list of running private chats.
 */
import { mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import MainWindow from '../components/MainWindow.vue';
import PrivateChatWindow from '../components/PrivateChatWindow.vue';
import { FakeMessenger, installFake, ok, settle } from './fake-messenger';
import { button, fakeLayout, hasButton } from './helpers';

let fake: FakeMessenger;

beforeEach(() => {
  setActivePinia(createPinia());
  fake = installFake(new FakeMessenger().loggedInAs('me'));
  fake.on('stopPrivate', () => ok({}));
});
afterEach(() => {
  vi.restoreAllMocks();
  document.body.innerHTML = '';
});

async function openPrivateWindow() {
  fake.on('privateTranscript', (peer) =>
    ok({ peer, open: true, messages: [{ from: 'bob', text: 'a secret', at: 1 }] }),
  );
  const wrapper = mount(PrivateChatWindow, { props: { peer: 'bob' }, attachTo: document.body });
  await settle();
  return wrapper;
}

/** The core's events for the user's own logout, in the order it sends them. */
function logOut(): void {
  fake.state = { ...fake.state, username: null, privateSessions: [] };
  fake.emit({ kind: 'private_closed', peer: 'bob', reason: 'logout' });
  fake.emit({ kind: 'state', state: fake.state });
  fake.emit({ kind: 'logged_out', reason: 'user' });
}

describe('private window after your own logout', () => {
  it('says the chat ended because you logged out, drops the transcript and offers only to close', async () => {
    const wrapper = await openPrivateWindow();
    expect(wrapper.find('[role="log"]').text()).toContain('a secret');

    logOut();
    await settle();
    expect(wrapper.find('.closed-notice').text()).toBe(
      'You logged out, so the private chat with bob ended. Its messages are gone: private chats are never stored. Log in again in the main window to start a new one.',
    );
    expect(wrapper.find('[role="log"]').text()).not.toContain('a secret');
    expect(hasButton(wrapper, 'Start private chat')).toBe(false);
    expect(hasButton(wrapper, 'Stop private chat')).toBe(false);
    expect(wrapper.find('textarea').attributes('disabled')).toBeDefined();

    const close = vi.spyOn(window, 'close').mockImplementation(() => undefined);
    await button(wrapper, 'Close window').trigger('click');
    expect(close).toHaveBeenCalled();
    expect(fake.callsOf('startPrivate')).toEqual([]);
    wrapper.unmount();
  });

  it('after logging in again, the chat can be started again from the window', async () => {
    const wrapper = await openPrivateWindow();
    logOut();
    await settle();
    fake.loggedInAs('me');
    fake.emit({ kind: 'state', state: fake.state });
    await settle();
    expect(wrapper.find('.closed-notice').text()).toBe(
      'The private chat with bob ended when you logged out.',
    );
    expect(hasButton(wrapper, 'Start private chat')).toBe(true);
    wrapper.unmount();
  });
});

describe('closing a private window', () => {
  it('ends its chat as the page goes, so the next message cannot pop it open again', async () => {
    const wrapper = await openPrivateWindow();
    window.dispatchEvent(new Event('pagehide'));
    expect(fake.callsOf('stopPrivate')).toEqual([['bob']]);
    wrapper.unmount();
  });

  it('asks nothing when the chat had already ended', async () => {
    const wrapper = await openPrivateWindow();
    fake.emit({ kind: 'private_closed', peer: 'bob', reason: 'peer' });
    await settle();
    window.dispatchEvent(new Event('pagehide'));
    expect(fake.callsOf('stopPrivate')).toEqual([]);
    wrapper.unmount();
  });
});

describe('running private chats in the main window', () => {
  let restoreLayout: () => void;
  beforeEach(() => {
    restoreLayout = fakeLayout();
  });
  afterEach(() => restoreLayout());

  it('lists each running private chat; a click brings its window forward; they go when the chat ends', async () => {
    fake.state = { ...fake.state, privateSessions: ['bob', 'carol'] };
    const wrapper = mount(MainWindow, { attachTo: document.body });
    await settle();
    const list = wrapper.find('ul[aria-labelledby="running-private-title"]');
    expect(wrapper.find('#running-private-title').text()).toBe('Private chats');
    expect(list.findAll('button').map((b) => b.text())).toEqual([
      'Private chat with bob',
      'Private chat with carol',
    ]);
    await button(wrapper, 'Private chat with carol').trigger('click');
    expect(fake.callsOf('openPrivateWindow')).toEqual([['carol']]);

    fake.emit({ kind: 'state', state: { ...fake.state, privateSessions: [] } });
    await settle();
    expect(wrapper.find('#running-private-title').exists()).toBe(false);
    wrapper.unmount();
  });
});
