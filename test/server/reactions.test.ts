import { describe, expect, it } from 'vitest';
import { REACTION_BURST, REACTION_PER_SECOND } from '../../src/shared/limits.js';
import type { DirectMessage } from '../../src/shared/protocol.js';
import { RawClient } from '../helpers/raw-client.js';
import { useServerFixture } from '../helpers/server-fixture.js';
import { startTestServer } from '../helpers/server.js';

const fixture = useServerFixture({ checkFrames: true });

async function login(name: string, password: string): Promise<RawClient> {
  return fixture.track(await RawClient.login(fixture.server.port, name, password));
}

const yodaLogin = () => login('yoda', 'wise');
const hansLogin = () => login('hans', 'falcon');

async function logout(client: RawClient): Promise<void> {
  await client.call('logout', {});
  await client.waitClosed();
}

async function historyWith(client: RawClient, peer: string): Promise<DirectMessage[]> {
  return (await client.call('history', { peer, limit: 100 })).messages;
}

/** yoda's message to hans, received and acknowledged by hans. */
async function deliveredMessage(yoda: RawClient, hans: RawClient, text = 'hello'): Promise<DirectMessage> {
  const { message } = await yoda.call('message', { to: 'hans', text });
  await hans.waitFor((e) => e.type === 'message' && e.message.id === message.id);
  await hans.call('ack', { upTo: message.id });
  return message;
}

describe('reacting to a direct message', () => {
  it('adds a reaction with who made it, pushed to the other side, kept in history and the conversation list', async () => {
    fixture.server = await startTestServer();
    const yoda = await yodaLogin();
    const hans = await hansLogin();
    const message = await deliveredMessage(yoda, hans);

    const { message: reacted } = await hans.call('react', { messageId: message.id, emoji: '👍', add: true });
    expect(reacted).toEqual({ ...message, reactions: [{ emoji: '👍', users: ['hans'] }], revision: 1 });
    const update = await yoda.waitFor((e) => e.type === 'message_update');
    expect(update).toEqual({ type: 'message_update', message: reacted, revision: 1 });

    const { message: both } = await yoda.call('react', { messageId: message.id, emoji: '👍', add: true });
    expect(both.reactions).toEqual([{ emoji: '👍', users: ['hans', 'yoda'] }]);
    await hans.waitFor((e) => e.type === 'message_update' && e.revision === 2);
    expect(await historyWith(hans, 'yoda')).toEqual([both]);
    expect((await yoda.call('conversations', {})).conversations[0]?.last).toEqual(both);
    // Only the other side is pushed each change: the reactor has it in its reply.
    expect(hans.eventsOf('message_update').map((e) => e.revision)).toEqual([2]);
    expect(yoda.eventsOf('message_update').map((e) => e.revision)).toEqual([1]);
  });

  it('removes it again (a toggle), and adding one twice or removing one not there changes and pushes nothing', async () => {
    fixture.server = await startTestServer();
    const yoda = await yodaLogin();
    const hans = await hansLogin();
    const message = await deliveredMessage(yoda, hans);
    await hans.call('react', { messageId: message.id, emoji: '❤️', add: true });
    const again = await hans.call('react', { messageId: message.id, emoji: '❤️', add: true });
    expect(again.message.revision).toBe(1);
    const notThere = await hans.call('react', { messageId: message.id, emoji: '😂', add: false });
    expect(notThere.message.revision).toBe(1);

    const { message: removed } = await hans.call('react', { messageId: message.id, emoji: '❤️', add: false });
    expect(removed).toEqual({ ...message, revision: 2 });
    await yoda.waitFor((e) => e.type === 'message_update' && e.revision === 2);
    expect(yoda.eventsOf('message_update').map((e) => [e.revision, e.message.reactions])).toEqual([
      [1, [{ emoji: '❤️', users: ['hans'] }]],
      [2, undefined],
    ]);
    expect(await historyWith(yoda, 'hans')).toEqual([removed]);
  });

  it('reaches a peer that was offline at its next login, as the final state, and only once acknowledged', async () => {
    fixture.server = await startTestServer();
    let yoda = await yodaLogin();
    const hans = await hansLogin();
    const message = await deliveredMessage(yoda, hans);
    await logout(yoda);

    await hans.call('react', { messageId: message.id, emoji: '😮', add: true });
    await hans.call('react', { messageId: message.id, emoji: '🙏', add: true });
    const { message: final } = await hans.call('react', { messageId: message.id, emoji: '😮', add: false });

    yoda = await yodaLogin();
    const update = await yoda.waitFor((e) => e.type === 'message_update');
    expect(update).toEqual({ type: 'message_update', message: final, revision: 3 });
    expect(final.reactions).toEqual([{ emoji: '🙏', users: ['hans'] }]);
    // Not acknowledged: it comes again at the next login; acknowledged, it does not.
    await logout(yoda);
    yoda = await yodaLogin();
    await yoda.waitFor((e) => e.type === 'message_update' && e.revision === 3);
    await yoda.call('ack', { upTo: message.id });
    await logout(yoda);
    yoda = await yodaLogin();
    await yoda.call('conversations', {}); // a barrier: the login's pending changes come before its reply
    expect(yoda.eventsOf('message_update')).toEqual([]);
  });

  it('are kept across a restart', async () => {
    fixture.server = await startTestServer();
    const yoda = await yodaLogin();
    const hans = await hansLogin();
    const message = await deliveredMessage(yoda, hans);
    await hans.call('react', { messageId: message.id, emoji: '😢', add: true });
    await yoda.call('react', { messageId: message.id, emoji: '😢', add: true });
    const before = await historyWith(yoda, 'hans');

    fixture.closeClients();
    await fixture.server.restart();
    const again = await yodaLogin();
    expect(await historyWith(again, 'hans')).toEqual(before);
    expect(before[0]?.reactions).toEqual([{ emoji: '😢', users: ['hans', 'yoda'] }]);
  });
});

