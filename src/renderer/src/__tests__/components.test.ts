// @vitest-environment happy-dom
import { mount } from '@vue/test-utils';
import { beforeEach, describe, expect, it } from 'vitest';
import type { DirectMessage } from '../../../shared/protocol';
import BlockedSettings from '../components/BlockedSettings.vue';
import ChatView from '../components/ChatView.vue';
import PeoplePanel from '../components/PeoplePanel.vue';
import PrivateChatWindow from '../components/PrivateChatWindow.vue';
import ToastHost from '../components/ToastHost.vue';
import { bindEvents } from '../events';
import { usePeopleStore } from '../stores/people';
import { dm, fail, FakeMessenger, ok, settle } from './fake-messenger';
import { button, byLabel, useLoggedInPage } from './helpers';

const page = useLoggedInPage();
let fake: FakeMessenger;
beforeEach(() => {
  fake = page();
});

describe('ChatView', () => {
  it('sends on Enter and inserts a new line on Shift+Enter', async () => {
    fake.on('sendMessage', (to, text) => ok({ message: dm('me', to, text), online: true, queued: false }));
    const wrapper = mount(ChatView, { props: { peer: 'bob' }, attachTo: document.body });
    await settle();
    const box = byLabel(wrapper, 'Message');
    await box.setValue('line one');
    await box.trigger('keydown', { key: 'Enter', shiftKey: true });
    expect(fake.callsOf('sendMessage')).toHaveLength(0);
    await box.setValue('line one\nline two');
    await box.trigger('keydown', { key: 'Enter' });
    await settle();
    expect(fake.callsOf('sendMessage')).toEqual([['bob', 'line one\nline two']]);
    expect(box.element.value).toBe('');
    expect(wrapper.find('[role="log"]').attributes('aria-label')).toBe('Messages with bob');
    expect(wrapper.find('.message-row.mine').text()).toContain('line one\nline two');
    wrapper.unmount();
  });

  it('shows message text as text: markup from another user never becomes elements or runs', async () => {
    const hostile = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script><b>bold</b>';
    fake.on('history', () => ok({ messages: [dm('bob', 'me', hostile)], hasMore: false }));
    const wrapper = mount(ChatView, { props: { peer: 'bob' }, attachTo: document.body });
    await settle(5);
    const text = wrapper.find('.message-row .text');
    expect(text.text()).toBe(hostile);
    expect(text.find('img').exists()).toBe(false);
    expect(text.find('script').exists()).toBe(false);
    expect(text.find('b').exists()).toBe(false);
    expect((window as unknown as { __pwned?: number }).__pwned).toBeUndefined();
    wrapper.unmount();
  });

  it('shows a delivery error on the message', async () => {
    fake.on('sendMessage', () => fail('blocked_by_recipient'));
    const wrapper = mount(ChatView, { props: { peer: 'bob' }, attachTo: document.body });
    await settle();
    await byLabel(wrapper, 'Message').setValue('are you there?');
    await button(wrapper, 'Send').trigger('submit');
    await settle();
    const row = wrapper.find('.message-row.failed');
    expect(row.text()).toContain('are you there?');
    expect(row.text()).toContain('Not delivered: bob has blocked you.');
    expect(row.find('button').exists()).toBe(false); // sending again would not help
    wrapper.unmount();
  });

  it('settles a queued message by its outcome: refused ones fail with the reason, stored ones are sent', async () => {
    let next = 0;
    fake.on('sendMessage', () => ok({ online: false, queued: true, clientId: `c${++next}` }));
    const unbind = bindEvents('main');
    const wrapper = mount(ChatView, { props: { peer: 'bob' }, attachTo: document.body });
    await settle();
    fake.emit({ kind: 'state', state: { ...fake.state, connection: 'reconnecting' } });
    for (const text of ['refused', 'stored']) {
      await byLabel(wrapper, 'Message').setValue(text);
      await button(wrapper, 'Send').trigger('submit');
      await settle();
    }
    expect(wrapper.findAll('.message-row .status').map((s) => s.text())).toEqual([
      '· Queued: sends when reconnected',
      '· Queued: sends when reconnected',
    ]);

    const error = { code: 'blocked_by_recipient' as const, message: 'bob has blocked you' };
    fake.emit({ kind: 'queued_failed', clientId: 'c1', to: 'bob', text: 'refused', error });
    fake.emit({ kind: 'queued_sent', clientId: 'c2', message: dm('me', 'bob', 'stored', { id: 7 }) });
    await settle();
    const rows = wrapper.findAll('.message-row');
    expect(rows.map((r) => r.find('.text').text())).toEqual(['stored', 'refused']);
    expect(rows[0]?.find('.status').text()).toBe('· Sent'); // stored: no longer sending
    expect(rows[1]?.classes()).toContain('failed');
    expect(rows[1]?.text()).toContain('Not delivered: bob has blocked you.');
    unbind();
    wrapper.unmount();
  });

  it('shows a message the core keeps queued while connected (a busy server) as sending, never as failed', async () => {
    fake.on('sendMessage', () => ok({ online: false, queued: true, clientId: 'busy1' }));
    const unbind = bindEvents('main');
    const wrapper = mount(ChatView, { props: { peer: 'bob' }, attachTo: document.body });
    await settle();
    fake.emit({ kind: 'state', state: { ...fake.state, connection: 'connected', queued: 1 } });
    await byLabel(wrapper, 'Message').setValue('under load');
    await button(wrapper, 'Send').trigger('submit');
    await settle();
    const row = wrapper.find('.message-row');
    expect(row.find('.status').text()).toBe('· Sending…');
    expect(row.classes()).not.toContain('failed');
    expect(row.find('.delivery-error').exists()).toBe(false);

    fake.emit({ kind: 'queued_sent', clientId: 'busy1', message: dm('me', 'bob', 'under load', { id: 9 }) });
    await settle();
    const rows = wrapper.findAll('.message-row');
    expect(rows.map((r) => r.find('.text').text())).toEqual(['under load']);
    expect(rows[0]?.find('.status').text()).toBe('· Sent');
    unbind();
    wrapper.unmount();
  });

  it('enforces the text length limit', async () => {
    const wrapper = mount(ChatView, { props: { peer: 'bob' }, attachTo: document.body });
    await settle();
    await byLabel(wrapper, 'Message').setValue('x'.repeat(4001));
    expect(button(wrapper, 'Send').element.disabled).toBe(true);
    expect(wrapper.text()).toContain('Too long: 4001 / 4000 characters');
    wrapper.unmount();
  });

  it('renders only a window of rows for 100,000 messages', async () => {
    const n = 100_000;
    const all: DirectMessage[] = Array.from({ length: n }, (_, i) => ({
      id: i + 1,
      from: i % 3 ? 'bob' : 'me',
      to: i % 3 ? 'me' : 'bob',
      text: `message ${i + 1}`,
      sentAt: 1_600_000_000_000 + i * 60_000,
    }));
    fake.on('history', () => ok({ messages: all, hasMore: false }));
    const wrapper = mount(ChatView, { props: { peer: 'bob' }, attachTo: document.body });
    await settle(10);
    const rows = wrapper.findAll('.row');
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.length).toBeLessThan(100);
    expect(wrapper.findAll('.message-row .text').map((t) => t.text())).toContain('message 1');
    const space = wrapper.find('.virtual-space').attributes('style') ?? '';
    const total = Number(/height: (\d+)px/.exec(space)?.[1]);
    expect(total).toBeGreaterThan(n * 40);
    // happy-dom does no layout or scrolling, so scroll by hand to the end: the newest rows replace the oldest.
    const log = wrapper.find('[role="log"]');
    (log.element as HTMLElement).scrollTop = total - 600;
    await log.trigger('scroll');
    await settle(5);
    const after = wrapper.findAll('.row');
    expect(after.length).toBeGreaterThan(0);
    expect(after.length).toBeLessThan(100);
    const texts = wrapper.findAll('.message-row .text').map((t) => t.text());
    expect(texts).toContain('message 100000');
    expect(texts).not.toContain('message 1');
    wrapper.unmount();
  });

  it('shows day separators between days', async () => {
    fake.on('history', () =>
      ok({
        messages: [
          dm('bob', 'me', 'old', { id: 1, sentAt: new Date(2024, 0, 1, 12).getTime() }),
          dm('bob', 'me', 'new', { id: 2, sentAt: new Date(2024, 0, 3, 12).getTime() }),
        ],
        hasMore: false,
      }),
    );
    const wrapper = mount(ChatView, { props: { peer: 'bob' }, attachTo: document.body });
    await settle(10);
    expect(wrapper.findAll('[role="separator"]')).toHaveLength(2);
    wrapper.unmount();
  });
});

