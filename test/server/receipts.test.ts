/**
 * Delivery state of the messages you send (docs/protocol.md, "Receipts"): delivered once the
 * recipient's app acknowledged them, read once it marked them read; pushed to the sender as
 * coalesced `receipt` frames and returned with history and conversations; withheld by the read
 * receipts setting and by blocks. Under the cluster config every client here may be on another node.
 */
import { describe, expect, it } from 'vitest';
import type { ServerEvent } from '../../src/shared/protocol.js';
import { RawClient } from '../helpers/raw-client.js';
import { useServerFixture } from '../helpers/server-fixture.js';
import { RECEIPT_INTERVAL_MS } from '../../src/shared/limits.js';
import { parseCommandLine } from '../../server/config.js';
import { startTestServer } from '../helpers/server.js';

const fixture = useServerFixture({ checkFrames: true });
const { track } = fixture;
const login = async (name: string, password: string) =>
  track(await RawClient.login(fixture.server.port, name, password));
const loginYoda = () => login('yoda', 'wise');
const loginHans = () => login('hans', 'falcon');

type Receipt = ServerEvent<'receipt'>;
const receipts = (client: RawClient) => client.eventsOf('receipt');
const waitReceipt = (client: RawClient, match: (receipt: Receipt) => boolean) =>
  client.waitFor<Receipt>((event) => event.type === 'receipt' && match(event));

/** Sends `count` messages from yoda to hans and returns their ids. */
async function sendMany(yoda: RawClient, count: number): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < count; i++)
    ids.push((await yoda.call('message', { to: 'hans', text: `m${i}` })).message.id);
  return ids;
}

/** The last of hans's messages once `count` have arrived. */
async function received(hans: RawClient, count: number): Promise<number> {
  await hans.waitFor(() => hans.eventsOf('message').length >= count);
  return hans.eventsOf('message')[count - 1]?.message.id as number;
}

