// @vitest-environment happy-dom
/**
 * Reading a chat: timestamps with the full date as a tooltip, the status after a time, text in its own
 * direction (right-to-left and left-to-right mixed), and where the unread divider goes.
 */
import { mount } from '@vue/test-utils';
import { beforeEach, describe, expect, it } from 'vitest';
import { firstUnreadKey, withUnreadDivider, buildRows } from '../chat-rows';
import ChatView from '../components/ChatView.vue';
import ConversationList from '../components/ConversationList.vue';
import PrivateChatWindow from '../components/PrivateChatWindow.vue';
import ToastHost from '../components/ToastHost.vue';
import { formatTime } from '../format';
import type { ChatItem } from '../stores/chat';
import { useConversationsStore } from '../stores/conversations';
import { useToastsStore } from '../stores/toasts';
import { dm, fail, FakeMessenger, ok, settle } from './fake-messenger';
import { button, byLabel, useLoggedInPage } from './helpers';

/** Hebrew first, then English: its base direction is right-to-left. */
const MIXED = 'שלום world 123';
/** A fixed moment: 30 November 2026, 15:03 local time. */
const AT = new Date(2026, 10, 30, 15, 3).getTime();

const page = useLoggedInPage();
let fake: FakeMessenger;
beforeEach(() => {
  fake = page();
});

describe('timestamps', () => {
  it("shows a message's full date and time as its time's tooltip", async () => {
    fake.on('history', () => ok({ messages: [dm('bob', 'me', 'hello', { sentAt: AT })], hasMore: false }));
    const wrapper = mount(ChatView, { props: { peer: 'bob' }, attachTo: document.body });
    await settle();
    const time = wrapper.find('.message-row time');
    expect(time.text()).toBe(formatTime(AT));
    expect(time.attributes('title')).toMatch(/2026/);
    expect(time.attributes('title')).toMatch(/November/);
    expect(time.attributes('title')).toContain(formatTime(AT).replace(/^0/, ''));
    wrapper.unmount();
  });

  it('puts a space between the time and the status of a message not delivered', async () => {
    fake.on('sendMessage', () => fail('blocked_by_recipient'));
    const wrapper = mount(ChatView, { props: { peer: 'bob' }, attachTo: document.body });
    await settle();
    await byLabel(wrapper, 'Message').setValue('are you there?');
    await button(wrapper, 'Send').trigger('submit');
    await settle();
    const meta = wrapper.find('.message-row.failed .meta');
    expect(meta.element.textContent).not.toMatch(/\S·/);
    expect(meta.element.textContent).toContain(' · Not delivered');
    wrapper.unmount();
  });
});

describe('mixed right-to-left and left-to-right text', () => {
  it('lays out each message in the direction of its own text', async () => {
    fake.on('history', () => ok({ messages: [dm('bob', 'me', MIXED)], hasMore: false }));
    const wrapper = mount(ChatView, { props: { peer: 'bob' }, attachTo: document.body });
    await settle();
    const text = wrapper.find('.message-row .text');
    expect(text.text()).toBe(MIXED);
    expect(text.attributes('dir')).toBe('auto');
    expect(wrapper.find('h2').attributes('dir')).toBe('auto');
    wrapper.unmount();
  });

  it('isolates the preview in the conversation list from the "You: " before it', async () => {
    fake.on('conversations', () => ok([{ peer: 'bob', last: dm('me', 'bob', MIXED, { id: 4 }), unread: 0 }]));
    await useConversationsStore().load();
    const wrapper = mount(ConversationList, { attachTo: document.body });
    await settle();
    const bob = wrapper.findAll('ul[aria-label="Conversation list"] li')[1];
    if (!bob) throw new Error('no entry for bob');
    const preview = bob.find('.conv-preview');
    expect(preview.text()).toBe(`You: ${MIXED}`);
    expect(preview.find('bdi').text()).toBe(MIXED);
    expect(bob.find('.conv-name').attributes('dir')).toBe('auto');
    wrapper.unmount();
  });

  it('lays out toasts and private messages in their own direction', async () => {
    const toasts = mount(ToastHost, { attachTo: document.body });
    useToastsStore().show(MIXED);
    await settle();
    expect(toasts.find('.toast-text').attributes('dir')).toBe('auto');
    toasts.unmount();

    fake.on('privateTranscript', (peer) =>
      ok({ peer, open: true, messages: [{ from: 'bob', text: MIXED, at: AT }] }),
    );
    const window = mount(PrivateChatWindow, { props: { peer: 'bob' }, attachTo: document.body });
    await settle();
    const text = window.find('.message-row .text');
    expect(text.text()).toBe(MIXED);
    expect(text.attributes('dir')).toBe('auto');
    expect(window.find('h1 bdi').text()).toBe('bob');
    window.unmount();
  });
});

function item(key: string, mine: boolean, sentAt: number): ChatItem {
  return { key, from: mine ? 'me' : 'bob', to: mine ? 'bob' : 'me', text: key, sentAt, mine, status: 'sent' };
}

describe('the unread divider', () => {
  const items = [
    item('m1', false, AT),
    item('m2', true, AT + 1),
    item('m3', false, AT + 2),
    item('m4', false, AT + 3),
  ];

  it('goes above the first unread message, counting only messages from others', () => {
    expect(firstUnreadKey(items, 0)).toBeNull();
    expect(firstUnreadKey(items, 1)).toBe('m4');
    expect(firstUnreadKey(items, 2)).toBe('m3');
    expect(firstUnreadKey(items, 3)).toBe('m1');
    // More unread than loaded: the oldest loaded message from the other side.
    expect(firstUnreadKey(items, 50)).toBe('m1');
    const rows = withUnreadDivider(buildRows(items), 'm3');
    expect(rows.map((r) => r.key)).toEqual([rows[0]?.key, 'm1', 'm2', 'unread', 'm3', 'm4']);
    expect(rows[0]?.kind).toBe('day');
  });

  it('loads older pages when more messages are unread than the newest page holds', async () => {
    // 150 messages from bob, ids 1–150, served newest page first; 130 of them unread.
    const all = Array.from({ length: 150 }, (_, i) =>
      dm('bob', 'me', `m ${i + 1}`, { id: i + 1, sentAt: AT + i }),
    );
    fake.on('history', (req) => {
      const older = req.before === undefined ? all : all.filter((m) => m.id < (req.before ?? 0));
      return ok({ messages: older.slice(-req.limit), hasMore: older.length > req.limit });
    });
    const newest = all[all.length - 1];
    if (!newest) throw new Error('no messages');
    fake.on('conversations', () => ok([{ peer: 'bob', last: newest, unread: 130 }]));
    const conversations = useConversationsStore();
    await conversations.load();
    conversations.select('bob');
    const wrapper = mount(ChatView, { props: { peer: 'bob' }, attachTo: document.body });
    await settle(10);
    expect(fake.callsOf('history')).toHaveLength(2);
    // happy-dom does not scroll for the virtual list: bring rows 20–22 into its window by hand.
    const log = wrapper.find('.messages');
    (log.element as HTMLElement).scrollTop = 15 * 56;
    await log.trigger('scroll');
    await settle();
    const rows = wrapper.findAll('.row');
    const divider = rows.findIndex((r) => r.find('.unread-divider').exists());
    expect(divider).toBeGreaterThan(-1);
    expect(rows[divider + 1]?.find('.text').text()).toBe('m 21');
    expect(rows[divider - 1]?.find('.text').text()).toBe('m 20');
    wrapper.unmount();
  });
});
