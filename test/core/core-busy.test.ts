/**
 * The client core against a real server that answers `busy` (one write in flight, little or no
 * wait for a slot, real SQLite): a refused message stays queued, is resent with the same client id
 * after retryAfterMs, and every send ends delivered, each message stored and received exactly once
 * and in the order it was sent. The senders reach the server through a relay that records the
 * traffic, which shows the busy replies and the resends.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { SendResult } from '../../src/shared/api.js';
import { Relay } from '../helpers/relay.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { disposeCores, loggedIn, until } from './support.js';

const SENDERS = 6;
const PER_SENDER = 20;
const senderNames = Array.from({ length: SENDERS }, (_, i) => `busy${i}`);
const users: Record<string, string> = { inbox: 'pw-inbox' };
for (const name of senderNames) users[name] = `pw-${name}`;

let server: TestServer | undefined;
const relays: Relay[] = [];

afterEach(async () => {
  await disposeCores();
  await Promise.all(relays.splice(0).map((r) => r.close()));
  await server?.close();
  server = undefined;
});

/** Logs each sender in through a relay of its own (one connection, so its recording is one stream). */
async function sendersThroughRelays(port: number) {
  return Promise.all(
    senderNames.map(async (name) => {
      const relay = new Relay(port);
      relays.push(relay);
      return { relay, ...(await loggedIn(await relay.start(), name, `pw-${name}`)) };
    }),
  );
}

/** The JSON frames of one direction of the relay's recorded traffic. */
function framesOf(chunks: Buffer[]): Record<string, unknown>[] {
  const text = Buffer.concat(chunks).toString('utf8');
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

function isBusyReply(frame: Record<string, unknown>): boolean {
  return frame.type === 'reply' && (frame.error as { code?: string } | undefined)?.code === 'busy';
}

/** The client ids of one connection's messages the server answered busy, and how often each was sent. */
function refusedAndResent(proxy: Relay): { refused: string[]; sends: Map<string, number> } {
  const requests = framesOf(proxy.toServer).filter((f) => f.type === 'message');
  const busyIds = new Set(
    framesOf(proxy.toClient)
      .filter(isBusyReply)
      .map((f) => f.id),
  );
  const sends = new Map<string, number>();
  for (const f of requests) sends.set(f.clientId as string, (sends.get(f.clientId as string) ?? 0) + 1);
  const refused = requests.filter((f) => busyIds.has(f.id)).map((f) => f.clientId as string);
  return { refused, sends };
}

describe('core: a busy server', () => {
  it.each([
    ['refused at once', 0],
    ['refused after a 2 ms wait, so that refusals and acceptances interleave', 2],
  ])(
    'keeps refused messages queued, resends them after retryAfterMs, and delivers each exactly once, in order (%s)',
    async (_, maxWriteWaitMs) => {
      server = await startTestServer({ users, maxPendingWrites: 1, maxWriteWaitMs });
      const port = server.port;
      const inbox = await loggedIn(port, 'inbox', 'pw-inbox');
      const senders = await sendersThroughRelays(port);

      // Every sender sends all its messages at once; with one write admitted at a time, some are
      // refused busy.
      const sends = senders.flatMap(({ core }, s) =>
        Array.from({ length: PER_SENDER }, async (_, i) => {
          const text = `${senderNames[s]}-${i}`;
          const result = await core.call('sendMessage', 'inbox', text);
          if (!result.ok) throw new Error(`${text} failed: ${result.error.code}`);
          return { text, result: result.value, log: senders[s]?.log };
        }),
      );
      const results = await Promise.all(sends);

      const queued = results.filter((r) => r.result.queued);

      // Every queued send ends as sent, under its client id; none fails.
      await until(() => queued.every((r) => sentOutcome(r) !== undefined), 30_000);
      for (const { log } of senders) expect(log.of('queued_failed')).toEqual([]);
      for (const { core } of senders) expect(core.getState().queued).toBe(0);

      // The recipient gets each message exactly once, and the store holds each exactly once.
      const everyText = results.map((r) => r.text).sort();
      await until(() => inbox.log.of('message').length >= everyText.length, 30_000);
      expect(
        inbox.log
          .of('message')
          .map((e) => e.message.text)
          .sort(),
      ).toEqual(everyText);
      const stored: string[] = [];
      for (const peer of senderNames) {
        const page = await inbox.core.call('history', { peer, limit: 500 });
        if (!page.ok) throw new Error(`history failed: ${page.error.code}`);
        stored.push(...page.value.messages.map((m) => m.text));
      }
      expect([...stored].sort()).toEqual(everyText);
      // The server did refuse some as busy, and each refused one was sent again with its client id.
      const wire = senders.map(({ relay }) => refusedAndResent(relay));
      expect(wire.flatMap((w) => w.refused).length).toBeGreaterThan(0);
      for (const { refused, sends } of wire) {
        for (const clientId of refused) expect(sends.get(clientId)).toBeGreaterThan(1);
      }
      // Each sender's messages are stored in the order they were sent, though some were refused.
      for (const name of senderNames) {
        const mine = stored.filter((text) => text.startsWith(`${name}-`));
        expect(mine).toEqual(mine.map((_, i) => `${name}-${i}`));
      }

      function sentOutcome(r: { result: SendResult; log: (typeof senders)[number]['log'] | undefined }) {
        return r.log?.of('queued_sent').find((e) => e.clientId === r.result.clientId);
      }
    },
  );

  it('retries a broadcast refused busy until it is sent', async () => {
    server = await startTestServer({ users, maxPendingWrites: 1, maxWriteWaitMs: 0 });
    const port = server.port;
    const inbox = await loggedIn(port, 'inbox', 'pw-inbox');
    const senders = await sendersThroughRelays(port);
    const results = await Promise.all(
      senders.flatMap(({ core }, s) =>
        Array.from({ length: 5 }, (_, i) => core.call('broadcast', `${senderNames[s]}-b${i}`)),
      ),
    );
    expect(results.filter((r) => !r.ok)).toEqual([]);
    await until(() => inbox.log.of('broadcast').length >= SENDERS * 5, 30_000);
    const texts = inbox.log.of('broadcast').map((e) => e.text);
    expect(new Set(texts).size).toBe(SENDERS * 5);
    expect(texts.length).toBe(SENDERS * 5);
    // Some were refused busy on the wire, and sent again.
    const refusals = senders.flatMap(({ relay }) => framesOf(relay.toClient).filter(isBusyReply));
    expect(refusals.length).toBeGreaterThan(0);
    const sent = senders.flatMap(({ relay }) =>
      framesOf(relay.toServer).filter((f) => f.type === 'broadcast'),
    );
    expect(sent.length).toBe(SENDERS * 5 + refusals.length);
  });
});
