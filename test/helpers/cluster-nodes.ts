/**
 * Several server processes on one PostgreSQL and one Redis (docs/scaling.md's topology on one
 * machine), for fault tests: startCluster spawns the nodes, and RoamingClient is a protocol client
 * that stays logged in across node deaths and outages: it reconnects with backoff, to the next node
 * that accepts, whenever its connection drops or a request is refused as `unavailable`.
 */
import { PROTOCOL_VERSION } from '../../src/shared/limits.js';
import type { RequestParams, RequestType } from '../../src/shared/protocol.js';
import { RawClient, type Reply } from './raw-client.js';
import { spawnServer, writeCredentials, TEST_KDF_COST, type SpawnedServer } from './server.js';

export interface ClusterNode {
  readonly index: number;
  readonly port: number;
  readonly server: SpawnedServer;
  /** False once kill() or stop() ran. */
  readonly alive: boolean;
  /** SIGKILL: the node dies without telling the bus or its clients. */
  kill(): Promise<void>;
}

export interface Cluster {
  readonly nodes: readonly ClusterNode[];
  /** The ports of the nodes not killed, in node order. */
  ports(): number[];
  /** SIGTERM to every node still running; resolves once all have exited. */
  stop(): Promise<void>;
}

export interface ClusterOptions {
  count: number;
  storeUrl: string;
  busUrl: string;
  /** Where the credentials file goes. */
  dir: string;
  users: Record<string, string>;
}

/**
 * Starts `count` nodes. The first starts alone (it migrates the schema and imports the accounts);
 * the others then start together. Limits that would refuse a test's reconnect storms from
 * 127.0.0.1 (rate, login throttles) are off.
 */
export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const credentials = writeCredentials(options.dir, options.users);
  const args = [
    ...['--port', '0', '--block-duration', '60', '--timeout', '600'],
    ...['--store', options.storeUrl, '--bus', options.busUrl, '--credentials', credentials],
    ...['--kdf-cost', String(TEST_KDF_COST), '--rate-limit', '0'],
    ...['--login-attempts-per-address', '0', '--login-attempts-per-account', '0'],
  ];
  const first = await spawnServer(args);
  const rest = await Promise.all(Array.from({ length: options.count - 1 }, () => spawnServer(args)));
  const nodes = [first, ...rest].map((server, index) => clusterNode(server, index));
  return {
    nodes,
    ports: () => nodes.filter((node) => node.alive).map((node) => node.port),
    stop: async () => {
      await Promise.all(nodes.map((node) => (node.alive ? node.server.stop('SIGTERM') : undefined)));
    },
  };
}

function clusterNode(server: SpawnedServer, index: number): ClusterNode {
  let alive = true;
  return {
    index,
    port: server.port,
    server,
    get alive() {
      return alive;
    },
    async kill() {
      alive = false;
      await server.stop('SIGKILL');
    },
  };
}

/** What a request came to: its reply, or 'dropped' when the connection ended first. */
export type Outcome<T extends RequestType> = Reply<T> | 'dropped';

export interface RoamingOptions {
  username: string;
  password: string;
  /** The nodes to try, in order of preference; called on every attempt. */
  ports: () => number[];
  /** Tries from this index of ports() on (spreads clients over the nodes). */
  home: number;
  /** Called with each new connection before it logs in (so the backlog is not missed). */
  attach?: (client: RawClient) => void;
  /** Called with each successful login's result. */
  onLogin?: (pendingOffline: number) => void;
  /** Reconnecting gives up (throws) after this time. */
  deadline: number;
  /** Counts `unavailable` replies seen by this client (logins included). */
  onUnavailable?: () => void;
}

const FIRST_BACKOFF_MS = 50;
const MAX_BACKOFF_MS = 800;
/** Login refusals that pass by themselves: an outage, or a dead node's claim not yet swept. */
const RETRYABLE_LOGIN = new Set(['unavailable', 'already_logged_in']);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A logged-in user that survives its node: request() resolves with the reply, or 'dropped'; after a
 * failure, renew() replaces the connection (once, however many requests saw that failure).
 */
