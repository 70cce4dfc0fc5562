/**
 * Overload admission (server/write-admission.ts): past --max-pending-writes a message waits for a
 * slot, and past --max-write-wait it is answered `busy` with a positive retryAfterMs, nothing of it
 * is stored, and the same frame sent again later is stored once. Driven by many raw clients
 * sending at once to a real server on real SQLite.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_LIMITS, parseCommandLine } from '../../server/config.js';
import type { ErrorInfo } from '../../src/shared/protocol.js';
import { RawClient, type Reply } from '../helpers/raw-client.js';
import { useServerFixture } from '../helpers/server-fixture.js';
import { startTestServer } from '../helpers/server.js';

const fixture = useServerFixture({ checkFrames: true });

const SENDERS = 8;
const PER_SENDER = 25;
const senderNames = Array.from({ length: SENDERS }, (_, i) => `sender${i}`);
const users: Record<string, string> = { inbox: 'pw-inbox', watcher: 'pw-watcher', other: 'pw-other' };
for (const name of senderNames) users[name] = `pw-${name}`;

async function login(name: string): Promise<RawClient> {
  return fixture.track(await RawClient.login(fixture.server.port, name, users[name] as string));
}

interface Sent {
  client: RawClient;
  from: string;
  params: { to: string; text: string; clientId: string };
  reply: Reply<'message'>;
}

/** Every sender pipelines all its messages at once; resolves with each one's reply. */
async function storm(senders: RawClient[]): Promise<Sent[]> {
  const sends = senders.flatMap((client, s) =>
    Array.from({ length: PER_SENDER }, async (_, i) => {
      const params = { to: 'inbox', text: `m-${s}-${i}`, clientId: `busy-test-${s}-${i}` };
      return {
        client,
        from: senderNames[s] as string,
        params,
        reply: await client.request('message', params),
      };
    }),
  );
  return Promise.all(sends);
}

function busyError(sent: Sent): ErrorInfo | undefined {
  return !sent.reply.ok && sent.reply.error.code === 'busy' ? sent.reply.error : undefined;
}

/** Every message to inbox in the store, from the recipient's side (history of each sender). */
async function storedTexts(inbox: RawClient): Promise<string[]> {
  const texts: string[] = [];
  for (const peer of senderNames) {
    const page = await inbox.call('history', { peer, limit: 500 });
    texts.push(...page.messages.map((m) => m.text));
  }
  return texts.sort();
}

describe('busy: overload admission of writes', () => {
  it.each([
    ['at once (--max-write-wait 0)', 0],
    ['after waiting 1 ms for a slot', 1],
  ])(
    'answers busy past the bound %s, stores nothing of refused frames, and stores a resent one once',
    async (_, maxWriteWaitMs) => {
      fixture.server = await startTestServer({ users, maxPendingWrites: 1, maxWriteWaitMs });
      const senders = await Promise.all(senderNames.map(login));
      const inbox = await login('inbox');
      const watcher = await login('watcher');

      const [results, watcherDuring] = await Promise.all([
        storm(senders),
        // Reads are never refused: another user is served during the storm.
        watcher.call('whoelse', {}),
      ]);
      expect(watcherDuring.users).toContain('inbox');

      const refused = results.filter((r) => busyError(r) !== undefined);
      const accepted = results.filter((r) => r.reply.ok);
      expect(refused.length).toBeGreaterThan(0);
      expect(accepted.length + refused.length).toBe(results.length);
      for (const r of refused) {
        const retryAfterMs = busyError(r)?.retryAfterMs ?? 0;
        expect(Number.isInteger(retryAfterMs)).toBe(true);
        expect(retryAfterMs).toBeGreaterThan(0);
        expect(retryAfterMs).toBeLessThanOrEqual(5000);
      }

      // Nothing of a refused frame was stored or pushed: the store and the recipient have exactly
      // the accepted ones.
      const acceptedTexts = accepted.map((r) => r.params.text).sort();
      expect(await storedTexts(inbox)).toEqual(acceptedTexts);
      for (const r of accepted) {
        const id = r.reply.ok ? r.reply.result.message.id : 0;
        await inbox.waitFor((e) => e.type === 'message' && e.message.id === id);
      }
      const pushedTexts = inbox.eventsOf('message').map((e) => e.message.text);
      expect(new Set(pushedTexts).size).toBe(pushedTexts.length);
      expect([...pushedTexts].sort()).toEqual(acceptedTexts);

      // The refused connections keep working: the same frames again, one at a time, are stored once.
      for (const r of refused) {
        const again = await r.client.call('message', r.params);
        expect(again.message.text).toBe(r.params.text);
      }
      const every = results.map((r) => r.params.text).sort();
      expect(await storedTexts(inbox)).toEqual(every);

      // Other users are served as before.
      const other = await login('other');
      const sent = await other.call('message', { to: 'watcher', text: 'after the storm' });
      await watcher.waitFor((e) => e.type === 'message' && e.message.id === sent.message.id);
    },
  );

  it('lets writes past the bound wait their turn: with time to wait, nothing is refused', async () => {
    fixture.server = await startTestServer({ users, maxPendingWrites: 1, maxWriteWaitMs: 30_000 });
    const senders = await Promise.all(senderNames.map(login));
    const inbox = await login('inbox');
    const results = await storm(senders);
    expect(results.filter((r) => !r.reply.ok)).toEqual([]);
    expect(await storedTexts(inbox)).toEqual(results.map((r) => r.params.text).sort());
  });

  it('with the bound off (0) refuses nothing', async () => {
    fixture.server = await startTestServer({ users, maxPendingWrites: 0 });
    const senders = await Promise.all(senderNames.map(login));
    const inbox = await login('inbox');
    const results = await storm(senders);
    expect(results.filter((r) => !r.reply.ok)).toEqual([]);
    expect((await storedTexts(inbox)).length).toBe(SENDERS * PER_SENDER);
  });
});

describe('--max-pending-writes and --max-write-wait', () => {
  it('parses the flag; without it the option is left to the default', () => {
    expect(parseCommandLine(['0', '1', '1', '--max-pending-writes', '64']).maxPendingWrites).toBe(64);
    expect(parseCommandLine(['0', '1', '1', '--max-pending-writes', '0']).maxPendingWrites).toBe(0);
    expect(parseCommandLine(['0', '1', '1']).maxPendingWrites).toBeUndefined();
    expect(DEFAULT_LIMITS.maxPendingWrites).toBeGreaterThan(0);
    expect(parseCommandLine(['0', '1', '1', '--max-write-wait', '250']).maxWriteWaitMs).toBe(250);
    expect(DEFAULT_LIMITS.maxWriteWaitMs).toBeGreaterThan(0);
  });

  it.each([
    [['--max-pending-writes', '-1'], /max pending writes must be a non-negative integer/],
    [['--max-pending-writes', '2.5'], /max pending writes must be a non-negative integer/],
    [['--max-pending-writes', 'lots'], /max pending writes must be a number/],
    [['--max-write-wait', '-5'], /max write wait must be a non-negative integer/],
  ])('rejects %j', (flags, pattern) => {
    const parse = () => parseCommandLine(['0', '1', '1', ...flags]);
    expect(parse).toThrow(ConfigError);
    expect(parse).toThrow(pattern);
  });
});
