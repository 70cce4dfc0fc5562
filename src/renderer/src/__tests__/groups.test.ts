// @vitest-environment happy-dom
/**
 * Groups in the app: a group is listed beside direct chats by its name, its chat header lists the
 * members (with admin controls for admins only), group messages show their sender's name (and
 * offer no React yet), a message goes to the group, and a member removed loses the group from the list.
 */
import { mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DirectMessage, GroupInfo } from '../../../shared/protocol';
import ChatView from '../components/ChatView.vue';
import ConversationList from '../components/ConversationList.vue';
import { bindEvents } from '../events';
import { useConversationsStore } from '../stores/conversations';
import { useSessionStore } from '../stores/session';
import { dm, FakeMessenger, installFake, ok, settle } from './fake-messenger';
import { fakeLayout, hasButton } from './helpers';

let fake: FakeMessenger;
let unbind: () => void;
let restoreLayout: () => void;

const rebels: GroupInfo = {
  id: 7,
  name: 'Rebels',
  creator: 'alice',
  members: [
    { name: 'alice', admin: true },
    { name: 'bob', admin: false },
    { name: 'me', admin: false },
  ],
};

function groupMessage(id: number, from: string, text: string): DirectMessage {
  return { id, from, group: rebels.id, text, sentAt: 1_700_000_000_000 + id * 1000 };
}

beforeEach(async () => {
  localStorage.clear();
  restoreLayout = fakeLayout();
  setActivePinia(createPinia());
  fake = installFake(new FakeMessenger().loggedInAs('me'));
  fake.on('conversations', () => ok([{ peer: 'carol', last: dm('carol', 'me', 'hi'), unread: 0 }]));
  fake.on('groups', () => ok([{ group: rebels, last: groupMessage(50, 'bob', 'hello all'), unread: 1 }]));
  fake.on('groupHistory', () => ok({ messages: [groupMessage(50, 'bob', 'hello all')], hasMore: false }));
  await useSessionStore().refreshState();
  unbind = bindEvents('main');
  await useConversationsStore().load();
});
afterEach(() => {
  unbind();
  restoreLayout();
  document.body.innerHTML = '';
});

describe('groups in the app', () => {
  it('lists a group by its name beside direct chats, with its last sender and unread count', async () => {
    const list = mount(ConversationList, { attachTo: document.body });
    await settle();
    const entries = list.findAll('.conversations button').map((b) => b.find('.visually-hidden').text());
    expect(entries.some((e) => e.startsWith('Rebels, group, 1 unread') && e.endsWith('bob: hello all'))).toBe(
      true,
    );
    expect(entries.some((e) => e.startsWith('carol'))).toBe(true);
    list.unmount();
  });

  it('shows the members in the header, the sender of each message, and sends to the group', async () => {
    fake.on('sendGroupMessage', (group, text) => ok({ message: { ...groupMessage(51, 'me', text), group } }));
    const chat = mount(ChatView, { props: { peer: '#7' }, attachTo: document.body });
    await settle();
    expect(chat.get('#chat-title').text()).toBe('Rebels');
    expect(chat.get('.group-members').text()).toContain('alice');
    expect(chat.get('.group-members').text()).toContain('me (you)');
    // Not an admin: no add, remove or rename; leaving is for everyone.
    expect(hasButton(chat, 'Add member')).toBe(false);
    expect(hasButton(chat, 'Remove bob from the group')).toBe(false);
    expect(hasButton(chat, 'Leave group')).toBe(true);
    expect(chat.get('.sender').text()).toBe('bob');

    await chat.get('textarea').setValue('hi, rebels');
    await chat.get('form.composer, form').trigger('submit');
    await settle();
    expect(fake.callsOf('sendGroupMessage')).toEqual([[7, 'hi, rebels']]);
    chat.unmount();
  });

  it("a group message's menu offers no React: the server takes no reactions on group messages yet", async () => {
    const chat = mount(ChatView, { props: { peer: '#7' }, attachTo: document.body });
    await settle();
    await chat.get('.message-row').trigger('contextmenu');
    await settle();
    const items = chat.findAll('.menu-item').map((item) => item.text());
    expect(items).toEqual(['Reply', 'Copy']);
    chat.unmount();
  });

  it('gives an admin the controls, and drops the group when this user is removed', async () => {
    const asAdmin = { ...rebels, members: rebels.members.map((m) => ({ ...m, admin: true })) };
    fake.emit({ kind: 'group', id: 7, action: 'admin', by: 'alice', users: ['me'], group: asAdmin });
    await settle();
    const chat = mount(ChatView, { props: { peer: '#7' }, attachTo: document.body });
    await settle();
    expect(hasButton(chat, 'Add member')).toBe(true);
    expect(hasButton(chat, 'Remove bob from the group')).toBe(true);
    chat.unmount();

    fake.emit({ kind: 'group', id: 7, action: 'removed', by: 'alice', users: ['me'] });
    await settle();
    expect(useConversationsStore().entries['#7']).toBeUndefined();
  });
});
