// @vitest-environment happy-dom
/**
 * Groups in the app: a group is listed beside direct chats by its name, its chat header lists the
 * members (with admin controls for admins only), group messages show their sender's name, a
 * message goes to the group (queued while disconnected, like a direct one), reactions on group
 * messages (counts, who reacted, without blocked users), and a member removed loses the group.
 */
import { mount } from '@vue/test-utils';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DirectMessage, GroupInfo } from '../../../shared/protocol';
import ChatView from '../components/ChatView.vue';
import ConversationList from '../components/ConversationList.vue';
import { bindEvents } from '../events';
import { useBlockedStore } from '../stores/blocked';
import { useConversationsStore } from '../stores/conversations';
import { dm, ok, settle, type FakeMessenger } from './fake-messenger';
import { hasButton, useLoggedInPage } from './helpers';

const page = useLoggedInPage();
let fake: FakeMessenger;
let unbind: () => void;

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
  fake = page();
  fake.on('conversations', () => ok([{ peer: 'carol', last: dm('carol', 'me', 'hi'), unread: 0 }]));
  fake.on('groups', () => ok([{ group: rebels, last: groupMessage(50, 'bob', 'hello all'), unread: 1 }]));
  fake.on('groupHistory', () => ok({ messages: [groupMessage(50, 'bob', 'hello all')], hasMore: false }));
  unbind = bindEvents('main');
  await useConversationsStore().load();
});
afterEach(() => unbind());

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
    fake.on('sendGroupMessage', (group, text) =>
      ok({ message: { ...groupMessage(51, 'me', text), group }, online: true, queued: false }),
    );
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

  it("a group message's menu offers React; a chip counts who reacted, without the users this user blocked", async () => {
    fake.on('listBlocked', () => ok(['bob']));
    await useBlockedStore().load();
    const reacted = {
      ...groupMessage(50, 'alice', 'dawn'),
      reactions: [
        { emoji: '👍' as const, users: ['alice', 'bob', 'me'] },
        { emoji: '😂' as const, users: ['bob'] },
      ],
      revision: 2,
    };
    fake.on('groupHistory', () => ok({ messages: [reacted], hasMore: false }));
    fake.on('react', (id) => ok({ message: { ...reacted, id, revision: 3, reactions: [] } }));
    const chat = mount(ChatView, { props: { peer: '#7' }, attachTo: document.body });
    await settle();
    const chips = chat.findAll('.reaction-chip');
    expect(chips.map((c) => c.find('.chip-face').text())).toEqual(['👍 2']);
    expect(chips[0]?.find('.visually-hidden').text()).toBe('Reacted with thumbs up: alice, me');
    expect(chips[0]?.attributes('aria-pressed')).toBe('true');

    await chat.get('.message-row').trigger('contextmenu');
    await settle();
    expect(chat.findAll('.menu-item').map((item) => item.text())).toEqual(['Reply', 'React', 'Copy']);
    await chips[0]?.trigger('click');
    await settle();
    expect(fake.callsOf('react')).toEqual([[50, '👍', false]]);
    chat.unmount();
  });

  it('counts the users past the listed ones in a large group ("and 36 more")', async () => {
    const many = Array.from({ length: 64 }, (_, i) => `user${i}`);
    const reacted = {
      ...groupMessage(50, 'alice', 'dawn'),
      reactions: [{ emoji: '❤️' as const, users: many, count: 100 }],
    };
    fake.on('groupHistory', () => ok({ messages: [reacted], hasMore: false }));
    const chat = mount(ChatView, { props: { peer: '#7' }, attachTo: document.body });
    await settle();
    expect(chat.get('.chip-face').text()).toBe('❤️ 100');
    expect(chat.get('.reaction-chip .visually-hidden').text()).toMatch(
      /: user0, user1, .*user63 and 36 more$/,
    );
    chat.unmount();
  });

  it('shows a group message sent while disconnected as Queued until the core sends it', async () => {
    fake.on('sendGroupMessage', () => ok({ online: false, queued: true, clientId: 'q1' }));
    fake.emit({ kind: 'state', state: { ...fake.state, connection: 'reconnecting' } });
    const chat = mount(ChatView, { props: { peer: '#7' }, attachTo: document.body });
    await settle();
    await chat.get('textarea').setValue('later');
    await chat.get('form.composer, form').trigger('submit');
    await settle();
    expect(chat.text()).toContain('Queued: sends when reconnected');
    fake.emit({ kind: 'state', state: { ...fake.state, connection: 'connected' } });
    fake.emit({ kind: 'queued_sent', clientId: 'q1', message: groupMessage(52, 'me', 'later') });
    await settle();
    expect(chat.text()).not.toMatch(/Queued|Sending/);
    expect(chat.findAll('.message-row').map((row) => row.text())).toContainEqual(
      expect.stringContaining('later'),
    );
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
