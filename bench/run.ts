/**
 * `npm run bench` — benchmarks of the server (and the app's renderer) against ngircd as a real peer.
 * See docs/performance.md. Progress goes to stderr; the table to stdout; results to bench/results/.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { killAllChildren } from './lib/pool.js';
import { NGIRCD, ngircdAvailable } from './lib/servers.js';
import { ejabberdMissing } from './lib/ejabberd.js';
import { lineChart, type Series } from './lib/svg.js';
import { writeFloor, type WriteFloor } from './lib/write-floor.js';
import { summarizeProfile } from './lib/profile.js';
import { round } from './lib/stats.js';
import {
  backlog,
  broadcast,
  density,
  directMessages,
  loginRate,
  progress,
  type BroadcastPoint,
  type DirectResult,
  type Sizes,
} from './scenarios.js';
import { groupFanout, type GroupFanoutResult } from './group-fanout.js';
import { modes } from './modes.js';
import { searchBench } from './search.js';
import { searchIndexCost } from './search-index-cost.js';
import { filesBench, type FilesResult } from './files.js';
import { overload, type OverloadResult } from './overload.js';
import { renderer } from './renderer.js';
import { buildTable, formatTable } from './table.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const SCENARIOS = [
  'dm',
  'broadcast',
  'density',
  'backlog',
  'login',
  'renderer',
  'modes',
  'group',
  'search',
  'search-index',
  'files',
] as const;
type Scenario = (typeof SCENARIOS)[number];
/** ngircd: the non-durable C peer; ejabberd-*: the durable peer on SQLite and on Mnesia (dm only). */
export const PEERS = ['ngircd', 'ejabberd-sqlite', 'ejabberd-mnesia'] as const;
export type Peer = (typeof PEERS)[number];

export interface BenchResults {
  meta: Record<string, unknown>;
  sizes: Sizes;
  /** floor: a bare Node relay that stores nothing, driven the same way (bench/lib/relay-floor.ts). */
  dm?: {
    ours: DirectResult;
    ngircd?: DirectResult;
    floor?: DirectResult;
    'ejabberd-sqlite'?: DirectResult;
    'ejabberd-mnesia'?: DirectResult;
    /** Offered 1×, 2×, 5× ours' closed-loop capacity against a server that answers busy (bench/overload.ts). */
    overload?: OverloadResult[];
  };
  /** floor: a bare Node server's write loop over the same number of sockets (bench/lib/write-floor.ts). */
  broadcast?: { ours: BroadcastPoint[]; ngircd?: BroadcastPoint[]; floor?: WriteFloor[] };
  density?: Awaited<ReturnType<typeof density>>;
  backlog?: Awaited<ReturnType<typeof backlog>>;
  login?: Awaited<ReturnType<typeof loginRate>>;
  renderer?: Awaited<ReturnType<typeof renderer>>;
  /** One node on SQLite, one on PostgreSQL, two on PostgreSQL + Redis, and the relay floor (bench/modes.ts). */
  modes?: Awaited<ReturnType<typeof modes>>;
  /** A message to a 100-member group: until the last member has it (bench/group-fanout.ts). */
  group?: GroupFanoutResult;
  /** Message search over a seeded store, SQLite and PostgreSQL (bench/search.ts). */
  search?: Awaited<ReturnType<typeof searchBench>>;
  /** The search index's cost per stored message, SQLite and PostgreSQL (bench/search-index-cost.ts). */
  searchIndex?: Awaited<ReturnType<typeof searchIndexCost>>;
  /** A 25 MiB file up and down against a plain socket copy, and memory during ten uploads (bench/files.ts). */
  files?: FilesResult;
  profile?: ReturnType<typeof summarizeProfile>;
  errors: Record<string, string>;
  table?: ReturnType<typeof buildTable>;
}

const FULL: Sizes = {
  workers: 2,
  dmClients: 1000,
  closedMs: 5000,
  rates: [100, 1000, 10_000, 50_000],
  openMs: 3000,
  minOpenMessages: 1000,
  broadcastReceivers: [1000, 10_000],
  broadcastRepeats: 5,
  broadcastSetupMs: 75_000,
  densityTarget: 100_000,
  // Every login is announced to each watcher: 100 watchers × 100,000 logins = 10⁷ presence frames.
  densityWatchers: 100,
  densityBudgetMs: 240_000,
  backlog: 100_000,
  loginUsers: 16,
  loginMs: 6000,
  setupKdfCost: 2,
  modesRepeats: 3,
  // Below half of what the slowest mode (two nodes on PostgreSQL + Redis) takes on two cores.
  modesRate: 200,
  searchMessages: 1_000_000,
  searchers: 200,
  searchGroups: 0,
  indexCostMessages: 50_000,
  indexCostRounds: 3,
};

