/**
 * Bounds the password-hashing (scrypt) work of logins and registrations (docs/security.md,
 * "Authentication").
 *
 * Node runs async scrypt on libuv's thread pool, the same four threads (by default) that run the
 * WAL's fdatasync (server/group-commit.ts), and every reply waits for that sync. Unbounded, a login
 * flood queues hundreds of derivations ahead of the sync and stalls every user's messages for
 * seconds. So at most `concurrency` derivations run at once, always fewer than the pool's threads,
 * so a sync never waits behind one, and fewer than the cores, so the event loop keeps a core.
 * Further attempts wait in order. A login that would wait longer than `maxWaitMs` (estimated from
 * the recent derivations), or beyond `maxWaiting` queued, is refused at once with `rate_limited`
 * and the estimated wait as `retryAfterMs`.
 */
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { RequestError } from './errors.js';

/** libuv's thread pool when UV_THREADPOOL_SIZE is not set. */
const LIBUV_DEFAULT_THREADS = 4;
/** Threads of the pool kept free of scrypt: the WAL sync and any other file work. */
const THREADS_KEPT_FREE = 2;
/** How much each finished derivation moves the duration estimate (exponential moving average). */
const ESTIMATE_WEIGHT = 0.2;
/** The shortest retryAfterMs a refusal suggests (before any estimate exists, the wait is unknown). */
const MIN_RETRY_AFTER_MS = 100;

export interface KdfGateOptions {
  /** Derivations at once. */
  readonly concurrency: number;
  /** Refuse an attempt whose estimated wait for a slot is longer than this. */
  readonly maxWaitMs: number;
  /** Refuse an attempt when this many already wait (bounds memory before any estimate exists). */
  readonly maxWaiting: number;
}

/** One less than the cores, and THREADS_KEPT_FREE less than libuv's pool, but at least one. */
export function defaultKdfConcurrency(
  poolThreads = Number(process.env.UV_THREADPOOL_SIZE) || LIBUV_DEFAULT_THREADS,
  cores = availableParallelism(),
): number {
  return Math.max(1, Math.min(poolThreads - THREADS_KEPT_FREE, cores - 1));
}

export const DEFAULT_KDF_GATE: KdfGateOptions = {
  concurrency: defaultKdfConcurrency(),
  maxWaitMs: 5_000,
  maxWaiting: 1_024,
};

export class KdfGate {
  private running = 0;
  private readonly queue: (() => void)[] = [];
  /** Mean milliseconds a derivation holds its slot, once one has finished. */
  private meanMs: number | undefined;

  constructor(
    private readonly options: KdfGateOptions = DEFAULT_KDF_GATE,
    private readonly now: () => number = () => performance.now(),
  ) {
    if (!Number.isInteger(options.concurrency) || options.concurrency < 1) {
      throw new RangeError(`KDF concurrency must be a positive integer, got ${options.concurrency}`);
    }
  }

  /**
   * Runs `task` (which derives one key) once a slot is free, in arrival order; throws
   * RequestError `rate_limited` at once when the wait would be too long.
   */
  async run<T>(task: () => Promise<T> | T): Promise<T> {
    this.admit();
    if (this.running >= this.options.concurrency) {
      await new Promise<void>((resolve) => this.queue.push(resolve));
    } else {
      this.running++;
    }
    try {
      const started = this.now();
      const result = await task();
      // Only a task that finished derived a key; one that threw early (a lock) says nothing of cost.
      this.learn(this.now() - started);
      return result;
    } finally {
      this.release();
    }
  }

  /** Derivations running now (tests). */
  get active(): number {
    return this.running;
  }

  /** Attempts waiting for a slot (tests). */
  get waiting(): number {
    return this.queue.length;
  }

  private admit(): void {
    if (this.running < this.options.concurrency) return;
    const waitMs = this.estimatedWaitMs();
    if (this.queue.length < this.options.maxWaiting && waitMs <= this.options.maxWaitMs) return;
    throw new RequestError('rate_limited', 'the server is busy checking other passwords; try again shortly', {
      retryAfterMs: Math.ceil(Math.min(Math.max(waitMs, MIN_RETRY_AFTER_MS), this.options.maxWaitMs)),
    });
  }

  /** How long a newcomer would wait for a slot: everyone ahead of it, `concurrency` at a time. */
  private estimatedWaitMs(): number {
    const rounds = Math.ceil((this.queue.length + 1) / this.options.concurrency);
    return rounds * (this.meanMs ?? 0);
  }

  private learn(ms: number): void {
    this.meanMs = this.meanMs === undefined ? ms : this.meanMs + ESTIMATE_WEIGHT * (ms - this.meanMs);
  }

  /** Hands the slot to the next in line, or frees it. */
  private release(): void {
    const next = this.queue.shift();
    if (next) next();
    else this.running--;
  }
}
