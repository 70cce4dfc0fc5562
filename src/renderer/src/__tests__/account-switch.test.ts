// @vitest-environment happy-dom
/**
 * The list and the chats show everything the server delivered: a chat found through search previews
 * its messages, unread counts survive answers that arrive late, and nothing of the previous account
 * lands in the next one.
 */
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { ApiResult } from '../../../shared/api';
import type { ConversationSummary } from '../../../shared/protocol';
import { useChatStore } from '../stores/chat';
import { useConversationsStore } from '../stores/conversations';
import { useSessionStore } from '../stores/session';
import { dm, FakeMessenger, installFake, ok, settle } from './fake-messenger';

let fake: FakeMessenger;

beforeEach(async () => {
  setActivePinia(createPinia());
  fake = installFake(new FakeMessenger().loggedInAs('erin'));
  await useSessionStore().refreshState();
});

/** A reply the test releases when it wants. */
function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe('conversation list and chats', () => {
  it('previews the last message of a chat opened through search and marks it read', async () => {
    const history = [1, 2, 3].map((id) => dm('dave', 'erin', `message ${id}`, { id }));
    fake.on('history', () => ok({ messages: history, hasMore: false }));
    const conversations = useConversationsStore();
    conversations.select('dave');
    await useChatStore().ensureLoaded('dave');
    await settle();
    expect(conversations.entries.dave?.last).toMatchObject({ id: 3, text: 'message 3' });
    expect(fake.callsOf('markRead')).toEqual([['dave', 3]]);
  });

  it('adds live messages newer than a late conversations answer to its unread count', async () => {
    vi.spyOn(document, 'hasFocus').mockReturnValue(false);
    const answer = deferred<ApiResult<ConversationSummary[]>>();
    fake.on('conversations', () => answer.promise);
    const conversations = useConversationsStore();
    const loading = conversations.load();
    // Message 300 is in the summary; 301 and 302 arrived after the server summed up.
    for (const id of [300, 301, 302]) conversations.noteMessage(dm('dave', 'erin', `m${id}`, { id }), true);
    answer.resolve(ok([{ peer: 'dave', last: dm('dave', 'erin', 'm300', { id: 300 }), unread: 300 }]));
    await loading;
    expect(conversations.entries.dave).toMatchObject({ unread: 302, last: { id: 302 } });
    expect(conversations.totalUnread).toBe(302);
  });

  it('drops answers to the previous account once it logged out', async () => {
    const history = deferred<ApiResult<{ messages: ReturnType<typeof dm>[]; hasMore: boolean }>>();
    const summary = deferred<ApiResult<ConversationSummary[]>>();
    fake.on('history', () => history.promise);
    fake.on('conversations', () => summary.promise);
    const chat = useChatStore();
    const conversations = useConversationsStore();
    const pending = [chat.ensureLoaded('bob'), conversations.load()];
    chat.reset();
    conversations.reset();
    history.resolve(ok({ messages: [dm('bob', 'erin', 'old account', { id: 7 })], hasMore: false }));
    summary.resolve(ok([{ peer: 'bob', last: dm('bob', 'erin', 'old account', { id: 7 }), unread: 1 }]));
    await Promise.all(pending);
    expect(chat.thread('bob').items).toEqual([]);
    expect(conversations.entries).toEqual({});
    expect(conversations.totalUnread).toBe(0);
  });
});
