/**
 * `npm run cluster`: the multi-node setup of docs/scaling.md on one machine, to try it out. A private
 * PostgreSQL and a private redis-server in temporary folders (scripts/lib/private-postgres.ts,
 * scripts/lib/private-redis.ts), three server nodes as child processes (server/main.ts with --store
 * and --bus, each on its own port) and a round-robin TCP balancer in front of them
 * (scripts/lib/round-robin-balancer.ts). Clients connect to the balancer.
 *
 * Every piece runs in a process group of its own, so Ctrl-C reaches only this process, which stops
 * them in order: the balancer stops accepting, the nodes log their users out, then Redis and
 * PostgreSQL stop and their folders are removed. A node that dies meanwhile stays dead: the balancer
 * sends new connections to the others, which is how a node failure looks (docs/scaling.md).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';
import { dirname, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Command, InvalidArgumentError } from 'commander';
import { startPrivatePostgres, type PrivatePostgres } from './lib/private-postgres.js';
import { startPrivateRedis, type PrivateRedis } from './lib/private-redis.js';
import { startBalancer, type Backend, type Balancer } from './lib/round-robin-balancer.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const HOST = '127.0.0.1';
const NEEDED_FOR = '`npm run cluster`';
const NODE_START_TIMEOUT_MS = 30_000;
/** A node that has not logged its users out by then is killed. */
const NODE_STOP_TIMEOUT_MS = 10_000;

interface ClusterOptions {
  port: number;
  nodes: number;
  credentials?: string;
  openRegistration: boolean;
  blockDuration: string;
  timeout: string;
  verbose: boolean;
}

const say = (line: string): void => console.log(`[cluster] ${line}`);

function parseCount(max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || n > max) throw new InvalidArgumentError(`expected an integer up to ${max}`);
    return n;
  };
}

function parseOptions(argv: string[]): ClusterOptions {
  const program = new Command('npm run cluster --')
    .description(
      'Run server nodes on a private PostgreSQL and Redis behind a round-robin TCP balancer, all on 127.0.0.1.',
    )
    .option('--port <port>', 'balancer port (0 picks a free one)', parseCount(65535), 4545)
    .option('--nodes <n>', 'server nodes', parseCount(16), 3)
    .option('--credentials <file>', 'import accounts from "username password" lines')
    .option('--open-registration', 'let unknown usernames register', false)
    .option('--block-duration <seconds>', 'lockout duration in seconds', '60')
    .option('--timeout <seconds>', 'idle seconds before a user is logged out (0: never)', '1800')
    .option('--verbose', "the nodes' info logs on stderr", false)
    .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : 2));
  program.parse(argv, { from: 'user' });
  const options = program.opts<ClusterOptions>();
  if (options.nodes < 1) program.error('error: --nodes must be at least 1', { exitCode: 2 });
  return options;
}

/** One server node: server/main.ts as a child process, its output prefixed with its name. */
class ServerNode implements Backend {
  readonly host = HOST;
  port = 0;
  private child: ChildProcess | undefined;
  private stopping = false;

