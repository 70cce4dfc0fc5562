// @vitest-environment happy-dom
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { DirectMessage } from '../../../shared/protocol';
import { EVERYONE } from '../constants';
import { bindEvents } from '../events';
import { formatDuration } from '../format';
import { mergeMessages, PAGE_SIZE, useChatStore } from '../stores/chat';
import { useConversationsStore } from '../stores/conversations';
import { usePeopleStore } from '../stores/people';
import { useToastsStore } from '../stores/toasts';
import { dm, FakeMessenger, ok, settle } from './fake-messenger';
import { loggedInAsMe } from './helpers';

let fake: FakeMessenger;

beforeEach(async () => {
  fake = await loggedInAsMe();
});

/** A server-side history of `n` messages between me and bob, paged like the real `history` call. */
function serveHistory(n: number): DirectMessage[] {
  const all = Array.from({ length: n }, (_, i) =>
    dm(i % 2 ? 'me' : 'bob', i % 2 ? 'bob' : 'me', `message ${i + 1}`, {
      id: i + 1,
      sentAt: 1_700_000_000_000 + i * 1000,
    }),
  );
  fake.on('history', ({ before, limit }) => {
    const older = all.filter((m) => before === undefined || m.id < before);
    const page = older.slice(-limit);
    return ok({ messages: page, hasMore: older.length > page.length });
  });
  return all;
}

describe('chat store', () => {
  it('pages history backwards and de-duplicates by id', async () => {
    const all = serveHistory(250);
    const chat = useChatStore();
    await chat.ensureLoaded('bob');
    expect(chat.thread('bob').items.map((i) => i.id)).toEqual(all.slice(-PAGE_SIZE).map((m) => m.id));
    expect(chat.thread('bob').hasMore).toBe(true);

    await chat.loadOlder('bob');
    expect(chat.thread('bob').items).toHaveLength(200);
    // A live event for a message already shown changes nothing.
    chat.receive(all[249] as DirectMessage);
    chat.receive(all[120] as DirectMessage);
    expect(chat.thread('bob').items).toHaveLength(200);

    await chat.loadOlder('bob');
    const ids = chat.thread('bob').items.map((i) => i.id);
    expect(ids).toEqual(all.map((m) => m.id));
    expect(chat.thread('bob').hasMore).toBe(false);
    expect(fake.callsOf('history')).toEqual([
      [{ peer: 'bob', limit: PAGE_SIZE }],
      [{ peer: 'bob', before: 151, limit: PAGE_SIZE }],
      [{ peer: 'bob', before: 51, limit: PAGE_SIZE }],
    ]);
    await chat.loadOlder('bob');
    expect(fake.callsOf('history')).toHaveLength(3); // nothing more to load
  });

  it('merges out-of-order pages and keeps unsent messages last', () => {
    const local = {
      key: 'l1',
      from: 'me',
      to: 'bob',
      text: 'pending',
      sentAt: 5,
      mine: true,
      status: 'sending' as const,
    };
    let items = mergeMessages(
      [local],
      [dm('bob', 'me', 'c', { id: 30 }), dm('bob', 'me', 'a', { id: 10 })],
      'me',
    );
    items = mergeMessages(items, [dm('bob', 'me', 'b', { id: 20 }), dm('bob', 'me', 'a', { id: 10 })], 'me');
    expect(items.map((i) => i.id ?? i.key)).toEqual([10, 20, 30, 'l1']);
  });

  it('keeps a delivery error on the failed message', async () => {
    fake.on('sendMessage', () => ({
      ok: false,
      error: { code: 'blocked_by_recipient', message: 'blocked' },
    }));
    const chat = useChatStore();
    expect(await chat.send('bob', 'hello?')).toBe(false);
    const [item] = chat.thread('bob').items;
    expect(item).toMatchObject({
      text: 'hello?',
      status: 'failed',
      error: 'Not delivered: bob has blocked you.',
    });

    fake.on('sendMessage', () => ({ ok: false, error: { code: 'unknown_user', message: 'nope' } }));
    await chat.send('ghost', 'anyone?');
    expect(chat.thread('ghost').items[0]?.error).toBe('Not delivered: ghost is not a valid user.');
  });

  it('retries a message that failed for lack of a connection', async () => {
    fake.on('sendMessage', () => ({ ok: false, error: { code: 'not_connected', message: 'offline' } }));
    const chat = useChatStore();
    await chat.send('bob', 'again');
    const failed = chat.thread('bob').items[0];
    expect(failed).toMatchObject({ status: 'failed', retryable: true });
    fake.on('sendMessage', (to, text) =>
      ok({ message: dm('me', to, text, { id: 950 }), online: false, queued: false }),
    );
    expect(await chat.retry('bob', failed?.key ?? '')).toBe(true);
    expect(chat.thread('bob').items).toMatchObject([{ id: 950, text: 'again', status: 'sent' }]);
  });

  it('applies a queued message outcome that overtook the reply of its send call', async () => {
    const chat = useChatStore();
    const error = { code: 'blocked_by_recipient' as const, message: 'blocked' };
    fake.on('sendMessage', (to, text) => {
      const clientId = `early-${text}`;
      if (text === 'refused') chat.settleQueued({ kind: 'queued_failed', clientId, to, text, error });
      else chat.settleQueued({ kind: 'queued_sent', clientId, message: dm('me', to, text, { id: 70 }) });
      return ok({ online: false, queued: true, clientId });
    });
    await chat.send('bob', 'refused');
    await chat.send('bob', 'stored');
    expect(chat.thread('bob').items).toMatchObject([
      { id: 70, text: 'stored', status: 'sent' },
      { text: 'refused', status: 'failed', error: 'Not delivered: bob has blocked you.' },
    ]);
    expect(chat.thread('bob').items).toHaveLength(2);
  });

  it('replaces a sent message with the stored one', async () => {
    fake.on('sendMessage', (to, text) =>
      ok({ message: dm('me', to, text, { id: 900 }), online: true, queued: false }),
    );
    const chat = useChatStore();
    await chat.send('bob', 'hi');
    expect(chat.thread('bob').items).toMatchObject([{ id: 900, text: 'hi', mine: true, status: 'sent' }]);
  });

  it('notes partial broadcast delivery', async () => {
    fake.on('broadcast', () => ok({ delivered: 2, blockedBy: 1, sentAt: 1, id: 1 }));
    const chat = useChatStore();
    await chat.sendBroadcast('hello all');
    expect(chat.thread(EVERYONE).items[0]?.notice).toBe(
      'Your message could not be delivered to some recipients',
    );
  });
});