const QUICK: Sizes = {
  workers: 2,
  dmClients: 100,
  closedMs: 1500,
  rates: [1000, 5000],
  openMs: 1000,
  broadcastReceivers: [200],
  broadcastRepeats: 2,
  broadcastSetupMs: 15_000,
  densityTarget: 2000,
  densityWatchers: 100,
  densityBudgetMs: 8000,
  backlog: 5000,
  loginUsers: 4,
  loginMs: 1500,
  setupKdfCost: 2,
  modesRepeats: 2,
  modesRate: 200,
  searchMessages: 20_000,
  searchers: 20,
  searchGroups: 0,
  indexCostMessages: 5000,
  indexCostRounds: 3,
};

function ints(text: string): number[] {
  return text.split(',').map((t) => Number.parseInt(t.trim(), 10));
}

function machine(): Record<string, unknown> {
  let ngircdVersion = 'absent';
  try {
    ngircdVersion = execFileSync(NGIRCD, ['--version'], { encoding: 'utf8' }).split('\n')[0] ?? '';
  } catch {
    /* absent */
  }
  return {
    cpus: `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'unknown'}`,
    memoryGiB: round(os.totalmem() / 2 ** 30, 1),
    kernel: os.release(),
    node: process.version,
    ngircd: ngircdVersion,
    loadAverageAtStart: os.loadavg().map((l) => round(l, 2)),
  };
}

export async function runBench(options: {
  quick: boolean;
  scenarios: Scenario[];
  sizes: Sizes;
  /** false: no peer at all (--no-peer). */
  peer: boolean;
  /** The peers to run when `peer` is true (default: all of PEERS); those not installed are skipped. */
  peers?: readonly Peer[];
  profile: boolean;
  /** The dm scenario's overload rows (bench/overload.ts); the command line runs them unless --no-overload. */
  overload?: boolean;
  resultsDir: string;
  plotsDir?: string;
  command: string;
}): Promise<BenchResults> {
  const { sizes } = options;
  const started = new Date();
  const results: BenchResults = {
    meta: {
      started: started.toISOString(),
      quick: options.quick,
      command: options.command,
      machine: machine(),
    },
    sizes,
    errors: {},
  };
  const peers = availablePeers(options.peer ? (options.peers ?? PEERS) : [], results.meta);
  const peer = peers.includes('ngircd');
  const attempt = async (name: string, body: () => Promise<void>): Promise<void> => {
    try {
      await body();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      results.errors[name] = message;
      progress(`${name} failed: ${message}`);
    }
  };
  const profileDir = options.profile ? join(options.resultsDir, 'profile') : undefined;
  // Only this run's profiles: the summary reads the largest .cpuprofile in the directory.
  if (profileDir) rmSync(profileDir, { recursive: true, force: true });
  for (const scenario of options.scenarios) {
    switch (scenario) {
      case 'dm':
        await attempt('dm', async () => {
          const ours = await directMessages('ours', sizes, profileDir);
          results.dm = { ours };
          if (options.overload) results.dm.overload = await overload(sizes, ours.closed.deliveredPerSec);
          if (profileDir) results.profile = summarizeProfile(profileDir);
          if (peer) results.dm.ngircd = await directMessages('ngircd', sizes);
          results.dm.floor = await directMessages('floor', sizes);
          for (const durable of peers.filter((p) => p !== 'ngircd')) {
            results.dm[durable] = await directMessages(durable, sizes);
          }
        });
        break;
      case 'broadcast':
        await attempt('broadcast', async () => {
          results.broadcast = { ours: [], ngircd: peer ? [] : undefined, floor: [] };
          for (const n of sizes.broadcastReceivers) {
            results.broadcast.ours.push(await broadcast('ours', n, sizes));
            if (peer) results.broadcast.ngircd?.push(await broadcast('ngircd', n, sizes));
            results.broadcast.floor?.push(await writeFloor(n));
          }
        });
        break;
      case 'density':
        await attempt('density', async () => {
          results.density = await density(sizes);
        });
        break;
      case 'backlog':
        await attempt('backlog', async () => {
          results.backlog = await backlog(sizes);
        });
        break;
      case 'login':
        await attempt('login', async () => {
          results.login = await loginRate(sizes);
        });
        break;
      case 'renderer':
        await attempt('renderer', async () => {
          results.renderer = await renderer({ quick: options.quick, root: ROOT });
        });
        break;
      case 'modes':
        await attempt('modes', async () => {
          results.modes = await modes(sizes);
        });
        break;
      case 'group':
        await attempt('group', async () => {
          results.group = await groupFanout(100, options.quick ? 20 : 200);
        });
        break;
      case 'search':
        await attempt('search', async () => {
          results.search = await searchBench(sizes);
        });
        break;
      case 'search-index':
        await attempt('search-index', async () => {
          results.searchIndex = await searchIndexCost(sizes);
        });
        break;
      case 'files':
        await attempt('files', async () => {
          results.files = options.quick ? await filesBench(5, 4) : await filesBench(25, 10);
        });
        break;
    }
  }
  results.meta.finished = new Date().toISOString();
  results.meta.seconds = round((Date.now() - started.getTime()) / 1000, 1);
  results.table = buildTable(results);
  mkdirSync(options.resultsDir, { recursive: true });
  const stamp = started.toISOString().replace(/[:.]/g, '-');
  const json = `${JSON.stringify(results, null, 2)}\n`;
  writeFileSync(join(options.resultsDir, `${stamp}.json`), json);
  writeFileSync(join(options.resultsDir, 'latest.json'), json);
  if (options.plotsDir && results.dm) writePlots(results, options.plotsDir);
  return results;
}

