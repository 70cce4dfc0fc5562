/**
 * Scenario 7, the server's modes (`modes`): the same direct-message load on one node on SQLite (the
 * default), one node on PostgreSQL, and two nodes on PostgreSQL + Redis, beside the bare relay
 * floor, in one run. PostgreSQL and Redis are private servers the scenario starts itself
 * (scripts/lib/private-postgres.ts, scripts/lib/private-redis.ts). Two cores cannot show several
 * nodes scaling, so what each mode shows is its cost: throughput, latency at a moderate rate, and
 * CPU time per delivered message in the nodes and in the services they use.
 *
 * The clients are split into two sides, and each side sends only to the other. With two nodes each
 * side is on its own node, so every message crosses the bus; with one node both sides share it.
 */
import { startPrivatePostgres, type PrivatePostgres } from '../scripts/lib/private-postgres.js';
import { startPrivateRedis } from '../scripts/lib/private-redis.js';
import { Pool, split } from './lib/pool.js';
import { startRelayFloor } from './lib/relay-floor.js';
import {
  listenerPid,
  startOurServer,
  treeCpuMillis,
  treeCpuMillisWithReaped,
  userNames,
  type Running,
} from './lib/servers.js';
import { round, sleep } from './lib/stats.js';
import {
  closedLoop,
  connectPlaced,
  openLoop,
  progress,
  quiesce,
  type ClosedResult,
  type OpenPoint,
  type Sizes,
} from './scenarios.js';

export const MODES = ['floor', 'sqlite', 'postgres', 'postgres+redis'] as const;
export type Mode = (typeof MODES)[number];

const NEEDED_FOR = 'the bench scenario `modes`';
/** How long each mode's idle CPU use is measured, clients logged in and silent. */
const IDLE_MS = 3000;

export interface ModeResult {
  mode: Mode;
  nodes: number;
  clients: number;
  /** Each side's node (index into the nodes) and the node its messages go to. */
  sides: { node: number; sendsToNode: number; clients: number }[];
  closedRuns: ClosedResult[];
  /** Median over closedRuns of delivered msg/s. */
  closedPerSec: number;
  open: OpenPoint;
  /** CPU use with every client logged in and none sending, % of one core. */
  idleCpuPercent: { nodes: number; services: number };
  /**
   * CPU time per delivered message above the idle use, µs, over all closed-loop runs: in the node
   * processes...
   */
  nodeCpuMicrosPerMessage: number;
  /** ...and in PostgreSQL and Redis (every process of theirs; 0 when the mode uses neither). */
  serviceCpuMicrosPerMessage: number;
  /** The same two at the open loop's fixed rate. */
  openNodeCpuMicrosPerMessage: number;
  openServiceCpuMicrosPerMessage: number;
}

interface Deployment {
  mode: Mode;
  nodes: Running[];
  /** Root processes of the services the nodes use; their trees (and reaped children) are measured. */
  servicePids: number[];
  stop(): Promise<void>;
}

