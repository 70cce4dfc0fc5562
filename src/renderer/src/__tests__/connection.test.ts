// @vitest-environment happy-dom
/** What the main window shows about the connection: "Retry now" while reconnecting, presence it cannot know. */
import { mount } from '@vue/test-utils';
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
  vi.restoreAllMocks();
  document.body.innerHTML = '';
});

function setConnection(connection: 'connected' | 'reconnecting'): void {
  fake.state = { ...fake.state, connection };
  fake.emit({ kind: 'state', state: { ...fake.state } });
}

describe('connection banner', () => {
  it('offers "Retry now" while reconnecting, which asks the core to reconnect at once', async () => {
    const wrapper = mount(MainWindow, { attachTo: document.body });
    await settle();
    expect(hasButton(wrapper, 'Retry now')).toBe(false);
    setConnection('reconnecting');
    await settle(1);
    await button(wrapper, 'Retry now').trigger('click');
    await settle();
    expect(fake.callsOf('reconnectNow')).toEqual([[]]);
    setConnection('connected');
    await settle(1);
    expect(hasButton(wrapper, 'Retry now')).toBe(false);
    wrapper.unmount();
  });
});

describe('presence while disconnected', () => {
  it('shows nobody as online while reconnecting, and asks again who is online once back', async () => {
    fake.on('conversations', () => ok([{ peer: 'bob', last: dm('bob', 'me', 'hi', { id: 1 }), unread: 0 }]));
    let online = ['bob'];
    fake.on('whoElse', () => ok(online));
    const wrapper = mount(MainWindow, { attachTo: document.body });
    await settle();
    const list = () => wrapper.find('ul[aria-label="Conversation list"]');
    await list()
      .findAll('button')
      .find((b) => b.text().includes('bob'))
      ?.trigger('click');
    await settle();
    const header = () => wrapper.find('.chat-header').text();
    expect(header()).toContain('Online');
    expect(wrapper.findAll('.dot').length).toBeGreaterThan(0);

    setConnection('reconnecting');
    await settle(1);
    expect(header()).toContain('Status unknown while disconnected');
    expect(list().text()).toContain('status unknown while disconnected');
    expect(wrapper.findAll('.dot')).toHaveLength(0);
    expect(wrapper.find('.people-panel').text()).toContain('who is online is not known');

    online = [];
    const asked = fake.callsOf('whoElse').length;
    setConnection('connected');
    await settle();
    expect(fake.callsOf('whoElse').length).toBe(asked + 1);
    expect(header()).toContain('Offline');
    expect(list().text()).toContain('offline');
    expect(list().text()).not.toContain('unknown');
    wrapper.unmount();
  });
});
