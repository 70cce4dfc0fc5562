/** Reconnect delays: exponential backoff with jitter. */
export interface ReconnectPolicy {
  initialDelayMs: number;
  maxDelayMs: number;
}

/**
 * The cap bounds how long an app waits after its server is back: a server restart takes seconds,
 * and the reconnect should too (at 15 s the wait reached 20-30 s counting the failed attempts'
 * own time). Jitter still spreads thousands of clients over the cap.
 */
export const RECONNECT_CAP_MS = 3_000;

export const DEFAULT_RECONNECT: ReconnectPolicy = { initialDelayMs: 250, maxDelayMs: RECONNECT_CAP_MS };

/** Delay before attempt number `attempt` (0-based): between half and all of min(max, initial·2^attempt). */
export function reconnectDelay(
  policy: ReconnectPolicy,
  attempt: number,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling * (0.5 + random() / 2));
}

/** A busy server's retryAfterMs is honoured up to this (it says 5 s at most; this guards the client). */
export const MAX_BUSY_WAIT_MS = 10_000;
/** The jitter added to a busy wait: a quarter of it, at most this. */
export const MAX_BUSY_JITTER_MS = 500;

/**
 * How long to wait before resending what a busy server refused: its retryAfterMs (capped), plus a
 * little jitter so that the clients it refused together do not all come back in the same instant.
 */
export function busyRetryDelay(retryAfterMs: number | undefined, random: () => number = Math.random): number {
  const wait = Math.min(retryAfterMs ?? MAX_BUSY_JITTER_MS, MAX_BUSY_WAIT_MS);
  return Math.round(wait + random() * Math.min(wait / 4, MAX_BUSY_JITTER_MS));
}