describe('BlockedSettings', () => {
  it('lists, blocks and unblocks, showing errors', async () => {
    let blocked = ['carol'];
    fake.on('listBlocked', () => ok([...blocked]));
    fake.on('block', (user) => {
      if (user === 'me') return fail('self_target');
      if (user === 'ghost') return fail('unknown_user');
      blocked.push(user);
      return ok({});
    });
    fake.on('unblock', (user) => {
      blocked = blocked.filter((u) => u !== user);
      return ok({});
    });
    const wrapper = mount(BlockedSettings, { attachTo: document.body });
    await settle();
    expect(wrapper.find('dialog').attributes('aria-labelledby')).toBe('blocked-title');
    expect(wrapper.find('ul[aria-label="Blocked users"]').text()).toContain('carol');

    const input = byLabel(wrapper, 'Username to block');
    await input.setValue('ghost');
    await button(wrapper, 'Block').trigger('submit');
    await settle();
    expect(wrapper.find('[role="alert"]').text()).toBe('There is no user called "ghost".');

    await input.setValue('me');
    await button(wrapper, 'Block').trigger('submit');
    await settle();
    expect(wrapper.find('[role="alert"]').text()).toBe('You cannot block yourself.');

    await input.setValue('bob');
    await button(wrapper, 'Block').trigger('submit');
    await settle();
    expect(wrapper.find('[role="status"]').text()).toBe('bob has been blocked');
    expect(
      wrapper.findAll('ul[aria-label="Blocked users"] li').map((li) => li.find('.person-name').text()),
    ).toEqual(['bob', 'carol']);

    const carolRow = wrapper.findAll('ul[aria-label="Blocked users"] li')[1];
    await button(wrapper, 'Unblock carol', carolRow).trigger('click');
    await settle();
    expect(fake.callsOf('unblock')).toEqual([['carol']]);
    expect(wrapper.find('ul[aria-label="Blocked users"]').text()).not.toContain('carol');

    // Escape on a modal <dialog> is its cancel event.
    await wrapper.find('dialog').trigger('cancel');
    expect(wrapper.emitted('close')).toHaveLength(1);
    wrapper.unmount();
  });
});

