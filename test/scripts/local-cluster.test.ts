/**
 * `npm run cluster` (scripts/cluster.ts) as a user runs it: a private PostgreSQL and Redis, three
 * nodes and a round-robin balancer. Two users who log in through the balancer land on different
 * nodes and talk across them; SIGTERM logs them out and leaves no process and no folder behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient } from '../helpers/raw-client.js';
import { makeTempDir, REPO_ROOT, writeCredentials } from '../helpers/server.js';

const CLUSTER = [process.execPath, '--import', 'tsx', 'scripts/cluster.ts'];
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 20_000;

interface RunningCluster {
  child: ChildProcess;
  lines: string[];
  /** Resolves with the first output line matching, already printed or to come. */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  exited: Promise<number | null>;
}

function runCluster(args: string[], env: NodeJS.ProcessEnv = process.env): RunningCluster {
  const child = spawn(CLUSTER[0] as string, [...CLUSTER.slice(1), ...args], {
    cwd: REPO_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const watchers: (() => void)[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on('line', (line) => {
      lines.push(line);
      for (const watch of watchers) watch();
    });
  }
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  const waitForLine = (pattern: RegExp, timeoutMs = 10_000) =>
    new Promise<RegExpExecArray>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no line like ${pattern} within ${timeoutMs} ms:\n${lines.join('\n')}`)),
        timeoutMs,
      );
      const check = () => {
        for (const line of lines) {
          const match = pattern.exec(line);
          if (match) {
            clearTimeout(timer);
            resolve(match);
            return;
          }
        }
      };
      watchers.push(check);
      check();
    });
  return { child, lines, waitForLine, exited };
}

/** The process and everything it started, read from /proc while they run. */
function processTree(pid: number): number[] {
  let children: string;
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
  } catch {
    return []; // ended while we looked
  }
  return [
    pid,
    ...(children === '' ? [] : children.split(' ').flatMap((child) => processTree(Number(child)))),
  ];
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function folderOf(cluster: RunningCluster, service: string): string {
  const line = cluster.lines.find((l) => l.startsWith(`[cluster] ${service} `));
  const folder = /\(folder (\S+)\)/.exec(line ?? '')?.[1];
  if (folder === undefined) throw new Error(`no ${service} folder in:\n${cluster.lines.join('\n')}`);
  return folder;
}

/** The node the balancer sent this client's connection to, from the balancer's route line. */
async function nodeOf(cluster: RunningCluster, client: RawClient): Promise<string> {
  const match = await cluster.waitForLine(
    new RegExp(`127\\.0\\.0\\.1:${client.socket.localPort} -> (node \\d)$`),
  );
  return match[1] as string;
}

describe('npm run cluster', () => {
  const dir = makeTempDir('messenger-cluster-test-');
  const credentials = writeCredentials(dir, { yoda: 'wise', hans: 'falcon' });
  let cluster: RunningCluster;
  let balancerPort: number;
  /** Every process of the cluster once started: its pieces run in process groups of their own. */
  let started: number[] = [];

  beforeAll(async () => {
    cluster = runCluster(['--port', '0', '--credentials', credentials]);
    const match = await cluster.waitForLine(
      /^\[cluster\] balancer listening on 127\.0\.0\.1:(\d+) /,
      START_TIMEOUT_MS,
    );
    balancerPort = Number(match[1]);
    started = processTree(cluster.child.pid as number);
  }, START_TIMEOUT_MS + 5_000);

  // After a failure: the cluster's own stop first, then whatever is left of it.
  afterAll(async () => {
    if (cluster.child.exitCode === null) {
      cluster.child.kill('SIGTERM');
      await Promise.race([cluster.exited, new Promise((done) => setTimeout(done, STOP_TIMEOUT_MS))]);
    }
    for (const pid of started.filter(isRunning)) process.kill(pid, 'SIGKILL');
    for (const line of cluster.lines) {
      const folder = /^\[cluster\] \S+ .*\(folder (\S+)\)$/.exec(line)?.[1];
      if (folder !== undefined) rmSync(folder, { recursive: true, force: true });
    }
    rmSync(dir, { recursive: true, force: true });
  }, STOP_TIMEOUT_MS + 5_000);

  it('spreads two users over two nodes, carries their messages, and stops everything on SIGTERM', async () => {
    expect(started.length).toBeGreaterThan(5);
    const folders = [folderOf(cluster, 'Redis'), folderOf(cluster, 'PostgreSQL')];
    for (const folder of folders) expect(existsSync(folder)).toBe(true);

    const yoda = await RawClient.login(balancerPort, 'yoda', 'wise');
    const hans = await RawClient.login(balancerPort, 'hans', 'falcon');
    expect(await nodeOf(cluster, yoda)).not.toBe(await nodeOf(cluster, hans));

    await yoda.waitFor((e) => e.type === 'presence' && e.user === 'hans' && e.online);
    const sent = await yoda.call('message', { to: 'hans', text: 'across nodes' });
    expect(sent.online).toBe(true);
    const received = await hans.waitFor((e) => e.type === 'message' && e.message.text === 'across nodes');
    expect(received).toMatchObject({ message: { from: 'yoda', id: sent.message.id }, offline: false });

    cluster.child.kill('SIGTERM');
    for (const client of [yoda, hans]) {
      await client.waitFor((e) => e.type === 'logged_out' && e.reason === 'shutdown');
      await client.waitClosed();
    }
    const code = await Promise.race([
      cluster.exited,
      new Promise((_, reject) =>
        setTimeout(() => reject(new Error('cluster still running')), STOP_TIMEOUT_MS),
      ),
    ]);
    expect(code).toBe(0);
    expect(started.filter(isRunning)).toEqual([]);
    for (const folder of folders) expect(existsSync(folder)).toBe(false);
    expect(yoda.invalidFrames).toEqual([]);
    expect(hans.invalidFrames).toEqual([]);
  }, 60_000);
});

describe('npm run cluster without redis-server', () => {
  it('says which package to install and exits 1 before starting PostgreSQL', async () => {
    const cluster = runCluster(['--port', '0'], {
      ...process.env,
      REDIS_SERVER: '/nonexistent/redis-server',
    });
    const code = await cluster.exited;
    expect(code).toBe(1);
    expect(cluster.lines.join('\n')).toContain('apt-get install redis-server');
    expect(cluster.lines.some((line) => line.startsWith('[cluster] PostgreSQL'))).toBe(false);
  }, 30_000);
});
