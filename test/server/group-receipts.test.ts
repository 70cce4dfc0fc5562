/**
 * Receipts in groups (docs/protocol.md, "Group receipts"): per member, how far the messages you
 * sent to a group were delivered and read, pushed as coalesced `group_receipt` frames and returned
 * with history and conversations; each message's recipients in its reply; members who joined later
 * or blocked you not counted; the read receipts setting; bad marks refused. In the cluster config
 * every server here is two nodes on PostgreSQL and Redis, the clients spread over both.
 */
import { describe, expect, it } from 'vitest';
import type { ServerEvent } from '../../src/shared/protocol.js';
import type { RawClient } from '../helpers/raw-client.js';
import { useServerFixture } from '../helpers/server-fixture.js';
import { groupClients } from '../helpers/group-clients.js';

const fixture = useServerFixture({ checkFrames: true });
const { login, rebels: made } = groupClients(fixture);

type GroupReceipt = ServerEvent<'group_receipt'>;
const frames = (client: RawClient) => client.eventsOf('group_receipt');
const waitReceipt = (client: RawClient, match: (receipt: GroupReceipt) => boolean) =>
  client.waitFor<GroupReceipt>((event) => event.type === 'group_receipt' && match(event));
const memberOf = (receipt: GroupReceipt, name: string) => receipt.members.find((m) => m.name === name);

/** yoda's group with hans and luke, all three online. */
async function rebels() {
  const { group, ...clients } = await made();
  return { ...clients, group: group.id };
}

async function post(client: RawClient, group: number, text: string) {
  return client.call('message', { group, text });
}

/** The member's messages once `count` have arrived; the id of the last. */
async function received(client: RawClient, count: number): Promise<number> {
  await client.waitFor(() => client.eventsOf('message').length >= count);
  return client.eventsOf('message')[count - 1]?.message.id as number;
}

