// @vitest-environment happy-dom
/**
 * Receipts on my group messages: "Sent", "Delivered to 2 of 3", "Read by 1 of 3" from the members'
 * receipts (history, conversation list, group_receipt events, the recipients of a message I send),
 * each message counting only the members it was sent to, with the names in a tooltip and in text
 * a screen reader reads; members who left stop counting.
 */
import { mount, type VueWrapper } from '@vue/test-utils';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DirectMessage, GroupInfo } from '../../../shared/protocol';
import ChatView from '../components/ChatView.vue';
import { bindEvents } from '../events';
import { useConversationsStore } from '../stores/conversations';
import { ok, settle, type FakeMessenger } from './fake-messenger';
import { useLoggedInPage } from './helpers';

const page = useLoggedInPage();
let fake: FakeMessenger;
let unbind: () => void;

const rebels: GroupInfo = {
  id: 7,
  name: 'Rebels',
  creator: 'me',
  members: ['alice', 'bob', 'carol', 'me'].map((name) => ({ name, admin: name === 'me' })),
};

function mine(id: number, text: string): DirectMessage {
  return { id, from: 'me', group: rebels.id, text, sentAt: 1_700_000_000_000 + id * 1000 };
}

beforeEach(async () => {
  fake = page();
  fake.on('conversations', () => ok([]));
  fake.on('groups', () => ok([{ group: rebels, last: mine(12, 'two'), unread: 0 }]));
  // carol joined after message 10: only alice and bob were sent it.
  fake.on('groupHistory', () =>
    ok({
      messages: [mine(10, 'one'), mine(12, 'two')],
      hasMore: false,
      receipts: [
        { name: 'alice', since: 10, deliveredUpTo: 12, readUpTo: 10 },
        { name: 'bob', since: 10, deliveredUpTo: 10 },
        { name: 'carol', since: 12 },
      ],
    }),
  );
  unbind = bindEvents('main');
  await useConversationsStore().load();
});
afterEach(() => unbind());

/** Each of my messages' status: its visible label, its tooltip, and the text only a screen reader reads. */
function statuses(chat: VueWrapper) {
  return chat.findAll('.message-row .status').map((status) => {
    const hidden = status.find('.visually-hidden');
    const names = hidden.exists() ? hidden.text() : '';
    return {
      label: status.text().replace(names, '').replace(/^· /, '').trim(),
      title: status.attributes('title') ?? '',
      names,
    };
  });
}

describe('group receipts in the app', () => {
  it('counts each message’s own recipients, and names them on hover and for screen readers', async () => {
    const chat = mount(ChatView, { props: { peer: '#7' }, attachTo: document.body });
    await settle();
    expect(statuses(chat)).toEqual([
      {
        label: 'Read by 1 of 2',
        title: 'Read by alice. Delivered to bob',
        names: '(Read by alice. Delivered to bob)',
      },
      {
        label: 'Delivered to 1 of 3',
        title: 'Delivered to alice. Not yet delivered to bob, carol',
        names: '(Delivered to alice. Not yet delivered to bob, carol)',
      },
    ]);
    // Keyboard users reach the names too: the status is focusable (it shows them while focused).
    expect(chat.findAll('.message-row .status').map((status) => status.attributes('tabindex'))).toEqual([
      '0',
      '0',
    ]);
    chat.unmount();
  });

  it('moves with group_receipt events, never back; a member who left stops counting', async () => {
    const chat = mount(ChatView, { props: { peer: '#7' }, attachTo: document.body });
    await settle();
    fake.emit({
      kind: 'group_receipt',
      group: 7,
      members: [
        { name: 'bob', since: 10, deliveredUpTo: 12, readUpTo: 12 },
        { name: 'carol', since: 12, deliveredUpTo: 12, readUpTo: 12 },
      ],
    });
    // A late, older state of alice changes nothing.
    fake.emit({ kind: 'group_receipt', group: 7, members: [{ name: 'alice', since: 10 }] });
    await settle();
    expect(statuses(chat).map((s) => s.label)).toEqual(['Read by 2 of 2', 'Read by 2 of 3']);
    fake.emit({ kind: 'group', id: 7, action: 'left', by: 'carol', users: ['carol'], group: rebels });
    await settle();
    expect(statuses(chat).map((s) => s.label)).toEqual(['Read by 2 of 2', 'Read by 1 of 2']);
    chat.unmount();
  });

  it('a message I send counts the members the server sent it to, and shows "Sent" until one has it', async () => {
    fake.on('sendGroupMessage', (group, text) =>
      ok({
        message: { ...mine(13, text), group },
        recipients: ['alice', 'carol'],
        online: true,
        queued: false,
      }),
    );
    const chat = mount(ChatView, { props: { peer: '#7' }, attachTo: document.body });
    await settle();
    await chat.get('textarea').setValue('three');
    await chat.get('form.composer').trigger('submit');
    await settle();
    expect(statuses(chat).at(-1)).toEqual({
      label: 'Sent',
      title: 'Not yet delivered to alice, carol',
      names: '(Not yet delivered to alice, carol)',
    });
    fake.emit({
      kind: 'group_receipt',
      group: 7,
      members: [{ name: 'carol', since: 12, deliveredUpTo: 13 }],
    });
    await settle();
    expect(statuses(chat).at(-1)?.label).toBe('Delivered to 1 of 2');
    chat.unmount();
  });
});
