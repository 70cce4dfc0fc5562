/**
 * Warns before the server's idle timeout. The server logs out a user who sends no request (`ack`
 * aside) for `timeoutSeconds`; the core knows when it last sent one, so it can say when that
 * logout will come and warn ahead of it (the app offers "Stay signed in"). It never sends anything
 * itself: only the user's own activity may keep a session alive.
 */

/** How long before the timeout the warning comes: a minute, or half of a short timeout. */
export function idleWarningLeadMs(timeoutMs: number): number {
  return Math.min(60_000, timeoutMs / 2);
}

export class IdleWatch {
  private timer: NodeJS.Timeout | undefined;
  private timeoutMs = 0;
  private lastRequestAt: () => number = () => Date.now();
  /** The logout time last announced, while a warning is up. */
  private warnedAt: number | null = null;

  /** `onWarning(logoutAt)` when the warning should show, `onWarning(null)` when it should go. */
  constructor(private readonly onWarning: (logoutAt: number | null) => void) {}

  /** Watches a session; `lastRequestAt` tells when the last request that counts was sent. */
  start(timeoutSeconds: number, lastRequestAt: () => number): void {
    this.stop();
    if (timeoutSeconds <= 0) return;
    this.timeoutMs = timeoutSeconds * 1000;
    this.lastRequestAt = lastRequestAt;
    this.check();
  }

  /** Re-reads the last request time now (after a request that counts was sent). */
  check(): void {
    if (this.timeoutMs === 0) return;
    clearTimeout(this.timer);
    const logoutAt = this.lastRequestAt() + this.timeoutMs;
    const warnAt = logoutAt - idleWarningLeadMs(this.timeoutMs);
    const now = Date.now();
    if (now >= warnAt) {
      if (this.warnedAt !== logoutAt) this.announce(logoutAt);
      // The server's logout ends the watch; if it does not come, a request moved the deadline.
      this.arm(Math.max(logoutAt - now, 0) + 1_000);
    } else {
      if (this.warnedAt !== null) this.announce(null);
      this.arm(warnAt - now);
    }
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.timeoutMs = 0;
    if (this.warnedAt !== null) this.announce(null);
  }

  private arm(delayMs: number): void {
    this.timer = setTimeout(() => this.check(), delayMs);
    this.timer.unref?.();
  }

  private announce(logoutAt: number | null): void {
    this.warnedAt = logoutAt;
    this.onWarning(logoutAt);
  }
}
