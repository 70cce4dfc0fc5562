/**
 * `npm run fuzz`: coverage-guided fuzzing of the frame decoder, the request schemas and the nesting
 * check (targets in fuzz/targets.ts; engine and its reasons in fuzz/engine/, docs/security.md).
 *
 *   tsx fuzz/main.ts [--target NAME]... [--max-total-time SECONDS] [--runs N] [--seed N]
 *                    [--timeout SECONDS] [--merge] [--no-save]
 *
 * The time budget is split between the targets by their timeWeight. Inputs that reach new code are saved to
 * fuzz/corpus/<target>/; a crash or hang is written to fuzz/crashes/<target>/ and the exit code is 1.
 * --merge minimises the stored corpus instead of fuzzing.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { inputName } from './engine/corpus.js';
import { Heartbeat } from './engine/heartbeat.js';
import type { WorkerInput, WorkerMessage } from './engine/worker.js';
import { targets } from './targets.js';

const FUZZ_DIR = dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = resolve(FUZZ_DIR, '..');
/** Like the main thread's default stack, so a stack overflow shows up here as it would in the server. */
const WORKER_STACK_MB = 1;

interface Options {
  targets: string[];
  maxTotalTimeMs: number;
  maxRuns: number;
  seed: number;
  timeoutMs: number;
  merge: boolean;
  save: boolean;
}

type Outcome = Extract<WorkerMessage, { kind: 'report' }> | { hang: Buffer };

function parseOptions(): Options {
  const { values } = parseArgs({
    options: {
      target: { type: 'string', multiple: true },
      'max-total-time': { type: 'string', default: '60' },
      runs: { type: 'string', default: String(Number.MAX_SAFE_INTEGER) },
      seed: { type: 'string', default: String(Date.now() % 2 ** 31) },
      timeout: { type: 'string', default: '10' },
      merge: { type: 'boolean', default: false },
      'no-save': { type: 'boolean', default: false },
    },
  });
  const names = values.target ?? [...targets.keys()];
  for (const name of names)
    if (!targets.has(name))
      throw new Error(`unknown target ${name}; known: ${[...targets.keys()].join(', ')}`);
  return {
    targets: names,
    maxTotalTimeMs: positive(values['max-total-time'], '--max-total-time') * 1000,
    maxRuns: positive(values.runs, '--runs'),
    seed: positive(values.seed, '--seed'),
    timeoutMs: positive(values.timeout, '--timeout') * 1000,
    merge: values.merge,
    save: !values['no-save'],
  };
}

function positive(text: string, flag: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${flag} needs a positive number, got ${text}`);
  return value;
}

/** The target's part of the total time, by weight among the targets being run. */
function timeShare(name: string, options: Options): number {
  const total = options.targets.reduce((sum, each) => sum + targets.get(each)!.timeWeight, 0);
  return (options.maxTotalTimeMs * targets.get(name)!.timeWeight) / total;
}

/** Runs one target in a worker; ends it when no new input has started for `timeoutMs`. */
function fuzzTarget(name: string, options: Options): Promise<Outcome> {
  const heartbeat = Heartbeat.create(targets.get(name)!.maxLength);
  const workerData: WorkerInput = {
    targetName: name,
    repoRoot: REPO_ROOT,
    corpusRoot: join(FUZZ_DIR, 'corpus'),
    merge: options.merge,
    heartbeat: heartbeat.buffer,
    options: {
      maxTotalTimeMs: timeShare(name, options),
      maxRuns: options.maxRuns,
      seed: options.seed,
      batchSize: 64,
      save: options.save,
    },
  };
  const worker = new Worker(new URL('./engine/worker.ts', import.meta.url), {
    workerData,
    resourceLimits: { stackSizeMb: WORKER_STACK_MB },
  });
  return new Promise((resolveOutcome, reject) => {
    let lastBeats = -1;
    let lastChange = performance.now();
    const watchdog = setInterval(() => {
      if (heartbeat.beats !== lastBeats) {
        lastBeats = heartbeat.beats;
        lastChange = performance.now();
      } else if (lastBeats > 0 && performance.now() - lastChange > options.timeoutMs) {
        const input = heartbeat.currentInput();
        void worker.terminate().then(() => resolveOutcome({ hang: input }));
      }
    }, 100);
    const finish = (): void => clearInterval(watchdog);
    worker.on('message', (message: WorkerMessage) => {
      if (message.kind === 'log') console.log(message.line);
      else {
        finish();
        resolveOutcome(message);
      }
    });
    worker.on('error', (error) => {
      finish();
      reject(error);
    });
    worker.on('exit', finish);
  });
}

function saveFinding(target: string, kind: 'crash' | 'timeout', input: Buffer): string {
  const dir = join(FUZZ_DIR, 'crashes', target);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${kind}-${inputName(input)}`);
  writeFileSync(file, input);
  return relative(process.cwd(), file);
}

function preview(input: Buffer): string {
  const text = JSON.stringify(input.toString('latin1'));
  return text.length > 300 ? `${text.slice(0, 300)}… (${input.length} bytes)` : text;
}

/** Prints the outcome; true when it found a crash or a hang. */
function reportOutcome(name: string, outcome: Outcome, options: Options): boolean {
  if ('hang' in outcome) {
    console.log(
      `${name}: an input ran over ${options.timeoutMs / 1000} s: ${saveFinding(name, 'timeout', outcome.hang)}`,
    );
    console.log(`  input: ${preview(outcome.hang)}`);
    return true;
  }
  const rate = Math.round(outcome.execs / Math.max(outcome.seconds, 0.001));
  console.log(
    `${name}: ${outcome.execs} execs in ${outcome.seconds.toFixed(1)} s (${rate}/s), corpus ${outcome.corpusSize}, ${outcome.features} blocks covered`,
  );
  if (!outcome.crash) return false;
  const input = Buffer.from(outcome.crash.input);
  console.log(`${name}: CRASH, input saved as ${saveFinding(name, 'crash', input)}`);
  console.log(`  input: ${preview(input)}\n  ${outcome.crash.error.replaceAll('\n', '\n  ')}`);
  return true;
}

const options = parseOptions();
console.log(
  `fuzz: seed ${options.seed}, ${options.merge ? 'merging the corpus' : `${options.maxTotalTimeMs / 1000} s in all`}`,
);
let failed = false;
for (const name of options.targets) {
  const outcome = await fuzzTarget(name, options);
  if (reportOutcome(name, outcome, options)) failed = true;
}
process.exitCode = failed ? 1 : 0;
