/** Login rate limits (server/login-throttle.ts) and their command-line flags. */
import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_LIMITS, parseCommandLine } from '../../server/config.js';
import { RequestError } from '../../server/errors.js';
import { BucketMap, LoginThrottle, addressKey } from '../../server/login-throttle.js';

function refusal(attempt: () => void): RequestError | undefined {
  try {
    attempt();
    return undefined;
  } catch (error) {
    if (error instanceof RequestError) return error;
    throw error;
  }
}

describe('BucketMap', () => {
  it('allows a minute’s attempts at once, then one per 60/N seconds, and says how long to wait', () => {
    const buckets = new BucketMap(6); // one token every 10 s
    for (let i = 0; i < 6; i++) expect(buckets.take('a', 0)).toBe(0);
    expect(buckets.take('a', 0)).toBe(10_000);
    expect(buckets.take('a', 4_000)).toBe(6_000);
    expect(buckets.take('a', 10_000)).toBe(0);
    expect(buckets.take('a', 10_000)).toBe(10_000);
    // A refused attempt takes nothing: waiting as told is enough.
    expect(buckets.take('a', 20_000)).toBe(0);
    // Refilling stops at a minute's worth.
    for (let i = 0; i < 6; i++) expect(buckets.take('a', 1_000_000)).toBe(0);
    expect(buckets.take('a', 1_000_000)).toBeGreaterThan(0);
  });

  it('keeps keys apart', () => {
    const buckets = new BucketMap(1);
    expect(buckets.take('a', 0)).toBe(0);
    expect(buckets.take('a', 0)).toBeGreaterThan(0);
    expect(buckets.take('b', 0)).toBe(0);
  });

  it('never tracks more than maxKeys, forgetting the least recently used', () => {
    const buckets = new BucketMap(1, 3);
    for (const key of ['a', 'b', 'c']) buckets.take(key, 0);
    expect(buckets.take('a', 0)).toBeGreaterThan(0); // a is now the most recently used
    for (let i = 0; i < 1000; i++) buckets.take(`flood${i}`, 0);
    expect(buckets.size).toBe(3);
    // Forgotten buckets are full again: the attacker's cycling only frees its own keys.
    expect(buckets.take('b', 0)).toBe(0);
  });
});

describe('addressKey', () => {
  it('limits IPv4 per address and IPv6 per /64', () => {
    expect(addressKey('192.0.2.7')).toBe('192.0.2.7');
    expect(addressKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8:1:2:ffff:ffff:ffff:ffff')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:0db8:0001:0002::9')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(addressKey('::1')).toBe('0:0:0:0::/64');
    expect(addressKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(addressKey('')).toBe('');
  });
});

describe('LoginThrottle', () => {
  it('counts every login per address and per account; either limit refuses with retryAfterMs', () => {
    const throttle = new LoginThrottle({ perAddressPerMinute: 3, perAccountPerMinute: 2 });
    throttle.takeLogin('10.0.0.1', 'yoda', 0);
    throttle.takeLogin('10.0.0.2', 'yoda', 0);
    const account = refusal(() => throttle.takeLogin('10.0.0.3', 'yoda', 0));
    expect(account?.toInfo()).toMatchObject({ code: 'rate_limited', retryAfterMs: 30_000 });
    expect(account?.message).toMatch(/yoda/);
    throttle.takeLogin('10.0.0.1', 'hans', 0);
    throttle.takeAddress('10.0.0.1', 0);
    const address = refusal(() => throttle.takeLogin('10.0.0.1', 'luke', 0));
    expect(address?.toInfo()).toMatchObject({ code: 'rate_limited', retryAfterMs: 20_000 });
    expect(address?.message).toMatch(/address/);
    // luke's own budget was untouched by the refusal from a full address.
    throttle.takeLogin('10.0.0.4', 'luke', 0);
    throttle.takeLogin('10.0.0.5', 'luke', 0);
  });

  it('has no limit where the option is 0', () => {
    const throttle = new LoginThrottle({ perAddressPerMinute: 0, perAccountPerMinute: 0 });
    for (let i = 0; i < 10_000; i++) throttle.takeLogin('127.0.0.1', 'yoda', 0);
  });
});

describe('login limit flags', () => {
  it('parses the flags and keeps the defaults without them', () => {
    const options = parseCommandLine([
      ...['0', '1', '1', '--login-attempts-per-address', '0', '--login-attempts-per-account', '5'],
    ]);
    expect(options).toMatchObject({ loginAttemptsPerAddress: 0, loginAttemptsPerAccount: 5 });
    const plain = parseCommandLine(['0', '1', '1']);
    expect(plain.loginAttemptsPerAddress).toBeUndefined();
    expect(DEFAULT_LIMITS.loginAttemptsPerAddress).toBeGreaterThan(DEFAULT_LIMITS.loginAttemptsPerAccount);
  });

  it.each([
    [['--login-attempts-per-address', '-1'], /login attempts per address/],
    [['--login-attempts-per-account', '2.5'], /login attempts per account/],
    [['--login-attempts-per-account', 'many'], /must be a number/],
  ])('rejects %j', (flags, pattern) => {
    const parse = () => parseCommandLine(['0', '1', '1', ...flags]);
    expect(parse).toThrow(ConfigError);
    expect(parse).toThrow(pattern);
  });
});
