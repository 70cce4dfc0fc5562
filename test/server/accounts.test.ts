import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  Accounts,
  CredentialsFormatError,
  hashPassword,
  needsRehash,
  parseCredentials,
  verifyPassword,
} from '../../server/accounts.js';
import { KdfGate } from '../../server/kdf-gate.js';
import type { AccountStore } from '../../server/store/store.js';
import { openSqliteStore } from '../../server/store/sqlite/sqlite-store.js';
import { makeTempDir } from '../helpers/server.js';

describe('password hashing', () => {
  it('stores parameters, salt and key, never the password, and verifies in constant time', async () => {
    const hash = await hashPassword('wise', 1024);
    expect(hash).toMatch(/^scrypt\$1024\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    expect(hash).not.toContain('wise');
    expect(await verifyPassword('wise', hash)).toBe(true);
    expect(await verifyPassword('Wise', hash)).toBe(false);
    expect(await verifyPassword('wise', 'plain')).toBe(false);
  });

  it('uses a fresh salt per hash and flags weaker parameters for upgrade', async () => {
    const a = await hashPassword('same', 1024);
    const b = await hashPassword('same', 1024);
    expect(a).not.toBe(b);
    expect(needsRehash(a, 1024)).toBe(false);
    expect(needsRehash(a, 16384)).toBe(true);
    expect(needsRehash('garbage', 1024)).toBe(true);
  });
});

describe('credentials file', () => {
  it('parses "username password" lines; the password is the rest of the line', () => {
    expect(parseCredentials('yoda wise\r\nhans falcon\n\nluke may the force\n', 'f')).toEqual([
      ['yoda', 'wise'],
      ['hans', 'falcon'],
      ['luke', 'may the force'],
    ]);
  });

  it.each(['yoda', 'yoda ', 'b@d pw', `${'x'.repeat(33)} pw`])('rejects %j naming the line', (line) => {
    expect(() => parseCredentials(`ok pw\n${line}\n`, 'creds.txt')).toThrow(CredentialsFormatError);
    expect(() => parseCredentials(`ok pw\n${line}\n`, 'creds.txt')).toThrow(/creds\.txt line 2/);
  });
});

describe('the KDF gate around password checks', () => {
  /**
   * The real SQLite account store, with every call noting how many derivations held a gate slot
   * while it ran: a slot held across a store round trip makes logins wait on the store's latency.
   */
  function observedStore(store: AccountStore, gate: KdfGate, slotsDuringStoreCalls: number[]): AccountStore {
    return new Proxy(store, {
      get(target, key: keyof AccountStore) {
        const method = target[key] as (...args: unknown[]) => Promise<unknown>;
        return async (...args: unknown[]) => {
          slotsDuringStoreCalls.push(gate.active);
          const result = await method.apply(target, args);
          slotsDuringStoreCalls.push(gate.active);
          return result;
        };
      },
    });
  }

  it('holds a slot only for the derivation, never across a store read or write', async () => {
    const dir = makeTempDir('messenger-accounts-');
    const store = openSqliteStore(join(dir, 'messenger.db'));
    try {
      const gate = new KdfGate({ concurrency: 1, maxWaitMs: 5000, maxWaiting: 16 });
      let derivations = 0;
      const inTurn = <T>(derivation: () => Promise<T>) => {
        derivations++;
        return gate.run(derivation);
      };
      const slots: number[] = [];
      const weak = new Accounts(observedStore(store.accounts, gate, slots), 1024);
      expect(await weak.register('yoda', 'wise', inTurn)).toBe('created');
      // A stronger cost makes the next good login rehash and store the new hash.
      const accounts = new Accounts(observedStore(store.accounts, gate, slots), 2048);
      // One at a time: a slot seen held during a store call is then the caller's own.
      const checks: boolean[] = [];
      for (const password of ['wise', 'wrong', 'wise'])
        checks.push(await accounts.verify('yoda', password, inTurn));
      expect(checks).toEqual([true, false, true]);
      expect(needsRehash((await store.accounts.passwordHash('yoda')) ?? '', 2048)).toBe(false);
      // The registration's hash, three checks, and one rehash: each through the gate.
      expect(derivations).toBe(5);
      expect(slots.length).toBeGreaterThan(6);
      expect(slots.every((held) => held === 0)).toBe(true);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