/** The requested peers that are installed; each missing one is named on stderr and in the JSON. */
function availablePeers(requested: readonly Peer[], meta: Record<string, unknown>): Peer[] {
  const skipped: Record<string, string> = {};
  const available = requested.filter((p) => {
    const missing = peerMissing(p);
    if (missing) skipped[p] = missing;
    return missing === undefined;
  });
  for (const [p, why] of Object.entries(skipped)) process.stderr.write(`skipping the ${p} runs: ${why}\n`);
  if (Object.keys(skipped).length > 0) meta.peersSkipped = skipped;
  return available;
}

function peerMissing(peer: Peer): string | undefined {
  switch (peer) {
    case 'ngircd':
      return ngircdAvailable() ? undefined : `ngircd not found at ${NGIRCD} (apt-get install ngircd)`;
    case 'ejabberd-sqlite':
      return ejabberdMissing('sqlite');
    case 'ejabberd-mnesia':
      return ejabberdMissing('mnesia');
  }
}

function writePlots(results: BenchResults, dir: string): void {
  mkdirSync(dir, { recursive: true });
  const series: Series[] = [];
  const add = (r: DirectResult | undefined, name: string, color: string): void => {
    if (!r) return;
    series.push(
      { label: `${name} p50`, color, points: r.open.map((p) => ({ x: p.rate, y: p.latency.p50 })) },
      {
        label: `${name} p99`,
        color,
        dashed: true,
        points: r.open.map((p) => ({ x: p.rate, y: p.latency.p99 })),
      },
    );
  };
  add(results.dm?.ours, 'this server', '#1f77b4');
  add(results.dm?.ngircd, 'ngircd', '#d62728');
  add(results.dm?.floor, 'bare Node relay (floor)', '#7f7f7f');
  add(results.dm?.['ejabberd-sqlite'], 'ejabberd, SQLite', '#2ca02c');
  add(results.dm?.['ejabberd-mnesia'], 'ejabberd, Mnesia', '#9467bd');
  writeFileSync(
    join(dir, 'latency-vs-load.svg'),
    lineChart({
      title: 'Direct-message latency vs offered load',
      xLabel: 'offered load (messages/s, log)',
      yLabel: 'send → receipt latency (ms, log)',
      series,
    }),
  );
}

