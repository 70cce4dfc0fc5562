// @vitest-environment happy-dom
import { mount, type VueWrapper } from '@vue/test-utils';
import { beforeEach, describe, expect, it } from 'vitest';
import type { DirectMessage } from '../../../shared/protocol';
import ChatView from '../components/ChatView.vue';
import ConversationList from '../components/ConversationList.vue';
import { bindEvents } from '../events';
import { applyChange, mergeMessages, useChatStore } from '../stores/chat';
import { useConversationsStore } from '../stores/conversations';
import { useSessionStore } from '../stores/session';
import { dm, FakeMessenger, ok, settle } from './fake-messenger';
import { button, byLabel, useLoggedInPage } from './helpers';

const page = useLoggedInPage();
let fake: FakeMessenger;
beforeEach(() => {
  fake = page();
});

const now = () => Date.now();

function message(from: string, to: string, text: string, extra: Partial<DirectMessage> = {}): DirectMessage {
  return { ...dm(from, to, text, extra), ...extra };
}

async function openChat(messages: DirectMessage[]): Promise<VueWrapper> {
  fake.on('history', () => ok({ messages, hasMore: false }));
  const wrapper = mount(ChatView, { props: { peer: 'bob' }, attachTo: document.body });
  await settle(8);
  return wrapper;
}

/** Opens a row's actions menu and chooses one of its actions. */
async function chooseAction(wrapper: VueWrapper, menu: string, action: string): Promise<void> {
  await button(wrapper, menu).trigger('click');
  await settle();
  const item = wrapper.findAll('[role="menuitem"]').find((b) => b.text() === action);
  if (!item) throw new Error(`no menu item ${action}`);
  await item.trigger('click');
  await settle();
}

describe('the states of a message in a thread', () => {
  it('keeps the newer state: a later edit wins, an older one is ignored, a deletion is final', () => {
    const original = message('bob', 'me', 'v1', { id: 7 });
    const items = mergeMessages([], [original], 'me');
    const v3 = { ...original, text: 'v3', editedAt: 30 };
    const afterV3 = applyChange(items, v3, 'me');
    expect(afterV3[0]).toMatchObject({ text: 'v3', editedAt: 30 });
    expect(applyChange(afterV3, { ...original, text: 'v2', editedAt: 20 }, 'me')).toBe(afterV3);
    const deleted = applyChange(afterV3, { ...original, text: '', deleted: true }, 'me');
    expect(deleted[0]).toMatchObject({ text: '', deleted: true });
    expect(applyChange(deleted, { ...original, text: 'v4', editedAt: 40 }, 'me')).toBe(deleted);
    // A history page with a newer state of a message shown already updates it.
    expect(mergeMessages(items, [v3], 'me')[0]).toMatchObject({ text: 'v3' });
  });

  it('updates the quotes of replies when their original changes', () => {
    const original = message('bob', 'me', 'question', { id: 8 });
    const reply = message('me', 'bob', 'answer', {
      id: 9,
      replyTo: { id: 8, from: 'bob', text: 'question' },
    });
    const items = mergeMessages([], [original, reply], 'me');
    const changed = applyChange(items, { ...original, text: '', deleted: true }, 'me');
    expect(changed[1]?.replyTo).toEqual({ id: 8, from: 'bob', text: '', deleted: true });
  });
});

describe('ChatView: edited and deleted messages', () => {
  it('shows "edited" and "Message deleted" as changes arrive, and the list previews them', async () => {
    const unbind = bindEvents('main');
    const first = message('bob', 'me', 'helo', { sentAt: now() });
    const second = message('bob', 'me', 'oops', { sentAt: now() });
    fake.on('conversations', () => ok([{ peer: 'bob', last: second, unread: 0 }]));
    await useConversationsStore().load();
    const wrapper = await openChat([first, second]);
    const list = mount(ConversationList, { attachTo: document.body });
    await settle();

    fake.emit({ kind: 'message_updated', message: { ...first, text: 'hello', editedAt: now() } });
    fake.emit({ kind: 'message_updated', message: { ...second, text: '', deleted: true } });
    await settle();
    const rows = wrapper.findAll('.message-row');
    expect(rows[0]?.text()).toContain('hello');
    expect(rows[0]?.find('.edited').exists()).toBe(true);
    expect(rows[1]?.text()).toContain('Message deleted');
    expect(rows[1]?.text()).not.toContain('oops');
    expect(list.text()).toContain('Message deleted');
    list.unmount();
    wrapper.unmount();
    unbind();
  });
});

