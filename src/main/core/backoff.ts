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