describe('group receipts', () => {
  it('tells the sender, per member, what was delivered and what was read; the reply names the recipients', async () => {
    const { yoda, hans, luke, group } = await rebels();
    const first = await post(yoda, group, 'one');
    expect([...(first.recipients ?? [])].sort()).toEqual(['hans', 'luke']);
    const b = (await post(yoda, group, 'two')).message.id;
    const a = first.message.id;
    await received(hans, 2);
    await hans.call('ack', { upTo: b });
    const delivered = await waitReceipt(yoda, (r) => memberOf(r, 'hans')?.deliveredUpTo === b);
    expect(delivered).toEqual({
      type: 'group_receipt',
      group,
      members: [{ name: 'hans', since: a, deliveredUpTo: b }],
    });
    await hans.call('markread', { group, upTo: a });
    const read = await waitReceipt(yoda, (r) => memberOf(r, 'hans')?.readUpTo === a);
    expect(read.members).toEqual([{ name: 'hans', since: a, deliveredUpTo: b, readUpTo: a }]);
    // luke has them but did not acknowledge: listed with its run only.
    expect((await yoda.call('history', { group, limit: 10 })).receipts).toEqual([
      { name: 'hans', since: a, deliveredUpTo: b, readUpTo: a },
      { name: 'luke', since: a },
    ]);
    // Members learn nothing of their own reads, nor of the others' receipts on yoda's messages.
    expect(frames(hans)).toEqual([]);
    expect(frames(luke)).toEqual([]);
    expect(await hans.call('history', { group, limit: 10 })).not.toHaveProperty('receipts');
  });

  it('an ack per message, in a burst from two members, is coalesced: never one frame per message', async () => {
    const { yoda, hans, luke, group } = await rebels();
    const ids: number[] = [];
    for (let i = 0; i < 40; i++) ids.push((await post(yoda, group, `m${i}`)).message.id);
    const last = ids.at(-1) as number;
    await Promise.all([received(hans, 40), received(luke, 40)]);
    await Promise.all([
      ...ids.map((upTo) => hans.call('ack', { upTo })),
      ...ids.map((upTo) => luke.call('ack', { upTo })),
    ]);
    await waitReceipt(yoda, (r) => memberOf(r, 'hans')?.deliveredUpTo === last);
    await yoda.waitFor(() => frames(yoda).some((r) => memberOf(r, 'luke')?.deliveredUpTo === last));
    expect(frames(yoda).length).toBeLessThanOrEqual(8);
  });

  it('an offline sender finds the state in conversations and history at its next login, after a restart', async () => {
    const { yoda, hans, luke, group } = await rebels();
    const a = (await post(yoda, group, 'one')).message.id;
    const b = (await post(yoda, group, 'two')).message.id;
    await yoda.call('logout', {});
    await received(hans, 2);
    await received(luke, 2);
    await hans.call('ack', { upTo: b });
    await hans.call('markread', { group, upTo: b });
    await luke.call('ack', { upTo: a });
    await fixture.server.restart();

    const back = await login('yoda');
    const expected = [
      { name: 'hans', since: a, deliveredUpTo: b, readUpTo: b },
      { name: 'luke', since: a, deliveredUpTo: a },
    ];
    const [summary] = (await back.call('conversations', {})).groups ?? [];
    expect(summary?.receipts).toEqual(expected);
    expect((await back.call('history', { group, limit: 10 })).receipts).toEqual(expected);
  });

  it('counts a member who joined later from its first message on, and none from a member who blocked you', async () => {
    const { yoda, hans, luke, group } = await rebels();
    const a = (await post(yoda, group, 'before leia')).message.id;
    await yoda.call('group_add', { group, users: ['leia'] });
    await hans.call('block', { user: 'yoda' });
    const later = await post(yoda, group, 'with leia');
    expect([...(later.recipients ?? [])].sort()).toEqual(['leia', 'luke']);
    await received(luke, 2);
    await luke.call('ack', { upTo: later.message.id });
    await waitReceipt(yoda, (r) => memberOf(r, 'luke') !== undefined);
    // hans blocks yoda: neither its run nor its marks are shown; leia is counted from `later` on.
    expect((await yoda.call('history', { group, limit: 10 })).receipts).toEqual([
      { name: 'leia', since: later.message.id },
      { name: 'luke', since: a, deliveredUpTo: later.message.id },
    ]);
  });

  it('read receipts off: the reader tells nobody, and a sender with them off sees no reads', async () => {
    const { yoda, hans, luke, group } = await rebels();
    const a = (await post(yoda, group, 'one')).message.id;
    await received(hans, 1);
    await received(luke, 1);
    await hans.call('settings', { readReceipts: false });
    await hans.call('ack', { upTo: a });
    await hans.call('markread', { group, upTo: a });
    await luke.call('ack', { upTo: a });
    await luke.call('markread', { group, upTo: a });
    await waitReceipt(yoda, (r) => memberOf(r, 'luke')?.readUpTo === a);
    expect(
      frames(yoda)
        .flatMap((r) => r.members)
        .filter((m) => m.name === 'hans' && m.readUpTo),
    ).toEqual([]);
    await yoda.call('settings', { readReceipts: false });
    expect((await yoda.call('history', { group, limit: 10 })).receipts).toEqual([
      { name: 'hans', since: a, deliveredUpTo: a },
      { name: 'luke', since: a, deliveredUpTo: a },
    ]);
  });
});

describe('group read marks: bad input', () => {
  it('refuses a mark at a message you never got, or in a group you are not in, and changes nothing', async () => {
    const { yoda, hans, group } = await rebels();
    const a = (await post(yoda, group, 'one')).message.id;
    const direct = (await yoda.call('message', { to: 'hans', text: 'direct' })).message.id;
    const { group: other } = await yoda.call('group_create', { name: 'Other', members: ['luke'] });
    const elsewhere = (await post(yoda, other.id, 'elsewhere')).message.id;
    await received(hans, 2);
    await hans.call('ack', { upTo: direct });
    for (const upTo of [direct, elsewhere, direct + 1_000]) {
      const refused = await hans.fail('markread', { group, upTo });
      expect(refused.code).toBe('unknown_message');
    }
    expect((await hans.fail('markread', { group: other.id, upTo: elsewhere })).code).toBe('unknown_group');
    // Nothing moved: hans still has yoda's group message unread, and yoda got no read receipt.
    const [summary] = (await hans.call('conversations', {})).groups ?? [];
    expect(summary?.unread).toBe(1);
    expect((await yoda.call('history', { group, limit: 10 })).receipts).toEqual([
      { name: 'hans', since: a, deliveredUpTo: a },
      { name: 'luke', since: a },
    ]);
    expect(
      frames(yoda)
        .flatMap((r) => r.members)
        .some((m) => m.readUpTo !== undefined),
    ).toBe(false);
  });
});
