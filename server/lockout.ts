/**
 * Login lockout: the third consecutive wrong password locks an account for blockDurationMs,
 * whichever connections, addresses or nodes the attempts came from. The count lives in the store,
 * which counts each failure atomically (LockoutStore.recordFailure), so concurrent attempts on
 * several nodes cannot both slip under the limit, and a restart does not lift a lock.
 */
import type { LockoutStore } from './store/store.js';

export const MAX_FAILURES = 3;

export type FailureOutcome =
  { locked: false; attemptsLeft: number } | { locked: true | 'already'; retryAfterMs: number };

export class Lockout {
  constructor(
    private readonly store: LockoutStore,
    private readonly blockDurationMs: number,
  ) {}

  /** Milliseconds the account stays locked, or 0. */
  async remainingMs(name: string, now = Date.now()): Promise<number> {
    return Math.max(0, (await this.store.state(name)).lockedUntil - now);
  }

  async recordFailure(name: string, now = Date.now()): Promise<FailureOutcome> {
    const policy = { maxFailures: MAX_FAILURES, lockMs: this.blockDurationMs };
    const after = await this.store.recordFailure(name, now, policy);
    // Locked by this failure (the only one that leaves no tries counted), or already by another.
    if (after.lockedUntil > now) {
      const retryAfterMs = after.lockedUntil - now;
      return after.failures === 0 ? { locked: true, retryAfterMs } : { locked: 'already', retryAfterMs };
    }
    return { locked: false, attemptsLeft: MAX_FAILURES - after.failures };
  }

  recordSuccess(name: string): Promise<void> {
    return this.store.reset(name);
  }
}
