/**
 * Starting and stopping the systems under test: this project's server (its CLI, server/main.ts) and
 * the ngircd peer, each on loopback with a fresh data directory, plus /proc readings of their cost.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import {
  existsSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { children, tempDirs } from './pool.js';
import { sleep } from './stats.js';

export const NGIRCD = process.env.NGIRCD_BIN ?? '/usr/sbin/ngircd';
export const PASSWORD = 'bench-pw';

export interface Running {
  name: string;
  host: string;
  port: number;
  pid: number;
  child: ChildProcess;
  dir: string;
  stop(): Promise<void>;
}

export function userNames(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}${i}`);
}

export async function waitForLine(
  child: ChildProcess,
  pattern: RegExp,
  timeoutMs: number,
): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`timed out waiting for ${String(pattern)}; output so far:\n${seen.slice(-2000)}`));
    }, timeoutMs);
    const onData = (chunk: Buffer): void => {
      seen += chunk.toString();
      const match = seen.match(pattern);
      if (match) {
        cleanup();
        resolve(match);
      }
    };
    const onExit = (code: number | null): void => {
      cleanup();
      reject(new Error(`exited with ${code} before ready; output:\n${seen.slice(-2000)}`));
    };
    const cleanup = (): void => {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.stderr?.off('data', onData);
      child.off('exit', onExit);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.on('exit', onExit);
  });
}

export async function stopChild(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
  children.delete(child);
}

export interface OurServerOptions {
  users: string[];
  /** scrypt N; undefined = the server's production default. */
  kdfCost?: number;
  cpuProfDir?: string;
  readyTimeoutMs?: number;
  /** Preload bench/lib/gc-hook.ts: SIGUSR2 makes the server collect garbage (see forceGc). */
  gcHook?: boolean;
  /** --gateways N: processes that hold the client sockets. */
  gateways?: number;
  /** --store postgres://…: PostgreSQL instead of a fresh SQLite file. */
  storeUrl?: string;
  /** --bus redis://…: a node of several sharing the store and this Redis. */
  busUrl?: string;
  /** --max-pending-writes N: writes in flight past which the next waits. */
  maxPendingWrites?: number;
  /** --max-write-wait MS: how long such a write waits before busy. */
  maxWriteWaitMs?: number;
  /** false: --no-receipts (no receipt frames pushed). */
  receipts?: boolean;
  /** --max-file-bytes N: the largest file (bench/files.ts tries files past the default). */
  maxFileBytes?: number;
  /** More server flags, as given (bench/files.ts: --s3-*). */
  extraArgs?: string[];
}

