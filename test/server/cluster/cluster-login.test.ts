/**
 * Logins across the nodes of one cluster: the lockout counts wrong passwords from every node, one
 * login per account holds across nodes (also when two logins race), every node imports the same
 * credentials file at once, and clusters sharing one Redis under different key prefixes share
 * nothing.
 */
import { rmSync } from 'node:fs';
import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { parseCommandLine } from '../../../server/config.js';
import { startTestCluster } from '../../helpers/cluster.js';
import { RawClient } from '../../helpers/raw-client.js';
import { makeTempDir, TEST_KDF_COST, writeCredentials } from '../../helpers/server.js';
import { useClusterFixture } from './cluster-fixture.js';

const fixture = useClusterFixture();
const { login } = fixture;

describe('lockout across nodes', () => {
  it('locks the account after three wrong passwords spread over both nodes, on both nodes', async () => {
    await fixture.start({ blockDurationSeconds: 30 });
    const onFirst = await fixture.open(0);
    const onSecond = await fixture.open(1);
    expect(await onFirst.fail('login', { username: 'yoda', password: 'x' })).toMatchObject({
      code: 'wrong_password',
      attemptsLeft: 2,
    });
    expect(await onSecond.fail('login', { username: 'yoda', password: 'y' })).toMatchObject({
      code: 'wrong_password',
      attemptsLeft: 1,
    });
    expect((await onFirst.fail('login', { username: 'yoda', password: 'z' })).code).toBe(
      'wrong_password_locked',
    );
    for (const client of [onFirst, onSecond]) {
      const locked = await client.fail('login', { username: 'yoda', password: 'wise' });
      expect(locked.code).toBe('account_locked');
      expect(locked.retryAfterMs).toBeGreaterThan(25_000);
    }
  });
});

describe('one login per account across nodes', () => {
  it('refuses a second login on the other node, and allows it once the first logged out', async () => {
    await fixture.start();
    const first = await login(0, 'yoda', 'wise');
    const second = await fixture.open(1);
    expect((await second.fail('login', { username: 'yoda', password: 'wise' })).code).toBe(
      'already_logged_in',
    );
    await first.call('logout', {});
    await first.waitClosed();
    await second.call('login', { username: 'yoda', password: 'wise' });
  });

  it('lets exactly one of two racing logins on different nodes in, round after round', async () => {
    await fixture.start({ loginAttemptsPerAccount: 0 });
    const rounds = 25;
    for (let round = 0; round < rounds; round++) {
      const pair = await Promise.all([fixture.open(0), fixture.open(1)]);
      const outcomes = await Promise.all(
        pair.map((client) => client.request('login', { username: 'yoda', password: 'wise' })),
      );
      const codes = outcomes.map((outcome) => (outcome.ok ? 'ok' : outcome.error.code)).sort();
      expect(codes, `round ${round}`).toEqual(['already_logged_in', 'ok']);
      const winner = pair[outcomes.findIndex((outcome) => outcome.ok)] as RawClient;
      await winner.call('logout', {});
      await winner.waitClosed();
      for (const client of pair) client.close();
    }
  });
});

describe('starting nodes together', () => {
  it('imports one credentials file on both nodes at once: every account once, all usable', async () => {
    const users = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`user${i}`, `pw${i}`]));
    const imported: number[] = [];
    // The count each node logs when it has imported the file (server/app.ts).
    const logger = pino(
      { level: 'info' },
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          for (const text of chunk.toString().split('\n').filter(Boolean)) {
            const line = JSON.parse(text) as { msg?: string; created?: number };
            if (line.msg === 'imported credentials') imported.push(line.created ?? -1);
          }
          done();
        },
      }),
    );
    await fixture.start({ users, logger });
    expect(imported).toHaveLength(2);
    expect(imported.reduce((sum, created) => sum + created, 0)).toBe(40);
    const clients = await Promise.all([0, 13, 39].map((i) => login(i % 2, `user${i}`, `pw${i}`)));
    expect((await clients[0]?.call('whoelse', {}))?.users).toEqual(['user13', 'user39']);
  });

  it('keeps clusters on one Redis apart by their key prefix', async () => {
    await fixture.start();
    const dir = makeTempDir('messenger-cluster-other-');
    const other = await startTestCluster(fixture.services, {
      port: 0,
      blockDurationSeconds: 60,
      timeoutSeconds: 600,
      kdfCost: TEST_KDF_COST,
      credentialsFile: writeCredentials(dir, { yoda: 'other' }),
    });
    try {
      expect(other.busPrefix).not.toBe(fixture.cluster.busPrefix);
      await login(0, 'yoda', 'wise');
      // Same name, other service: its directory does not hold the first yoda.
      const elsewhere = await RawClient.login(other.port(1), 'yoda', 'other');
      try {
        expect(await elsewhere.call('whoelse', {})).toEqual({ users: [] });
      } finally {
        elsewhere.close();
      }
    } finally {
      await other.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('--bus-prefix', () => {
  const base = [
    '0',
    '60',
    '600',
    '--store',
    'postgres://u@127.0.0.1:5432/db',
    '--bus',
    'redis://127.0.0.1:6379',
  ];

  it('is passed on as busPrefix', () => {
    expect(parseCommandLine([...base, '--bus-prefix', 'team-a:']).busPrefix).toBe('team-a:');
  });

  it('needs --bus and a short name of letters, digits and _ . : -', () => {
    expect(() => parseCommandLine(['0', '60', '600', '--bus-prefix', 'a:'])).toThrow(/needs --bus/);
    expect(() => parseCommandLine([...base, '--bus-prefix', 'a b'])).toThrow(/--bus-prefix must be/);
    expect(() => parseCommandLine([...base, '--bus-prefix', 'x'.repeat(65)])).toThrow(/at most 64/);
  });
});
