/**
 * Reactions on group messages through the wire (docs/protocol.md, "`react`" and "Groups"): every
 * member the message reached gets the change live or at its next login, members who left get
 * nothing more, a member cannot react to what it cannot see, and reactions survive a restart. In
 * the cluster config every server here is two nodes on PostgreSQL and Redis.
 */
import { describe, expect, it } from 'vitest';
import type { RawClient } from '../helpers/raw-client.js';
import { groupClients } from '../helpers/group-clients.js';
import { useServerFixture } from '../helpers/server-fixture.js';

const fixture = useServerFixture({ checkFrames: true });
const { login, logout, history, rebels } = groupClients(fixture);

/** A request answered after the login's pending changes: none may come after it. */
async function noUpdates(client: RawClient): Promise<void> {
  await client.call('conversations', {});
  expect(client.eventsOf('message_update')).toEqual([]);
}

/** yoda creates "Rebels" with hans and luke, and sends it a message both acknowledged. */
async function rebelsWithMessage() {
  const { yoda, hans, luke, group } = await rebels();
  const { message } = await yoda.call('message', { group: group.id, text: 'we attack at dawn' });
  for (const member of [hans, luke]) {
    await member.waitFor((e) => e.type === 'message' && e.message.id === message.id);
    await member.call('ack', { upTo: message.id });
  }
  return { yoda, hans, luke, group, message };
}

describe('reacting to a group message', () => {
  it('reaches the sender and the other member live, not the reactor, and history shows who reacted', async () => {
    const { yoda, hans, luke, group, message } = await rebelsWithMessage();
    const { message: reacted } = await hans.call('react', { messageId: message.id, emoji: '👍', add: true });
    expect(reacted).toEqual({ ...message, reactions: [{ emoji: '👍', users: ['hans'] }], revision: 1 });
    for (const member of [yoda, luke]) {
      const update = await member.waitFor((e) => e.type === 'message_update');
      expect(update).toEqual({ type: 'message_update', message: reacted, revision: 1 });
    }
    const { message: both } = await luke.call('react', { messageId: message.id, emoji: '👍', add: true });
    expect(both.reactions).toEqual([{ emoji: '👍', users: ['hans', 'luke'] }]);
    await yoda.waitFor((e) => e.type === 'message_update' && e.revision === 2);
    await hans.waitFor((e) => e.type === 'message_update' && e.revision === 2);
    expect(luke.eventsOf('message_update').map((e) => e.revision)).toEqual([1]);
    expect(hans.eventsOf('message_update').map((e) => e.revision)).toEqual([2]);
    for (const member of [yoda, hans, luke]) expect(await history(member, group.id)).toEqual([both]);
    // The sender reacts to its own message too.
    const { message: own } = await yoda.call('react', { messageId: message.id, emoji: '❤️', add: true });
    await hans.waitFor((e) => e.type === 'message_update' && e.revision === 3);
    expect(own.reactions).toEqual([
      { emoji: '👍', users: ['hans', 'luke'] },
      { emoji: '❤️', users: ['yoda'] },
    ]);
  });

  it('reaches a member who was offline, and the sender, at their next login, until acknowledged', async () => {
    const { yoda, hans, luke, message } = await rebelsWithMessage();
    await logout(luke);
    await logout(yoda);
    await hans.call('react', { messageId: message.id, emoji: '😮', add: true });
    const { message: final } = await hans.call('react', { messageId: message.id, emoji: '🙏', add: true });

    for (const name of ['luke', 'yoda']) {
      let member = await login(name);
      const update = await member.waitFor((e) => e.type === 'message_update');
      expect(update).toEqual({ type: 'message_update', message: final, revision: 2 });
      await member.call('ack', { upTo: message.id });
      await logout(member);
      member = await login(name);
      await noUpdates(member);
    }
  });

  it('are kept across a restart, and a change made before it reaches an offline member after it', async () => {
    const { yoda, hans, luke, group, message } = await rebelsWithMessage();
    await logout(luke);
    await hans.call('react', { messageId: message.id, emoji: '😂', add: true });
    const before = await history(yoda, group.id);

    fixture.closeClients();
    await fixture.server.restart();
    const again = await login('luke');
    const update = await again.waitFor((e) => e.type === 'message_update');
    expect(update).toMatchObject({ message: before[0] });
    expect(await history(again, group.id)).toEqual(before);
    expect(before[0]?.reactions).toEqual([{ emoji: '😂', users: ['hans'] }]);
  });
});