  constructor(
    readonly name: string,
    private readonly args: string[],
  ) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Resolves once the node prints `listening on HOST:PORT`. */
  start(): Promise<void> {
    const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts', ...this.args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    this.child = child;
    process.once('exit', () => child.kill('SIGKILL'));
    createInterface({ input: child.stderr! }).on('line', (line) => console.error(`[${this.name}] ${line}`));
    return new Promise((resolveStart, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${this.name} did not start in time`)),
        NODE_START_TIMEOUT_MS,
      );
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`${this.name} exited (${signal ?? code}) before listening`));
        if (!this.stopping) say(`${this.name} exited (${signal ?? code}); the balancer skips it`);
      });
      createInterface({ input: child.stdout! }).on('line', (line) => {
        const match = /^listening on .+:(\d+)$/.exec(line);
        if (!match) return console.log(`[${this.name}] ${line}`);
        this.port = Number(match[1]);
        clearTimeout(timer);
        resolveStart();
      });
    });
  }

  /** SIGTERM: the node logs its users out (reason `shutdown`) and exits; SIGKILL if it hangs. */
  async stop(): Promise<void> {
    this.stopping = true;
    const child = this.child;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((done) => child.once('exit', done));
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), NODE_STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(killer);
  }
}

class Stopped extends Error {}

/** What is running; start() adds pieces as they come up, stop() stops whichever did. */
class LocalCluster {
  private postgres: PrivatePostgres | undefined;
  private redis: PrivateRedis | undefined;
  private nodes: ServerNode[] = [];
  private balancer: Balancer | undefined;
  private stopRequested = false;

  async start(options: ClusterOptions): Promise<void> {
    this.redis = await startPrivateRedis({ neededFor: NEEDED_FOR, ownProcessGroup: true });
    this.checkNotStopped();
    say(`Redis       ${this.redis.url} (folder ${this.redis.dir})`);
    this.postgres = await startPrivatePostgres({ neededFor: NEEDED_FOR, ownProcessGroup: true });
    this.checkNotStopped();
    say(`PostgreSQL  ${this.postgres.url} (folder ${this.postgres.dir})`);
    const shared = [
      ...['--host', HOST, '--port', '0', '--store', this.postgres.url, '--bus', this.redis.url],
      ...['--block-duration', options.blockDuration, '--timeout', options.timeout],
      ...(options.openRegistration ? ['--open-registration'] : []),
      ...(options.verbose ? ['--verbose'] : []),
    ];
    this.nodes = Array.from({ length: options.nodes }, (_, i) => {
      // One node imports the credentials; the others find the accounts in the shared database.
      const credentials = i === 0 && options.credentials ? ['--credentials', options.credentials] : [];
      return new ServerNode(`node ${i + 1}`, [...shared, ...credentials]);
    });
    // The first node migrates the schema and imports the accounts before the others start.
    await this.startNodes(this.nodes.slice(0, 1));
    await this.startNodes(this.nodes.slice(1));
    this.balancer = await startBalancer(HOST, options.port, this.nodes, reportRoute);
    say(`balancer listening on ${HOST}:${this.balancer.port} (round robin over ${this.nodes.length} nodes)`);
    this.printHowToConnect(this.balancer.port);
  }

  private async startNodes(nodes: ServerNode[]): Promise<void> {
    await Promise.all(nodes.map((node) => node.start()));
    this.checkNotStopped();
    for (const node of nodes) say(`${node.name.padEnd(11)} ${HOST}:${node.port} (pid ${node.pid})`);
  }

  private printHowToConnect(port: number): void {
    say(`terminal client: npm run --silent client -- --host ${HOST} --port ${port}`);
    say(
      port === 4545
        ? 'app: npm start (it finds the balancer on 127.0.0.1:4545 and opens the app on it)'
        : `app: MESSENGER_PORT=${port} npm start`,
    );
    say('Ctrl-C stops everything and removes the temporary folders.');
  }

  requestStop(): void {
    this.stopRequested = true;
  }

  private checkNotStopped(): void {
    if (this.stopRequested) throw new Stopped('stopped while starting');
  }

  async stop(): Promise<void> {
    this.balancer?.stopListening();
    // The balancer keeps relaying while the nodes stop, so their users get `logged_out`.
    await Promise.all(this.nodes.map((node) => node.stop()));
    this.balancer?.cutAll();
    await this.redis?.stop();
    await this.postgres?.stop();
  }
}

function reportRoute(client: Socket, backend: Backend | undefined): void {
  const from = `${client.remoteAddress}:${client.remotePort}`;
  say(backend ? `${from} -> ${backend.name}` : `${from}: no node accepted the connection`);
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const cluster = new LocalCluster();
  let signalled = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) return;
    signalled = true;
    say(`${signal}: stopping`);
    cluster.requestStop();
    void started.finally(async () => {
      await cluster.stop();
      say('stopped');
    });
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const started = cluster.start(options).catch(async (error: unknown) => {
    if (error instanceof Stopped) return;
    console.error(`[cluster] cannot start: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
    if (!signalled) {
      signalled = true;
      await cluster.stop();
    }
  });
}

void main();
