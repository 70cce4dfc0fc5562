/**
 * Test servers. startTestServer runs the real server in-process on port 0 with a fresh SQLite file
 * in a temp directory (restartable on the same file); spawnServer runs server/main.ts as a child
 * process (`node --import tsx server/main.ts`). Both clean up with close().
 *
 * With MESSENGER_TEST_CLUSTER=N (N >= 2; `npm run test:cluster`), startTestServer instead starts N
 * nodes on a fresh PostgreSQL database and one Redis (test/helpers/cluster.ts), and `port` hands
 * out the nodes' ports in turn, so clients are spread over the nodes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startServer, type RunningServer, type StartOptions } from '../../server/app.js';
import { sharedClusterServices, startTestCluster } from './cluster.js';

export const REPO_ROOT = resolve(import.meta.dirname, '..', '..');
/** A small scrypt cost keeps tests fast; one test covers the production default. */
export const TEST_KDF_COST = 1024;
/** The report's accounts. */
export const DEFAULT_USERS: Record<string, string> = { yoda: 'wise', hans: 'falcon', luke: 'skywalker' };

export interface TestServerOptions extends Partial<StartOptions> {
  /** Accounts to import (written to a credentials file); default DEFAULT_USERS. */
  users?: Record<string, string>;
}

export interface TestServer {
  readonly host: string;
  /**
   * Current port (a restart keeps it when it can). In cluster mode (MESSENGER_TEST_CLUSTER) each
   * read gives the next node's port, round robin: read it once to keep connections on one node
   * (tests of per-address caps do).
   */
  readonly port: number;
  /** The SQLite file; in cluster mode the PostgreSQL URL. */
  readonly dbPath: string;
  readonly dir: string;
  readonly credentialsFile: string;
  /**
   * Stops the server (clients get logged_out shutdown) and starts it again on the same database
   * (in cluster mode: every node).
   */
  restart(overrides?: Partial<StartOptions>): Promise<void>;
  /** Stops the server without removing the temp directory. */
  stop(): Promise<void>;
  /** Stops the server and removes the temp directory (in cluster mode also the database). */
  close(): Promise<void>;
}

/** Nodes per test server: MESSENGER_TEST_CLUSTER, or 1 (one node on SQLite) when unset. */
export function testClusterSize(): number {
  const size = Number(process.env.MESSENGER_TEST_CLUSTER ?? 1);
  if (!Number.isInteger(size) || size < 1) {
    throw new Error(
      `MESSENGER_TEST_CLUSTER must be a positive integer, got ${process.env.MESSENGER_TEST_CLUSTER}`,
    );
  }
  return size;
}

