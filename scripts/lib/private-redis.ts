/**
 * A private Redis for the tests (test/helpers/redis.ts) and `npm run cluster` (scripts/cluster.ts):
 * Debian's redis-server on a free port of 127.0.0.1, in a temp dir, with persistence off. restart()
 * keeps the port and loses the data (as a real restart without persistence does); pause()/resume()
 * stop and continue the process (SIGSTOP/SIGCONT), so its clients see a server that accepts bytes
 * but never answers. stop() ends it and removes the dir.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';

/** How long a fresh redis-server may take to answer PING. */
const START_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 5_000;
/** The tail of redis-server's output kept for an error message. */
const OUTPUT_TAIL_BYTES = 4096;

export interface PrivateRedisOptions {
  /** What needs Redis, for the message when it is not installed: 'these tests', say. */
  neededFor: string;
  /**
   * Runs the server in a process group of its own, so a Ctrl-C in the terminal reaches only our
   * process, which stops the server after whatever uses it.
   */
  ownProcessGroup?: boolean;
}

export interface PrivateRedis {
  readonly url: string;
  readonly port: number;
  /** redis-server's working folder; stop() removes it. */
  readonly dir: string;
  /** Kills the server and starts a new one on the same port, with no data. */
  restart(): Promise<void>;
  /** SIGSTOP: connections stay open but nothing is answered. */
  pause(): void;
  /** SIGCONT. */
  resume(): void;
  /** Ends the server and removes its temp dir. Safe to call twice. */
  stop(): Promise<void>;
}

const binary = (): string => process.env.REDIS_SERVER ?? 'redis-server';

export function redisMissingError(neededFor: string): Error {
  return new Error(
    `Redis is needed for ${neededFor}: '${binary()}' was not found. ` +
      'Install it with `apt-get install redis-server` (or set REDIS_SERVER to its path).',
  );
}

export async function startPrivateRedis(options: PrivateRedisOptions): Promise<PrivateRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'messenger-redis-'));
  const port = await freePort();
  let child: ChildProcess | undefined;
  let paused = false;
  const killOnExit = () => child?.kill('SIGKILL');
  process.once('exit', killOnExit);
  try {
    child = await launch(port, dir, options);
  } catch (error) {
    process.off('exit', killOnExit);
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const halt = async () => {
    const running = child;
    child = undefined;
    if (running === undefined) return;
    if (paused) running.kill('SIGCONT');
    paused = false;
    await kill(running);
  };
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    async restart() {
      await halt();
      child = await launch(port, dir, options);
    },
    pause() {
      child?.kill('SIGSTOP');
      paused = child !== undefined;
    },
    resume() {
      child?.kill('SIGCONT');
      paused = false;
    },
    async stop() {
      await halt();
      process.off('exit', killOnExit);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function launch(port: number, dir: string, options: PrivateRedisOptions): Promise<ChildProcess> {
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--save',
    '',
    '--appendonly',
    'no',
  ];
  const child = spawn(binary(), args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.ownProcessGroup ?? false,
  });
  let output = '';
  const keepTail = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-OUTPUT_TAIL_BYTES);
  };
  child.stdout?.on('data', keepTail);
  child.stderr?.on('data', keepTail);
  const failed = new Promise<never>((_, reject) => {
    child.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'ENOENT' ? redisMissingError(options.neededFor) : error),
    );
    child.once('exit', (code, signal) =>
      reject(new Error(`redis-server exited (${signal ?? code}) before answering PING:\n${output}`)),
    );
  });
  let exited = false;
  failed.catch(() => (exited = true));
  try {
    await Promise.race([failed, waitForPing(port, () => exited)]);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return child;
}

/** Polls until the server answers, or until it is known to be gone. */
async function waitForPing(port: number, gone: () => boolean): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline && !gone()) {
    if (await answersPing(port)) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`redis-server on port ${port} did not answer PING within ${START_TIMEOUT_MS} ms`);
}

/** One PING over a raw socket, so the helper does not depend on the client under test. */
function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
  });
}

function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
