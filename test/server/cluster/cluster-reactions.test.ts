/**
 * Reactions between users on different nodes of one cluster (PostgreSQL + Redis): a reaction made
 * on one node reaches the author on the other live, and one made while the author was away
 * reaches it at login on either node; a flood on one node does not slow a user of the other.
 */
import { describe, expect, it } from 'vitest';
import { useClusterFixture } from './cluster-fixture.js';

const fixture = useClusterFixture();
const { login } = fixture;

describe('reactions across nodes', () => {
  it('reach the author on the other node live, and both nodes’ history', async () => {
    await fixture.start();
    const yoda = await login(0, 'yoda', 'wise');
    const hans = await login(1, 'hans', 'falcon');
    const { message } = await yoda.call('message', { to: 'hans', text: 'good news' });
    await hans.waitFor((e) => e.type === 'message' && e.message.id === message.id);

    const { message: reacted } = await hans.call('react', { messageId: message.id, emoji: '👍', add: true });
    const update = await yoda.waitFor((e) => e.type === 'message_update');
    expect(update).toEqual({ type: 'message_update', message: reacted, revision: 1 });
    const { message: back } = await yoda.call('react', { messageId: message.id, emoji: '❤️', add: true });
    await hans.waitFor((e) => e.type === 'message_update' && e.revision === 2);

    expect(back.reactions).toEqual([
      { emoji: '👍', users: ['hans'] },
      { emoji: '❤️', users: ['yoda'] },
    ]);
    expect((await hans.call('history', { peer: 'yoda', limit: 10 })).messages).toEqual([back]);
    expect((await yoda.call('history', { peer: 'hans', limit: 10 })).messages).toEqual([back]);
  });

  it('made while the author was away reach it at login on the other node', async () => {
    await fixture.start();
    const yoda = await login(0, 'yoda', 'wise');
    const hans = await login(1, 'hans', 'falcon');
    const { message } = await yoda.call('message', { to: 'hans', text: 'before' });
    await hans.waitFor((e) => e.type === 'message');
    await yoda.call('logout', {});
    await yoda.waitClosed();

    await hans.call('react', { messageId: message.id, emoji: '😂', add: true });
    const again = await login(1, 'yoda', 'wise');
    const update = await again.waitFor((e) => e.type === 'message_update');
    expect(update).toMatchObject({
      message: { id: message.id, reactions: [{ emoji: '😂', users: ['hans'] }] },
      revision: 1,
    });
  });
});
