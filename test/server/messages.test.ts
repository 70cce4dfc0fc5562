import { describe, expect, it } from 'vitest';
import type { DirectMessage } from '../../src/shared/protocol.js';
import { RawClient } from '../helpers/raw-client.js';
import { useServerFixture } from '../helpers/server-fixture.js';
import { startTestServer } from '../helpers/server.js';

const fixture = useServerFixture({ checkFrames: true });
const { track } = fixture;
const login = async (name: string, password: string) =>
  track(await RawClient.login(fixture.server.port, name, password));
const texts = (messages: DirectMessage[]) => messages.map((m) => m.text);

describe('direct messages', () => {
  it('delivers to an online recipient at once', async () => {
    fixture.server = await startTestServer();
    const yoda = await login('yoda', 'wise');
    const hans = await login('hans', 'falcon');
    const reply = await hans.call('message', { to: 'yoda', text: 'hello, yoda' });
    expect(reply.online).toBe(true);
    expect(reply.message).toMatchObject({ from: 'hans', to: 'yoda', text: 'hello, yoda' });
    const event = await yoda.waitFor((e) => e.type === 'message');
    expect(event).toEqual({ type: 'message', message: reply.message, offline: false });
  });

  it('reports every error code', async () => {
    fixture.server = await startTestServer();
    const yoda = await login('yoda', 'wise');
    const hans = await login('hans', 'falcon');
    expect((await yoda.fail('message', { to: 'yoda', text: 'hi' })).code).toBe('self_target');
    expect((await yoda.fail('message', { to: 'bbb', text: 'hi' })).code).toBe('unknown_user');
    await hans.call('block', { user: 'yoda' });
    expect((await yoda.fail('message', { to: 'hans', text: 'hi' })).code).toBe('blocked_by_recipient');
    await hans.call('unblock', { user: 'yoda' });
    await yoda.call('message', { to: 'hans', text: 'hi again' });
    await hans.waitFor((e) => e.type === 'message');
    expect(texts(hans.eventsOf('message').map((e) => e.message))).toEqual(['hi again']);
  });

  it('stores messages for an offline user and delivers them at next login, oldest first', async () => {
    fixture.server = await startTestServer();
    const yoda = await login('yoda', 'wise');
    const first = await yoda.call('message', { to: 'hans', text: 'hello, hans' });
    expect(first.online).toBe(false);
    await yoda.call('message', { to: 'hans', text: 'how are you going' });
    const hans = track(await RawClient.open(fixture.server.port));
    expect(await hans.call('login', { username: 'hans', password: 'falcon' })).toEqual({
      username: 'hans',
      pendingOffline: 2,
    });
    await hans.waitFor(() => hans.eventsOf('message').length === 2);
    const delivered = hans.eventsOf('message');
    expect(delivered.every((e) => e.offline)).toBe(true);
    expect(texts(delivered.map((e) => e.message))).toEqual(['hello, hans', 'how are you going']);
    await yoda.waitFor((e) => e.type === 'presence' && e.user === 'hans' && e.online);
  });

  it('redelivers unacknowledged messages and never acknowledged ones twice, across restarts', async () => {
    fixture.server = await startTestServer();
    const yoda = await login('yoda', 'wise');
    for (const text of ['one', 'two', 'three']) await yoda.call('message', { to: 'hans', text });
    await fixture.server.restart();

    // hans logs in, receives all three, but acknowledges only the first
    const hans = await login('hans', 'falcon');
    await hans.waitFor(() => hans.eventsOf('message').length === 3);
    const ids = hans.eventsOf('message').map((e) => e.message.id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    await hans.call('ack', { upTo: ids[0] as number });
    await hans.call('logout', {});
    await fixture.server.restart();

    const again = await login('hans', 'falcon');
    await again.waitFor(() => again.eventsOf('message').length === 2);
    expect(texts(again.eventsOf('message').map((e) => e.message))).toEqual(['two', 'three']);
    await again.call('ack', { upTo: ids[2] as number });
    await again.call('logout', {});
    await fixture.server.restart();

    const third = track(await RawClient.open(fixture.server.port));
    expect((await third.call('login', { username: 'hans', password: 'falcon' })).pendingOffline).toBe(0);
    await third.call('whoelse', {});
    expect(third.eventsOf('message')).toEqual([]);
  });

  it('keeps order per sender for many messages to an offline user', async () => {
    fixture.server = await startTestServer();
    const yoda = await login('yoda', 'wise');
    const sends = Array.from({ length: 200 }, (_, i) => yoda.call('message', { to: 'hans', text: `m${i}` }));
    const replies = await Promise.all(sends);
    expect(replies.map((r) => r.message.id)).toEqual(
      [...replies.map((r) => r.message.id)].sort((a, b) => a - b),
    );
    await fixture.server.restart();
    const hans = await login('hans', 'falcon');
    await hans.waitFor(() => hans.eventsOf('message').length === 200);
    expect(texts(hans.eventsOf('message').map((e) => e.message))).toEqual(
      Array.from({ length: 200 }, (_, i) => `m${i}`),
    );
  });
});

describe('broadcast', () => {
  it('reaches every other online user who has not blocked the sender, and never an offline one later', async () => {
    fixture.server = await startTestServer();
    const yoda = await login('yoda', 'wise');
    const hans = await login('hans', 'falcon');
    const luke = await login('luke', 'skywalker');
    await hans.call('block', { user: 'yoda' });
    const reply = await yoda.call('broadcast', { text: 'hi' });
    expect(reply).toMatchObject({ delivered: 1, blockedBy: 1 });
    const event = await luke.waitFor((e) => e.type === 'broadcast');
    expect(event).toEqual({
      type: 'broadcast',
      id: reply.id,
      from: 'yoda',
      text: 'hi',
      sentAt: reply.sentAt,
    });
    await hans.call('unblock', { user: 'yoda' });
    expect(await yoda.call('broadcast', { text: 'hi again' })).toMatchObject({ delivered: 2, blockedBy: 0 });
    await hans.waitFor((e) => e.type === 'broadcast');
    expect(hans.eventsOf('broadcast').map((e) => e.text)).toEqual(['hi again']);
    expect(yoda.eventsOf('broadcast')).toEqual([]);
    // an offline user gets nothing later
    await luke.call('logout', {});
    await yoda.call('broadcast', { text: 'while you were away' });
    const lukeAgain = track(await RawClient.open(fixture.server.port));
    expect((await lukeAgain.call('login', { username: 'luke', password: 'skywalker' })).pendingOffline).toBe(
      0,
    );
  });
});

describe('history, conversations and read marks', () => {
  it('pages a conversation newest page first, each page oldest first', async () => {
    fixture.server = await startTestServer();
    const yoda = await login('yoda', 'wise');
    const hans = await login('hans', 'falcon');
    for (let i = 0; i < 25; i++) {
      await (i % 2 === 0 ? yoda : hans).call('message', { to: i % 2 === 0 ? 'hans' : 'yoda', text: `t${i}` });
    }
    await yoda.call('message', { to: 'luke', text: 'not in this conversation' });
    const newest = await yoda.call('history', { peer: 'hans', limit: 10 });
    expect(texts(newest.messages)).toEqual(Array.from({ length: 10 }, (_, i) => `t${i + 15}`));
    expect(newest.hasMore).toBe(true);
    const older = await hans.call('history', { peer: 'yoda', before: newest.messages[0]?.id, limit: 10 });
    expect(texts(older.messages)).toEqual(Array.from({ length: 10 }, (_, i) => `t${i + 5}`));
    const oldest = await yoda.call('history', { peer: 'hans', before: older.messages[0]?.id, limit: 10 });
    expect(texts(oldest.messages)).toEqual(['t0', 't1', 't2', 't3', 't4']);
    expect(oldest.hasMore).toBe(false);
    expect((await yoda.fail('history', { peer: 'nobody', limit: 5 })).code).toBe('unknown_user');
    expect((await yoda.fail('history', { peer: 'yoda', limit: 5 })).code).toBe('self_target');
  });

  it('summarises conversations newest first with unread counts', async () => {
    fixture.server = await startTestServer();
    const yoda = await login('yoda', 'wise');
    const hans = await login('hans', 'falcon');
    const luke = await login('luke', 'skywalker');
    const h1 = await hans.call('message', { to: 'yoda', text: 'h1' });
    await hans.call('message', { to: 'yoda', text: 'h2' });
    await luke.call('message', { to: 'yoda', text: 'l1' });
    await yoda.call('message', { to: 'hans', text: 'y1' });
    const { conversations } = await yoda.call('conversations', {});
    expect(conversations.map((c) => [c.peer, c.last.text, c.unread])).toEqual([
      ['hans', 'y1', 2],
      ['luke', 'l1', 1],
    ]);
    await yoda.call('markread', { peer: 'hans', upTo: h1.message.id });
    const after = await yoda.call('conversations', {});
    expect(after.conversations.map((c) => c.unread)).toEqual([1, 1]);
    // read marks never move back
    await yoda.call('markread', { peer: 'hans', upTo: 1 });
    expect((await yoda.call('conversations', {})).conversations[0]?.unread).toBe(1);
    expect((await yoda.fail('markread', { peer: 'ghost', upTo: 1 })).code).toBe('unknown_user');
    expect((await hans.call('conversations', {})).conversations.map((c) => [c.peer, c.unread])).toEqual([
      ['yoda', 1],
    ]);
  });
});
