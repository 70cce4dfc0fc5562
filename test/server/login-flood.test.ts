/**
 * Login floods (issue 13 item 3, docs/security.md "Authentication"): many connections logging in
 * as an account that is already logged in, with the right password, each costing a full scrypt.
 * Direct messages must not wait behind that work, the derivations running at once stay bounded,
 * and attempts beyond the per-account and per-address budgets are refused with `rate_limited`.
 */
import crypto from 'node:crypto';
import { syncBuiltinESMExports } from 'node:module';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_KDF_COST, DEFAULT_LIMITS } from '../../server/config.js';
import { defaultKdfConcurrency } from '../../server/kdf-gate.js';
import { PROTOCOL_VERSION } from '../../src/shared/limits.js';
import type { ErrorInfo } from '../../src/shared/protocol.js';
import { RawClient } from '../helpers/raw-client.js';
import { useServerFixture } from '../helpers/server-fixture.js';
import { DEFAULT_USERS, startTestServer } from '../helpers/server.js';

const fixture = useServerFixture({ checkFrames: true });
const { track } = fixture;

type ScryptCallback = (error: Error | null, key: Buffer) => void;

/**
 * Wraps node:crypto's scrypt (the binding server/accounts.ts imports) to count the derivations in
 * flight (called and not yet called back) and those finished; restore() puts the original back.
 */
function meterScrypt() {
  const original = crypto.scrypt;
  const meter = { running: 0, peak: 0, calls: 0, finished: 0, onFinish: () => {}, restore: () => {} };
  const metered = (...args: unknown[]) => {
    const done = args.pop() as ScryptCallback;
    meter.running++;
    meter.calls++;
    meter.peak = Math.max(meter.peak, meter.running);
    (original as (...a: unknown[]) => void)(...args, (error: Error | null, key: Buffer) => {
      meter.running--;
      meter.finished++;
      meter.onFinish();
      done(error, key);
    });
  };
  (crypto as { scrypt: unknown }).scrypt = metered;
  syncBuiltinESMExports();
  meter.restore = () => {
    crypto.scrypt = original;
    syncBuiltinESMExports();
  };
  return meter;
}

let restoreScrypt: (() => void) | undefined;
afterEach(() => {
  restoreScrypt?.();
  restoreScrypt = undefined;
});

/**
 * The test server's port, read once: login limits are per node (server/login-throttle.ts), so with
 * several test nodes (MESSENGER_TEST_CLUSTER) every client of a test goes to the same one.
 */
let port = 0;

/** A client from `localAddress` (any 127.x.y.z reaches the loopback server) that has said hello. */
async function openFrom(localAddress: string): Promise<RawClient> {
  const client = track(await RawClient.connect(port, '127.0.0.1', localAddress));
  await client.call('hello', { version: PROTOCOL_VERSION, client: 'login-flood-test' });
  return client;
}

async function loginOutcome(client: RawClient, username: string, password: string): Promise<string> {
  const reply = await client.request('login', { username, password });
  return reply.ok ? 'logged in' : reply.error.code;
}

describe('a flood of right-password logins', () => {
  it('neither holds up direct messages nor runs unbounded scrypt, and is refused beyond its budget', async () => {
    // The production scrypt cost: the flood must be as expensive as a real one.
    fixture.server = await startTestServer({ kdfCost: DEFAULT_KDF_COST });
    const { port } = fixture.server;
    const yoda = track(await RawClient.login(port, 'yoda', 'wise'));
    const hans = track(await RawClient.login(port, 'hans', 'falcon'));
    const meter = meterScrypt();
    restoreScrypt = meter.restore;
    const budget = DEFAULT_LIMITS.loginAttemptsPerAccount;
    const flooders = await Promise.all(Array.from({ length: budget + 10 }, () => RawClient.open(port)));
    flooders.forEach(track);

    const answers: ErrorInfo[] = [];
    const flood = flooders.map(async (client) => {
      const reply = await client.request('login', { username: 'yoda', password: 'wise' });
      if (reply.ok) throw new Error('a second login of yoda succeeded');
      answers.push(reply.error);
    });
    const checked = () => answers.filter((error) => error.code === 'already_logged_in').length;

    // Once the first flood derivation is done, yoda writes to hans. The message waits for a WAL
    // sync; hans must get it while the flood is still being hashed, one or two derivations per KDF
    // slot later at most, not after the whole flood: the sync did not queue behind the scrypts.
    await new Promise<void>((resolve) => (meter.onFinish = resolve));
    meter.onFinish = () => {};
    const sent = yoda.call('message', { to: 'hans', text: 'during the flood' });
    await hans.waitFor((e) => e.type === 'message' && e.message.text === 'during the flood');
    const finishedBeforeDelivery = meter.finished;
    await sent;
    await Promise.all(flood);

    expect(finishedBeforeDelivery).toBeLessThanOrEqual(2 * defaultKdfConcurrency() + 1);
    // The account's minute of attempts, less yoda's own login (unless that token refilled meanwhile),
    // each spent on a password check or, on a loaded machine where the KDF queue's estimated wait
    // passed its bound, on the gate's own refusal (the token is taken before the gate).
    const gateRefused = answers.filter((error) => /busy checking other passwords/.test(error.message)).length;
    expect(checked() + gateRefused).toBeGreaterThanOrEqual(budget - 1);
    expect(checked() + gateRefused).toBeLessThanOrEqual(budget);
    const refused = answers.filter((error) => error.code === 'rate_limited');
    expect(refused).toHaveLength(flooders.length - checked());
    for (const error of refused) expect(error.retryAfterMs).toBeGreaterThan(0);
    // Fewer derivations at once than libuv has threads: the WAL sync always finds one free.
    expect(meter.calls).toBe(checked());
    expect(meter.peak).toBeLessThanOrEqual(defaultKdfConcurrency());
    expect(meter.peak).toBeLessThanOrEqual(2);
  });
});

