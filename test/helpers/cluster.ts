/**
 * Several server nodes in this process on one PostgreSQL database and one Redis, as a deployment
 * runs them (docs/scaling.md): startTestCluster() starts N nodes with startServer() on a fresh
 * database and their own Redis key prefix, so clusters that share the services share no data.
 *
 * The services: startClusterServices() starts a private PostgreSQL (test/helpers/postgres.ts) and
 * redis-server (test/helpers/redis.ts) that the caller stops. sharedClusterServices() starts one
 * pair lazily for the whole test process (used by startTestServer with MESSENGER_TEST_CLUSTER=N);
 * stopSharedClusterServices() stops it (the cluster vitest config's setup file and the e2e worker
 * call it at the end), and the helpers' exit hooks kill what is left should the process end first.
 */
import { Redis } from 'ioredis';
import pg from 'pg';
import { startServer, type RunningServer, type StartOptions } from '../../server/app.js';
import { startPostgres, type TestPostgres } from './postgres.js';
import { startTestRedis, type TestRedis } from './redis.js';

export interface ClusterServices {
  readonly postgres: TestPostgres;
  readonly redis: TestRedis;
  /** Stops both. */
  stop(): Promise<void>;
}

/** Options of every node, without the store and bus (the cluster sets those). */
export type NodeOptions = Omit<StartOptions, 'dbPath' | 'storeUrl' | 'busUrl' | 'busPrefix'>;

export interface TestCluster {
  /** The running nodes, in start order (a stopped node is undefined). */
  readonly nodes: readonly (RunningServer | undefined)[];
  /** The node's port (its last one while it is stopped). */
  port(node: number): number;
  /** postgres://… of the cluster's own database. */
  readonly storeUrl: string;
  readonly busPrefix: string;
  /** Stops every node (clients get logged_out shutdown) and starts them again, on the same ports when free. */
  restart(overrides?: Partial<NodeOptions>): Promise<void>;
  /** Stops one node gracefully; startNode() brings it back. */
  stopNode(node: number): Promise<void>;
  startNode(node: number, overrides?: Partial<NodeOptions>): Promise<void>;
  /** Stops every node, keeping the database. */
  stop(): Promise<void>;
  /** Stops every node, drops the database and deletes the cluster's Redis keys. */
  close(): Promise<void>;
}

export async function startClusterServices(): Promise<ClusterServices> {
  const [postgres, redis] = await Promise.allSettled([startPostgres(), startTestRedis()]);
  if (postgres.status === 'rejected' || redis.status === 'rejected') {
    if (postgres.status === 'fulfilled') await postgres.value.stop();
    if (redis.status === 'fulfilled') await redis.value.stop();
    throw postgres.status === 'rejected' ? postgres.reason : (redis as PromiseRejectedResult).reason;
  }
  return {
    postgres: postgres.value,
    redis: redis.value,
    stop: async () => {
      await Promise.all([postgres.value.stop(), redis.value.stop()]);
    },
  };
}

let shared: Promise<ClusterServices> | undefined;

/** One PostgreSQL and one Redis for this test process, started on first use. */
export function sharedClusterServices(): Promise<ClusterServices> {
  shared ??= startClusterServices();
  // A failed start is not cached: the next caller gets the error again rather than a stale promise.
  shared.catch(() => (shared = undefined));
  return shared;
}

export async function stopSharedClusterServices(): Promise<void> {
  const services = shared;
  shared = undefined;
  await (await services?.catch(() => undefined))?.stop();
}

let clusters = 0;

/** Starts `count` nodes at once on a fresh database (each imports the credentials, if given). */
export async function startTestCluster(
  services: ClusterServices,
  options: NodeOptions,
  count = 2,
): Promise<TestCluster> {
  const storeUrl = await services.postgres.freshDatabase();
  const busPrefix = `test-${process.pid}-${++clusters}:`;
  const base: StartOptions = { ...options, storeUrl, busUrl: services.redis.url, busPrefix };
  const nodes: (RunningServer | undefined)[] = Array.from({ length: count }, () => undefined);
  const ports: number[] = Array.from({ length: count }, () => options.port);

  const startNode = async (index: number, overrides: Partial<NodeOptions> = {}) => {
    if (nodes[index] !== undefined) throw new Error(`node ${index} is running`);
    const port = ports[index] ?? 0;
    // A restarted node takes its old port back when it is still free, as a restarted server would.
    const node = await startServer({ ...base, port, ...overrides }).catch((error: unknown) => {
      if (port === 0 || overrides.port !== undefined) throw error;
      return startServer({ ...base, port: 0, ...overrides });
    });
    nodes[index] = node;
    ports[index] = node.port;
  };
  const stopNode = async (index: number) => {
    const node = nodes[index];
    nodes[index] = undefined;
    await node?.close();
  };
  const all = (run: (index: number) => Promise<void>) => Promise.all(nodes.map((_, index) => run(index)));
  const stop = async () => {
    await all(stopNode);
  };

  try {
    await all((index) => startNode(index));
  } catch (error) {
    await stop();
    await dropData(services, storeUrl, busPrefix);
    throw error;
  }
  return {
    nodes,
    port(index) {
      const port = ports[index];
      if (port === undefined) throw new Error(`no node ${index}: the cluster has ${count}`);
      return port;
    },
    storeUrl,
    busPrefix,
    async restart(overrides) {
      await stop();
      await all((index) => startNode(index, overrides));
    },
    stopNode,
    startNode,
    stop,
    async close() {
      await stop();
      await dropData(services, storeUrl, busPrefix);
    },
  };
}

async function dropData(services: ClusterServices, storeUrl: string, busPrefix: string): Promise<void> {
  const database = new URL(storeUrl).pathname.slice(1);
  const admin = new pg.Client({ connectionString: storeUrl.replace(/\/[^/]+$/, '/postgres') });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
  const redis = new Redis(services.redis.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  try {
    const keys = await redis.keys(`${busPrefix}*`);
    if (keys.length > 0) await redis.del(...keys);
  } finally {
    redis.disconnect();
  }
}
