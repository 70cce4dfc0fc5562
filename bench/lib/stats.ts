/** Small statistics helpers shared by the bench orchestrator and its workers. */

export interface LatencySummary {
  count: number;
  /** Milliseconds. */
  p50: number;
  p99: number;
  p999: number;
  max: number;
  mean: number;
}

/** Nearest-rank percentile of an ascending array; NaN for an empty one. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

/** Summarises latencies given in microseconds, reporting milliseconds. */
export function summarizeMicros(samples: ArrayLike<number>): LatencySummary {
  const sorted = Float64Array.from(samples).sort();
  let sum = 0;
  for (let i = 0; i < sorted.length; i++) sum += sorted[i] as number;
  const ms = (v: number): number => Math.round(v) / 1000;
  return {
    count: sorted.length,
    p50: ms(percentile(sorted, 50)),
    p99: ms(percentile(sorted, 99)),
    p999: ms(percentile(sorted, 99.9)),
    max: ms(sorted.length ? (sorted[sorted.length - 1] as number) : Number.NaN),
    mean: ms(sorted.length ? sum / sorted.length : Number.NaN),
  };
}

/** Monotonic clock in microseconds, shared by every process on the machine (CLOCK_MONOTONIC). */
export function nowMicros(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Rounds to `digits` significant decimals for tables. */
export function round(value: number, digits = 2): number {
  if (!Number.isFinite(value)) return value;
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
