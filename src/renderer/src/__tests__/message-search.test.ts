// @vitest-environment happy-dom
import { mount, type VueWrapper } from '@vue/test-utils';
import { beforeEach, describe, expect, it } from 'vitest';
import type { ApiResult, ApiValues } from '../../../shared/api';
import type { DirectMessage, SearchHit } from '../../../shared/protocol';
import ChatView from '../components/ChatView.vue';
import { EVERYONE } from '../constants';
import ConversationList from '../components/ConversationList.vue';
import { useConversationsStore } from '../stores/conversations';
import { lastWordAsPrefix, useMessageSearchStore } from '../stores/message-search';
import { dm, fail, FakeMessenger, ok, settle } from './fake-messenger';
import { button, byLabel, useLoggedInPage } from './helpers';

const page = useLoggedInPage();
let fake: FakeMessenger;
beforeEach(() => {
  fake = page();
});

const hit = (extra: Partial<SearchHit> = {}): SearchHit => ({
  id: 42,
  peer: 'bob',
  from: 'bob',
  sentAt: Date.now(),
  snippet: 'see you at the <b>station</b> at noon',
  marks: [[18, 25]],
  ...extra,
});

async function typeQuery(query: string): Promise<VueWrapper> {
  const wrapper = mount(ConversationList, { attachTo: document.body });
  await byLabel(wrapper, 'Search users and messages').setValue(query);
  await new Promise((resolve) => setTimeout(resolve, 200)); // the typing pause
  await settle();
  return wrapper;
}

/** The page of `all` a server answers `before` and `limit` with: the newest older ones. */
function pageOf<T extends { id: number }>(all: readonly T[], before: number | undefined, limit: number) {
  const older = all.filter((m) => m.id < (before ?? Infinity));
  return { page: older.slice(-limit), hasMore: older.length > limit };
}

/** Whether the chat shows message `id` outlined, as a jump to it does. */
function outlined(chat: VueWrapper, id: number): boolean {
  const row = `.message-row.highlighted[data-message-id="${id}"]`;
  return chat.find(`.message-row.highlighted [data-message-id="${id}"], ${row}`).exists();
}

