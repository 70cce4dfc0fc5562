/** The results table: one row per figure, with the ngircd figure and the ratio beside it where there is one. */
import type { BenchResults } from './run.js';
import type { ModeResult } from './modes.js';
import type { SearchResult } from './search.js';
import type { IndexCostResult } from './search-index-cost.js';
import type { FilesResult } from './files.js';
import type { OverloadResult } from './overload.js';
import type { DirectResult } from './scenarios.js';

export interface Row {
  scenario: string;
  metric: string;
  ours: number | string;
  ngircd?: number;
  /** ours ÷ ngircd for rates, ngircd ÷ ours for times: above 1 means this server is better. */
  advantage?: number;
  target?: string;
  met?: boolean;
}

function adv(ours: number, peer: number | undefined, higherIsBetter: boolean): number | undefined {
  if (peer === undefined || !Number.isFinite(peer) || !Number.isFinite(ours) || ours <= 0 || peer <= 0) {
    return undefined;
  }
  return Math.round((higherIsBetter ? ours / peer : peer / ours) * 100) / 100;
}

const DURABLE_PEERS = [
  ['ejabberd-sqlite', 'ejabberd on SQLite'],
  ['ejabberd-mnesia', 'ejabberd on Mnesia'],
] as const;

/**
 * The durable peer's figures beside this server's: the peer's own value in the "this server" column
 * (as for the floor rows), and in "advantage ×" this server against it (above 1: this server is better).
 */
function durablePeerRows(dm: NonNullable<BenchResults['dm']>): Row[] {
  const rows: Row[] = [];
  for (const [key, label] of DURABLE_PEERS) {
    const peer = dm[key];
    if (!peer) continue;
    rows.push({
      scenario: `1 direct (${peer.clients} clients)`,
      metric: `${label} (mod_mam + mod_offline): closed-loop msg/s; advantage = this server ÷ it`,
      ours: peer.closed.deliveredPerSec,
      advantage: adv(dm.ours.closed.deliveredPerSec, peer.closed.deliveredPerSec, true),
    });
    for (const point of peer.open) {
      const ours = dm.ours.open.find((p) => p.rate === point.rate);
      for (const q of ['p50', 'p99'] as const) {
        rows.push({
          scenario: `1 direct open loop ${point.rate}/s`,
          metric: `${label}: ${q} ms (delivered ${point.delivered}/${point.sent}); advantage = it ÷ this server`,
          ours: point.latency[q],
          advantage: ours ? adv(ours.latency[q], point.latency[q], false) : undefined,
        });
      }
    }
  }
  return rows;
}

/**
 * Per admission configuration and offered multiple of the closed-loop capacity: the medians of
 * its repeats (bench/overload.ts).
 */
function overloadRows(results: OverloadResult[] | undefined): Row[] {
  return (results ?? []).flatMap((result) => {
    const { label, maxPendingWrites, maxWriteWaitMs } = result.config;
    const limits =
      maxPendingWrites === undefined
        ? 'default limits'
        : `${maxPendingWrites} in flight, ${maxWriteWaitMs} ms wait`;
    return result.medians.map((m) => ({
      scenario: `1 direct overload ${m.multiple}× capacity (${Math.round(m.multiple * result.capacity)}/s)`,
      metric:
        `${label} (${limits}): delivered ÷ closed-loop capacity, median of runs ` +
        `(${m.deliveredPerSec} msg/s; ${m.busy} busy; peak RSS ${m.peakRssMb} MB)`,
      ours: m.ratio,
      target: '≥ 0.9',
      met: m.ratio >= 0.9,
    }));
  });
}

