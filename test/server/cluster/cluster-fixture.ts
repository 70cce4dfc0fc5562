/**
 * The per-file setup of the cross-node tests: one private PostgreSQL and one redis-server for the
 * file (started in beforeAll, stopped in afterAll), and per test a cluster of nodes in this process
 * (test/helpers/cluster.ts) on a fresh database, closed after the test with every client. Clients
 * pick their node: `login(1, 'hans', 'falcon')` logs hans in on the second node.
 */
import { rmSync } from 'node:fs';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { PROTOCOL_VERSION } from '../../../src/shared/limits.js';
import type { RequestParams } from '../../../src/shared/protocol.js';
import {
  startClusterServices,
  startTestCluster,
  type ClusterServices,
  type NodeOptions,
  type TestCluster,
} from '../../helpers/cluster.js';
import { RawClient } from '../../helpers/raw-client.js';
import { DEFAULT_USERS, makeTempDir, TEST_KDF_COST, writeCredentials } from '../../helpers/server.js';

/** initdb and the first start of PostgreSQL on a busy two-core machine. */
const SERVICES_TIMEOUT_MS = 60_000;

export interface ClusterFixtureStart extends Partial<NodeOptions> {
  /** Accounts every node imports at start (default DEFAULT_USERS). */
  users?: Record<string, string>;
  /** Nodes (default 2). */
  nodes?: number;
}

export interface ClusterFixture {
  /** The file's PostgreSQL and Redis. */
  readonly services: ClusterServices;
  /** The current test's cluster (throws before start()). */
  readonly cluster: TestCluster;
  /** Starts the test's cluster; it is closed after the test. */
  start(options?: ClusterFixtureStart): Promise<TestCluster>;
  /** A client that has said hello to node `node`, closed after the test. */
  open(node: number, localAddress?: string): Promise<RawClient>;
  /** A client logged in as `name` on node `node`, closed after the test. */
  login(
    node: number,
    name: string,
    password: string,
    extra?: Partial<RequestParams<'login'>>,
  ): Promise<RawClient>;
}

export function useClusterFixture(): ClusterFixture {
  let services: ClusterServices | undefined;
  let cluster: TestCluster | undefined;
  let dir: string | undefined;
  const clients: RawClient[] = [];

  beforeAll(async () => {
    services = await startClusterServices();
  }, SERVICES_TIMEOUT_MS);
  afterAll(async () => {
    await services?.stop();
  }, SERVICES_TIMEOUT_MS);
  afterEach(async () => {
    for (const client of clients.splice(0)) client.close();
    await cluster?.close();
    cluster = undefined;
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  const fixture: ClusterFixture = {
    get services() {
      if (services === undefined) throw new Error('the services have not started');
      return services;
    },
    get cluster() {
      if (cluster === undefined) throw new Error('no cluster: the test has not called start()');
      return cluster;
    },
    async start({ users = DEFAULT_USERS, nodes = 2, ...options } = {}) {
      dir = makeTempDir('messenger-cluster-test-');
      cluster = await startTestCluster(
        fixture.services,
        {
          port: 0,
          blockDurationSeconds: 60,
          timeoutSeconds: 600,
          kdfCost: TEST_KDF_COST,
          credentialsFile: writeCredentials(dir, users),
          ...options,
        },
        nodes,
      );
      return cluster;
    },
    async open(node, localAddress) {
      const client = await RawClient.connect(fixture.cluster.port(node), '127.0.0.1', localAddress);
      clients.push(client);
      await client.call('hello', { version: PROTOCOL_VERSION, client: 'cluster-test' });
      return client;
    },
    async login(node, name, password, extra = {}) {
      const client = await fixture.open(node);
      await client.call('login', { username: name, password, ...extra });
      return client;
    },
  };
  return fixture;
}

/** The online flags of `user`'s presence events that `client` received, in order. */
export function presenceOf(client: RawClient, user: string): boolean[] {
  return client
    .eventsOf('presence')
    .filter((event) => event.user === user)
    .map((event) => event.online);
}