/** Starts the nodes one after another: the first imports the accounts (and migrates the database). */
async function startNodes(
  mode: Mode,
  names: string[],
  sizes: Sizes,
  count: number,
  services: { storeUrl?: string; busUrl?: string; pids: number[] },
): Promise<Deployment> {
  const nodes: Running[] = [];
  const stop = async (): Promise<void> => {
    for (const node of [...nodes].reverse()) await node.stop();
  };
  try {
    for (let i = 0; i < count; i++) {
      nodes.push(
        await startOurServer({
          users: i === 0 ? names : [],
          kdfCost: sizes.setupKdfCost,
          storeUrl: services.storeUrl,
          busUrl: services.busUrl,
        }),
      );
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { mode, nodes, servicePids: services.pids, stop };
}

async function relayFloor(): Promise<Deployment> {
  const relay = await startRelayFloor();
  return { mode: 'floor', nodes: [relay], servicePids: [], stop: () => relay.stop() };
}

function cpuOf(pids: number[], measure: (pid: number) => number): number {
  return pids.reduce((sum, pid) => sum + measure(pid), 0);
}

interface CpuUse {
  nodeMs: number;
  serviceMs: number;
  wallMs: number;
}

/** Node and service CPU milliseconds used while `body` runs, and how long it ran. */
async function cpuDuring<T>(deployment: Deployment, body: () => Promise<T>): Promise<CpuUse & { result: T }> {
  const nodePids = deployment.nodes.map((n) => n.pid);
  const node0 = cpuOf(nodePids, treeCpuMillis);
  const service0 = cpuOf(deployment.servicePids, treeCpuMillisWithReaped);
  const t0 = Date.now();
  const result = await body();
  return {
    result,
    nodeMs: cpuOf(nodePids, treeCpuMillis) - node0,
    serviceMs: cpuOf(deployment.servicePids, treeCpuMillisWithReaped) - service0,
    wallMs: Date.now() - t0,
  };
}

/**
 * CPU µs per message above what the same processes use idle over the same time (heartbeats,
 * checkpoints, PostgreSQL's background workers): the phases include drain waits with no traffic.
 */
function microsPerMessage(use: CpuUse, idle: CpuUse, key: 'nodeMs' | 'serviceMs', messages: number): number {
  const aboveIdle = use[key] - (idle[key] / idle.wallMs) * use.wallMs;
  return messages > 0 ? round((aboveIdle * 1000) / messages, 1) : Number.NaN;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

/** Drives one deployment: log in both sides, the closed-loop runs, then the open loop. */
async function measure(deployment: Deployment, names: string[], sizes: Sizes): Promise<ModeResult> {
  const { mode, nodes } = deployment;
  // Two sides at least, so that every message has a recipient on the other side.
  const pool = new Pool(Math.max(2, sizes.workers));
  const parts = split(names, pool.workers.length);
  const sideOf = (worker: number): number => worker % 2;
  const nodeOf = (side: number): number => side % nodes.length;
  const peersOf = (worker: number): string[] => parts.filter((_, w) => sideOf(w) !== sideOf(worker)).flat();
  try {
    progress(`modes ${mode}: logging in ${names.length} clients on ${nodes.length} node(s)`);
    await connectPlaced(
      pool,
      (w) => ({ server: nodes[nodeOf(sideOf(w))] as Running, names: parts[w] ?? [] }),
      names.length,
      // Headless clients (`presence: false`): no presence storm while they log in, which is not
      // what this scenario measures. Few logins at once: the server's KDF gate (server/kdf-gate.ts)
      // holds its one slot across the store's round trips, and refuses logins past 5 s of queue.
      { quiet: false, budgetMs: 120_000, watchPresence: false, concurrency: 8 },
    );
    await quiesce(pool, 10_000);
    const idle = await cpuDuring(deployment, () => sleep(IDLE_MS));
    const closed = await cpuDuring(deployment, async () => {
      const runs: ClosedResult[] = [];
      for (let r = 0; r < sizes.modesRepeats; r++) {
        runs.push(await closedLoop(pool, peersOf, sizes.closedMs, `closed${r}`));
        progress(`modes ${mode}: closed loop ${runs.at(-1)?.deliveredPerSec} msg/s delivered`);
      }
      return runs;
    });
    const open = await cpuDuring(deployment, () => openLoop(pool, peersOf, sizes.modesRate, sizes.openMs));
    const { latency } = open.result;
    progress(`modes ${mode}: open loop ${sizes.modesRate}/s → p50 ${latency.p50} p99 ${latency.p99} ms`);
    const closedDelivered = closed.result.reduce((sum, run) => sum + run.delivered, 0);
    return {
      mode,
      nodes: nodes.length,
      clients: names.length,
      sides: [0, 1].map((side) => ({
        node: nodeOf(side),
        sendsToNode: nodeOf(1 - side),
        clients: parts.filter((_, w) => sideOf(w) === side).flat().length,
      })),
      closedRuns: closed.result,
      closedPerSec: median(closed.result.map((run) => run.deliveredPerSec)),
      open: open.result,
      idleCpuPercent: {
        nodes: round((idle.nodeMs / idle.wallMs) * 100, 1),
        services: round((idle.serviceMs / idle.wallMs) * 100, 1),
      },
      nodeCpuMicrosPerMessage: microsPerMessage(closed, idle, 'nodeMs', closedDelivered),
      serviceCpuMicrosPerMessage: microsPerMessage(closed, idle, 'serviceMs', closedDelivered),
      openNodeCpuMicrosPerMessage: microsPerMessage(open, idle, 'nodeMs', open.result.delivered),
      openServiceCpuMicrosPerMessage: microsPerMessage(open, idle, 'serviceMs', open.result.delivered),
    };
  } finally {
    await pool.stop();
  }
}

async function measureAndStop(
  start: () => Promise<Deployment>,
  names: string[],
  sizes: Sizes,
): Promise<ModeResult> {
  const deployment = await start();
  try {
    return await measure(deployment, names, sizes);
  } finally {
    await deployment.stop();
  }
}

/** The two PostgreSQL modes, each on a fresh database of one private PostgreSQL server. */
async function postgresModes(
  postgres: PrivatePostgres,
  names: string[],
  sizes: Sizes,
): Promise<ModeResult[]> {
  const postgresPid = listenerPid(postgres.port);
  const single = await measureAndStop(
    async () =>
      startNodes('postgres', names, sizes, 1, {
        storeUrl: await postgres.freshDatabase(),
        pids: [postgresPid],
      }),
    names,
    sizes,
  );
  const redis = await startPrivateRedis({ neededFor: NEEDED_FOR, ownProcessGroup: true });
  try {
    const pair = await measureAndStop(
      async () =>
        startNodes('postgres+redis', names, sizes, 2, {
          storeUrl: await postgres.freshDatabase(),
          busUrl: redis.url,
          pids: [postgresPid, listenerPid(redis.port)],
        }),
      names,
      sizes,
    );
    return [single, pair];
  } finally {
    await redis.stop();
  }
}

/** Scenario 7: every mode in turn, each with fresh storage, the same clients and the same load. */
export async function modes(sizes: Sizes): Promise<ModeResult[]> {
  const names = userNames('m', sizes.dmClients);
  const results = [
    await measureAndStop(relayFloor, names, sizes),
    await measureAndStop(() => startNodes('sqlite', names, sizes, 1, { pids: [] }), names, sizes),
  ];
  progress('modes: starting a private PostgreSQL');
  const postgres = await startPrivatePostgres({ neededFor: NEEDED_FOR, ownProcessGroup: true });
  try {
    results.push(...(await postgresModes(postgres, names, sizes)));
  } finally {
    await postgres.stop();
  }
  return results;
}
