/**
 * Overload admission for writes (`message`, `broadcast`): at most maxPending of them may be
 * accepted and not yet answered at once, across every connection of this node. Past that a write
 * is refused at once with `busy`, before anything is stored, and `retryAfterMs` says how long the
 * writes in flight take to finish at the rate they have recently been finishing.
 *
 * Why here, above the Store port: whatever the adapter (SQLite's group commit, PostgreSQL's pool),
 * an accepted write waits on the store until it is durable, and under overload that wait is where
 * the work piles up. Each connection has at most one request in flight (server/sessions.ts), so
 * the count is bounded by the connections anyway; the bound keeps the wait, and so the latency of
 * every accepted message, short: a refusal costs a parse and a reply, far less than a store write.
 */
import { RequestError } from './errors.js';

/** Never ask a client to come back sooner than this... */
export const MIN_RETRY_AFTER_MS = 50;
/** ...nor later (a stalled store must not park clients for minutes). */
export const MAX_RETRY_AFTER_MS = 5000;
/** Completions are counted over windows of this length to estimate the drain rate. */
const RATE_WINDOW_MS = 250;

const BUSY_MESSAGE = 'the server is busy; nothing was stored: send the same request again after retryAfterMs';

export class WriteAdmission {
  private inFlight = 0;
  /** Completions per millisecond, smoothed over recent windows; 0 until one window has passed. */
  private rate = 0;
  private windowStart: number;
  private windowDone = 0;

  /**
   * @param maxPending writes in flight at most; 0 turns admission off (every write is accepted).
   * @param now a millisecond clock (tests of the estimate may pass their own).
   */
  constructor(
    readonly maxPending: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.windowStart = now();
  }

  /** Writes accepted and not answered yet. */
  get pending(): number {
    return this.inFlight;
  }

  /** Runs write() unless maxPending writes are in flight already; then throws RequestError busy. */
  async admit<T>(write: () => Promise<T>): Promise<T> {
    if (this.maxPending > 0 && this.inFlight >= this.maxPending) {
      throw new RequestError('busy', BUSY_MESSAGE, { retryAfterMs: this.retryAfterMs() });
    }
    // Time with nothing in flight says nothing about the drain rate: the window starts afresh.
    if (this.inFlight === 0) this.restartWindow(this.now());
    this.inFlight++;
    try {
      return await write();
    } finally {
      this.inFlight--;
      this.noteDone();
    }
  }

  /** How long the writes in flight take to finish at the recent rate, within the bounds above. */
  retryAfterMs(): number {
    const rate = this.currentRate();
    const drainMs = rate > 0 ? this.inFlight / rate : MAX_RETRY_AFTER_MS;
    return Math.round(Math.min(MAX_RETRY_AFTER_MS, Math.max(MIN_RETRY_AFTER_MS, drainMs)));
  }

  /**
   * The smoothed rate; before the first full window, the current one's; lower when the current
   * window has run long and finished little (a stalled store). The current window counts one
   * completion more than it saw, so that a window just begun is not taken for a stall, while one
   * that has gone on for seconds without a completion is.
   */
  private currentRate(): number {
    const elapsed = Math.max(1, this.now() - this.windowStart);
    const partial = (this.windowDone + 1) / elapsed;
    if (this.rate === 0) return partial;
    return elapsed < RATE_WINDOW_MS ? this.rate : Math.min(this.rate, partial);
  }

  private noteDone(): void {
    this.windowDone++;
    const now = this.now();
    const elapsed = now - this.windowStart;
    if (elapsed < RATE_WINDOW_MS) return;
    const sample = this.windowDone / elapsed;
    this.rate = this.rate === 0 ? sample : (this.rate + sample) / 2;
    this.restartWindow(now);
  }

  private restartWindow(now: number): void {
    this.windowStart = now;
    this.windowDone = 0;
  }
}
