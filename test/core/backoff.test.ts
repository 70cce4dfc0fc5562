/** The reconnect backoff: exponential, jittered, and capped so a restarted server is found in seconds. */
import { describe, expect, it } from 'vitest';
import {
  busyRetryDelay,
  DEFAULT_RECONNECT,
  MAX_BUSY_JITTER_MS,
  MAX_BUSY_WAIT_MS,
  reconnectDelay,
} from '../../src/main/core/backoff.js';

const highest = () => 0.999_999;
const lowest = () => 0;

/** When the first attempt at or after `backAt` ms starts, trying from 0 with the longest delays. */
function firstAttemptAfter(backAt: number): number {
  let at = 0;
  for (let attempt = 0; at < backAt; attempt++) at += reconnectDelay(DEFAULT_RECONNECT, attempt, highest);
  return at;
}

describe('reconnect backoff', () => {
  it('never waits more than 3 s between attempts, however long the outage', () => {
    for (let attempt = 0; attempt <= 100; attempt++) {
      expect(reconnectDelay(DEFAULT_RECONNECT, attempt, highest)).toBeLessThanOrEqual(3_000);
    }
  });

  it('reconnects within 3 s of a server that was away for 10 s or for 2 minutes', () => {
    expect(firstAttemptAfter(10_000) - 10_000).toBeLessThanOrEqual(3_000);
    expect(firstAttemptAfter(120_000) - 120_000).toBeLessThanOrEqual(3_000);
  });

  it('starts fast and doubles up to the cap', () => {
    const delays = [0, 1, 2, 3, 4].map((attempt) => reconnectDelay(DEFAULT_RECONNECT, attempt, highest));
    expect(delays).toEqual([250, 500, 1_000, 2_000, 3_000]);
  });

  it('keeps jitter at the cap: between half and all of it, so many clients do not retry in step', () => {
    expect(reconnectDelay(DEFAULT_RECONNECT, 50, lowest)).toBe(1_500);
    expect(reconnectDelay(DEFAULT_RECONNECT, 50, () => 0.5)).toBe(2_250);
  });
});

describe('busy retry delay', () => {
  it("waits the server's retryAfterMs plus at most a quarter of it as jitter", () => {
    expect(busyRetryDelay(200, lowest)).toBe(200);
    expect(busyRetryDelay(200, highest)).toBe(250);
    expect(busyRetryDelay(200, () => 0.5)).toBe(225);
  });

  it('caps the wait and the jitter', () => {
    expect(busyRetryDelay(60_000, lowest)).toBe(MAX_BUSY_WAIT_MS);
    expect(busyRetryDelay(60_000, highest)).toBe(MAX_BUSY_WAIT_MS + MAX_BUSY_JITTER_MS);
    expect(busyRetryDelay(4000, highest)).toBe(4000 + MAX_BUSY_JITTER_MS);
  });
});
