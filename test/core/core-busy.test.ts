/**
 * The client core against a real server that answers `busy` (a tiny --max-pending-writes and no
 * wait for a slot, real SQLite): a refused message stays queued, is resent with the same client id after retryAfterMs,
 * and every send ends delivered, each message stored and received exactly once.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { SendResult } from '../../src/shared/api.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { disposeCores, loggedIn, until } from './support.js';

const SENDERS = 6;
const PER_SENDER = 20;
const senderNames = Array.from({ length: SENDERS }, (_, i) => `busy${i}`);
const users: Record<string, string> = { inbox: 'pw-inbox' };
for (const name of senderNames) users[name] = `pw-${name}`;

let server: TestServer | undefined;

afterEach(async () => {
  await disposeCores();
  await server?.close();
  server = undefined;
});

describe('core: a busy server', () => {
  it('keeps refused messages queued, resends them after retryAfterMs, and delivers each exactly once', async () => {
    server = await startTestServer({ users, maxPendingWrites: 1, maxWriteWaitMs: 0 });
    const port = server.port;
    const inbox = await loggedIn(port, 'inbox', 'pw-inbox');
    const senders = await Promise.all(senderNames.map((name) => loggedIn(port, name, `pw-${name}`)));

    // Every sender sends all its messages at once: with one write admitted at a time, most are
    // refused busy on the first try.
    const sends = senders.flatMap(({ core }, s) =>
      Array.from({ length: PER_SENDER }, async (_, i) => {
        const text = `${senderNames[s]}-${i}`;
        const result = await core.call('sendMessage', 'inbox', text);
        if (!result.ok) throw new Error(`${text} failed: ${result.error.code}`);
        return { text, result: result.value, log: senders[s]?.log };
      }),
    );
    const results = await Promise.all(sends);

    // A message queued while connected was refused busy (or queued behind one that was): the
    // server did answer busy, and the core did not report it as a failure.
    const queued = results.filter((r) => r.result.queued);
    expect(queued.length).toBeGreaterThan(0);

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
    expect(stored.sort()).toEqual(everyText);

    function sentOutcome(r: { result: SendResult; log: (typeof senders)[number]['log'] | undefined }) {
      return r.log?.of('queued_sent').find((e) => e.clientId === r.result.clientId);
    }
  });

  it('retries a broadcast refused busy until it is sent', async () => {
    server = await startTestServer({ users, maxPendingWrites: 1, maxWriteWaitMs: 0 });
    const port = server.port;
    const inbox = await loggedIn(port, 'inbox', 'pw-inbox');
    const senders = await Promise.all(senderNames.map((name) => loggedIn(port, name, `pw-${name}`)));
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
  });
});
