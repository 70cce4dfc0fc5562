/**
 * The soak test's server (bench/soak.ts): the real server process on one SQLite file, killed with
 * SIGKILL and started again on the same file (and the same port when it is free), with the RSS of
 * every incarnation (the process and its gateway processes) sampled from /proc.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir, spawnServer, writeCredentials, type SpawnedServer } from '../../test/helpers/server.js';
import { processTree, rssBytes, waitUntil } from './servers.js';

export interface RssSample {
  /** Milliseconds since the incarnation started. */
  atMs: number;
  /** The server process and its gateways, bytes. */
  treeRss: number;
  /** The server (core) process alone, bytes. */
  coreRss: number;
}

export interface Incarnation {
  index: number;
  pid: number;
  port: number;
  startedAt: number;
  endedAt?: number;
  /** How it ended: killed by the soak, stopped at the end, or died on its own. */
  end?: 'sigkill' | 'sigterm' | 'died';
  exitCode?: number | null;
  samples: RssSample[];
  /** Whatever the server wrote to stderr (it logs nothing by default). */
  stderr?: string;
}

export interface SoakServerOptions {
  users: Record<string, string>;
  gateways: number;
  sampleMs: number;
  /** Extra flags, e.g. to raise a login rate limit for many logins from loopback. */
  extraArgs: readonly string[];
}

function treeRss(pids: number[]): number {
  let sum = 0;
  for (const pid of pids) {
    try {
      sum += rssBytes(pid);
    } catch {
      // A gateway that exited between listing and reading.
    }
  }
  return sum;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export class SoakServer {
  readonly incarnations: Incarnation[] = [];
  private readonly dir = makeTempDir('messenger-soak-');
  private readonly args: string[];
  readonly extraArgs: readonly string[];
  private current: SpawnedServer | undefined;
  private sampler: NodeJS.Timeout | undefined;
  private lastPort = 0;

  constructor(private readonly options: SoakServerOptions) {
    this.extraArgs = options.extraArgs;
    const credentials = writeCredentials(this.dir, options.users);
    // Idle timeout 300 s, lockout 1 s (the soak never types a wrong password).
    this.args = ['--block-duration', '1', '--timeout', '300', '--credentials', credentials];
    this.args.push('--db', join(this.dir, 'soak.db'), '--kdf-cost', '1024', ...options.extraArgs);
    if (options.gateways > 0) this.args.push('--gateways', String(options.gateways));
  }

  /** The port clients connect to now (a restart keeps it when it can). */
  get port(): number {
    return this.lastPort;
  }

  /** Started, not dead, and not being stopped or killed right now. */
  get running(): boolean {
    const child = this.current?.child;
    return child !== undefined && child.exitCode === null && child.signalCode === null;
  }

  async start(): Promise<void> {
    const server = await spawnServer(['--port', String(this.lastPort), ...this.args], 60_000).catch(() =>
      spawnServer(['--port', '0', ...this.args], 60_000),
    );
    this.current = server;
    this.lastPort = server.port;
    const incarnation: Incarnation = {
      index: this.incarnations.length,
      pid: server.child.pid as number,
      port: server.port,
      startedAt: Date.now(),
      samples: [],
    };
    this.incarnations.push(incarnation);
    server.child.once('exit', (code) => {
      incarnation.endedAt ??= Date.now();
      incarnation.end ??= 'died';
      incarnation.exitCode = code;
      incarnation.stderr = server.stderr();
    });
    this.sampler = setInterval(() => this.sample(incarnation), this.options.sampleMs);
  }

  /** SIGKILL: the server and its gateways die at once, as in a crash of the machine's process. */
  async kill(): Promise<void> {
    const pids = this.current ? processTree(this.current.child.pid as number) : [];
    await this.end('sigkill', (server) => server.stop('SIGKILL'));
    // Gateways exit when the core's IPC channel closes; make sure, so no old process holds the port.
    for (const pid of pids.slice(1)) if (alive(pid)) process.kill(pid, 'SIGKILL');
    await waitUntil(() => pids.every((pid) => !alive(pid)), 5000, 50);
  }

  /** SIGTERM at the end: resolves with the exit status (0 when the shutdown was clean). */
  async stop(): Promise<number | null> {
    let code: number | null = null;
    await this.end('sigterm', async (server) => {
      code = await server.stop('SIGTERM');
    });
    return code;
  }

  removeFiles(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async end(
    how: 'sigkill' | 'sigterm',
    signal: (server: SpawnedServer) => Promise<unknown>,
  ): Promise<void> {
    clearInterval(this.sampler);
    // Not running from now on: connections that close from here on were closed by this signal.
    const server = this.current;
    this.current = undefined;
    const incarnation = this.incarnations.at(-1);
    if (incarnation && incarnation.endedAt === undefined) {
      incarnation.end = how;
      incarnation.endedAt = Date.now();
    }
    if (server) await signal(server);
  }

  private sample(incarnation: Incarnation): void {
    if (!this.running) return;
    try {
      const pids = processTree(incarnation.pid);
      incarnation.samples.push({
        atMs: Date.now() - incarnation.startedAt,
        treeRss: treeRss(pids),
        coreRss: rssBytes(incarnation.pid),
      });
    } catch {
      // The process died between the check and the read: its exit handler records that.
    }
  }
}

export interface RssTrend {
  /** Samples after the warm-up. */
  samples: number;
  /** Median tree RSS of the first and the last third after the warm-up, MiB. */
  firstThirdMiB: number;
  lastThirdMiB: number;
  /** lastThird / firstThird − 1. */
  growth: number;
  /** Least-squares slope of the tree RSS after the warm-up, MiB per minute (a leak's rate). */
  slopeMiBPerMinute: number;
  peakMiB: number;
}

const MIB = 1024 * 1024;
/** Fewer samples than this after the warm-up say nothing about a trend. */
const MIN_TREND_SAMPLES = 9;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/**
 * Whether one incarnation's RSS stayed flat: the median of the last third of its samples after the
 * warm-up against the median of the first third. Medians, so one sample taken in the middle of a
 * burst (a backlog being streamed, a history page being built) does not decide it. Undefined when
 * the incarnation was too short to tell.
 */
/** Least-squares slope of RSS over time, MiB per minute. */
function slope(samples: RssSample[]): number {
  const n = samples.length;
  const meanT = samples.reduce((sum, s) => sum + s.atMs, 0) / n;
  const meanR = samples.reduce((sum, s) => sum + s.treeRss, 0) / n;
  let covariance = 0;
  let variance = 0;
  for (const { atMs, treeRss } of samples) {
    covariance += (atMs - meanT) * (treeRss - meanR);
    variance += (atMs - meanT) ** 2;
  }
  return variance === 0 ? 0 : ((covariance / variance) * 60_000) / MIB;
}

export function rssTrend(samples: RssSample[], warmupMs: number): RssTrend | undefined {
  const after = samples.filter((sample) => sample.atMs >= warmupMs);
  const steady = after.map((sample) => sample.treeRss);
  if (steady.length < MIN_TREND_SAMPLES) return undefined;
  const third = Math.floor(steady.length / 3);
  const first = median(steady.slice(0, third));
  const last = median(steady.slice(-third));
  return {
    samples: steady.length,
    firstThirdMiB: first / MIB,
    lastThirdMiB: last / MIB,
    growth: last / first - 1,
    slopeMiBPerMinute: slope(after),
    peakMiB: Math.max(...steady) / MIB,
  };
}