describe('presence toasts', () => {
  it('shows who logged in and out', async () => {
    const wrapper = mount(ToastHost, { attachTo: document.body });
    const unbind = bindEvents('main');
    fake.emit({ kind: 'presence', user: 'bob', online: true, at: 1 });
    await settle(1);
    expect(wrapper.find('[aria-label="Notifications"] [role="status"]').text()).toContain('bob logged in');
    await button(wrapper, 'Dismiss').trigger('click');
    expect(wrapper.find('[role="status"]').exists()).toBe(false);
    unbind();
    wrapper.unmount();
  });
});

describe('PeoplePanel', () => {
  it('starts a private chat and opens its window', async () => {
    fake.on('whoElse', () => ok(['bob']));
    fake.on('startPrivate', (peer) => ok({ peer }));
    await usePeopleStore().refreshOnline();
    const wrapper = mount(PeoplePanel, { attachTo: document.body });
    await button(wrapper, 'Actions for bob').trigger('click');
    await settle();
    await button(wrapper, 'Start private chat with bob').trigger('click');
    await settle();
    expect(fake.callsOf('startPrivate')).toEqual([['bob']]);
    expect(fake.callsOf('openPrivateWindow')).toEqual([['bob']]);
    wrapper.unmount();
  });
});

describe('PrivateChatWindow', () => {
  it('says messages go directly between the computers, and when the session is closed', async () => {
    fake.on('privateTranscript', (peer) =>
      ok({ peer, open: true, messages: [{ from: 'bob', text: 'hi', at: 1 }] }),
    );
    fake.on('sendPrivate', (peer) => ok({ peer, sentAt: 2 }));
    fake.on('stopPrivate', () => ok({}));
    const wrapper = mount(PrivateChatWindow, { props: { peer: 'bob' }, attachTo: document.body });
    await settle();
    expect(wrapper.find('[role="note"]').text()).toContain(
      "Messages go directly between your computer and bob's — not through the server",
    );
    const log = wrapper.find('[role="log"]');
    expect(log.attributes('aria-label')).toBe('Private messages with bob');
    expect(log.text()).toContain('hi');

    await byLabel(wrapper, 'Message').setValue('secret');
    await byLabel(wrapper, 'Message').trigger('keydown', { key: 'Enter' });
    await settle();
    expect(fake.callsOf('sendPrivate')).toEqual([['bob', 'secret']]);
    // The core may echo my own message as an event: it is shown once.
    fake.emit({ kind: 'private_message', peer: 'bob', from: 'me', text: 'secret', at: 2 });
    fake.emit({ kind: 'private_message', peer: 'bob', from: 'bob', text: 'reply', at: 3 });
    await settle(1);
    expect(wrapper.findAll('.message-row').map((r) => r.find('.text').text())).toEqual([
      'hi',
      'secret',
      'reply',
    ]);

    fake.emit({ kind: 'private_closed', peer: 'bob', reason: 'peer' });
    await settle(1);
    expect(wrapper.find('.closed-notice').text()).toBe('bob ended the private chat.');
    expect(byLabel(wrapper, 'Message').element.disabled).toBe(true);
    expect(button(wrapper, 'Start private chat').exists()).toBe(true);
    wrapper.unmount();
  });

  it('stops the session from this side', async () => {
    fake.on('privateTranscript', (peer) => ok({ peer, open: true, messages: [] }));
    fake.on('stopPrivate', () => ok({}));
    const wrapper = mount(PrivateChatWindow, { props: { peer: 'bob' }, attachTo: document.body });
    await settle();
    await button(wrapper, 'Stop private chat').trigger('click');
    await settle();
    expect(fake.callsOf('stopPrivate')).toEqual([['bob']]);
    expect(wrapper.find('[role="status"].closed-notice').text()).toBe('You ended the private chat with bob.');
    wrapper.unmount();
  });
});