async function main(): Promise<void> {
  const program = new Command()
    .name('bench')
    .description('Benchmarks of the messenger server and renderer, with ngircd as a real peer')
    .option('--quick', 'small sizes (under a minute)', false)
    .option('--scenario <names>', `comma-separated subset of: ${SCENARIOS.join(', ')}`)
    .option('--clients <n>', 'direct-message clients', (v) => Number.parseInt(v, 10))
    .option('--rates <list>', 'open-loop offered rates, msg/s, comma-separated', ints)
    .option('--receivers <list>', 'broadcast receiver counts, comma-separated', ints)
    .option('--density <n>', 'connection-density target', (v) => Number.parseInt(v, 10))
    .option('--backlog <n>', 'offline backlog size', (v) => Number.parseInt(v, 10))
    .option('--search-messages <n>', 'messages seeded for the search scenario', (v) => Number.parseInt(v, 10))
    .option(
      '--search-groups <n>',
      'group-heavy search seed: this many groups of 20 (a multiple of 50), half the messages in them',
      (v) => Number.parseInt(v, 10),
    )
    .option('--modes-rate <n>', 'fixed rate of the modes scenario, msg/s', (v) => Number.parseInt(v, 10))
    .option('--workers <n>', 'load-generator processes', (v) => Number.parseInt(v, 10))
    .option('--no-peer', 'skip every peer (ngircd, ejabberd)')
    .option(
      '--peers <list>',
      `peers to run, comma-separated, of: ${PEERS.join(', ')} (default: all installed)`,
    )
    .option('--profile', 'run the server under --cpu-prof during the direct-message scenario', false)
    .option('--no-plots', 'do not rewrite docs/performance/*.svg')
    .option('--no-overload', "skip the dm scenario's overload rows (1×, 2×, 5× capacity, 3 runs each)")
    .option('--results <dir>', 'results directory', join(ROOT, 'bench', 'results'));
  program.parse();
  const o = program.opts<{
    quick: boolean;
    scenario?: string;
    clients?: number;
    rates?: number[];
    receivers?: number[];
    density?: number;
    backlog?: number;
    workers?: number;
    modesRate?: number;
    searchMessages?: number;
    searchGroups?: number;
    peer: boolean;
    peers?: string;
    profile: boolean;
    plots: boolean;
    overload: boolean;
    results: string;
  }>();
  const base = o.quick ? QUICK : FULL;
  const sizes: Sizes = {
    ...base,
    dmClients: o.clients ?? base.dmClients,
    rates: o.rates ?? base.rates,
    broadcastReceivers: o.receivers ?? base.broadcastReceivers,
    densityTarget: o.density ?? base.densityTarget,
    backlog: o.backlog ?? base.backlog,
    workers: o.workers ?? base.workers,
    modesRate: o.modesRate ?? base.modesRate,
    searchMessages: o.searchMessages ?? base.searchMessages,
    searchGroups: o.searchGroups ?? base.searchGroups,
  };
  if (sizes.searchGroups % 50 !== 0 || sizes.searchGroups < 0)
    program.error('--search-groups must be a multiple of 50 (every user in as many groups of 20)');
  const scenarios = (o.scenario ? o.scenario.split(',') : [...SCENARIOS]).map((s) => s.trim());
  const unknown = scenarios.filter((s) => !(SCENARIOS as readonly string[]).includes(s));
  if (unknown.length) program.error(`unknown scenario(s): ${unknown.join(', ')}`);
  const peers = o.peers === undefined ? [...PEERS] : o.peers.split(',').map((p) => p.trim());
  const unknownPeers = peers.filter((p) => !(PEERS as readonly string[]).includes(p));
  if (unknownPeers.length) program.error(`unknown peer(s): ${unknownPeers.join(', ')}`);
  const results = await runBench({
    quick: o.quick,
    scenarios: scenarios as Scenario[],
    sizes,
    peer: o.peer,
    peers: peers as Peer[],
    profile: o.profile,
    overload: o.overload,
    resultsDir: o.results,
    plotsDir: o.plots ? join(ROOT, 'docs', 'performance') : undefined,
    command:
      process.argv.length > 2 ? `npm run bench -- ${process.argv.slice(2).join(' ')}` : 'npm run bench',
  });
  process.stdout.write(`${formatTable(results.table ?? [])}\n`);
  if (results.profile) {
    process.stdout.write('\nServer CPU profile, top self time:\n');
    for (const f of results.profile.top.slice(0, 15)) {
      process.stdout.write(`  ${f.selfPct.toFixed(1).padStart(5)}%  ${f.name}  ${f.location}\n`);
    }
  }
  const failed = Object.keys(results.errors);
  if (failed.length) process.stderr.write(`\nscenarios with errors: ${failed.join(', ')} (see JSON)\n`);
  process.stderr.write(`results: ${join(o.results, 'latest.json')}\n`);
}

const isMain = process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1];
if (isMain) {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      killAllChildren();
      process.exit(130);
    });
  }
  process.once('exit', killAllChildren);
  main().then(
    () => {
      killAllChildren();
      process.exit(0);
    },
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      killAllChildren();
      process.exit(1);
    },
  );
}
