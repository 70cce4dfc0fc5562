/**
 * Reactions on a group message whose members sit on different nodes of one cluster (PostgreSQL +
 * Redis): one made on one node reaches the members on the other live, and a member who was away
 * gets it at login on either node.
 */
import { describe, expect, it } from 'vitest';
import { useClusterFixture } from './cluster-fixture.js';

const fixture = useClusterFixture();
const { login } = fixture;

describe('group reactions across nodes', () => {
  it('reach the members on the other node live, and one who was away at its login', async () => {
    await fixture.start();
    const yoda = await login(0, 'yoda', 'wise');
    const hans = await login(1, 'hans', 'falcon');
    let luke = await login(0, 'luke', 'skywalker');
    const { group } = await yoda.call('group_create', { name: 'Rebels', members: ['hans', 'luke'] });
    const { message } = await yoda.call('message', { group: group.id, text: 'dawn' });
    for (const member of [hans, luke]) {
      await member.waitFor((e) => e.type === 'message' && e.message.id === message.id);
      await member.call('ack', { upTo: message.id });
    }
    await luke.call('logout', {});
    await luke.waitClosed();

    const { message: reacted } = await hans.call('react', { messageId: message.id, emoji: '👍', add: true });
    const update = await yoda.waitFor((e) => e.type === 'message_update');
    expect(update).toEqual({ type: 'message_update', message: reacted, revision: 1 });

    luke = await login(1, 'luke', 'skywalker');
    const pending = await luke.waitFor((e) => e.type === 'message_update');
    expect(pending).toEqual({ type: 'message_update', message: reacted, revision: 1 });
    const { message: both } = await luke.call('react', { messageId: message.id, emoji: '👍', add: true });
    await hans.waitFor((e) => e.type === 'message_update' && e.revision === 2);
    await yoda.waitFor((e) => e.type === 'message_update' && e.revision === 2);
    expect(both.reactions).toEqual([{ emoji: '👍', users: ['hans', 'luke'] }]);
    expect((await yoda.call('history', { group: group.id, limit: 10 })).messages).toEqual([both]);
  });
});
