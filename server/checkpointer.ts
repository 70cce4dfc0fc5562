/**
 * WAL checkpoints on a worker thread. SQLite's automatic checkpoint runs inside the COMMIT that
 * crosses its threshold: it copies the WAL into the database and fsyncs both files, stalling the
 * event loop for milliseconds while every connection waits. Here the server's connection has
 * wal_autocheckpoint = 0, and a second connection on its own thread runs a PASSIVE checkpoint
 * every CHECKPOINT_INTERVAL_MS, which never blocks the writer (https://sqlite.org/wal.html#ckpt).
 * The writer restarts the WAL from its beginning once a checkpoint has copied all of it, so the
 * file stays small; journal_size_limit trims it after a burst.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

const CHECKPOINT_INTERVAL_MS = 200;

export interface Checkpointer {
  stop(): void;
}

/**
 * The worker is plain CommonJS evaluated from a string, so it runs the same under tsx, the test
 * runner and a bundle; the driver's path is resolved here and handed over.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path);
db.pragma('busy_timeout = 1000');
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (error) {
    parentPort.postMessage(String(error && error.message || error));
  }
}, workerData.intervalMs);
parentPort.once('message', () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

export function startCheckpointer(databasePath: string, onError: (message: string) => void): Checkpointer {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { driver, path: databasePath, intervalMs: CHECKPOINT_INTERVAL_MS },
  });
  worker.on('message', (message: string) => onError(message));
  worker.on('error', (error) => onError(error.message));
  // A server that has stopped everything else must not stay alive for its checkpointer.
  worker.unref();
  return {
    stop: () => worker.postMessage('stop'),
  };
}