describe('message search in the conversation list', () => {
  it('shows each found message with its chat, sender and the matched words marked, as plain text', async () => {
    fake.on('searchMessages', ({ everyone }) =>
      ok({
        results: everyone ? [] : [hit(), hit({ id: 41, from: 'me', snippet: 'station', marks: [[0, 7]] })],
        hasMore: false,
      }),
    );
    const wrapper = await typeQuery('stat');
    expect(fake.callsOf('searchMessages')).toEqual([
      [{ query: 'stat*', limit: 20 }],
      [{ query: 'stat*', limit: 20, everyone: true }],
    ]);
    expect(wrapper.find('[aria-label="Broadcasts found"]').exists()).toBe(false);
    const found = wrapper.find('[aria-label="Messages found"]');
    const rows = found.findAll('button');
    expect(rows).toHaveLength(2);
    expect(rows[0]?.find('.hit-snippet').text()).toBe('bob: see you at the <b>station</b> at noon');
    expect(rows[0]?.findAll('mark').map((m) => m.text())).toEqual(['station']);
    expect(rows[0]?.find('b').exists()).toBe(false);
    expect(rows[1]?.find('.hit-snippet').text()).toBe('You: station');
    expect(rows[1]?.findAll('mark').map((m) => m.text())).toEqual(['station']);
    expect(rows[0]?.find('.visually-hidden').text()).toMatch(
      /^bob, .+, bob: see you at the <b>station<\/b> at noon$/u,
    );
  });

  it('says it is searching, then "No messages match"; a failure says why; More messages asks for the next page', async () => {
    const answers: ((result: ApiResult<ApiValues['searchMessages']>) => void)[] = [];
    fake.on('searchMessages', () => new Promise((resolve) => answers.push(resolve)));
    const wrapper = await typeQuery('tatooine');
    expect(wrapper.find('[role="status"]').text()).toBe('Searching messages…');
    // The messages answer first: still searching until the broadcasts have answered too.
    answers[0]?.(ok({ results: [], hasMore: false }));
    await settle();
    expect(wrapper.find('[role="status"]').text()).toBe('Searching messages…');
    answers[1]?.(ok({ results: [], hasMore: false }));
    await settle();
    expect(wrapper.find('.message-results').text()).toContain('No messages match');

    fake.on('searchMessages', () => fail('unavailable', { message: 'down' }));
    await byLabel(wrapper, 'Search users and messages').setValue('hoth');
    await new Promise((resolve) => setTimeout(resolve, 200));
    await settle();
    expect(wrapper.find('.message-results [role="alert"]').text()).toMatch(/^Message search failed\. /u);

    fake.on('searchMessages', (query) =>
      ok(
        query.everyone
          ? { results: [], hasMore: false }
          : query.before === undefined
            ? { results: [hit({ id: 9 })], hasMore: true }
            : { results: [hit({ id: 3 })], hasMore: false },
      ),
    );
    await byLabel(wrapper, 'Search users and messages').setValue('station');
    await new Promise((resolve) => setTimeout(resolve, 200));
    await settle();
    await button(wrapper, 'More messages').trigger('click');
    await settle();
    expect(fake.callsOf('searchMessages').at(-1)).toEqual([{ query: 'station*', limit: 20, before: 9 }]);
    expect(wrapper.findAll('.message-hit').map((b) => b.attributes('data-message-id'))).toEqual(['9', '3']);
  });

  it('does not search messages for a query without words', async () => {
    const wrapper = await typeQuery('"*"');
    expect(fake.callsOf('searchMessages')).toEqual([]);
    expect(wrapper.find('.message-results').exists()).toBe(false);
  });

  it('opening a result opens its chat, which loads older pages until the message is there and shows it', async () => {
    fake.on('searchMessages', ({ everyone }) =>
      ok({ results: everyone ? [] : [hit({ id: 5 })], hasMore: false }),
    );
    const all = Array.from({ length: 250 }, (_, i) =>
      dm(i % 2 ? 'bob' : 'me', i % 2 ? 'me' : 'bob', `message ${i + 1}`, { id: i + 1 }),
    );
    fake.on('history', ({ before, limit }) => {
      const { page, hasMore } = pageOf(all, before, limit);
      return ok({ messages: page, hasMore });
    });
    const list = await typeQuery('station');
    await list.find('.message-hit').trigger('click');
    expect(useConversationsStore().active).toBe('bob');
    expect(useMessageSearchStore().pendingJump).toEqual({ peer: 'bob', id: 5 });

    const chat = mount(ChatView, { props: { peer: 'bob' }, attachTo: document.body });
    await settle(30);
    expect(fake.callsOf('history').map(([q]) => (q as { before?: number }).before)).toEqual([
      undefined,
      151,
      51,
    ]);
    expect(chat.find('[data-message-id="5"]').exists()).toBe(true);
    expect(outlined(chat, 5)).toBe(true);
    expect(useMessageSearchStore().pendingJump).toBeNull();
  });
});

