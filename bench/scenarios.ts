/**
 * The benchmark scenarios. Each starts its own system under test (fresh database / config), drives it
 * from worker processes, and returns plain numbers. Every phase is bounded in count and wall time.
 */
import type { Kind } from './lib/client.js';
import { startEjabberd, XMPP_DOMAIN } from './lib/ejabberd.js';
import { Pool, split } from './lib/pool.js';
import { startRelayFloor } from './lib/relay-floor.js';
import type { WorkerStats } from './lib/protocol.js';
import {
  PASSWORD,
  cpuMillis,
  forceGc,
  maxOpenFiles,
  rssBytes,
  treeCpuMillis,
  treeRssBytes,
  startNgircd,
  startOurServer,
  userNames,
  type Running,
} from './lib/servers.js';
import { LOOPBACK_SOURCES } from './lib/sources.js';
import { nowMicros, round, sleep, summarizeMicros, type LatencySummary } from './lib/stats.js';

export interface Sizes {
  workers: number;
  dmClients: number;
  closedMs: number;
  rates: number[];
  openMs: number;
  /**
   * A low rate runs longer than openMs until it has sent this many (the full run's 1,000 gives a
   * p99 that is not one of the three slowest of 300 at 100 msg/s); 0 or absent: openMs always.
   */
  minOpenMessages?: number;
  broadcastReceivers: number[];
  broadcastRepeats: number;
  /** Wall-time budget for logging the broadcast receivers in. */
  broadcastSetupMs: number;
  densityTarget: number;
  /** The first this many density clients watch presence (users with the app open); the rest do not. */
  densityWatchers: number;
  densityBudgetMs: number;
  backlog: number;
  loginUsers: number;
  loginMs: number;
  /** scrypt N used to create the accounts that scenarios 1–4 and 7 log in with (setup only). */
  setupKdfCost: number;
  /** Scenario 7 (bench/modes.ts): closed-loop runs per mode (the median is reported)... */
  modesRepeats: number;
  /** ...and the moderate fixed rate, msg/s, at which latency and CPU per message are measured. */
  modesRate: number;
  /** Scenario 8 (bench/search.ts): messages in the searched store, and searches per query. */
  searchMessages: number;
  searchers: number;
  /** Groups of the group-heavy search seed (bench/search.ts); 0 seeds direct messages only. */
  searchGroups: number;
  /** Scenario 8b (bench/search-index-cost.ts): messages stored per run, and runs each way (the median is reported). */
  indexCostMessages: number;
  indexCostRounds: number;
}

