/**
 * Group receipts across the nodes of one cluster (PostgreSQL + Redis): members on both nodes
 * acknowledge and read a sender's group messages; the members' nodes push one coalesced
 * `group_receipt` frame per group over the bus to the sender's node, and a sender that logs in on
 * the other node later reads the same state from the store.
 */
import { describe, expect, it } from 'vitest';
import type { ServerEvent } from '../../../src/shared/protocol.js';
import { useClusterFixture } from './cluster-fixture.js';

const fixture = useClusterFixture();
const { login } = fixture;

type GroupReceipt = ServerEvent<'group_receipt'>;

describe('group receipts across nodes', () => {
  it('reach the sender from members on both nodes, batched, and hold for its next login elsewhere', async () => {
    await fixture.start();
    const yoda = await login(0, 'yoda', 'wise');
    const hans = await login(1, 'hans', 'falcon');
    const luke = await login(0, 'luke', 'skywalker');
    const { group } = await yoda.call('group_create', { name: 'Rebels', members: ['hans', 'luke'] });
    const ids: number[] = [];
    for (const text of ['one', 'two', 'three'])
      ids.push((await yoda.call('message', { group: group.id, text })).message.id);
    const [first, , last] = ids as [number, number, number];
    for (const member of [hans, luke]) await member.waitFor(() => member.eventsOf('message').length === 3);

    await hans.call('ack', { upTo: last });
    await luke.call('ack', { upTo: last });
    await hans.call('markread', { group: group.id, upTo: last });
    const seen = (name: string, read: boolean) =>
      yoda
        .eventsOf('group_receipt')
        .some((e: GroupReceipt) =>
          e.members.some((m) => m.name === name && (read ? m.readUpTo : m.deliveredUpTo) === last),
        );
    await yoda.waitFor(() => seen('hans', true) && seen('luke', false));
    // One frame per group per interval at most: three acks' worth of messages never take a frame each.
    expect(yoda.eventsOf('group_receipt').length).toBeLessThanOrEqual(3);

    await yoda.call('logout', {});
    await yoda.waitClosed();
    const back = await login(1, 'yoda', 'wise');
    const expected = [
      { name: 'hans', since: first, deliveredUpTo: last, readUpTo: last },
      { name: 'luke', since: first, deliveredUpTo: last },
    ];
    expect((await back.call('conversations', {})).groups?.[0]?.receipts).toEqual(expected);
    expect((await back.call('history', { group: group.id, limit: 10 })).receipts).toEqual(expected);
  });
});
