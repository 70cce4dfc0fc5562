/**
 * The lockout on a real SQLite store: however many wrong passwords race in the same millisecond,
 * exactly one is told it locked the account; the others are told it was already locked.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { Lockout, MAX_FAILURES } from '../../server/lockout.js';
import { openSqliteStore } from '../../server/store/sqlite/sqlite-store.js';
import { makeTempDir } from '../helpers/server.js';

const dir = makeTempDir('messenger-lockout-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('tells exactly one of 12 same-millisecond failures that it locked the account', async () => {
  const store = openSqliteStore(join(dir, 'store.db'));
  try {
    await store.accounts.register('leia', 'hash', 1);
    const lockout = new Lockout(store.lockout, 60_000);
    const outcomes = await Promise.all(
      Array.from({ length: 12 }, () => lockout.recordFailure('leia', 1_000)),
    );
    expect(outcomes.filter((o) => o.locked === false)).toHaveLength(MAX_FAILURES - 1);
    expect(outcomes.filter((o) => o.locked === true)).toEqual([{ locked: true, retryAfterMs: 60_000 }]);
    expect(outcomes.filter((o) => o.locked === 'already')).toHaveLength(12 - MAX_FAILURES);
    expect(await lockout.remainingMs('leia', 1_000)).toBe(60_000);
  } finally {
    await store.close();
  }
});