export function progress(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

/**
 * floor: a bare Node relay with no storage (bench/lib/relay-floor.ts), for direct messages only;
 * ejabberd-*: the durable peer on each storage backend (bench/lib/ejabberd.ts), direct messages only.
 */
export type Target = 'ours' | 'ngircd' | 'floor' | 'ejabberd-sqlite' | 'ejabberd-mnesia';

async function startTarget(
  target: Target,
  users: string[],
  sizes: Sizes,
  cpuProfDir?: string,
): Promise<Running> {
  switch (target) {
    case 'ours':
      return startOurServer({ users, kdfCost: sizes.setupKdfCost, cpuProfDir });
    case 'ngircd':
      return startNgircd();
    case 'floor':
      return startRelayFloor();
    case 'ejabberd-sqlite':
      return startEjabberd({ backend: 'sqlite', users, password: PASSWORD });
    case 'ejabberd-mnesia':
      return startEjabberd({ backend: 'mnesia', users, password: PASSWORD });
  }
}

/** The protocol the generator speaks to a server, from the name its start function gave it. */
function clientKind(server: Running): Kind {
  if (server.name === 'ngircd') return 'irc';
  return server.name.startsWith('ejabberd') ? 'xmpp' : 'ours';
}

interface ConnectOptions {
  quiet: boolean;
  join?: string;
  budgetMs: number;
  allowPartial?: boolean;
  watchPresence?: boolean;
  /** Logins in flight per worker; default 64 (8 for ngircd). */
  concurrency?: number;
}

/** Connects `names` spread over the pool's workers; throws if any failed. */
async function connectSpread(
  pool: Pool,
  server: Running,
  names: string[],
  options: ConnectOptions,
): Promise<number> {
  const parts = split(names, pool.workers.length);
  return connectPlaced(pool, (i) => ({ server, names: parts[i] ?? [] }), names.length, options);
}

/** Connects each worker's clients to the server `placement` gives it; throws if any failed. */
export async function connectPlaced(
  pool: Pool,
  placement: (workerIndex: number) => { server: Running; names: string[] },
  expected: number,
  options: ConnectOptions,
): Promise<number> {
  const results = await pool.all((_, i) => {
    const { server, names } = placement(i);
    return {
      cmd: 'connect',
      kind: clientKind(server),
      domain: XMPP_DOMAIN,
      host: server.host,
      port: server.port,
      names,
      password: PASSWORD,
      localAddresses: [],
      // ngircd's small listen backlog drops SYNs (1 s retransmits) when many connect at once.
      concurrency: options.concurrency ?? (server.name === 'ngircd' ? 8 : 64),
      quiet: options.quiet,
      join: options.join,
      watchPresence: options.watchPresence,
      timeoutMs: 60_000,
      budgetMs: options.budgetMs,
      stopOnFailure: true,
    };
  });
  const failed = results.reduce((sum, r) => sum + Number(r.failed ?? 0), 0);
  const ok = results.reduce((sum, r) => sum + Number(r.ok ?? 0), 0);
  if (ok < expected && !(options.allowPartial && failed === 0)) {
    throw new Error(
      `only ${ok}/${expected} clients logged in (${failed} failed: ${JSON.stringify(results.map((r) => r.errors))})`,
    );
  }
  return ok;
}

function total(
  stats: WorkerStats[],
  key: 'sent' | 'received' | 'replies' | 'errors' | 'bytesIn' | 'linesIn',
): number {
  return stats.reduce((sum, s) => sum + s[key], 0);
}

/** Waits until the receive count stops growing (or reaches `expected`), bounded by `maxMs`. */
async function drain(pool: Pool, expected: number, maxMs: number, quietMs = 400): Promise<WorkerStats[]> {
  const deadline = Date.now() + maxMs;
  let last = -1;
  let lastChange = Date.now();
  for (;;) {
    const stats = await pool.stats();
    const received = total(stats, 'received');
    if (received >= expected || Date.now() > deadline) return stats;
    if (received !== last) {
      last = received;
      lastChange = Date.now();
    } else if (Date.now() - lastChange > quietMs) return stats;
    await sleep(50);
  }
}

/** Waits until no client has received any bytes for `quietMs` (e.g. the presence storm after logins). */
export async function quiesce(pool: Pool, maxMs: number, quietMs = 500): Promise<void> {
  const deadline = Date.now() + maxMs;
  let last = -1;
  let lastChange = Date.now();
  while (Date.now() < deadline) {
    const bytes = total(await pool.stats(), 'bytesIn');
    if (bytes !== last) {
      last = bytes;
      lastChange = Date.now();
    } else if (Date.now() - lastChange > quietMs) return;
    await sleep(100);
  }
}

function mergeLatencies(stats: WorkerStats[]): LatencySummary {
  const all: number[] = [];
  for (const s of stats) for (const v of s.latencies) all.push(v);
  return summarizeMicros(all);
}

export interface OpenPoint {
  rate: number;
  sent: number;
  delivered: number;
  achievedRate: number;
  latency: LatencySummary;
  generatorBehindMs: number;
  errors: number;
  errorCodes: Record<string, number>;
}

export interface ClosedResult {
  sent: number;
  delivered: number;
  errors: number;
  seconds: number;
  deliveredPerSec: number;
  latency: LatencySummary;
}

export interface DirectResult {
  target: Target;
  clients: number;
  closed: ClosedResult;
  open: OpenPoint[];
  serverCpuMs: number;
  serverRssMb: number;
  /** CPU per delivered message in the closed loop: the server's, and the load generator's (all workers). */
  closedCpuMicrosPerMessage: { server: number; generator: number };
}

/** Whom the clients of each worker send to. */
export type PeersOf = (workerIndex: number) => string[];

/** Closed loop: each client sends to a peer and waits for the reply before the next, for `durationMs`. */
export async function closedLoop(
  pool: Pool,
  peersOf: PeersOf,
  durationMs: number,
  phase: string,
): Promise<ClosedResult> {
  await pool.all(() => ({ cmd: 'reset', phase, quiet: false }));
  const t0 = nowMicros();
  await pool.all((_, i) => ({
    cmd: 'closed',
    peers: peersOf(i),
    durationMs,
    window: 1,
    maxPerClient: 1_000_000,
  }));
  const seconds = (nowMicros() - t0) / 1e6;
  let stats = await drain(pool, 0, 5_000);
  stats = await drain(pool, total(stats, 'sent') - total(stats, 'errors'), 5_000);
  const delivered = total(stats, 'received');
  return {
    sent: total(stats, 'sent'),
    delivered,
    errors: total(stats, 'errors'),
    seconds: round(seconds, 3),
    deliveredPerSec: Math.round(delivered / seconds),
    latency: mergeLatencies(stats),
  };
}

/** Open loop: `rate` msg/s offered in all, split over the workers, for `durationMs`; then drained. */
export async function openLoop(
  pool: Pool,
  peersOf: PeersOf,
  rate: number,
  durationMs: number,
): Promise<OpenPoint> {
  await pool.all(() => ({ cmd: 'reset', phase: `open${rate}`, quiet: false }));
  const parts = await pool.all((_, i) => ({
    cmd: 'open',
    peers: peersOf(i),
    rate: rate / pool.workers.length,
    durationMs,
  }));
  const after = await drain(pool, 0, 0);
  const sent = total(after, 'sent');
  const done = await drain(pool, sent, 20_000, 3000);
  return {
    rate,
    sent,
    delivered: total(done, 'received'),
    achievedRate: Math.round(total(done, 'received') / (durationMs / 1000)),
    latency: mergeLatencies(done),
    generatorBehindMs: round(Math.max(...parts.map((p) => Number(p.behindMs ?? 0))), 1),
    errors: total(done, 'errors'),
    errorCodes: sumCounts(done.map((s) => s.errorCodes)),
  };
}

/** Per-code error counts of every worker, added up. */
function sumCounts(counts: Record<string, number>[]): Record<string, number> {
  const sum: Record<string, number> = {};
  for (const each of counts) for (const [code, n] of Object.entries(each)) sum[code] = (sum[code] ?? 0) + n;
  return sum;
}

/** How long an open-loop rate runs: openMs, or long enough for sizes.minOpenMessages. */
export function openPhaseMs(rate: number, sizes: Pick<Sizes, 'openMs' | 'minOpenMessages'>): number {
  return Math.max(sizes.openMs, Math.ceil(((sizes.minOpenMessages ?? 0) * 1000) / rate));
}

/** Scenario 1: closed-loop throughput, then open-loop latency at fixed offered rates. */
export async function directMessages(
  target: Target,
  sizes: Sizes,
  cpuProfDir?: string,
): Promise<DirectResult> {
  const names = userNames('d', sizes.dmClients);
  const server = await startTarget(target, names, sizes, cpuProfDir);
  const pool = new Pool(sizes.workers);
  try {
    progress(`${target}: direct messages — logging in ${names.length} clients`);
    // Eight logins at once per worker: the server's KDF gate (server/kdf-gate.ts) refuses logins
    // with rate_limited once its queue is estimated past 5 s, and logins are not measured here.
    await connectSpread(pool, server, names, { quiet: false, budgetMs: 120_000, concurrency: 8 });
    await quiesce(pool, 10_000);
    const cpu0 = cpuMillis(server.pid);
    const generatorCpu = (): number =>
      pool.workers.reduce((sum, w) => sum + cpuMillis(w.child.pid as number), 0);
    const generatorCpu0 = generatorCpu();

    progress(`${target}: closed loop for ${sizes.closedMs} ms`);
    const closed = await closedLoop(pool, () => names, sizes.closedMs, 'closed');
    const perMessage = (ms: number): number => round((ms * 1000) / Math.max(1, closed.delivered), 1);
    const closedCpuMicrosPerMessage = {
      server: perMessage(cpuMillis(server.pid) - cpu0),
      generator: perMessage(generatorCpu() - generatorCpu0),
    };
    progress(
      `${target}: closed loop ${closed.deliveredPerSec} msg/s delivered (p50 ${closed.latency.p50} ms; ` +
        `CPU µs/msg: server ${closedCpuMicrosPerMessage.server}, generator ${closedCpuMicrosPerMessage.generator})`,
    );

    const open: OpenPoint[] = [];
    for (const rate of sizes.rates) {
      const point = await openLoop(pool, () => names, rate, openPhaseMs(rate, sizes));
      open.push(point);
      progress(
        `${target}: open loop ${rate}/s → p50 ${point.latency.p50} p99 ${point.latency.p99} ms, ${point.delivered}/${point.sent} delivered`,
      );
    }
    return {
      target,
      clients: names.length,
      closed,
      open,
      serverCpuMs: cpuMillis(server.pid) - cpu0,
      serverRssMb: round(rssBytes(server.pid) / 2 ** 20, 1),
      closedCpuMicrosPerMessage,
    };
  } finally {
    await pool.stop();
    await server.stop();
  }
}

export interface BroadcastPoint {
  receivers: number;
  /** Receivers logged in within the setup budget (the broadcast went to these). */
  online: number;
  loginSeconds: number;
  /** Median over the repeats of the time until the last receiver got it. */
  lastReceiptMs: number;
  lastReceiptMsAll: number[];
  p50ReceiptMs: number;
  delivered: number;
}

/** Scenario 2: one sender, N online receivers; time from send until the last receipt. */
export async function broadcast(target: Target, receivers: number, sizes: Sizes): Promise<BroadcastPoint> {
  const receiverNames = userNames('r', receivers);
  const sender = 'sender0';
  const server = await startTarget(target, [sender, ...receiverNames], sizes);
  const pool = new Pool(sizes.workers);
  const channel = '#bench';
  try {
    progress(`${target}: broadcast — logging in ${receivers} receivers`);
    const t0 = Date.now();
    // The sender connects first, so it is client 0 of worker 0 (the one that broadcasts).
    await pool.workers[0]?.run({
      cmd: 'connect',
      kind: target === 'ngircd' ? 'irc' : 'ours',
      host: server.host,
      port: server.port,
      names: [sender],
      password: PASSWORD,
      localAddresses: [],
      concurrency: 1,
      quiet: true,
      join: target === 'ngircd' ? channel : undefined,
      timeoutMs: 30_000,
      budgetMs: 30_000,
      stopOnFailure: true,
    });
    // Our receivers are headless (`presence: false`), so logging them in costs O(N). On IRC every JOIN
    // is sent to every member: O(N²) lines, which IRC cannot turn off. Past the setup budget the
    // broadcast goes to the receivers that made it, and the table says how many that was.
    const online = await connectSpread(pool, server, receiverNames, {
      quiet: true,
      watchPresence: false,
      join: target === 'ngircd' ? channel : undefined,
      budgetMs: sizes.broadcastSetupMs,
      allowPartial: true,
    });
    await quiesce(pool, 60_000);
    const loginSeconds = round((Date.now() - t0) / 1000, 2);
    progress(`${target}: ${online}/${receivers} receivers online after ${loginSeconds} s`);
    const lasts: number[] = [];
    const p50s: number[] = [];
    let delivered = 0;
    for (let i = 0; i < sizes.broadcastRepeats; i++) {
      await pool.all(() => ({ cmd: 'reset', phase: `bc${i}`, quiet: false }));
      const sent = (await pool.workers[0]?.run({ cmd: 'broadcast', channel })) as { sentAt: number };
      const stats = await drain(pool, online, 30_000, 2000);
      delivered = total(stats, 'received');
      const latest = Math.max(...stats.filter((s) => s.received > 0).map((s) => s.lastReceiptAt));
      lasts.push(round((latest - sent.sentAt) / 1000, 3));
      p50s.push(mergeLatencies(stats).p50);
      await sleep(100);
    }
    const median = (xs: number[]): number =>
      [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
    const point = {
      receivers,
      online,
      loginSeconds,
      lastReceiptMs: median(lasts),
      lastReceiptMsAll: lasts,
      p50ReceiptMs: median(p50s),
      delivered,
    };
    progress(
      `${target}: broadcast to ${receivers}: last receipt ${point.lastReceiptMs} ms (${delivered} delivered)`,
    );
    return point;
  } finally {
    await pool.stop();
    await server.stop();
  }
}

export interface DensityResult {
  target: number;
  reached: number;
  limitedBy: string;
  kdfCost: number;
  /** Gateway processes the server ran with (0: the core held the sockets itself). */
  gateways: number;
  serverFdLimit: number;
  baselineRssMb: number;
  finalRssMb: number;
  /** (RSS after GC with all clients − RSS after GC before any) ÷ clients. */
  rssPerConnectionKb: number;
  /** Whole-process RSS ÷ clients: an upper bound that includes the runtime and SQLite cache. */
  rssTotalPerConnectionKb: number;
  loginSeconds: number;
  loginsPerSec: number;
  serverCpuMsPerLogin: number;
  /** Clients that watch presence (logged in first); every other login is announced to them. */
  presenceWatchers: number;
  presenceFramesPerLogin: number;
  /** Logins the server's KDF gate asked to come back later (retried after a pause). */
  rateLimitedRetries: number;
  checkpoints: { clients: number; rssMb: number; seconds: number; serverCpuMs: number }[];
}

/** Scenario 3: as many idle logged-in clients as the machine allows; RSS per connection; presence cost. */
export async function density(sizes: Sizes): Promise<DensityResult> {
  const kdfCost = 2;
  const server0 = { fdLimit: 0 };
  // The server needs one descriptor per client plus a few dozen for itself (SQLite, stdio, listener).
  const probe = await startOurServer({ users: [], kdfCost });
  server0.fdLimit = maxOpenFiles(probe.pid);
  await probe.stop();
  // Past one process's descriptor limit the server runs gateway processes (--gateways), each
  // holding up to perProcess client sockets, while the core holds none.
  const perProcess = Math.max(100, server0.fdLimit - 500);
  const gateways = sizes.densityTarget > perProcess ? Math.ceil(sizes.densityTarget / perProcess) : 0;
  const planned = Math.min(sizes.densityTarget, Math.max(1, gateways) * perProcess);
  const names = userNames('c', planned);
  progress(
    `density: target ${sizes.densityTarget}, planning ${planned} with ${gateways} gateway processes ` +
      `(RLIMIT_NOFILE ${server0.fdLimit} per process); creating accounts`,
  );
  const server = await startOurServer({
    users: names,
    kdfCost,
    readyTimeoutMs: 300_000,
    gcHook: true,
    gateways,
  });
  // Each worker process has its own descriptor limit; keep every worker well under it.
  const workers = Math.max(sizes.workers, Math.ceil(planned / 15_000));
  const pool = new Pool(workers);
  const checkpoints: DensityResult['checkpoints'] = [];
  try {
    await forceGc(server.pid);
    // Core plus gateways; the forced GC reaches the core only (gateways hold sockets, no heap to speak of).
    const baseline = treeRssBytes(server.pid);
    const cpu0 = treeCpuMillis(server.pid);
    const t0 = Date.now();
    const deadline = t0 + sizes.densityBudgetMs;
    const batch = Math.max(100, Math.min(2000, Math.ceil(planned / 10)));
    let reached = 0;
    let rateLimitedRetries = 0;
    let stopReason = '';
    const watchers = Math.min(sizes.densityWatchers, planned);
    while (reached < planned && Date.now() < deadline) {
      // Watchers first (each later login is announced to all of them), then headless clients.
      const watching = reached < watchers;
      const chunk = names.slice(reached, Math.min(reached + batch, watching ? watchers : planned));
      const parts = split(chunk, workers);
      const results = await pool.all((_, i) => ({
        cmd: 'connect',
        kind: 'ours',
        host: server.host,
        port: server.port,
        names: parts[i] ?? [],
        password: PASSWORD,
        localAddresses: LOOPBACK_SOURCES,
        concurrency: 64,
        quiet: true,
        watchPresence: watching,
        timeoutMs: 30_000,
        budgetMs: Math.max(1000, deadline - Date.now()),
        stopOnFailure: true,
      }));
      const ok = results.reduce((s, r) => s + Number(r.ok ?? 0), 0);
      reached += ok;
      rateLimitedRetries += results.reduce((s, r) => s + Number(r.rateLimited ?? 0), 0);
      const seconds = round((Date.now() - t0) / 1000, 2);
      checkpoints.push({
        clients: reached,
        rssMb: round(treeRssBytes(server.pid) / 2 ** 20, 1),
        seconds,
        serverCpuMs: treeCpuMillis(server.pid) - cpu0,
      });
      progress(
        `density: ${reached}/${planned} logged in after ${seconds} s, server RSS ${checkpoints.at(-1)?.rssMb} MB, ${rateLimitedRetries} logins retried after rate_limited`,
      );
      const refused = results.reduce((s, r) => s + Number(r.failed ?? 0), 0);
      if (refused > 0) {
        stopReason = `connections refused after ${reached}: ${JSON.stringify(
          results
            .map((r) => r.errors)
            .flat()
            .slice(0, 2),
        )}`;
        break;
      }
    }
    if (reached < planned && !stopReason)
      stopReason = `wall-time budget of ${sizes.densityBudgetMs / 1000} s`;
    const loginSeconds = (Date.now() - t0) / 1000;
    await quiesce(pool, 20_000);
    // Collect garbage before reading the final footprint, as for the baseline.
    await forceGc(server.pid);
    const finalRss = treeRssBytes(server.pid);
    const cpu = treeCpuMillis(server.pid) - cpu0;
    const stats = await pool.stats();
    return {
      target: sizes.densityTarget,
      reached,
      limitedBy: stopReason || 'target',
      rateLimitedRetries,
      kdfCost,
      gateways,
      serverFdLimit: server0.fdLimit,
      baselineRssMb: round(baseline / 2 ** 20, 1),
      finalRssMb: round(finalRss / 2 ** 20, 1),
      rssPerConnectionKb: round((finalRss - baseline) / Math.max(1, reached) / 1024, 2),
      rssTotalPerConnectionKb: round(finalRss / Math.max(1, reached) / 1024, 2),
      loginSeconds: round(loginSeconds, 2),
      loginsPerSec: Math.round(reached / loginSeconds),
      serverCpuMsPerLogin: round(cpu / Math.max(1, reached), 3),
      presenceWatchers: watchers,
      // Every line a client got besides its two replies is a presence frame.
      presenceFramesPerLogin: round((total(stats, 'linesIn') - 2 * reached) / Math.max(1, reached), 1),
      checkpoints,
    };
  } finally {
    await pool.stop();
    await server.stop();
  }
}

export interface BacklogResult {
  messages: number;
  seedSeconds: number;
  seedPerSec: number;
  loginMs: number;
  lastReceiptMs: number;
  received: number;
  receivedOffline: number;
}

/** Scenario 4: N messages queued for an offline user; time from login to the last one received. */
export async function backlog(sizes: Sizes): Promise<BacklogResult> {
  const senders = userNames('s', 10);
  const recipient = 'inbox';
  const server = await startOurServer({ users: [recipient, ...senders], kdfCost: sizes.setupKdfCost });
  const pool = new Pool(sizes.workers);
  try {
    await connectSpread(pool, server, senders, { quiet: true, budgetMs: 30_000 });
    progress(`backlog: seeding ${sizes.backlog} messages for an offline user`);
    const t0 = Date.now();
    const perClient = Math.ceil(sizes.backlog / senders.length);
    await pool.all(() => ({
      cmd: 'seed',
      to: recipient,
      perClient,
      window: 32,
      tag: 'bl',
      budgetMs: 300_000,
    }));
    const seedSeconds = (Date.now() - t0) / 1000;
    const seeded = total(await pool.stats(), 'sent');
    await pool.all(() => ({ cmd: 'closeAll', destroy: false }));
    progress(`backlog: ${seeded} seeded in ${round(seedSeconds, 2)} s; logging the recipient in`);
    const result = (await pool.workers[0]?.run({
      cmd: 'backlog',
      host: server.host,
      port: server.port,
      name: recipient,
      password: PASSWORD,
      expected: seeded,
      tag: 'bl',
      budgetMs: 120_000,
    })) as { loginMs: number; received: number; receivedOffline: number; lastMs: number };
    progress(`backlog: ${result.received}/${seeded} received, last after ${round(result.lastMs, 1)} ms`);
    return {
      messages: seeded,
      seedSeconds: round(seedSeconds, 2),
      seedPerSec: Math.round(seeded / seedSeconds),
      loginMs: round(result.loginMs, 1),
      lastReceiptMs: round(result.lastMs, 1),
      received: result.received,
      receivedOffline: result.receivedOffline,
    };
  } finally {
    await pool.stop();
    await server.stop();
  }
}

export interface LoginResult {
  kdfCost: string;
  users: number;
  seconds: number;
  logins: number;
  loginsPerSec: number;
  latency: LatencySummary;
  failed: number;
}

/** Scenario 5: login/logout churn at the production KDF cost. */
export async function loginRate(sizes: Sizes): Promise<LoginResult> {
  const names = userNames('l', sizes.loginUsers);
  progress(`login: hashing ${names.length} passwords at the production KDF cost`);
  const server = await startOurServer({ users: names });
  const pool = new Pool(sizes.workers);
  try {
    const parts = split(names, sizes.workers);
    const t0 = Date.now();
    const results = await pool.all<{ ok: number; failed: number; loginMicros: number[] }>((_, i) => ({
      cmd: 'loginLoop',
      host: server.host,
      port: server.port,
      names: parts[i] ?? [],
      password: PASSWORD,
      durationMs: sizes.loginMs,
    }));
    const seconds = (Date.now() - t0) / 1000;
    const logins = results.reduce((s, r) => s + r.ok, 0);
    const result = {
      kdfCost: 'production default (scrypt N=16384)',
      users: names.length,
      seconds: round(seconds, 2),
      logins,
      loginsPerSec: round(logins / seconds, 1),
      latency: summarizeMicros(results.flatMap((r) => r.loginMicros)),
      failed: results.reduce((s, r) => s + r.failed, 0),
    };
    progress(`login: ${result.loginsPerSec} logins/s (p50 ${result.latency.p50} ms)`);
    return result;
  } finally {
    await pool.stop();
    await server.stop();
  }
}
