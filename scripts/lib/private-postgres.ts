/**
 * A private PostgreSQL server from Debian's `postgresql` package, for the tests
 * (test/helpers/postgres.ts) and `npm run cluster` (scripts/cluster.ts): a fresh cluster in a
 * temporary folder, listening on a free port on 127.0.0.1 with trust authentication, fsync on.
 * stop() ends the server and removes the folder.
 *
 * PostgreSQL refuses to run as root, so as root the cluster belongs to the `postgres` user and its
 * programs run through setpriv, which execs them in place (runuser would fork and stand between us
 * and the postmaster's signals).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import {
  chownSync,
  existsSync,
  mkdtempSync,
  openSync,
  closeSync,
  readFileSync,
  readdirSync,
  rmSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from './free-port.js';

export interface PrivatePostgresOptions {
  /** What needs PostgreSQL, for the message when it is not installed: 'these tests', say. */
  neededFor: string;
  /**
   * Runs the server in a process group of its own, so a Ctrl-C in the terminal reaches only our
   * process, which stops the server after whatever uses it.
   */
  ownProcessGroup?: boolean;
}

function installHint(neededFor: string): string {
  return `PostgreSQL is needed for ${neededFor}; install it with \`apt-get install postgresql\``;
}
/** The superuser initdb creates; the URLs name it. */
const USER = 'messenger';
const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 15_000;

export interface PrivatePostgres {
  /** postgres://USER@127.0.0.1:PORT/DB of the database created at start. */
  readonly url: string;
  readonly port: number;
  /** The folder holding the data, the socket and the log; stop() removes it. */
  readonly dir: string;
  /** Creates an empty database with a unique name and returns its URL. */
  freshDatabase(): Promise<string>;
  /**
   * Stops the server, keeping its data and port: 'fast' cuts open connections and checkpoints,
   * 'immediate' stops everything at once, as a crash does (the next start replays the WAL).
   */
  halt(mode?: 'fast' | 'immediate'): Promise<void>;
  /** Starts a halted server again on the same data and port. */
  resume(): Promise<void>;
  /** Freezes the server and every backend (SIGSTOP): connections stay open but nothing answers. */
  freeze(): void;
  /** Undoes freeze (SIGCONT). */
  thaw(): void;
  /** Stops the server and removes its folder; safe to call twice. */
  stop(): Promise<void>;
}

/** The folder of the newest installed server version: /usr/lib/postgresql/<version>/bin. */
export function postgresBinDir(neededFor: string): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(join(root, v, 'bin', 'postgres')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions[0] === undefined) throw new Error(`${installHint(neededFor)} (no server under ${root}/*/bin)`);
  return join(root, versions[0], 'bin');
}

/** How to run the server's programs: as the `postgres` user when we are root. */
interface RunAs {
  command(program: string, args: string[]): [string, string[]];
  /** Gives a folder we created to the user the server runs as. */
  own(path: string): void;
}

function runAs(neededFor: string): RunAs {
  if (process.getuid?.() !== 0) return { command: (program, args) => [program, args], own: () => {} };
  let uid: number;
  let gid: number;
  try {
    uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  } catch {
    throw new Error(
      `${installHint(neededFor)} (running as root needs its \`postgres\` user, which is missing)`,
    );
  }
  return {
    command: (program, args) => [
      'setpriv',
      ['--reuid=postgres', '--regid=postgres', '--init-groups', program, ...args],
    ],
    own: (path) => chownSync(path, uid, gid),
  };
}

function lastLines(file: string, count: number): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-count).join('\n');
  } catch {
    return '(no log)';
  }
}

function waitForExit(child: ChildProcess, timeoutMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`postgres did not exit within ${timeoutMs} ms`)),
      timeoutMs,
    );
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