export function buildTable(r: BenchResults): Row[] {
  const rows: Row[] = [];
  if (r.dm) {
    const { ours, ngircd, floor } = r.dm;
    const closedLoop = (result: DirectResult, metric: string): Row => ({
      scenario: `1 direct (${ours.clients} clients)`,
      metric,
      ours: result.closed.deliveredPerSec,
      ngircd: ngircd?.closed.deliveredPerSec,
      advantage: adv(result.closed.deliveredPerSec, ngircd?.closed.deliveredPerSec, true),
    });
    rows.push({
      ...closedLoop(ours, 'closed-loop delivered msg/s'),
      target: '≥ 2× ngircd',
      met: ngircd ? ours.closed.deliveredPerSec >= 2 * ngircd.closed.deliveredPerSec : undefined,
    });
    if (floor) rows.push(closedLoop(floor, 'floor: a bare Node relay (stores nothing), closed-loop msg/s'));
    for (const point of ours.open) {
      const peer = ngircd?.open.find((p) => p.rate === point.rate);
      for (const q of ['p50', 'p99', 'p999'] as const) {
        const row: Row = {
          scenario: `1 direct open loop ${point.rate}/s`,
          metric: `${q === 'p999' ? 'p99.9' : q} ms (delivered ${point.delivered}/${point.sent})`,
          ours: point.latency[q],
          ngircd: peer?.latency[q],
          advantage: adv(point.latency[q], peer?.latency[q], false),
        };
        if (point.rate === 10_000 && q === 'p99') {
          row.target = '< 2 ms';
          row.met = point.latency.p99 < 2 && point.delivered === point.sent;
        }
        rows.push(row);
      }
      const bare = floor?.open.find((p) => p.rate === point.rate);
      if (bare) {
        rows.push({
          scenario: `1 direct open loop ${point.rate}/s`,
          metric: `floor: bare Node relay p99 ms (p50 ${bare.latency.p50}; delivered ${bare.delivered}/${bare.sent})`,
          ours: bare.latency.p99,
          ngircd: peer?.latency.p99,
          advantage: adv(bare.latency.p99, peer?.latency.p99, false),
        });
      }
    }
    rows.push(...durablePeerRows(r.dm));
    rows.push(...overloadRows(r.dm.overload));
  }
  if (r.broadcast) {
    r.broadcast.ours.forEach((point, i) => {
      const peer = r.broadcast?.ngircd?.[i];
      const row: Row = {
        scenario: `2 broadcast ${point.receivers} receivers`,
        metric: `last receipt ms (median of runs; ${point.online} online, ${point.delivered} got it)`,
        ours: point.lastReceiptMs,
        ngircd: peer?.lastReceiptMs,
        advantage: adv(point.lastReceiptMs, peer?.lastReceiptMs, false),
      };
      if (point.receivers === 10_000) {
        row.target = '< 20 ms';
        row.met = point.lastReceiptMs < 20 && point.online === point.receivers;
      }
      rows.push(row);
      const floor = r.broadcast?.floor?.[i];
      if (floor) {
        rows.push({
          scenario: `2 broadcast ${point.receivers} receivers`,
          metric: `floor: a bare Node server writing the frame to ${floor.sockets} sockets, ms (${floor.microsPerWrite} µs each)`,
          ours: floor.loopMs,
        });
      }
      rows.push({
        scenario: `2 broadcast ${point.receivers} receivers`,
        metric: 'setup: all logged in and quiet, s',
        ours: point.loginSeconds,
        ngircd: peer?.loginSeconds,
        advantage: adv(point.loginSeconds, peer?.loginSeconds, false),
      });
    });
  }
  if (r.density) {
    const d = r.density;
    rows.push({
      scenario: `3 density (kdf N=${d.kdfCost})`,
      metric: `concurrent logged-in clients (${d.gateways} gateway processes; stopped by: ${d.limitedBy}; ${d.rateLimitedRetries ?? 0} logins retried after rate_limited)`,
      ours: d.reached,
      target: '100,000',
      met: d.reached >= 100_000,
    });
    rows.push({
      scenario: '3 density',
      metric: 'server RSS per connection (core + gateways, over baseline), KB',
      ours: d.rssPerConnectionKb,
      target: '< 10 KB',
      met: d.rssPerConnectionKb < 10,
    });
    rows.push({
      scenario: '3 density',
      metric: `whole server RSS per connection, KB (${d.finalRssMb} MB total)`,
      ours: d.rssTotalPerConnectionKb,
    });
    rows.push({ scenario: '3 density', metric: 'logins/s while filling', ours: d.loginsPerSec });
    rows.push({
      scenario: '3 density',
      metric: `presence frames per login (${d.presenceWatchers} clients watch presence)`,
      ours: d.presenceFramesPerLogin,
    });
    rows.push({ scenario: '3 density', metric: 'server CPU ms per login', ours: d.serverCpuMsPerLogin });
  }
  if (r.backlog) {
    const b = r.backlog;
    rows.push({
      scenario: `4 offline backlog ${b.messages}`,
      metric: `login → last message ms (${b.received} received)`,
      ours: b.lastReceiptMs,
      target: '< 2000 ms',
      met: b.lastReceiptMs < 2000 && b.received === b.messages,
    });
    rows.push({ scenario: '4 offline backlog', metric: 'seeding rate, stored msg/s', ours: b.seedPerSec });
  }
  if (r.login) {
    rows.push({ scenario: '5 login (scrypt N=16384)', metric: 'logins/s', ours: r.login.loginsPerSec });
    rows.push({
      scenario: '5 login',
      metric: 'login p50 / p99 ms',
      ours: `${r.login.latency.p50} / ${r.login.latency.p99}`,
    });
  }
  if (r.modes) rows.push(...modeRows(r.modes));
  if (r.group) {
    rows.push({
      scenario: `7 group of ${r.group.members}`,
      metric: `one message → last member has it, p50 / p99 ms (${r.group.repeats} messages)`,
      ours: `${r.group.p50} / ${r.group.p99}`,
    });
  }
  if (r.search) rows.push(...searchRows(r.search));
  if (r.searchIndex) rows.push(...indexCostRows(r.searchIndex));
  if (r.files) rows.push(...filesRows(r.files));
  if (r.renderer) {
    for (const [metric, value] of Object.entries(r.renderer.figures ?? {})) {
      const row: Row = { scenario: '6 renderer', metric, ours: value as number };
      if (metric.startsWith('scroll frame p95')) {
        // rAF deltas are vsync-locked (16.67 ms at 60 Hz): "under 16 ms" means every frame makes vsync.
        row.target = '< 16 ms (= 60 Hz vsync)';
        row.met = (value as number) < 17;
      }
      rows.push(row);
    }
  }
  return rows;
}