describe('reactions refused', () => {
  it('an emoji outside the set, a stranger, an unknown id, a deleted message: each a clear error that changes nothing', async () => {
    fixture.server = await startTestServer();
    const yoda = await yodaLogin();
    const hans = await hansLogin();
    const luke = await login('luke', 'skywalker');
    const message = await deliveredMessage(yoda, hans);
    const gone = await deliveredMessage(yoda, hans, 'gone');
    await yoda.call('delete', { messageId: gone.id });

    for (const emoji of ['🤡', '👍🏽', '', 'thumbs up', '👍👍']) {
      const error = await hans.fail('react', { messageId: message.id, emoji, add: true } as never);
      expect(error.code, emoji).toBe('invalid_request');
      expect(error.message, emoji).toMatch(/emoji/);
    }
    for (const params of [
      { messageId: message.id, emoji: '👍' },
      { messageId: 0, emoji: '👍', add: true },
    ]) {
      expect((await hans.fail('react', params as never)).code).toBe('invalid_request');
    }
    expect((await luke.fail('react', { messageId: message.id, emoji: '👍', add: true })).code).toBe(
      'unknown_message',
    );
    expect((await hans.fail('react', { messageId: gone.id + 100, emoji: '👍', add: true })).code).toBe(
      'unknown_message',
    );
    expect((await hans.fail('react', { messageId: gone.id, emoji: '👍', add: true })).code).toBe(
      'message_deleted',
    );
    expect(await historyWith(yoda, 'hans')).toEqual([
      message,
      { ...gone, text: '', deleted: true, revision: 1 },
    ]);
    await yoda.call('conversations', {});
    expect(yoda.eventsOf('message_update')).toEqual([]);
  });

  it('from a user the other side blocked: blocked_by_recipient, nothing stored or pushed; the blocker may still react', async () => {
    fixture.server = await startTestServer();
    const yoda = await yodaLogin();
    const hans = await hansLogin();
    const message = await deliveredMessage(yoda, hans);
    await yoda.call('block', { user: 'hans' });

    expect((await hans.fail('react', { messageId: message.id, emoji: '👍', add: true })).code).toBe(
      'blocked_by_recipient',
    );
    expect((await historyWith(yoda, 'hans'))[0]).toEqual(message);
    const { message: own } = await yoda.call('react', { messageId: message.id, emoji: '👍', add: true });
    expect(own.reactions).toEqual([{ emoji: '👍', users: ['yoda'] }]);
    await hans.waitFor((e) => e.type === 'message_update');
    expect(yoda.eventsOf('message_update')).toEqual([]);
  });

  it('a flood: rate_limited with retryAfterMs past the allowance, nothing changed by those; another user is unaffected', async () => {
    fixture.server = await startTestServer();
    const yoda = await yodaLogin();
    const hans = await hansLogin();
    const message = await deliveredMessage(yoda, hans);
    const startedAt = Date.now();
    // Alternating add and remove: every accepted request is a change.
    const replies = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        hans.request('react', { messageId: message.id, emoji: '👍', add: i % 2 === 0 }),
      ),
    );
    const elapsedSeconds = (Date.now() - startedAt) / 1000;
    const accepted = replies.filter((reply) => reply.ok);
    const refused = replies.flatMap((reply) => (reply.ok ? [] : [reply.error]));
    expect(accepted.length).toBeGreaterThanOrEqual(REACTION_BURST);
    expect(accepted.length).toBeLessThanOrEqual(
      REACTION_BURST + Math.ceil(elapsedSeconds * REACTION_PER_SECOND),
    );
    expect(refused.length).toBe(40 - accepted.length);
    for (const error of refused) {
      expect(error.code).toBe('rate_limited');
      expect(error.retryAfterMs).toBeGreaterThan(0);
    }
    // The refused ones changed nothing: the revision counts the accepted changes only.
    const { message: now } = await yoda.call('react', { messageId: message.id, emoji: '❤️', add: true });
    expect(now.revision).toBe(accepted.length + 1);
    // The flooder's other requests go through meanwhile.
    await hans.call('history', { peer: 'yoda', limit: 1 });
  });
});