export function makeTempDir(prefix = 'messenger-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function writeCredentials(dir: string, users: Record<string, string>): string {
  const file = join(dir, 'credentials.txt');
  writeFileSync(
    file,
    Object.entries(users)
      .map(([name, password]) => `${name} ${password}\n`)
      .join(''),
  );
  return file;
}

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const { users = DEFAULT_USERS, ...rest } = options;
  const dir = makeTempDir();
  const credentialsFile = writeCredentials(dir, users);
  const base: StartOptions = {
    port: 0,
    blockDurationSeconds: 60,
    timeoutSeconds: 600,
    dbPath: join(dir, 'server.db'),
    // In cluster mode every node gets this folder: the nodes of a cluster share their files.
    filesDir: join(dir, 'files'),
    credentialsFile,
    kdfCost: TEST_KDF_COST,
    // MESSENGER_TEST_GATEWAYS=N runs every in-process test server with N gateway processes.
    gateways: Number(process.env.MESSENGER_TEST_GATEWAYS ?? 0),
    ...rest,
  };
  if (testClusterSize() > 1) return startClusterTestServer(base, dir, rest.dbPath);
  let running: RunningServer | undefined = await startServer(base);
  let current = running;
  const stop = async () => {
    const server = running;
    running = undefined;
    await server?.close();
  };
  return {
    get host() {
      return current.host;
    },
    get port() {
      return current.port;
    },
    dbPath: current.dbPath,
    dir,
    credentialsFile,
    async restart(overrides = {}) {
      const port = current.port;
      await stop();
      running = await startServer({ ...base, port, ...overrides }).catch(() =>
        startServer({ ...base, port: 0, ...overrides }),
      );
      current = running;
    },
    stop,
    async close() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The TestServer of MESSENGER_TEST_CLUSTER mode: N nodes, `port` round robin over them. */
async function startClusterTestServer(
  base: StartOptions,
  dir: string,
  sqliteFile?: string,
): Promise<TestServer> {
  if (sqliteFile !== undefined) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`a test server on its own SQLite file (${sqliteFile}) cannot run as a cluster`);
  }
  const { dbPath: _sqlite, ...options } = base;
  const cluster = await sharedClusterServices()
    .then((services) => startTestCluster(services, options, testClusterSize()))
    .catch((error: unknown) => {
      rmSync(dir, { recursive: true, force: true });
      throw error;
    });
  const size = cluster.nodes.length;
  const [node] = cluster.nodes;
  if (node === undefined) throw new Error('a test cluster has no node');
  let reads = 0;
  return {
    host: node.host,
    get port() {
      return cluster.port(reads++ % size);
    },
    dbPath: node.dbPath,
    dir,
    credentialsFile: base.credentialsFile ?? '',
    restart: (overrides = {}) => cluster.restart(overrides),
    stop: () => cluster.stop(),
    async close() {
      await cluster.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface SpawnedServer {
  readonly host: string;
  readonly port: number;
  readonly child: ChildProcess;
  /** Everything the process wrote to stdout and stderr so far. */
  stdout(): string;
  stderr(): string;
  /** Sends a signal (default SIGTERM) and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface SpawnResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

const MAIN = join(REPO_ROOT, 'server', 'main.ts');
/**
 * The server from source: `node --import tsx server/main.ts`, not through the tsx CLI, so the
 * child's pid is the server itself (a signal reaches it rather than a wrapper). Tests of the
 * installed package pass its bin instead.
 */
export const SERVER_FROM_SOURCE: readonly string[] = [process.execPath, '--import', 'tsx', MAIN];

/** Runs the server with these arguments until it exits (for bad-argument and --help tests). */
export function runServerCli(
  args: string[],
  timeoutMs = 15_000,
  command: readonly string[] = SERVER_FROM_SOURCE,
): Promise<SpawnResult> {
  return new Promise((resolvePromise, reject) => {
    const [program, ...prefix] = command as [string, ...string[]];
    const child = spawn(program, [...prefix, ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server did not exit within ${timeoutMs} ms`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr });
    });
  });
}

/** Children still running; killed when the test process exits, whatever the test did. */
const spawned = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of spawned) child.kill('SIGKILL');
});

/** Kills every server spawned by this test file that is still running (for afterAll hooks). */
export async function stopSpawnedServers(): Promise<void> {
  await Promise.all(
    [...spawned].map(
      (child) =>
        new Promise<void>((done) => {
          child.once('exit', () => done());
          child.kill('SIGKILL');
        }),
    ),
  );
}

/**
 * Spawns the server (from source by default, see SERVER_FROM_SOURCE) and resolves once it printed
 * `listening on HOST:PORT`. Its pid is the server itself, so a signal (SIGKILL in crash tests, or in
 * cleanup) reaches it and its memory can be read from /proc.
 * Call stop() in cleanup (stopSpawnedServers() and process exit are the safety nets).
 */
export function spawnServer(
  args: string[],
  timeoutMs = 15_000,
  command: readonly string[] = SERVER_FROM_SOURCE,
): Promise<SpawnedServer> {
  const [program, ...prefix] = command as [string, ...string[]];
  const child = spawn(program, [...prefix, ...args], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  spawned.add(child);
  child.once('exit', () => spawned.delete(child));
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no listening line within ${timeoutMs} ms; stderr: ${stderr}`));
    }, timeoutMs);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before listening; stderr: ${stderr}`));
    });
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /^listening on (.+):(\d+)\n/.exec(stdout);
      if (!match) return;
      clearTimeout(timer);
      resolvePromise({
        host: match[1] as string,
        port: Number(match[2]),
        child,
        stdout: () => stdout,
        stderr: () => stderr,
        stop: (signal = 'SIGTERM') => {
          if (child.exitCode === null && child.signalCode === null) child.kill(signal);
          const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
          return exited.finally(() => clearTimeout(killer));
        },
      });
    });
  });
}