describe('ChatView: the message actions', () => {
  it('edits your message from its menu: the composer holds its text, Enter saves', async () => {
    const mine = message('me', 'bob', 'teh plan', { sentAt: now() });
    fake.on('editMessage', (id, text) => ok({ message: { ...mine, id, text, editedAt: now() } }));
    const wrapper = await openChat([mine]);
    await chooseAction(wrapper, 'Actions for your message', 'Edit');
    const box = byLabel(wrapper, 'Edit message');
    expect(box.element.value).toBe('teh plan');
    await box.setValue('the plan');
    await box.trigger('keydown', { key: 'Enter' });
    await settle();
    expect(fake.callsOf('editMessage')).toEqual([[mine.id, 'the plan']]);
    expect(wrapper.find('.message-row').text()).toContain('the plan');
    expect(wrapper.find('.message-row .edited').exists()).toBe(true);
    expect(byLabel(wrapper, 'Message').element.value).toBe('');
    wrapper.unmount();
  });

  it('Up arrow in the empty composer edits your last message; Escape cancels and keeps the draft', async () => {
    const older = message('me', 'bob', 'older', { sentAt: now() });
    const last = message('me', 'bob', 'last one', { sentAt: now() });
    const theirs = message('bob', 'me', 'theirs', { sentAt: now() });
    const wrapper = await openChat([older, last, theirs]);
    const box = byLabel(wrapper, 'Message');
    await box.trigger('keydown', { key: 'ArrowUp' });
    await settle();
    expect(byLabel(wrapper, 'Edit message').element.value).toBe('last one');
    await byLabel(wrapper, 'Edit message').trigger('keydown', { key: 'Escape' });
    await settle();
    expect(byLabel(wrapper, 'Message').element.value).toBe('');
    expect(fake.callsOf('editMessage')).toEqual([]);
    wrapper.unmount();
  });

  it('offers no Edit or Delete on the other person’s messages, and no Edit past the edit window', async () => {
    const info = fake.state.serverInfo as NonNullable<typeof fake.state.serverInfo>;
    fake.state.serverInfo = { ...info, limits: { ...info.limits, editWindowSeconds: 3600 } };
    await useSessionStore().refreshState();
    const theirs = message('bob', 'me', 'theirs', { sentAt: now() });
    const old = message('me', 'bob', 'old', { sentAt: now() - 2 * 3600 * 1000 });
    const wrapper = await openChat([old, theirs]);
    await button(wrapper, 'Actions for the message from bob').trigger('click');
    await settle();
    expect(wrapper.findAll('[role="menuitem"]').map((b) => b.text())).toEqual(['Reply', 'React', 'Copy']);
    await button(wrapper, 'Actions for the message from bob').trigger('click'); // closes it
    await button(wrapper, 'Actions for your message').trigger('click');
    await settle();
    expect(wrapper.findAll('[role="menuitem"]').map((b) => b.text())).toEqual([
      'Reply',
      'React',
      'Copy',
      'Delete',
    ]);
    wrapper.unmount();
  });

  it('asks before deleting, and deletes only when confirmed', async () => {
    const mine = message('me', 'bob', 'regret', { sentAt: now() });
    fake.on('deleteMessage', (id) => ok({ message: { ...mine, id, text: '', deleted: true } }));
    const wrapper = await openChat([mine]);
    await chooseAction(wrapper, 'Actions for your message', 'Delete');
    const dialog = wrapper.find('[role="alertdialog"]');
    expect(dialog.text()).toContain('Delete this message for everyone?');
    await button(wrapper, 'Cancel', dialog).trigger('click');
    await settle();
    expect(fake.callsOf('deleteMessage')).toEqual([]);

    await chooseAction(wrapper, 'Actions for your message', 'Delete');
    await button(wrapper, 'Delete', wrapper.find('[role="alertdialog"]')).trigger('click');
    await settle();
    expect(fake.callsOf('deleteMessage')).toEqual([[mine.id]]);
    expect(wrapper.find('.message-row').text()).toContain('Message deleted');
    wrapper.unmount();
  });
});

describe('ChatView: replies', () => {
  it('sends a reply with the id of the message it answers, and shows the quote', async () => {
    const question = message('bob', 'me', 'lunch?', { sentAt: now() });
    fake.on('sendMessage', (to, text, replyTo) =>
      ok({
        message: message('me', to, text, {
          sentAt: now(),
          replyTo: { id: replyTo as number, from: 'bob', text: 'lunch?' },
        }),
        online: true,
        queued: false,
      }),
    );
    const wrapper = await openChat([question]);
    await chooseAction(wrapper, 'Actions for the message from bob', 'Reply');
    expect(wrapper.find('.composer-context').text()).toContain('Replying to bob: lunch?');
    const box = byLabel(wrapper, 'Message');
    await box.setValue('yes!');
    await box.trigger('keydown', { key: 'Enter' });
    await settle();
    expect(fake.callsOf('sendMessage')).toEqual([['bob', 'yes!', question.id]]);
    const quote = wrapper.find('.reply-quote');
    expect(quote.attributes('aria-label')).toBe('Reply to bob: “lunch?”. Show the original');
    expect(wrapper.find('.composer-context').exists()).toBe(false);
    wrapper.unmount();
  });

  it('clicking a quote loads older pages until the original is there', async () => {
    const original = message('bob', 'me', 'the original', { id: 1000, sentAt: now() - 10_000 });
    const page = (from: number, count: number) =>
      Array.from({ length: count }, (_, i) =>
        message('bob', 'me', `filler ${from + i}`, { id: from + i, sentAt: now() }),
      );
    const reply = message('me', 'bob', 'answer', {
      id: 4000,
      sentAt: now(),
      replyTo: { id: 1000, from: 'bob', text: 'the original' },
    });
    fake.on('history', ({ before }) => {
      if (before === undefined) return ok({ messages: [reply], hasMore: true });
      if (before > 2000) return ok({ messages: page(2000, 100), hasMore: true });
      return ok({ messages: [original, ...page(1001, 99)], hasMore: false });
    });
    const wrapper = mount(ChatView, { props: { peer: 'bob' }, attachTo: document.body });
    await settle(8);
    const chat = useChatStore();
    expect(chat.thread('bob').items.some((i) => i.id === 1000)).toBe(false);
    await wrapper.find('.reply-quote').trigger('click');
    await settle(20);
    expect(chat.thread('bob').items.some((i) => i.id === 1000)).toBe(true);
    expect(fake.callsOf('history').length).toBeGreaterThanOrEqual(3);
    wrapper.unmount();
  });
});
