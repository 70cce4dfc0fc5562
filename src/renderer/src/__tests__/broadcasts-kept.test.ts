// @vitest-environment happy-dom
/** Everyone shows the broadcasts kept for this user: loaded when it opens, paged, merged with live ones. */
import { beforeEach, describe, expect, it } from 'vitest';
import type { BroadcastMessage } from '../../../shared/protocol';
import { EVERYONE } from '../constants';
import { useChatStore } from '../stores/chat';
import { useConversationsStore } from '../stores/conversations';
import { FakeMessenger, ok } from './fake-messenger';
import { loggedInAsMe } from './helpers';

let fake: FakeMessenger;

beforeEach(async () => {
  fake = await loggedInAsMe();
});

const kept = (id: number, from: string, text: string): BroadcastMessage => ({
  id,
  from,
  text,
  sentAt: 1_700_000_000_000 + id * 1000,
});

/** The server's broadcasts for this user, paged like the real `broadcasts` call. */
function serveBroadcasts(all: BroadcastMessage[]): void {
  fake.on('broadcasts', ({ before, limit }) => {
    const older = all.filter((b) => before === undefined || b.id < before);
    const page = older.slice(-limit);
    return ok({ broadcasts: page, hasMore: older.length > page.length });
  });
}

describe('Everyone', () => {
  it('loads the kept broadcasts, sent and received, when it opens, and pages older ones', async () => {
    const all = Array.from({ length: 150 }, (_, i) => kept(i + 1, i % 2 ? 'me' : 'dave', `b${i + 1}`));
    serveBroadcasts(all);
    const chat = useChatStore();
    await chat.ensureLoaded(EVERYONE);
    expect(chat.thread(EVERYONE).items).toHaveLength(100);
    expect(chat.thread(EVERYONE).items.at(-1)).toMatchObject({ id: 150, text: 'b150', mine: true });
    await chat.loadOlder(EVERYONE);
    expect(chat.thread(EVERYONE).items.map((i) => i.id)).toEqual(all.map((b) => b.id));
    expect(chat.thread(EVERYONE).hasMore).toBe(false);
  });

  it('shows a live broadcast once, although the history lists it too', async () => {
    serveBroadcasts([kept(1, 'dave', 'hello'), kept(2, 'carol', 'hi')]);
    const chat = useChatStore();
    chat.receiveBroadcast(kept(2, 'carol', 'hi'));
    await chat.ensureLoaded(EVERYONE);
    chat.receiveBroadcast(kept(2, 'carol', 'hi'));
    expect(chat.thread(EVERYONE).items.map((i) => i.text)).toEqual(['hello', 'hi']);
  });

  it('keeps a sent broadcast under its stored id, with the partial-delivery notice', async () => {
    fake.on('broadcast', () => ok({ delivered: 1, blockedBy: 1, sentAt: 5, id: 9 }));
    const chat = useChatStore();
    await chat.sendBroadcast('to all');
    expect(chat.thread(EVERYONE).items).toMatchObject([
      { id: 9, text: 'to all', mine: true, status: 'sent', notice: expect.any(String) },
    ]);
  });

  it('previews the newest kept broadcast in the list after a login', async () => {
    serveBroadcasts([kept(1, 'dave', 'older'), kept(2, 'dave', 'newest')]);
    const conversations = useConversationsStore();
    await conversations.load();
    expect(conversations.everyone.last).toMatchObject({ from: 'dave', text: 'newest', id: 2 });
  });
});