describe('receipts', () => {
  it('a message is delivered once the recipient acks it and read once it marks it read', async () => {
    fixture.server = await startTestServer();
    const yoda = await loginYoda();
    const hans = await loginHans();
    const [id] = (await sendMany(yoda, 1)) as [number];
    await received(hans, 1);
    // Stored, not yet acknowledged: sent only.
    expect(await yoda.call('history', { peer: 'hans', limit: 10 })).not.toHaveProperty('deliveredUpTo');

    await hans.call('ack', { upTo: id });
    const delivered = await waitReceipt(yoda, (r) => r.deliveredUpTo !== undefined);
    expect(delivered).toEqual({ type: 'receipt', peer: 'hans', deliveredUpTo: id });

    await hans.call('markread', { peer: 'yoda', upTo: id });
    const read = await waitReceipt(yoda, (r) => r.readUpTo !== undefined);
    expect(read).toEqual({ type: 'receipt', peer: 'hans', readUpTo: id });
    expect(await yoda.call('history', { peer: 'hans', limit: 10 })).toMatchObject({
      deliveredUpTo: id,
      readUpTo: id,
    });
    // The recipient is told nothing about its own reading.
    expect(receipts(hans)).toEqual([]);
  });

  it('many messages acknowledged at once travel as one receipt frame', async () => {
    fixture.server = await startTestServer();
    const yoda = await loginYoda();
    const ids = await sendMany(yoda, 50);
    const hans = await loginHans();
    const last = await received(hans, 50);
    expect(last).toBe(ids.at(-1));
    await hans.call('ack', { upTo: last });
    await waitReceipt(yoda, (r) => r.deliveredUpTo === last);
    // The read receipt comes in a later frame: every delivered frame of the ack came before it.
    await hans.call('markread', { peer: 'yoda', upTo: last });
    await waitReceipt(yoda, (r) => r.readUpTo === last);
    expect(receipts(yoda)).toEqual([
      { type: 'receipt', peer: 'hans', deliveredUpTo: last },
      { type: 'receipt', peer: 'hans', readUpTo: last },
    ]);
  });

  it('an ack per message, sent in a burst, is coalesced: never one frame per message', async () => {
    fixture.server = await startTestServer();
    const yoda = await loginYoda();
    const ids = await sendMany(yoda, 50);
    const hans = await loginHans();
    await received(hans, 50);
    await Promise.all(ids.map((upTo) => hans.call('ack', { upTo })));
    await waitReceipt(yoda, (r) => r.deliveredUpTo === ids.at(-1));
    expect(receipts(yoda).length).toBeLessThanOrEqual(5);
  });

  it('an offline sender finds the state in conversations and history at its next login, after a restart', async () => {
    fixture.server = await startTestServer();
    const yoda = await loginYoda();
    const [a, b] = (await sendMany(yoda, 2)) as [number, number];
    await yoda.call('logout', {});
    const hans = await loginHans();
    await received(hans, 2);
    await hans.call('ack', { upTo: b });
    await hans.call('markread', { peer: 'yoda', upTo: a });
    await hans.call('logout', {});
    await fixture.server.restart();

    const back = await loginYoda();
    const [summary] = (await back.call('conversations', {})).conversations;
    expect(summary).toMatchObject({ peer: 'hans', deliveredUpTo: b, readUpTo: a });
    expect(await back.call('history', { peer: 'hans', limit: 10 })).toMatchObject({
      deliveredUpTo: b,
      readUpTo: a,
    });
  });

  it('read receipts off: the reader does not tell, and does not see the others’ either', async () => {
    fixture.server = await startTestServer();
    const yoda = await loginYoda();
    const hans = await loginHans();
    expect(await hans.call('settings', {})).toEqual({ readReceipts: true });
    expect(await hans.call('settings', { readReceipts: false })).toEqual({ readReceipts: false });

    // hans reads yoda's message: yoda learns the delivery, never the reading.
    const [toHans] = (await sendMany(yoda, 1)) as [number];
    await received(hans, 1);
    await hans.call('ack', { upTo: toHans });
    await hans.call('markread', { peer: 'yoda', upTo: toHans });
    await waitReceipt(yoda, (r) => r.deliveredUpTo === toHans);
    // hans's own unread count still moves.
    expect((await hans.call('conversations', {})).conversations[0]).toMatchObject({ unread: 0 });

    // yoda reads hans's message: hans (receipts off) is not shown it either.
    const toYoda = (await hans.call('message', { to: 'yoda', text: 'back' })).message.id;
    await yoda.waitFor((e) => e.type === 'message');
    await yoda.call('ack', { upTo: toYoda });
    await yoda.call('markread', { peer: 'hans', upTo: toYoda });
    await waitReceipt(hans, (r) => r.deliveredUpTo === toYoda);
    expect(await hans.call('history', { peer: 'yoda', limit: 10 })).toEqual(
      expect.objectContaining({ deliveredUpTo: toYoda }),
    );
    expect(await hans.call('history', { peer: 'yoda', limit: 10 })).not.toHaveProperty('readUpTo');

    // The setting is the account's: it holds at the next login; turned on again, it reveals
    // nothing read while it was off.
    await hans.call('logout', {});
    const back = await loginHans();
    expect(await back.call('settings', {})).toEqual({ readReceipts: false });
    await back.call('settings', { readReceipts: true });
    expect(await yoda.call('history', { peer: 'hans', limit: 10 })).not.toHaveProperty('readUpTo');
    expect(receipts(yoda).some((r) => r.readUpTo !== undefined)).toBe(false);
    expect(receipts(hans).some((r) => r.readUpTo !== undefined)).toBe(false);
  });

  it('reads shared before the reader turned read receipts off stay shown', async () => {
    fixture.server = await startTestServer();
    const yoda = await loginYoda();
    const hans = await loginHans();
    const [first] = (await sendMany(yoda, 1)) as [number];
    await received(hans, 1);
    await hans.call('ack', { upTo: first });
    await hans.call('markread', { peer: 'yoda', upTo: first });
    await hans.call('settings', { readReceipts: false });
    const [second] = (await sendMany(yoda, 1)) as [number];
    await received(hans, 2);
    await hans.call('ack', { upTo: second });
    await hans.call('markread', { peer: 'yoda', upTo: second });
    expect(await yoda.call('history', { peer: 'hans', limit: 10 })).toMatchObject({
      deliveredUpTo: second,
      readUpTo: first,
    });
  });

  it('a user who blocked you shows you no delivered or read state until unblocked', async () => {
    fixture.server = await startTestServer();
    const yoda = await loginYoda();
    const [id] = (await sendMany(yoda, 1)) as [number];
    const hans = await loginHans();
    await received(hans, 1);
    await hans.call('block', { user: 'yoda' });
    await hans.call('ack', { upTo: id });
    await hans.call('markread', { peer: 'yoda', upTo: id });
    const history = await yoda.call('history', { peer: 'hans', limit: 10 });
    expect(history).not.toHaveProperty('deliveredUpTo');
    expect(history).not.toHaveProperty('readUpTo');
    await hans.call('unblock', { user: 'yoda' });
    expect(await yoda.call('history', { peer: 'hans', limit: 10 })).toMatchObject({
      deliveredUpTo: id,
      readUpTo: id,
    });
    expect(receipts(yoda)).toEqual([]);
  });

  it('bad input: a mark for a message you never got is refused and changes nothing', async () => {
    fixture.server = await startTestServer();
    const yoda = await loginYoda();
    const hans = await loginHans();
    // No conversation yet: nothing to have read, nothing to acknowledge.
    expect((await hans.fail('markread', { peer: 'yoda', upTo: 1 })).code).toBe('unknown_message');
    expect(await hans.call('ack', { upTo: 1000 })).toEqual({});
    const [id] = (await sendMany(yoda, 1)) as [number];
    await received(hans, 1);
    const refused = await hans.fail('markread', { peer: 'yoda', upTo: id + 1000 });
    expect(refused.code).toBe('unknown_message');
    expect((await hans.call('conversations', {})).conversations[0]).toMatchObject({ unread: 1 });
    expect((await hans.fail('settings', { readReceipts: 'no' } as never)).code).toBe('invalid_request');
    await yoda.call('whoelse', {}); // a round trip after every receipt that could have come
    expect(await yoda.call('history', { peer: 'hans', limit: 10 })).not.toHaveProperty('deliveredUpTo');
    await hans.call('markread', { peer: 'yoda', upTo: id });
    // Read, but never delivered: shown as neither.
    expect(await yoda.call('history', { peer: 'hans', limit: 10 })).not.toHaveProperty('readUpTo');
  });
});

describe('--no-receipts', () => {
  it('pushes no receipt frames; history still carries the marks', async () => {
    fixture.server = await startTestServer({ receipts: false });
    const yoda = await loginYoda();
    const hans = await loginHans();
    const [id] = (await sendMany(yoda, 1)) as [number];
    await received(hans, 1);
    await hans.call('ack', { upTo: id });
    await hans.call('markread', { peer: 'yoda', upTo: id });
    expect(await yoda.call('history', { peer: 'hans', limit: 10 })).toMatchObject({
      deliveredUpTo: id,
      readUpTo: id,
    });
    // Well past the interval in which a receipt would have come (there is nothing else to wait on).
    await new Promise((resolve) => setTimeout(resolve, 3 * RECEIPT_INTERVAL_MS));
    await yoda.call('whoelse', {});
    expect(receipts(yoda)).toEqual([]);
  });

  it('is read from the command line', () => {
    expect(parseCommandLine(['0', '1', '1', '--no-receipts']).receipts).toBe(false);
    expect(parseCommandLine(['0', '1', '1']).receipts).toBe(true);
  });
});