describe('a group message found', () => {
  const rebels = {
    id: 7,
    name: 'Rebels',
    creator: 'bob',
    members: [
      { name: 'bob', admin: true },
      { name: 'me', admin: false },
    ],
  };
  const groupMessage = (id: number): DirectMessage => ({
    id,
    from: 'bob',
    group: 7,
    text: `group ${id}`,
    sentAt: 1_700_000_000_000 + id,
  });

  it('shows the group’s name, and opening it opens the group chat, which loads older pages until the message is there', async () => {
    fake.on('groups', () => ok([{ group: rebels, last: groupMessage(250), unread: 0 }]));
    await useConversationsStore().load();
    fake.on('searchMessages', ({ everyone }) =>
      ok({
        results: everyone ? [] : [hit({ id: 5, peer: undefined, group: 7, groupName: 'Rebels' })],
        hasMore: false,
      }),
    );
    const all = Array.from({ length: 250 }, (_, i) => groupMessage(i + 1));
    fake.on('groupHistory', ({ before, limit }) => {
      const { page, hasMore } = pageOf(all, before, limit);
      return ok({ messages: page, hasMore });
    });
    const list = await typeQuery('station');
    const row = list.find('.message-hit');
    expect(row.find('.conv-name').text()).toBe('Rebels');
    expect(row.find('.visually-hidden').text()).toMatch(/^Rebels, .+, bob: see you at the/u);
    await row.trigger('click');
    expect(useConversationsStore().active).toBe('#7');
    expect(useMessageSearchStore().pendingJump).toEqual({ peer: '#7', id: 5 });

    const chat = mount(ChatView, { props: { peer: '#7' }, attachTo: document.body });
    await settle(30);
    expect(fake.callsOf('groupHistory').map(([q]) => (q as { before?: number }).before)).toEqual([
      undefined,
      151,
      51,
    ]);
    expect(outlined(chat, 5)).toBe(true);
    expect(useMessageSearchStore().pendingJump).toBeNull();
    chat.unmount();
  });
});

describe('a broadcast found', () => {
  it('is listed apart as Everyone’s, pages on its own, and opening it opens Everyone at that broadcast', async () => {
    const broadcastHit = (id: number) => hit({ id, peer: undefined, everyone: true, from: 'bob' });
    fake.on('searchMessages', ({ everyone, before }) =>
      ok(
        !everyone
          ? { results: [hit({ id: 900 })], hasMore: false }
          : before === undefined
            ? { results: [broadcastHit(60)], hasMore: true }
            : { results: [broadcastHit(5)], hasMore: false },
      ),
    );
    const all = Array.from({ length: 250 }, (_, i) => ({
      id: i + 1,
      from: 'bob',
      text: `all ${i + 1}`,
      sentAt: i + 1,
    }));
    fake.on('broadcasts', ({ before, limit }) => {
      const { page, hasMore } = pageOf(all, before, limit);
      return ok({ broadcasts: page, hasMore });
    });
    const list = await typeQuery('station');
    const found = list.find('[aria-label="Broadcasts found"]');
    expect(found.find('.conv-name').text()).toBe('Everyone');
    expect(found.find('.visually-hidden').text()).toMatch(/^Everyone, .+, bob: see you at the/u);
    await button(list, 'More broadcasts').trigger('click');
    await settle();
    expect(fake.callsOf('searchMessages').at(-1)).toEqual([
      { query: 'station*', limit: 20, everyone: true, before: 60 },
    ]);
    expect(
      list
        .findAll('[aria-label="Broadcasts found"] .message-hit')
        .map((b) => b.attributes('data-message-id')),
    ).toEqual(['60', '5']);
    expect(list.findAll('[aria-label="Messages found"] .message-hit')).toHaveLength(1);

    await list.findAll('[aria-label="Broadcasts found"] .message-hit')[1]?.trigger('click');
    expect(useConversationsStore().active).toBe(EVERYONE);
    expect(useMessageSearchStore().pendingJump).toEqual({ peer: EVERYONE, id: 5 });
    const chat = mount(ChatView, { props: { peer: EVERYONE }, attachTo: document.body });
    await settle(30);
    expect(outlined(chat, 5)).toBe(true);
    chat.unmount();
  });
});

describe('the query sent while typing', () => {
  it('treats the word being typed as a prefix from its third letter on', () => {
    expect(lastWordAsPrefix('meet at st')).toBe('meet at st');
    expect(lastWordAsPrefix('meet at sta')).toBe('meet at sta*');
    expect(lastWordAsPrefix('station ')).toBe('station ');
    expect(lastWordAsPrefix('"sta"')).toBe('"sta"');
  });
});
