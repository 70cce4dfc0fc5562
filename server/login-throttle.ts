/**
 * Login rate limits per remote address and per account (policy in docs/security.md,
 * "Authentication"). Every attempt that checks a password takes a token from its address's bucket
 * and, for a login, from the account's, whether the password then turns out right or wrong: a
 * right password for an account that is already logged in (`already_logged_in`) costs a full
 * scrypt too, and never counts toward the lockout. A bucket holds `perMinute` tokens and refills at
 * `perMinute` a minute, so a client may use its whole minute's allowance at once. An attempt that
 * finds a bucket empty is refused with `rate_limited` and the wait until its next token.
 *
 * The buckets live in bounded maps: an attacker cycling through addresses or names cannot grow
 * memory, only push out the least recently used bucket (a forgotten bucket is a full one).
 */
import { isIPv6 } from 'node:net';
import { performance } from 'node:perf_hooks';
import { RequestError } from './errors.js';

/** Buckets kept per map; each is a few dozen bytes. */
export const MAX_TRACKED_KEYS = 65_536;
/** Refill arithmetic is in floating point: a token that is due must not be missed by a rounding. */
const ROUNDING = 1e-9;

export interface LoginThrottleOptions {
  /** Password checks per minute per remote address (IPv6: per /64); 0 = no limit. */
  readonly perAddressPerMinute: number;
  /** Logins per minute per account; 0 = no limit. */
  readonly perAccountPerMinute: number;
  readonly maxKeys?: number;
}

interface Bucket {
  tokens: number;
  /** performance.now() of the last refill. */
  at: number;
}

/** Token buckets by key, least recently used first (Map keeps insertion order). */
export class BucketMap {
  private readonly buckets = new Map<string, Bucket>();
  private readonly perMs: number;

  constructor(
    private readonly perMinute: number,
    private readonly maxKeys = MAX_TRACKED_KEYS,
  ) {
    this.perMs = perMinute / 60_000;
  }

  /** Takes a token for `key`: 0 when there was one, else the milliseconds until there will be. */
  take(key: string, now = performance.now()): number {
    const bucket = this.refilled(key, now);
    if (bucket.tokens < 1 - ROUNDING) return Math.ceil((1 - bucket.tokens) / this.perMs);
    bucket.tokens -= 1;
    return 0;
  }

  get size(): number {
    return this.buckets.size;
  }

  /** The key's bucket, refilled up to now and moved to the most recently used end. */
  private refilled(key: string, now: number): Bucket {
    const old = this.buckets.get(key);
    this.buckets.delete(key);
    const bucket = old
      ? { tokens: Math.min(this.perMinute, old.tokens + (now - old.at) * this.perMs), at: now }
      : { tokens: this.perMinute, at: now };
    if (this.buckets.size >= this.maxKeys) {
      const oldest = this.buckets.keys().next();
      if (!oldest.done) this.buckets.delete(oldest.value);
    }
    this.buckets.set(key, bucket);
    return bucket;
  }
}

/**
 * The key an address is limited by: IPv4 as it is; IPv6 by its /64 prefix, since one host or
 * subscriber usually gets a whole /64 and could otherwise rotate through its addresses.
 */
export function addressKey(address: string): string {
  const bare = address.replace(/%.*$/, '');
  if (!isIPv6(bare)) return address;
  const [head = '', tail] = bare.split('::') as [string, string | undefined];
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right];
  return `${groups
    .slice(0, 4)
    .map((group) => Number.parseInt(group, 16).toString(16))
    .join(':')}::/64`;
}

export class LoginThrottle {
  private readonly perAddress: BucketMap | undefined;
  private readonly perAccount: BucketMap | undefined;

  constructor(options: LoginThrottleOptions) {
    const { perAddressPerMinute, perAccountPerMinute, maxKeys } = options;
    if (perAddressPerMinute > 0) this.perAddress = new BucketMap(perAddressPerMinute, maxKeys);
    if (perAccountPerMinute > 0) this.perAccount = new BucketMap(perAccountPerMinute, maxKeys);
  }

  /** A login about to check `account`'s password: throws `rate_limited` when over either limit. */
  takeLogin(address: string, account: string, now = performance.now()): void {
    this.takeAddress(address, now);
    const wait = this.perAccount?.take(account, now) ?? 0;
    if (wait > 0) {
      throw new RequestError(
        'rate_limited',
        `too many login attempts for ${account}; wait before trying again`,
        {
          retryAfterMs: wait,
        },
      );
    }
  }

  /** Any password check from `address` (a login, or a registration's hash). */
  takeAddress(address: string, now = performance.now()): void {
    const wait = this.perAddress?.take(addressKey(address), now) ?? 0;
    if (wait > 0) {
      throw new RequestError(
        'rate_limited',
        'too many login attempts from your address; wait before trying again',
        {
          retryAfterMs: wait,
        },
      );
    }
  }
}
