/**
 * Groups across the nodes of one cluster (PostgreSQL + Redis): members on two nodes get a group's
 * messages live, a membership change made on one node reaches members on the other, and a member
 * removed on one node is sent nothing more on the other.
 */
import { describe, expect, it } from 'vitest';
import { useClusterFixture } from './cluster-fixture.js';

const fixture = useClusterFixture();
const { login } = fixture;

describe('groups across nodes', () => {
  it('deliver a message to members on both nodes, and membership changes to the other node', async () => {
    await fixture.start();
    const yoda = await login(0, 'yoda', 'wise');
    const hans = await login(1, 'hans', 'falcon');
    const luke = await login(0, 'luke', 'skywalker');
    const { group } = await yoda.call('group_create', { name: 'Rebels', members: ['hans', 'luke'] });
    const created = await hans.waitFor((e) => e.type === 'group' && e.action === 'created');
    expect(created).toMatchObject({ id: group.id, group });

    const { message } = await luke.call('message', { group: group.id, text: 'from node 0' });
    const onOther = await hans.waitFor((e) => e.type === 'message' && e.message.id === message.id);
    expect(onOther).toEqual({ type: 'message', message, offline: false });
    await yoda.waitFor((e) => e.type === 'message' && e.message.id === message.id);

    const { group: renamed } = await yoda.call('group_rename', { group: group.id, name: 'Alliance' });
    const told = await hans.waitFor((e) => e.type === 'group' && e.action === 'renamed');
    expect(told).toMatchObject({ by: 'yoda', group: renamed });
    expect((await hans.call('history', { group: group.id, limit: 10 })).messages).toEqual([message]);
  });

  it('a member removed on one node is told on the other, and gets nothing more', async () => {
    await fixture.start();
    const yoda = await login(0, 'yoda', 'wise');
    const hans = await login(1, 'hans', 'falcon');
    const luke = await login(1, 'luke', 'skywalker');
    const { group } = await yoda.call('group_create', { name: 'Rebels', members: ['hans', 'luke'] });
    await yoda.call('group_remove', { group: group.id, user: 'hans' });
    const removed = await hans.waitFor((e) => e.type === 'group' && e.action === 'removed');
    expect(removed).toEqual({ type: 'group', id: group.id, action: 'removed', by: 'yoda', users: ['hans'] });
    const { message } = await yoda.call('message', { group: group.id, text: 'after' });
    // luke shares hans's node: once luke has it, hans would have had it too.
    await luke.waitFor((e) => e.type === 'message' && e.message.id === message.id);
    expect(hans.eventsOf('message')).toEqual([]);
    expect((await hans.fail('history', { group: group.id, limit: 10 })).code).toBe('unknown_group');
  });
});
