/**
 * WAL checkpoints on a worker thread. SQLite's automatic checkpoint runs inside the COMMIT that
 * crosses its threshold: it copies the WAL into the database and fsyncs both files, stalling the
 * event loop for milliseconds while every connection waits. Here the server's connection has
 * wal_autocheckpoint = 0, and a second connection on its own thread runs a PASSIVE checkpoint
 * every CHECKPOINT_INTERVAL_MS, which never blocks the writer (https://sqlite.org/wal.html#ckpt).
 * The writer restarts the WAL from its beginning once a checkpoint has copied all of it.
 *
 * The WAL file is shortened here too, never by the writer. Under sustained load no checkpoint can
 * catch up with the commits, so the WAL grows for as long as the burst lasts (hundreds of MB in a
 * 5-second bench burst), and with a journal_size_limit the COMMIT that restarts it truncates it on
 * the event loop: freeing those blocks stalled every connection for 60-160 ms in docs/performance.md's
 * measurements. So the writer's limit is off, and this thread truncates the WAL (TRUNCATE checkpoint)
 * once it has been fully copied and has not grown for idleTruncateMs: the writer is idle then.
 *
 * Under load that never pauses, PASSIVE checkpoints alone let the WAL grow without bound (2.9 GB
 * in a 30 s overload run): the writer restarts it only when a transaction begins with every frame
 * copied, and with a commit every few milliseconds this thread never finishes copying between two.
 * (A RESTART checkpoint from here does not help: under load the group commit holds the write lock
 * almost all the time, so it never gets in.) So this thread publishes how far it has copied
 * (`progress`), and once the WAL is past restartBytes and nearly all copied, the writer itself,
 * between two transactions, copies the last few frames (restartDue, then a PASSIVE checkpoint on
 * its own connection): nothing can commit meanwhile, so that copy is complete, and its next
 * transaction writes the WAL from the beginning again. The writer pays that short copy and one
 * sync of the database file once per restartBytes written, and the file stays near restartBytes.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

const CHECKPOINT_INTERVAL_MS = 200;
/** How long the WAL must be fully checkpointed and unchanged before it is truncated. */
export const IDLE_TRUNCATE_MS = 5000;
/** WAL size past which the checkpointer makes the writer start it again from the beginning. */
export const WAL_RESTART_BYTES = 64 * 2 ** 20;
/** Frames left to copy at which the writer finishes the copy itself (about 4 MB of pages). */
const CATCH_UP_FRAMES = 1000;
/** Each WAL frame is one page behind a header of this size. */
const WAL_FRAME_HEADER_BYTES = 24;

export interface Checkpointer {
  /**
   * True when the WAL is past its restart size and this thread has copied nearly all of it: the
   * writer should copy the rest between two transactions (see the top of this file).
   */
  restartDue(): boolean;
  /** The writer copied everything: not due again until this thread has seen the WAL anew. */
  noteRestarted(): void;
  /**
   * Blocks until the worker has closed its connection, so that when the server's connection closes
   * next it is the last one and leaves no -wal/-shm file behind (nor a file created after it).
   */
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
let lastFrames = -1;
let unchangedSince = Date.now();
let truncated = false;
function checkpoint() {
  const { log, checkpointed } = db.pragma('wal_checkpoint(PASSIVE)')[0];
  Atomics.store(workerData.progress, 0, log);
  Atomics.store(workerData.progress, 1, checkpointed);
  if (log !== lastFrames) {
    lastFrames = log;
    unchangedSince = Date.now();
    truncated = log <= 0;
    return;
  }
  if (truncated || log !== checkpointed || Date.now() - unchangedSince < workerData.idleTruncateMs) return;
  // Never wait for the writer: if it has begun a transaction, try again once it is idle.
  db.pragma('busy_timeout = 0');
  try {
    truncated = db.pragma('wal_checkpoint(TRUNCATE)')[0].busy === 0;
  } finally {
    db.pragma('busy_timeout = 1000');
  }
}
const timer = setInterval(() => {
  try {
    checkpoint();
  } catch (error) {
    parentPort.postMessage(String(error && error.message || error));
  }
}, workerData.intervalMs);
parentPort.once('message', () => {
  clearInterval(timer);
  db.close();
  Atomics.store(workerData.closed, 0, 1);
  Atomics.notify(workerData.closed, 0);
  parentPort.close();
});
`;

/** How long stop() waits for the worker to close its connection (a checkpoint may be running). */
const STOP_TIMEOUT_MS = 5000;

export interface CheckpointerOptions {
  /** How long the WAL must be idle before it is truncated; default IDLE_TRUNCATE_MS. */
  idleTruncateMs?: number;
  /** WAL size past which the writer is asked to restart it; default WAL_RESTART_BYTES. */
  restartBytes?: number;
  /** Time between two checkpoints; default CHECKPOINT_INTERVAL_MS (tests lengthen it). */
  intervalMs?: number;
}

export function startCheckpointer(
  databasePath: string,
  onError: (message: string) => void,
  pageSize: number,
  options: CheckpointerOptions = {},
): Checkpointer {
  const {
    idleTruncateMs = IDLE_TRUNCATE_MS,
    restartBytes = WAL_RESTART_BYTES,
    intervalMs = CHECKPOINT_INTERVAL_MS,
  } = options;
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const closed = new Int32Array(new SharedArrayBuffer(4));
  /** [frames in the WAL, frames copied], as of this thread's last checkpoint. */
  const progress = new Int32Array(new SharedArrayBuffer(8));
  const restartFrames = Math.ceil(restartBytes / (pageSize + WAL_FRAME_HEADER_BYTES));
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: {
      driver,
      path: databasePath,
      intervalMs,
      idleTruncateMs,
      progress,
      closed,
    },
  });
  worker.on('message', (message: string) => onError(message));
  worker.on('error', (error) => onError(error.message));
  // A server that has stopped everything else must not stay alive for its checkpointer.
  worker.unref();
  let exited = false;
  worker.once('exit', () => (exited = true));
  return {
    restartDue: () => {
      const frames = Atomics.load(progress, 0);
      return frames > restartFrames && frames - Atomics.load(progress, 1) <= CATCH_UP_FRAMES;
    },
    noteRestarted: () => Atomics.store(progress, 0, 0),
    stop: () => {
      if (exited) return;
      worker.postMessage('stop');
      if (Atomics.wait(closed, 0, 0, STOP_TIMEOUT_MS) === 'timed-out') void worker.terminate();
    },
  };
}
