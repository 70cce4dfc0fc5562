/**
 * A private Redis for tests: Debian's redis-server on a free port of 127.0.0.1, in a temp dir, with
 * persistence off. restart() keeps the port and loses the data (as a real restart without
 * persistence does); pause()/resume() stop and continue the process (SIGSTOP/SIGCONT), so its
 * clients see a server that accepts bytes but never answers. stop() ends it and removes the dir.
 * Each test file starts its own in beforeAll and stops it in afterAll.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** How long a fresh redis-server may take to answer PING. */
const START_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 5_000;
/** The tail of redis-server's output kept for an error message. */
const OUTPUT_TAIL_BYTES = 4096;

export interface TestRedis {
  readonly url: string;
  readonly port: number;
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

export function redisMissingError(): Error {
  return new Error(
    `Redis is needed for these tests: '${binary()}' was not found. ` +
      'Install it with `apt-get install redis-server` (or set REDIS_SERVER to its path).',
  );
}

export async function startTestRedis(): Promise<TestRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'messenger-redis-'));
  const port = await freePort();
  let child: ChildProcess | undefined;
  let paused = false;
  const killOnExit = () => child?.kill('SIGKILL');
  process.once('exit', killOnExit);
  try {
    child = await launch(port, dir);
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
    async restart() {
      await halt();
      child = await launch(port, dir);
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

async function launch(port: number, dir: string): Promise<ChildProcess> {
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
  const child = spawn(binary(), args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keepTail = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-OUTPUT_TAIL_BYTES);
  };
  child.stdout?.on('data', keepTail);
  child.stderr?.on('data', keepTail);
  const failed = new Promise<never>((_, reject) => {
    child.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'ENOENT' ? redisMissingError() : error),
    );
    child.once('exit', (code, signal) =>
      reject(new Error(`redis-server exited (${signal ?? code}) before answering PING:\n${output}`)),
    );
  });
  failed.catch(() => {});
  try {
    await Promise.race([failed, waitForPing(port)]);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return child;
}

async function waitForPing(port: number): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
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

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject()));
    });
  });
}
