/**
 * Per-connection and per-address resource limits (policies in docs/reliability.md): a request
 * rate limit per connection and caps on open connections, in total and per remote address.
 */
import { performance } from 'node:perf_hooks';

/** The limits a session enforces, resolved from the options and their defaults. */
export interface SessionLimits {
  /** Requests per second (bucket refill); 0 = no rate limit. */
  readonly rateLimit: number;
  readonly rateBurst: number;
  /** Bytes queued for a client (waiting, in transit, unread) before it is disconnected. */
  readonly maxOutputBytes: number;
  /** Seconds a client whose output is backed up may read nothing before it is disconnected; 0 = never. */
  readonly slowReaderTimeoutSeconds: number;
  readonly preLoginTimeoutSeconds: number;
  /** 0 = no slowloris timeout. */
  readonly partialFrameTimeoutSeconds: number;
}

export type RateVerdict = 'ok' | 'limited' | 'abusive';

/**
 * Token bucket that may go into debt: every request takes a token, even a refused one. A request
 * that finds the bucket empty is refused (`limited`); a client that keeps sending while refused
 * runs up a debt, and once the debt exceeds one burst it is `abusive` and gets disconnected. A
 * client that slows down when told to pays the debt back at the refill rate and carries on.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly rate: number,
    private readonly burst: number,
    now = performance.now(),
  ) {
    this.tokens = burst;
    this.last = now;
  }

  take(now = performance.now()): RateVerdict {
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.rate);
    this.last = now;
    this.tokens -= 1;
    if (this.tokens >= 0) return 'ok';
    return this.tokens < -this.burst ? 'abusive' : 'limited';
  }

  /** Milliseconds until the next request would be accepted. */
  retryAfterMs(): number {
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens / this.rate) * 1000);
  }
}

/**
 * One connection's allowance of one kind of request (typing notices, reactions): a burst, then a
 * steady rate. A refused request takes a token too (TokenBucket's debt): a flood stays refused
 * until it stops.
 */
export class Allowance {
  private readonly bucket: TokenBucket;

  constructor(perSecond: number, burst: number) {
    this.bucket = new TokenBucket(perSecond, burst);
  }

  /** 0 when this request may go; otherwise how many milliseconds until one may. */
  take(): number {
    return this.bucket.take() === 'ok' ? 0 : this.bucket.retryAfterMs();
  }
}

/** Counts open connections in total and per remote address; refuses those over a cap. */
export class ConnectionCaps {
  private total = 0;
  private readonly perAddress = new Map<string, number>();

  constructor(
    private readonly maxTotal: number,
    /** 0 = no per-address cap. */
    private readonly maxPerAddress: number,
  ) {}

  /** Reserves a slot; returns why not when a cap is reached. Call release() when it closes. */
  admit(address: string): string | undefined {
    const here = this.perAddress.get(address) ?? 0;
    if (this.total >= this.maxTotal) return `the server has reached its ${this.maxTotal} connections`;
    if (this.maxPerAddress > 0 && here >= this.maxPerAddress) {
      return `too many connections from ${address} (at most ${this.maxPerAddress})`;
    }
    this.total++;
    this.perAddress.set(address, here + 1);
    return undefined;
  }

  release(address: string): void {
    this.total--;
    const here = (this.perAddress.get(address) ?? 1) - 1;
    if (here <= 0) this.perAddress.delete(address);
    else this.perAddress.set(address, here);
  }

  get open(): number {
    return this.total;
  }
}

/** Requests are flat objects; nothing legitimate nests deeper than this. */
export const MAX_FRAME_NESTING = 16;

/**
 * True when the JSON text nests arrays/objects deeper than `max`. A linear scan that is much
 * cheaper than JSON.parse on pathological input (tens of thousands of `[`), which it lets the
 * server refuse before parsing.
 */
export function nestingExceeds(text: string, max = MAX_FRAME_NESTING): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}
