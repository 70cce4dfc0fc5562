/**
 * Login lockout: the third consecutive wrong password locks an account for blockDurationMs,
 * whichever connections or addresses the attempts came from. The state lives in SQLite so a
 * restart does not lift a lock. Every method is synchronous, and the server runs on one thread,
 * so concurrent attempts cannot interleave inside a read-modify-write.
 */
import type { Storage } from './storage.js';

export const MAX_FAILURES = 3;

export type FailureOutcome = { locked: false; attemptsLeft: number } | { locked: true; retryAfterMs: number };

export class Lockout {
  constructor(
    private readonly storage: Storage,
    private readonly blockDurationMs: number,
  ) {}

  /** Milliseconds the account stays locked, or 0. */
  remainingMs(name: string, now = Date.now()): number {
    return Math.max(0, this.storage.lockState(name).lockedUntil - now);
  }

  recordFailure(name: string, now = Date.now()): FailureOutcome {
    const state = this.storage.lockState(name);
    const failures = (state.lockedUntil > now ? 0 : state.failures) + 1;
    if (failures >= MAX_FAILURES) {
      this.storage.setLockState(name, { failures: 0, lockedUntil: now + this.blockDurationMs });
      return { locked: true, retryAfterMs: this.blockDurationMs };
    }
    this.storage.setLockState(name, { failures, lockedUntil: 0 });
    return { locked: false, attemptsLeft: MAX_FAILURES - failures };
  }

  recordSuccess(name: string): void {
    const state = this.storage.lockState(name);
    if (state.failures !== 0 || state.lockedUntil !== 0) {
      this.storage.setLockState(name, { failures: 0, lockedUntil: 0 });
    }
  }
}
