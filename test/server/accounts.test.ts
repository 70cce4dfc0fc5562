import { describe, expect, it } from 'vitest';
import {
  CredentialsFormatError,
  hashPassword,
  needsRehash,
  parseCredentials,
  verifyPassword,
} from '../../server/accounts.js';

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
