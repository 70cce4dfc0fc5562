/**
 * One fuzzing run in a worker thread, so the main thread can end it when an input hangs. Coverage
 * starts before the code under test loads (functions compiled earlier would lack block counters).
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';
import { CorpusDir } from './corpus.js';
import { CoverageTracker } from './coverage.js';
import { Heartbeat } from './heartbeat.js';
import { FuzzLoop, type LoopOptions } from './loop.js';

export interface WorkerInput {
  targetName: string;
  repoRoot: string;
  corpusRoot: string;
  merge: boolean;
  heartbeat: SharedArrayBuffer;
  options: Omit<LoopOptions, 'log'>;
}

export type WorkerMessage =
  | { kind: 'log'; line: string }
  | {
      kind: 'report';
      execs: number;
      corpusSize: number;
      features: number;
      seconds: number;
      crash?: { input: Uint8Array; error: string };
    };

const input = workerData as WorkerInput;
const send = (message: WorkerMessage): void => parentPort!.postMessage(message);

/** The code under test: the shared protocol code, the server's limits, and zod (which the schemas run in). */
function measuredScripts(repoRoot: string): (url: string) => boolean {
  const roots = ['src/shared/', 'server/'].map((dir) => pathToFileURL(join(repoRoot, dir)).href);
  // Wherever zod resolves to: node_modules may be a link to another checkout's.
  return (url) => roots.some((root) => url.startsWith(root)) || url.includes('/node_modules/zod/');
}

const coverage = new CoverageTracker(measuredScripts(input.repoRoot));
coverage.start();
const { targets } = await import('../targets.js');
const target = targets.get(input.targetName);
if (!target) throw new Error(`no fuzz target ${input.targetName}`);
const loop = new FuzzLoop(
  target,
  coverage,
  new CorpusDir(join(input.corpusRoot, target.name)),
  new Heartbeat(input.heartbeat),
  { ...input.options, log: (line) => send({ kind: 'log', line }) },
);
const report = input.merge ? loop.merge() : loop.run();
coverage.stop();
const { crash, ...counts } = report;
send({
  kind: 'report',
  ...counts,
  ...(crash ? { crash: { input: crash.input, error: describeError(crash.error) } } : {}),
});

function describeError(error: unknown): string {
  return error instanceof Error ? (error.stack ?? `${error.name}: ${error.message}`) : String(error);
}