describe('conversations store', () => {
  it('counts unread messages, shows the total in the title and marks read on open', async () => {
    vi.spyOn(document, 'hasFocus').mockReturnValue(false);
    fake.on('conversations', () =>
      ok([{ peer: 'bob', last: dm('bob', 'me', 'earlier', { id: 5 }), unread: 2 }]),
    );
    const conversations = useConversationsStore();
    const unbind = bindEvents('main');
    await conversations.load();
    await settle(1);
    expect(document.title).toBe('(2) Messenger');

    fake.emit({ kind: 'message', message: dm('bob', 'me', 'new one', { id: 6 }), offline: false });
    fake.emit({ kind: 'message', message: dm('bob', 'me', 'new one', { id: 6 }), offline: false }); // duplicate
    fake.emit({ kind: 'message', message: dm('carol', 'me', 'offline hello', { id: 7 }), offline: true });
    fake.emit({ kind: 'broadcast', id: 1, from: 'dave', text: 'hi all', sentAt: 1 });
    await settle(1);
    expect(conversations.entries.bob).toMatchObject({ unread: 3, last: { text: 'new one', id: 6 } });
    expect(conversations.entries.carol?.unread).toBe(1);
    expect(conversations.everyone.unread).toBe(1);
    expect(conversations.totalUnread).toBe(5);
    expect(document.title).toBe('(5) Messenger');
    expect(conversations.list[0]?.key).toBe(EVERYONE);

    conversations.select('bob');
    await settle(1);
    expect(document.title).toBe('(2) Messenger');
    // The window is behind others: nothing is read yet (that would be bob's read receipt).
    expect(fake.callsOf('markRead')).toEqual([]);
    vi.spyOn(document, 'hasFocus').mockReturnValue(true);
    conversations.markActiveRead(); // the window's focus event
    await settle(1);
    expect(fake.callsOf('markRead')).toEqual([['bob', 6]]);

    // While bob's chat is open and the window focused, new messages are read at once.
    fake.emit({ kind: 'message', message: dm('bob', 'me', 'seen', { id: 8 }), offline: false });
    await settle(1);
    expect(conversations.entries.bob?.unread).toBe(0);
    expect(fake.callsOf('markRead')).toEqual([
      ['bob', 6],
      ['bob', 8],
    ]);
    unbind();
    vi.restoreAllMocks();
  });

  it('searches users without listing myself', async () => {
    fake.on('searchUsers', () =>
      ok([
        { name: 'me', online: true },
        { name: 'mel', online: false },
      ]),
    );
    const conversations = useConversationsStore();
    await conversations.search('me');
    expect(conversations.searchResults).toEqual([{ name: 'mel', online: false }]);
  });
});

describe('people store and presence', () => {
  it('tracks who is online and shows a presence toast', async () => {
    fake.on('whoElse', () => ok(['carol', 'bob']));
    const people = usePeopleStore();
    await people.refreshOnline();
    expect(people.online).toEqual(['bob', 'carol']);
    const unbind = bindEvents('main');
    fake.emit({ kind: 'presence', user: 'dave', online: true, at: 1 });
    fake.emit({ kind: 'presence', user: 'bob', online: false, at: 2 });
    expect(people.online).toEqual(['carol', 'dave']);
    expect(useToastsStore().toasts.map((t) => t.text)).toEqual(['dave logged in', 'bob logged out']);
    unbind();
  });

  it('asks for recently online users with the chosen window', async () => {
    fake.on('whoElseSince', (s) => ok(s > 3600 ? ['old', 'new'] : ['new']));
    const people = usePeopleStore();
    await people.setWindow(86_400);
    expect(fake.callsOf('whoElseSince')).toEqual([[86_400]]);
    expect(people.recent).toEqual(['new', 'old']);
  });
});

describe('private windows from the main window', () => {
  it('opens the private window when the first private message arrives, not when the peer starts the chat', async () => {
    const unbind = bindEvents('main');
    fake.emit({ kind: 'private_opened', peer: 'bob', initiatedByMe: false });
    fake.emit({ kind: 'private_opened', peer: 'carol', initiatedByMe: true });
    await settle(1);
    expect(fake.callsOf('openPrivateWindow')).toEqual([]);
    fake.emit({ kind: 'private_message', peer: 'bob', from: 'bob', text: 'psst', at: 1 });
    await settle(1);
    expect(fake.callsOf('openPrivateWindow')).toEqual([['bob']]);
    unbind();
  });
});

describe('formatDuration', () => {
  it('formats minutes and seconds', () => {
    expect(formatDuration(90_000)).toBe('1 minute 30 seconds');
    expect(formatDuration(1_000)).toBe('1 second');
    expect(formatDuration(120_000)).toBe('2 minutes');
    expect(formatDuration(3_720_000)).toBe('1 hour 2 minutes');
  });
});