export class RoamingClient {
  private client: RawClient | undefined;
  private generation = 0;
  private connecting: Promise<void> | undefined;
  private stopped = false;
  /** Logins made, the first included. */
  logins = 0;
  /** When the last login succeeded (ms since epoch). */
  lastLoginAt = 0;

  constructor(private readonly options: RoamingOptions) {}

  /** The current connection's generation: pass it to renew() after a failure seen on it. */
  get current(): number {
    return this.generation;
  }

  /** The current connection, if one is logged in. */
  get connection(): RawClient | undefined {
    return this.client;
  }

  async start(): Promise<void> {
    await this.renew(this.generation);
  }

  /** Sends on the current connection (renewing it first if it is gone). */
  async request<T extends RequestType>(type: T, params: RequestParams<T>): Promise<Outcome<T>> {
    const client = this.client;
    if (client === undefined || client.closed) return 'dropped';
    const reply = await Promise.race([client.request(type, params), closedPromise(client)]);
    if (reply !== 'dropped' && !reply.ok && reply.error.code === 'unavailable')
      this.options.onUnavailable?.();
    return reply;
  }

  /** Replaces the connection of `generation` unless that was done already; resolves once logged in. */
  renew(generation: number): Promise<void> {
    if (generation < this.generation) return Promise.resolve();
    this.connecting ??= this.reconnect().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  get username(): string {
    return this.options.username;
  }

  /** Closes the connection for good. */
  stop(): void {
    this.stopped = true;
    this.client?.close();
  }

  private async reconnect(): Promise<void> {
    this.client?.close();
    this.client = undefined;
    let backoff = FIRST_BACKOFF_MS;
    for (let attempt = 0; ; attempt++) {
      if (this.stopped) throw new Error(`${this.options.username}: stopped`);
      const ports = this.options.ports();
      const port = ports[(this.options.home + attempt) % ports.length];
      if (port !== undefined) {
        const client = await this.tryLogin(port);
        if (client) {
          this.client = client;
          this.generation++;
          return;
        }
      }
      if (Date.now() + backoff > this.options.deadline) {
        throw new Error(`${this.options.username}: no node took the login before the deadline`);
      }
      await sleep(backoff / 2 + Math.random() * (backoff / 2));
      backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
    }
  }

  /** One attempt on one node: the logged-in client, or undefined when it should be retried. */
  private async tryLogin(port: number): Promise<RawClient | undefined> {
    let client: RawClient;
    try {
      client = await RawClient.connect(port);
    } catch {
      return undefined; // a dead node
    }
    const hello = await Promise.race([
      client.request('hello', { version: PROTOCOL_VERSION }),
      closedPromise(client),
    ]);
    if (hello === 'dropped' || !hello.ok) return giveUp(client);
    this.options.attach?.(client);
    const { username, password } = this.options;
    const login = await Promise.race([
      client.request('login', { username, password }),
      closedPromise(client),
    ]);
    if (login === 'dropped') return giveUp(client);
    if (!login.ok) {
      if (login.error.code === 'unavailable') this.options.onUnavailable?.();
      if (RETRYABLE_LOGIN.has(login.error.code)) return giveUp(client);
      client.close();
      throw new Error(`${username}: login failed with ${login.error.code}: ${login.error.message}`);
    }
    this.logins++;
    this.lastLoginAt = Date.now();
    this.options.onLogin?.(login.result.pendingOffline);
    return client;
  }
}

function giveUp(client: RawClient): undefined {
  client.close();
  return undefined;
}

/** One promise per connection, so a thousand requests do not add a thousand close listeners. */
const closings = new WeakMap<RawClient, Promise<'dropped'>>();

function closedPromise(client: RawClient): Promise<'dropped'> {
  let closing = closings.get(client);
  if (closing === undefined) {
    closing = new Promise((resolve) => {
      if (client.closed || client.socket.destroyed) resolve('dropped');
      else client.socket.once('close', () => resolve('dropped'));
    });
    closings.set(client, closing);
  }
  return closing;
}
