/**
 * Receipts between users on different nodes (PostgreSQL + Redis): the recipient's node reads the
 * marks and pushes one coalesced `receipt` frame over the bus to the sender's node; a sender that
 * logs in on another node later reads them from the store.
 */
import { describe, expect, it } from 'vitest';
import type { ServerEvent } from '../../../src/shared/protocol.js';
import { useClusterFixture } from './cluster-fixture.js';

const fixture = useClusterFixture();
const { login } = fixture;

type Receipt = ServerEvent<'receipt'>;

describe('receipts across nodes', () => {
  it('delivered and read reach a sender on another node, batched, and hold for its next login elsewhere', async () => {
    await fixture.start();
    const yoda = await login(0, 'yoda', 'wise');
    const ids: number[] = [];
    for (const text of ['one', 'two', 'three'])
      ids.push((await yoda.call('message', { to: 'hans', text })).message.id);
    const last = ids.at(-1) as number;
    const hans = await login(1, 'hans', 'falcon');
    await hans.waitFor(() => hans.eventsOf('message').length === 3);

    await hans.call('ack', { upTo: last });
    await yoda.waitFor<Receipt>((e) => e.type === 'receipt' && e.deliveredUpTo === last);
    await hans.call('markread', { peer: 'yoda', upTo: last });
    await yoda.waitFor<Receipt>((e) => e.type === 'receipt' && e.readUpTo === last);
    expect(yoda.eventsOf('receipt')).toEqual([
      { type: 'receipt', peer: 'hans', deliveredUpTo: last },
      { type: 'receipt', peer: 'hans', readUpTo: last },
    ]);

    await yoda.call('logout', {});
    await yoda.waitClosed();
    const back = await login(1, 'yoda', 'wise');
    expect((await back.call('conversations', {})).conversations[0]).toMatchObject({
      peer: 'hans',
      deliveredUpTo: last,
      readUpTo: last,
    });
  });

  it('the read receipts setting holds on every node', async () => {
    await fixture.start();
    const hans = await login(0, 'hans', 'falcon');
    await hans.call('settings', { readReceipts: false });
    await hans.call('logout', {});
    await hans.waitClosed();
    const elsewhere = await login(1, 'hans', 'falcon');
    expect(await elsewhere.call('settings', {})).toEqual({ readReceipts: false });
  });
});