const MODE_LABELS: Record<ModeResult['mode'], string> = {
  floor: 'floor: bare Node relay',
  sqlite: '1 node, SQLite',
  postgres: '1 node, PostgreSQL',
  'postgres+redis': '2 nodes, PostgreSQL + Redis',
};

/** "; 0.42× floor", or nothing on the floor's own rows. */
function versusFloor(value: number, floor: number | undefined, isFloor: boolean, what = 'floor'): string {
  if (isFloor || floor === undefined || !(floor > 0) || !Number.isFinite(value)) return '';
  return `; ${Math.round((value / floor) * 100) / 100}× ${what}`;
}

/** Scenario 7: per mode, throughput, latency at the fixed rate and CPU per message, each against the floor. */
function searchRows(result: SearchResult): Row[] {
  return result.backends.flatMap((b) => {
    const seed = result.groups > 0 ? `, half in ${result.groups.toLocaleString('en')} groups` : '';
    const scenario = `8 search: ${b.backend === 'sqlite' ? 'SQLite FTS5' : 'PostgreSQL GIN'}${seed}`;
    const seeded: Row = {
      scenario,
      metric: `${b.messages.toLocaleString('en')} messages seeded in bulk transactions, seconds`,
      ours: b.seedSeconds,
    };
    return [
      seeded,
      ...Object.entries(b.queries).flatMap(([name, q]): Row[] => [
        {
          scenario,
          metric: `${name} p50 ms (${q.latency.count} searches, ${q.meanResults} results each)`,
          ours: q.latency.p50,
        },
        { scenario, metric: `${name} p99 ms`, ours: q.latency.p99 },
      ]),
    ];
  });
}

/** Scenario 8b: time and bytes per stored message with the search index and without it. */
function indexCostRows(result: IndexCostResult): Row[] {
  return result.backends.flatMap((b): Row[] => {
    const scenario = `8b search index: ${b.backend === 'sqlite' ? 'SQLite FTS5' : 'PostgreSQL GIN'}`;
    const runs = `${b.messages.toLocaleString('en')} messages, median of ${result.rounds}`;
    return [
      {
        scenario,
        metric: `µs per stored message with / without the index (${runs})`,
        ours: `${b.withIndex.usPerMessage} / ${b.withoutIndex.usPerMessage}`,
      },
      {
        scenario,
        metric: 'bytes stored per message with / without the index',
        ours: `${b.withIndex.bytesPerMessage} / ${b.withoutIndex.bytesPerMessage}`,
      },
    ];
  });
}