describe('login rate limits', () => {
  it('counts every password check per account and per address, and a refusal is not a failure', async () => {
    fixture.server = await startTestServer({
      users: { ...DEFAULT_USERS, leia: 'organa' },
      loginAttemptsPerAddress: 4,
      loginAttemptsPerAccount: 2,
    });
    port = fixture.server.port;
    const here = '127.0.0.1';
    const there = '127.0.0.2';
    // Per account, from any address, right password or wrong: a success and an already_logged_in.
    expect(await loginOutcome(await openFrom(here), 'yoda', 'wise')).toBe('logged in');
    expect(await loginOutcome(await openFrom(here), 'yoda', 'wise')).toBe('already_logged_in');
    const overAccount = await (await openFrom(there)).fail('login', { username: 'yoda', password: 'wise' });
    expect(overAccount).toMatchObject({ code: 'rate_limited' });
    expect(overAccount.retryAfterMs).toBeGreaterThan(0);
    expect(overAccount.retryAfterMs).toBeLessThanOrEqual(30_000);

    // Per address: two more checks use up `here`'s four; `there` is not affected.
    const luke = await openFrom(here);
    expect(await luke.fail('login', { username: 'luke', password: 'nope' })).toMatchObject({
      code: 'wrong_password',
      attemptsLeft: 2,
    });
    expect(await loginOutcome(luke, 'hans', 'nope')).toBe('wrong_password');
    const overAddress = await luke.fail('login', { username: 'luke', password: 'nope' });
    expect(overAddress).toMatchObject({ code: 'rate_limited' });
    expect(overAddress.retryAfterMs).toBeGreaterThan(0);
    expect(await loginOutcome(await openFrom(there), 'hans', 'falcon')).toBe('logged in');

    // The refused wrong password did not count toward luke's lockout: one failure so far.
    expect(await (await openFrom(there)).fail('login', { username: 'luke', password: 'nope' })).toMatchObject(
      {
        code: 'wrong_password',
        attemptsLeft: 1,
      },
    );
    // Attempts that check no password (unknown user, locked account) take no tokens.
    const third = await openFrom('127.0.0.3');
    for (let i = 0; i < 10; i++) expect(await loginOutcome(third, `ghost${i}`, 'x')).toBe('unknown_user');
    expect(await loginOutcome(third, 'leia', 'organa')).toBe('logged in');
  });

  it('counts registrations against the address too', async () => {
    fixture.server = await startTestServer({ openRegistration: true, loginAttemptsPerAddress: 2 });
    port = fixture.server.port;
    const client = await openFrom('127.0.0.1');
    await client.call('register', { username: 'rey', password: 'jakku' });
    await client.call('register', { username: 'finn', password: 'fn2187' });
    const refused = await client.fail('register', { username: 'poe', password: 'bb8' });
    expect(refused).toMatchObject({ code: 'rate_limited' });
    expect(refused.retryAfterMs).toBeGreaterThan(0);
    expect(await loginOutcome(await openFrom('127.0.0.2'), 'rey', 'jakku')).toBe('logged in');
  });
});
