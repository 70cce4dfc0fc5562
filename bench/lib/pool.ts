/** The orchestrator's side of the load-generator workers: fork, command, collect, and always clean up. */
import { fork, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { WorkerCommand, WorkerStats } from './protocol.js';

const WORKER = fileURLToPath(new URL('./worker.ts', import.meta.url));

/** Every child process the bench started, so an exit handler can kill them whatever happens. */
export const children = new Set<ChildProcess>();

/** Temporary directories (databases, configs) to remove even when the run is interrupted. */
export const tempDirs = new Set<string>();

export function killAllChildren(): void {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  children.clear();
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  tempDirs.clear();
}

/**
 * Runs a bench script's main when the file is the script node was started with (not when a test or
 * bench/run.ts imports it): exit 0 when it resolves; else the error, its servers killed, exit 1.
 */
export function runScript(moduleUrl: string, main: () => Promise<void>): void {
  if (moduleUrl !== `file://${process.argv[1]}`) return;
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      killAllChildren();
      process.exit(1);
    },
  );
}

export class Worker {
  private seq = 0;
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  readonly child: ChildProcess;

  constructor(readonly index: number) {
    this.child = fork(WORKER, [], {
      execArgv: ['--import', 'tsx', '--max-old-space-size=4096'],
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    children.add(this.child);
    this.child.on('message', (message: { seq: number; result?: unknown; error?: string }) => {
      const w = this.waiting.get(message.seq);
      if (!w) return;
      this.waiting.delete(message.seq);
      if (message.error !== undefined) w.reject(new Error(`worker ${index}: ${message.error}`));
      else w.resolve(message.result);
    });
    this.child.on('exit', (code, signal) => {
      children.delete(this.child);
      for (const w of this.waiting.values())
        w.reject(new Error(`worker ${index} exited (${code ?? signal})`));
      this.waiting.clear();
    });
  }

  run<T = Record<string, unknown>>(command: WorkerCommand): Promise<T> {
    const seq = ++this.seq;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(seq, { resolve: resolve as (v: unknown) => void, reject });
      this.child.send({ seq, command });
    });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    await this.run({ cmd: 'exit' }).catch(() => undefined);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  }
}

export class Pool {
  readonly workers: Worker[];
  constructor(size: number) {
    this.workers = Array.from({ length: size }, (_, i) => new Worker(i));
  }

  all<T = Record<string, unknown>>(make: (w: Worker, i: number) => WorkerCommand | undefined): Promise<T[]> {
    return Promise.all(
      this.workers.map((w, i) => {
        const command = make(w, i);
        return command ? w.run<T>(command) : Promise.resolve({} as T);
      }),
    );
  }

  async stats(): Promise<WorkerStats[]> {
    return this.all<WorkerStats>(() => ({ cmd: 'stats' }));
  }

  async stop(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.stop()));
  }
}

/** Splits `items` round-robin into `n` parts. */
export function split<T>(items: readonly T[], n: number): T[][] {
  const parts: T[][] = Array.from({ length: n }, () => []);
  items.forEach((item, i) => parts[i % n]?.push(item));
  return parts;
}