/** Scenario 9: one file up and down against the plain socket copy, and memory during parallel uploads. */
function filesRows(f: FilesResult): Row[] {
  const scenario = `9 files of ${Math.round(f.bytes / 1024 / 1024)} MiB`;
  return [
    { scenario, metric: 'plain net socket copy (the floor), MiB/s', ours: f.floorMiBps },
    {
      scenario,
      metric: 'upload, MiB/s (share of the floor)',
      ours: `${f.uploadMiBps} (${share(f.uploadMiBps, f.floorMiBps)})`,
    },
    {
      scenario,
      metric: 'download, MiB/s (share of the floor)',
      ours: `${f.downloadMiBps} (${share(f.downloadMiBps, f.floorMiBps)})`,
    },
    {
      scenario,
      metric: `server RSS before → peak during ${f.parallel} parallel uploads, MiB (${f.parallelSeconds} s)`,
      ours: `${f.rssBeforeMiB} → ${f.rssPeakMiB}`,
      target: `peak − before < ${f.parallel} files`,
      met: f.rssPeakMiB - f.rssBeforeMiB < (f.parallel * f.bytes) / 1024 / 1024,
    },
    {
      scenario,
      metric:
        'upload with files in S3 (s3rver, a local emulator: not a cloud figure), MiB/s (share of the floor)',
      ours: `${f.s3UploadMiBps} (${share(f.s3UploadMiBps, f.floorMiBps)})`,
    },
    {
      scenario,
      metric:
        'download with files in S3 (s3rver, a local emulator: not a cloud figure), MiB/s (share of the floor)',
      ours: `${f.s3DownloadMiBps} (${share(f.s3DownloadMiBps, f.floorMiBps)})`,
    },
  ];
}

const share = (value: number, floor: number) => `${Math.round((100 * value) / floor)}%`;

function modeRows(results: ModeResult[]): Row[] {
  const floor = results.find((m) => m.mode === 'floor');
  const scenario = (m: ModeResult): string => `7 modes: ${MODE_LABELS[m.mode]}`;
  const cpu = (m: ModeResult): number =>
    Math.round((m.nodeCpuMicrosPerMessage + m.serviceCpuMicrosPerMessage) * 10) / 10;
  return results.flatMap((m) => {
    const isFloor = m === floor;
    const { latency, rate } = m.open;
    return [
      {
        scenario: scenario(m),
        metric:
          `closed-loop delivered msg/s, median of ${m.closedRuns.length} ` +
          `(${m.closedRuns.map((run) => run.deliveredPerSec).join(', ')}` +
          `${versusFloor(m.closedPerSec, floor?.closedPerSec, isFloor)})`,
        ours: m.closedPerSec,
      },
      {
        scenario: scenario(m),
        metric:
          `open loop ${rate}/s p50 / p99 ms (delivered ${m.open.delivered}/${m.open.sent}` +
          `${versusFloor(latency.p99, floor?.open.latency.p99, isFloor, 'floor p99')})`,
        ours: `${latency.p50} / ${latency.p99}`,
      },
      {
        scenario: scenario(m),
        metric:
          `server CPU µs per delivered msg above idle, closed loop: nodes ${m.nodeCpuMicrosPerMessage} + ` +
          `PostgreSQL/Redis ${m.serviceCpuMicrosPerMessage} (at ${rate}/s: ` +
          `${m.openNodeCpuMicrosPerMessage} + ${m.openServiceCpuMicrosPerMessage}; ` +
          `idle ${m.idleCpuPercent.nodes} + ${m.idleCpuPercent.services} % of a core` +
          `${versusFloor(cpu(m), floor && cpu(floor), isFloor)})`,
        ours: cpu(m),
      },
    ];
  });
}

function cell(v: unknown): string {
  if (v === undefined) return '';
  if (typeof v === 'boolean') return v ? 'yes' : 'NO';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '—';
  return String(v);
}

/** Markdown table (readable in a terminal and pasteable into docs/performance.md). */
export function formatTable(rows: Row[]): string {
  const header = ['scenario', 'metric', 'this server', 'ngircd', 'advantage ×', 'target', 'met'];
  const body = rows.map((r) =>
    [r.scenario, r.metric, r.ours, r.ngircd, r.advantage, r.target, r.met].map(cell),
  );
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] ?? '').length)));
  const line = (cells: string[]): string =>
    `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...body.map(line)].join('\n');
}
