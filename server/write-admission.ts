/**
 * Overload admission for writes (`message`, `broadcast`), across every connection of this node.
 * At most maxPending of them are accepted and not yet answered at once; past that a write waits,
 * first come first served, for one to finish, and one that has waited maxWaitMs is refused with
 * `busy`, before anything is stored. `retryAfterMs` says how long the writes ahead of it (in
 * flight and waiting) take to finish at the rate writes have recently been finishing.
 *
 * Why here, above the Store port: whatever the adapter (SQLite's group commit, PostgreSQL's pool),
 * an accepted write waits on the store until it is durable, and under overload that is where work
 * piles up. The bound keeps the store's batches bounded; the waiting costs nothing (a waiting
 * connection reads no more frames: each has one request in flight, server/sessions.ts, so further
 * input waits in its socket, and the waiting writes are bounded by the connections). Refusing
 * only after a wait, rather than at once, matters under overload: a refusal costs a parse and a
 * reply, and a sender that does not back off would otherwise be refused as fast as it can send,
 * spending on refusals the CPU the accepted writes need (docs/performance.md, "Overload").
 */
import { RequestError } from './errors.js';

/** Never ask a client to come back sooner than this... */
export const MIN_RETRY_AFTER_MS = 50;
/** ...nor later (a stalled store must not park clients for minutes). */
export const MAX_RETRY_AFTER_MS = 5000;
/** Completions are counted over windows of this length to estimate the drain rate. */
const RATE_WINDOW_MS = 250;

const BUSY_MESSAGE = 'the server is busy; nothing was stored: send the same request again after retryAfterMs';

/** How fast writes finish, in writes per millisecond, measured while some are in flight. */
class DrainRate {
  /** Smoothed over recent windows; 0 until one window has passed. */
  private rate = 0;
  private windowStart: number;
  private windowDone = 0;

  constructor(private readonly now: () => number) {
    this.windowStart = now();
  }

  /** Time with nothing in flight says nothing about the rate: the window starts afresh. */
  restart(): void {
    this.windowStart = this.now();
    this.windowDone = 0;
  }

  noteDone(): void {
    this.windowDone++;
    const elapsed = this.now() - this.windowStart;
    if (elapsed < RATE_WINDOW_MS) return;
    const sample = this.windowDone / elapsed;
    this.rate = this.rate === 0 ? sample : (this.rate + sample) / 2;
    this.restart();
  }

  /**
   * The smoothed rate; before the first full window, the current one's; lower when the current
   * window has run long and finished little (a stalled store). The current window counts one
   * completion more than it saw, so that a window just begun is not taken for a stall, while one
   * that has gone on for seconds without a completion is.
   */
  current(): number {
    const elapsed = Math.max(1, this.now() - this.windowStart);
    const partial = (this.windowDone + 1) / elapsed;
    if (this.rate === 0) return partial;
    return elapsed < RATE_WINDOW_MS ? this.rate : Math.min(this.rate, partial);
  }
}

interface Waiter {
  /** Called with the slot already taken. */
  admit: () => void;
  timer: NodeJS.Timeout;
  /** Refused after its wait: skipped when its turn comes. */
  refused: boolean;
}

export class WriteAdmission {
  private inFlight = 0;
  /** Writes waiting for a slot, oldest first from `head` on. */
  private waiting: Waiter[] = [];
  private head = 0;
  private waitingCount = 0;
  private readonly drain: DrainRate;

  /**
   * @param maxPending writes in flight at most; 0 turns admission off (every write is accepted).
   * @param maxWaitMs how long a write past the bound may wait for a slot; 0: refused at once.
   * @param now a millisecond clock.
   */
  constructor(
    readonly maxPending: number,
    readonly maxWaitMs: number,
    now: () => number = () => performance.now(),
  ) {
    this.drain = new DrainRate(now);
  }

  /** Writes accepted and not answered yet. */
  get pending(): number {
    return this.inFlight;
  }

  /** Writes waiting for a slot. */
  get queued(): number {
    return this.waitingCount;
  }

  /** Runs write() once a slot is free; throws RequestError busy when none was within maxWaitMs. */
  async admit<T>(write: () => Promise<T>): Promise<T> {
    await this.takeSlot();
    try {
      return await write();
    } finally {
      this.inFlight--;
      this.drain.noteDone();
      this.handOver();
    }
  }

  /** How long the writes in flight and waiting take to finish at the recent rate, within bounds. */
  retryAfterMs(): number {
    const rate = this.drain.current();
    const drainMs = rate > 0 ? (this.inFlight + this.waitingCount) / rate : MAX_RETRY_AFTER_MS;
    return Math.round(Math.min(MAX_RETRY_AFTER_MS, Math.max(MIN_RETRY_AFTER_MS, drainMs)));
  }

  /** Takes a slot now if one is free and nobody waits for one; otherwise waits in line. */
  private takeSlot(): Promise<void> | undefined {
    if (this.maxPending === 0 || (this.inFlight < this.maxPending && this.waitingCount === 0)) {
      this.occupy();
      return undefined;
    }
    if (this.maxWaitMs === 0) throw this.busy();
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        admit: resolve,
        refused: false,
        timer: setTimeout(() => {
          waiter.refused = true;
          this.waitingCount--;
          reject(this.busy());
        }, this.maxWaitMs),
      };
      waiter.timer.unref();
      this.waiting.push(waiter);
      this.waitingCount++;
    });
  }

  private occupy(): void {
    if (this.inFlight === 0) this.drain.restart();
    this.inFlight++;
  }

  /** Gives free slots to the oldest waiters still waiting. */
  private handOver(): void {
    while (this.inFlight < this.maxPending && this.head < this.waiting.length) {
      const next = this.waiting[this.head++] as Waiter;
      if (next.refused) continue;
      clearTimeout(next.timer);
      this.waitingCount--;
      this.occupy();
      next.admit();
    }
    if (this.head === this.waiting.length || this.head > 1024) {
      this.waiting = this.waiting.slice(this.head);
      this.head = 0;
    }
  }

  private busy(): RequestError {
    return new RequestError('busy', BUSY_MESSAGE, { retryAfterMs: this.retryAfterMs() });
  }
}
