/**
 * The dm scenario's overload rows (docs/performance.md, "Overload"): open loops offering 1×, 2× and
 * 5× the closed-loop capacity measured earlier in the same run, each repeated, against a fresh
 * server in each admission configuration: the defaults, and a tight one that answers `busy` with
 * the bench's clients (each connection has at most one request in flight, so with fewer senders
 * than --max-pending-writes nothing ever waits). The generator counts busy replies and does not
 * resend them: what is delivered is what the server accepted. Each row reports delivered msg/s
 * (from the first send to the last receipt) as a ratio of that capacity, the busy replies, and the
 * server's peak RSS.
 */
import { Pool, split } from './lib/pool.js';
import { rssBytes, startOurServer, userNames } from './lib/servers.js';
import { nowMicros, round } from './lib/stats.js';
import { connectPlaced, openLoop, progress, quiesce, type Sizes } from './scenarios.js';

/** Offered load, as multiples of the closed-loop capacity. */
export const OVERLOAD_MULTIPLES = [1, 2, 5] as const;
export const OVERLOAD_REPEATS = 3;

export interface AdmissionConfig {
  label: string;
  /** undefined: the server's default (server/config.ts). */
  maxPendingWrites?: number;
  maxWriteWaitMs?: number;
}

/**
 * The defaults, and a quarter of the clients in flight with 50 ms of wait: the other three
 * quarters queue for up to 88 ms at 8,500 msg/s, so some wait past it and are refused.
 */
function admissionConfigs(clients: number): AdmissionConfig[] {
  return [
    { label: 'defaults' },
    { label: 'tight', maxPendingWrites: Math.max(1, Math.floor(clients / 4)), maxWriteWaitMs: 50 },
  ];
}
const RSS_SAMPLE_MS = 100;

export interface OverloadRow {
  multiple: number;
  offered: number;
  repeat: number;
  sent: number;
  delivered: number;
  busy: number;
  /** Error replies other than busy (expected 0). */
  otherErrors: number;
  /** From the first send to the last receipt. */
  seconds: number;
  deliveredPerSec: number;
  /** deliveredPerSec ÷ the closed-loop capacity. */
  ratio: number;
  p50: number;
  p99: number;
  peakRssMb: number;
  generatorBehindMs: number;
}

export interface OverloadResult {
  capacity: number;
  clients: number;
  config: AdmissionConfig;
  rows: OverloadRow[];
  /** Per multiple: the medians of the repeats, and the largest peak RSS. */
  medians: { multiple: number; ratio: number; busy: number; deliveredPerSec: number; peakRssMb: number }[];
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

/** The largest RSS of `pid` seen every RSS_SAMPLE_MS until stop() is called. */
function watchPeakRss(pid: number): { stop(): number } {
  let peak = rssBytes(pid);
  const timer = setInterval(() => (peak = Math.max(peak, rssBytes(pid))), RSS_SAMPLE_MS);
  return {
    stop: () => {
      clearInterval(timer);
      return Math.max(peak, rssBytes(pid));
    },
  };
}

async function overloadRow(
  pool: Pool,
  names: string[],
  serverPid: number,
  point: { multiple: number; repeat: number; capacity: number; durationMs: number },
): Promise<OverloadRow> {
  const offered = Math.round(point.multiple * point.capacity);
  const rss = watchPeakRss(serverPid);
  const t0 = nowMicros();
  const open = await openLoop(pool, () => names, offered, point.durationMs);
  const peakRssMb = round(rss.stop() / 2 ** 20, 1);
  // The workers keep their counts until the next reset: the last receipt ends the row's window.
  const stats = await pool.stats();
  const lastReceipt = Math.max(t0, ...stats.map((s) => s.lastReceiptAt));
  const seconds = Math.max((lastReceipt - t0) / 1e6, point.durationMs / 1000);
  const busy = open.errorCodes.busy ?? 0;
  const deliveredPerSec = Math.round(open.delivered / seconds);
  return {
    multiple: point.multiple,
    offered,
    repeat: point.repeat,
    sent: open.sent,
    delivered: open.delivered,
    busy,
    otherErrors: open.errors - busy,
    seconds: round(seconds, 2),
    deliveredPerSec,
    ratio: round(deliveredPerSec / point.capacity, 2),
    p50: open.latency.p50,
    p99: open.latency.p99,
    peakRssMb,
    generatorBehindMs: open.generatorBehindMs,
  };
}

/** Every admission configuration in turn (bench/run.ts). */
export async function overload(sizes: Sizes, capacity: number): Promise<OverloadResult[]> {
  const results: OverloadResult[] = [];
  for (const config of admissionConfigs(sizes.dmClients)) {
    results.push(await overloadConfig(sizes, capacity, config));
  }
  return results;
}

/** Runs every multiple OVERLOAD_REPEATS times against a fresh server with this configuration. */
async function overloadConfig(
  sizes: Sizes,
  capacity: number,
  config: AdmissionConfig,
): Promise<OverloadResult> {
  const names = userNames('o', sizes.dmClients);
  const { maxPendingWrites, maxWriteWaitMs } = config;
  const server = await startOurServer({
    users: names,
    kdfCost: sizes.setupKdfCost,
    maxPendingWrites,
    maxWriteWaitMs,
  });
  const pool = new Pool(sizes.workers);
  try {
    progress(`overload (${config.label}): ${names.length} clients, ${JSON.stringify(config)}`);
    const parts = split(names, pool.workers.length);
    await connectPlaced(pool, (i) => ({ server, names: parts[i] ?? [] }), names.length, {
      quiet: false,
      budgetMs: 120_000,
      concurrency: 8,
    });
    await quiesce(pool, 10_000);
    const rows: OverloadRow[] = [];
    for (const multiple of OVERLOAD_MULTIPLES) {
      for (let repeat = 0; repeat < OVERLOAD_REPEATS; repeat++) {
        const point = { multiple, repeat, capacity, durationMs: sizes.openMs };
        const row = await overloadRow(pool, names, server.pid, point);
        rows.push(row);
        progress(
          `overload (${config.label}) ${multiple}× (${row.offered}/s): ${row.deliveredPerSec} msg/s delivered = ` +
            `${row.ratio}× capacity, ${row.busy} busy, p99 ${row.p99} ms, peak RSS ${row.peakRssMb} MB`,
        );
        // Replies still on their way (busy ones included) must not count in the next row.
        await quiesce(pool, 10_000);
      }
    }
    return { capacity, clients: names.length, config, rows, medians: mediansOf(rows) };
  } finally {
    await pool.stop();
    await server.stop();
  }
}

function mediansOf(rows: OverloadRow[]): OverloadResult['medians'] {
  return OVERLOAD_MULTIPLES.map((multiple) => {
    const mine = rows.filter((r) => r.multiple === multiple);
    return {
      multiple,
      ratio: median(mine.map((r) => r.ratio)),
      busy: median(mine.map((r) => r.busy)),
      deliveredPerSec: median(mine.map((r) => r.deliveredPerSec)),
      peakRssMb: Math.max(...mine.map((r) => r.peakRssMb)),
    };
  });
}
