/**
 * One-time launch tokens: the only credential that ever leaves the shell process in a URL. A token
 * opens one session (bridge-socket.ts takes the session secret it buys) and is dead afterwards, and
 * dead anyway after its lifetime, so whoever reads an old launch link later gets nothing.
 */
import { createHash, randomBytes } from 'node:crypto';

/** How long the link handed to Chromium stays usable: long enough for a slow browser start. */
export const CHROMIUM_LAUNCH_TTL_MS = 2 * 60_000;
/** How long a link printed for the user to open in a browser of their choice stays usable. */
export const PRINTED_LAUNCH_TTL_MS = 10 * 60_000;
/** Tokens remembered at once (unused and recently used); the oldest are forgotten first. */
const MAX_TOKENS = 16;

export type Redemption = 'ok' | 'used' | 'expired' | 'unknown';

interface TokenState {
  expiresAt: number;
  used: boolean;
}

/** Tokens are looked up by their hash, so the lookup's timing says nothing about a stored token. */
function digest(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

export class LaunchTokens {
  private readonly tokens = new Map<string, TokenState>();

  constructor(private readonly now: () => number = Date.now) {}

  issue(ttlMs: number): string {
    if (!Number.isInteger(ttlMs) || ttlMs <= 0)
      throw new RangeError('a launch token needs a positive lifetime');
    this.forgetExpired();
    while (this.tokens.size >= MAX_TOKENS) {
      const oldest = this.tokens.keys().next().value;
      if (oldest === undefined) break;
      this.tokens.delete(oldest);
    }
    const token = randomBytes(32).toString('base64url');
    this.tokens.set(digest(token), { expiresAt: this.now() + ttlMs, used: false });
    return token;
  }

  /** Uses up `token`: 'ok' the first time within its lifetime, never again. */
  redeem(token: string): Redemption {
    const state = this.tokens.get(digest(token));
    if (!state) return 'unknown';
    if (state.used) return 'used';
    if (this.now() >= state.expiresAt) return 'expired';
    state.used = true;
    return 'ok';
  }

  private forgetExpired(): void {
    const now = this.now();
    for (const [key, state] of this.tokens) if (now >= state.expiresAt) this.tokens.delete(key);
  }
}