async function sleep(ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

/** Runs one statement on a short-lived connection. */
async function adminQuery(port: number, database: string, sql: string): Promise<pg.QueryResult> {
  const client = new pg.Client({
    host: '127.0.0.1',
    port,
    user: USER,
    database,
    connectionTimeoutMillis: 2000,
  });
  client.on('error', () => {}); // a server stopping meanwhile; the query's own rejection reports it
  await client.connect();
  try {
    return await client.query(sql);
  } finally {
    await client.end();
  }
}

class Cluster implements PrivatePostgres {
  private child: ChildProcess | undefined;
  private databases = 0;
  private stopped = false;
  private readonly logFile: string;
  private readonly dataDir: string;

  constructor(
    private readonly bin: string,
    private readonly as: RunAs,
    readonly dir: string,
    /** Set by startPrivatePostgres until the server listens on it (see there), then kept. */
    public port: number,
    private readonly ownProcessGroup: boolean,
  ) {
    this.logFile = join(dir, 'postgres.log');
    this.dataDir = join(dir, 'data');
  }

  get url(): string {
    return this.urlOf('messenger');
  }

  /** Whether the last start failed because another program took the port meanwhile. */
  portWasTaken(): boolean {
    return /could not bind|Address already in use/i.test(lastLines(this.logFile, 15));
  }

  urlOf(database: string): string {
    return `postgres://${USER}@127.0.0.1:${this.port}/${database}`;
  }

  initdb(): void {
    // --no-sync: initdb's own files are not fsynced, which only matters if the machine crashes
    // while the cluster starts; the server itself runs with fsync on (see start()).
    const [program, args] = this.as.command(join(this.bin, 'initdb'), [
      ...['-D', this.dataDir, '-U', USER, '--auth=trust', '--encoding=UTF8', '--locale=C'],
      ...['--no-sync', '--no-instructions'],
    ]);
    try {
      execFileSync(program, args, { stdio: 'pipe' });
    } catch (error) {
      const output = (error as { stderr?: Buffer }).stderr?.toString() ?? String(error);
      throw new Error(`initdb failed: ${output}`, { cause: error });
    }
  }

  /** Starts the server and resolves once it accepts queries. */
  async start(): Promise<void> {
    const log = openSync(this.logFile, 'a');
    const [program, args] = this.as.command(join(this.bin, 'postgres'), [
      ...['-D', this.dataDir, '-p', String(this.port), '-k', this.dir],
      ...['-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=on', '-c', 'synchronous_commit=on'],
      ...['-c', 'shared_buffers=32MB', '-c', 'max_connections=100', '-c', 'logging_collector=off'],
    ]);
    const child = spawn(program, args, { stdio: ['ignore', log, log], detached: this.ownProcessGroup });
    closeSync(log);
    this.child = child;
    // Should our process end without stop() (a crash, a test's timeout), the server goes with it.
    const orphaned = () => child.kill('SIGQUIT');
    process.once('exit', orphaned);
    child.once('exit', () => process.off('exit', orphaned));
    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`postgres exited while starting:\n${lastLines(this.logFile, 15)}`);
      }
      try {
        await adminQuery(this.port, 'postgres', 'SELECT 1');
        return;
      } catch (error) {
        if (Date.now() > deadline) {
          throw new Error(
            `postgres not ready after ${READY_TIMEOUT_MS} ms:\n${lastLines(this.logFile, 15)}`,
            { cause: error },
          );
        }
        await sleep(50);
      }
    }
  }

  private running(): ChildProcess | undefined {
    const child = this.child;
    return child !== undefined && child.exitCode === null && child.signalCode === null ? child : undefined;
  }

  /** The postmaster and its children: backends, checkpointer, WAL writer and the rest. */
  private serverPids(): number[] {
    const pid = this.running()?.pid;
    if (pid === undefined) throw new Error('postgres is not running');
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
    return [pid, ...(children === '' ? [] : children.split(' ').map(Number))];
  }

  async freshDatabase(): Promise<string> {
    const name = `test_${++this.databases}_${process.pid}`;
    await adminQuery(this.port, 'postgres', `CREATE DATABASE ${name}`);
    return this.urlOf(name);
  }

  async halt(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    const child = this.running();
    if (child === undefined) return;
    // PostgreSQL's shutdown signals: SIGINT cuts sessions with 57P01 and checkpoints; SIGQUIT ends
    // every process at once, like a crash.
    child.kill(mode === 'fast' ? 'SIGINT' : 'SIGQUIT');
    await waitForExit(child, STOP_TIMEOUT_MS);
  }

  async resume(): Promise<void> {
    await this.start();
  }

  freeze(): void {
    this.signalAll('SIGSTOP');
  }

  thaw(): void {
    this.signalAll('SIGCONT');
  }

  private signalAll(signal: NodeJS.Signals): void {
    for (const pid of this.serverPids()) {
      try {
        process.kill(pid, signal);
      } catch (error) {
        // A backend that ended since the list was read.
        if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
      }
    }
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    try {
      if (this.running()) this.thaw();
      // Immediate: the folder goes next, so a fast shutdown's checkpoint (every file each test
      // database touched, fsynced; over 15 s on a busy machine) would be wasted work.
      await this.halt('immediate');
    } finally {
      rmSync(this.dir, { recursive: true, force: true });
    }
  }
}

const PORT_ATTEMPTS = 4;

/**
 * Starts the server on a port that was free a moment before: postgres cannot listen on port 0, so
 * a port is picked first, and another program (a test server on port 0) may take it before postgres
 * binds; then it tries another.
 */
async function startOnFreePort(cluster: Cluster): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    cluster.port = await freePort();
    try {
      await cluster.start();
      return;
    } catch (error) {
      if (attempt >= PORT_ATTEMPTS || !cluster.portWasTaken()) throw error;
    }
  }
}

/** Starts a fresh PostgreSQL cluster with one database, `messenger`. */
export async function startPrivatePostgres(options: PrivatePostgresOptions): Promise<PrivatePostgres> {
  const bin = postgresBinDir(options.neededFor);
  const as = runAs(options.neededFor);
  const dir = mkdtempSync(join(tmpdir(), 'messenger-pg-'));
  as.own(dir);
  const cluster = new Cluster(bin, as, dir, 0, options.ownProcessGroup ?? false);
  try {
    cluster.initdb();
    await startOnFreePort(cluster);
    await adminQuery(cluster.port, 'postgres', 'CREATE DATABASE messenger');
    return cluster;
  } catch (error) {
    await cluster.stop();
    throw error;
  }
}