export async function startOurServer(options: OurServerOptions): Promise<Running> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-server-'));
  tempDirs.add(dir);
  const credentials = join(dir, 'credentials.txt');
  writeFileSync(credentials, options.users.map((u) => `${u} ${PASSWORD}\n`).join(''));
  const args = ['--import', 'tsx'];
  if (options.cpuProfDir) args.push('--cpu-prof', '--cpu-prof-dir', options.cpuProfDir);
  if (options.gcHook) {
    args.push('--expose-gc', '--import', fileURLToPath(new URL('./gc-hook.ts', import.meta.url)));
  }
  args.push('server/main.ts', '--port', '0', '--block-duration', '1', '--timeout', '0');
  if (options.storeUrl === undefined) args.push('--db', join(dir, 'bench.db'));
  else args.push('--store', options.storeUrl);
  if (options.busUrl !== undefined) args.push('--bus', options.busUrl);
  args.push('--credentials', credentials);
  // Abuse limits off: the bench measures capacity, and all its clients come from loopback.
  args.push('--rate-limit', '0', '--max-connections-per-address', '0', '--pre-login-timeout', '0');
  args.push('--login-attempts-per-address', '0', '--login-attempts-per-account', '0');
  if (options.kdfCost !== undefined) args.push('--kdf-cost', String(options.kdfCost));
  if (options.gateways) args.push('--gateways', String(options.gateways));
  if (options.maxPendingWrites !== undefined) {
    args.push('--max-pending-writes', String(options.maxPendingWrites));
  }
  if (options.maxWriteWaitMs !== undefined) args.push('--max-write-wait', String(options.maxWriteWaitMs));
  if (options.receipts === false) args.push('--no-receipts');
  if (options.maxFileBytes !== undefined) args.push('--max-file-bytes', String(options.maxFileBytes));
  args.push(...(options.extraArgs ?? []));
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  child.stdout.resume();
  child.stderr.resume();
  try {
    const match = await waitForLine(
      child,
      /listening on \[?([^\s\]]+?)\]?:(\d+)/,
      options.readyTimeoutMs ?? 120_000,
    );
    return {
      name: 'ours',
      host: match[1] === '0.0.0.0' || match[1] === 'localhost' ? '127.0.0.1' : (match[1] as string),
      port: Number(match[2]),
      pid: child.pid as number,
      child,
      dir,
      stop: async () => {
        await stopChild(child, 5000);
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await stopChild(child, 1000);
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      srv.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export function ngircdAvailable(): boolean {
  return existsSync(NGIRCD);
}

/** ngircd in the foreground (-n) with a generated config: loopback only, no DNS/ident/PAM, no penalties. */
export async function startNgircd(): Promise<Running> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-ngircd-'));
  tempDirs.add(dir);
  const port = await freePort();
  const conf = join(dir, 'ngircd.conf');
  writeFileSync(
    conf,
    [
      '[Global]',
      'Name = bench.invalid',
      'Info = benchmark peer',
      'AdminInfo1 = bench',
      'AdminInfo2 = loopback',
      'AdminEMail = bench@invalid',
      'Listen = 127.0.0.1',
      `Ports = ${port}`,
      'MotdPhrase = bench',
      '[Limits]',
      'MaxConnections = 0',
      'MaxConnectionsIP = 0',
      'MaxJoins = 0',
      'MaxNickLength = 30',
      // 0 disables the per-client flood penalties, so the peer is not throttled by design.
      'MaxPenaltyTime = 0',
      'PingTimeout = 600',
      'PongTimeout = 600',
      '[Options]',
      'DNS = no',
      'Ident = no',
      'PAM = no',
      '',
    ].join('\n'),
  );
  const child = spawn(NGIRCD, ['-n', '-f', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  child.stdout.resume();
  child.stderr.resume();
  try {
    await waitForLine(child, /ready\./, 10_000);
  } catch (error) {
    await stopChild(child, 1000);
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return loopbackServer('ngircd', port, child, dir, 3000);
}

/** A server process on 127.0.0.1 whose stop() ends it (SIGTERM, SIGKILL after `graceMs`) and removes `dir`. */
export function loopbackServer(
  name: string,
  port: number,
  child: ChildProcess,
  dir: string,
  graceMs: number,
): Running {
  return {
    name,
    host: '127.0.0.1',
    port,
    pid: child.pid as number,
    child,
    dir,
    stop: async () => {
      await stopChild(child, graceMs);
      rmSync(dir, { recursive: true, force: true });
      tempDirs.delete(dir);
    },
  };
}

/** Asks a server started with gcHook to run a full GC, then waits for it to settle. */
export async function forceGc(pid: number): Promise<void> {
  process.kill(pid, 'SIGUSR2');
  await sleep(500);
}

/** Resident set size of a process in bytes (VmRSS from /proc/<pid>/status). */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = status.match(/VmRSS:\s+(\d+) kB/);
  return match ? Number(match[1]) * 1024 : Number.NaN;
}

/** User + system CPU time of a process in milliseconds (/proc/<pid>/stat). */
export function cpuMillis(pid: number): number {
  const fields = statFields(pid);
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1000) / 100;
}

/** /proc/<pid>/stat after the command name: [0] state, [1] ppid, [11] utime, [12] stime, [13] cutime, [14] cstime. */
function statFields(pid: number): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** The process and its descendants (the server's gateway processes), from /proc. */
export function processTree(pid: number): number[] {
  let children: string;
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8');
  } catch {
    return [pid];
  }
  const kids = children.split(' ').filter(Boolean).map(Number);
  return [pid, ...kids.flatMap(processTree)];
}

/** RSS of a process and its descendants, in bytes. */
export function treeRssBytes(pid: number): number {
  return processTree(pid).reduce((sum, p) => sum + rssBytes(p), 0);
}

/** CPU time of a process and its descendants, in milliseconds. */
export function treeCpuMillis(pid: number): number {
  return processTree(pid).reduce((sum, p) => sum + cpuMillis(p), 0);
}

/**
 * CPU time of a process and its descendants, including the children it has reaped (cutime and
 * cstime): a PostgreSQL backend that ends during a phase keeps counting, through the postmaster.
 */
export function treeCpuMillisWithReaped(pid: number): number {
  const fields = statFields(pid);
  const reaped = ((Number(fields[13]) + Number(fields[14])) * 1000) / 100;
  return treeCpuMillis(pid) + reaped;
}

/**
 * The process listening on 127.0.0.1:`port` (a database or bus the bench started through a helper
 * that does not say its pid): the socket's inode from /proc/net/tcp, then the process holding it.
 * A child that inherited the socket in the moment after a fork is passed over for its parent.
 */
export function listenerPid(port: number): number {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  const LISTEN = '0A';
  const socketLine = readFileSync('/proc/net/tcp', 'utf8')
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .find((f) => f[1] === `0100007F:${hexPort}` && f[3] === LISTEN);
  if (socketLine === undefined) throw new Error(`nothing listens on 127.0.0.1:${port}`);
  const socket = `socket:[${socketLine[9]}]`;
  const holders = readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number)
    .filter((pid) => holdsFile(pid, socket));
  const root = holders.find((pid) => !holders.includes(Number(statFields(pid)[1])));
  if (root === undefined) throw new Error(`no process holds the listener on 127.0.0.1:${port}`);
  return root;
}

function holdsFile(pid: number, target: string): boolean {
  try {
    return readdirSync(`/proc/${pid}/fd`).some((fd) => {
      try {
        return readlinkSync(`/proc/${pid}/fd/${fd}`) === target;
      } catch {
        return false; // closed since the listing
      }
    });
  } catch {
    return false; // exited, or not ours to read
  }
}

/** The soft open-files limit of a process (/proc/<pid>/limits). */
export function maxOpenFiles(pid: number): number {
  const limits = readFileSync(`/proc/${pid}/limits`, 'utf8');
  const match = limits.match(/Max open files\s+(\d+)/);
  return match ? Number(match[1]) : Number.NaN;
}

export async function waitUntil(check: () => boolean, timeoutMs: number, stepMs = 20): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) return true;
    await sleep(stepMs);
  }
  return check();
}