describe('group reactions and membership', () => {
  it('a member who left gets no more updates, live or at login; its reactions stay', async () => {
    const { yoda, hans, luke, group, message } = await rebelsWithMessage();
    await luke.call('react', { messageId: message.id, emoji: '😢', add: true });
    await luke.call('group_leave', { group: group.id });
    const { message: after } = await hans.call('react', { messageId: message.id, emoji: '👍', add: true });
    expect(after.reactions).toEqual([
      { emoji: '👍', users: ['hans'] },
      { emoji: '😢', users: ['luke'] },
    ]);
    await yoda.waitFor((e) => e.type === 'message_update' && e.revision === 2);
    await logout(luke);
    const former = await login('luke');
    await noUpdates(former);
    // A former member cannot react any more: the message is unknown to it.
    expect((await former.fail('react', { messageId: message.id, emoji: '👍', add: true })).code).toBe(
      'unknown_message',
    );
  });

  it('a sender who left is not sent reactions to its old messages, at login either', async () => {
    const { yoda, hans, luke, group } = await rebelsWithMessage();
    const { message } = await hans.call('message', { group: group.id, text: 'bye all' });
    await luke.waitFor((e) => e.type === 'message' && e.message.id === message.id);
    await hans.call('group_leave', { group: group.id });
    await logout(hans);
    await luke.call('react', { messageId: message.id, emoji: '😢', add: true });
    await yoda.waitFor((e) => e.type === 'message_update' && e.message.id === message.id);
    await noUpdates(await login('hans'));
  });

  it('a member who was added later sees the reactions in history', async () => {
    const { yoda, hans, group, message } = await rebelsWithMessage();
    const { message: reacted } = await hans.call('react', { messageId: message.id, emoji: '👍', add: true });
    await yoda.call('group_add', { group: group.id, users: ['leia'] });
    const leia = await login('leia');
    expect(await history(leia, group.id)).toEqual([reacted]);
    const { message: hers } = await leia.call('react', { messageId: message.id, emoji: '👍', add: true });
    expect(hers.reactions).toEqual([{ emoji: '👍', users: ['hans', 'leia'] }]);
  });
});

describe('group reactions refused', () => {
  it('from a stranger, on a message of a member one blocked, on a deleted message: a clear error, nothing changes', async () => {
    const { yoda, hans, luke, group, message } = await rebelsWithMessage();
    const leia = await login('leia');
    expect((await leia.fail('react', { messageId: message.id, emoji: '👍', add: true })).code).toBe(
      'unknown_message',
    );
    await hans.call('block', { user: 'yoda' });
    expect((await hans.fail('react', { messageId: message.id, emoji: '👍', add: true })).code).toBe(
      'unknown_message',
    );
    const { message: gone } = await yoda.call('message', { group: group.id, text: 'oops' });
    await luke.waitFor((e) => e.type === 'message' && e.message.id === gone.id);
    await luke.call('ack', { upTo: gone.id });
    const { message: deleted } = await yoda.call('delete', { messageId: gone.id });
    await luke.waitFor((e) => e.type === 'message_update' && e.message.id === gone.id);
    expect((await luke.fail('react', { messageId: gone.id, emoji: '👍', add: true })).code).toBe(
      'message_deleted',
    );
    expect(await history(luke, group.id)).toEqual([message, deleted]);
    expect(luke.eventsOf('message_update')).toHaveLength(1);
  });

  it('a member who blocked the reactor is not pushed its reaction live', async () => {
    const { yoda, hans, luke, message } = await rebelsWithMessage();
    await luke.call('block', { user: 'hans' });
    await hans.call('react', { messageId: message.id, emoji: '👍', add: true });
    await yoda.waitFor((e) => e.type === 'message_update');
    await noUpdates(luke);
  });
});
