/**
 * Group commit with the fsync off the event loop.
 *
 * Writes of one event-loop tick share one transaction, committed on setImmediate (or after
 * MAX_WRITES_PER_COMMIT writes). The connection runs with synchronous=NORMAL, so COMMIT only
 * write()s the WAL frames; durability comes from an fdatasync of the WAL file that runs on libuv's
 * thread pool while the loop goes on handling the next tick's frames. Callbacks registered with
 * afterDurable() (every frame the server sends) run only once an fdatasync that started after
 * their transaction's COMMIT has finished, so nothing is announced that a crash or a power loss
 * could undo: the same promise synchronous=FULL makes, without the loop waiting on the disk.
 *
 * Why that is enough: a WAL transaction is recovered on the next open when its frames, commit
 * frame included, are on disk with valid checksums (https://sqlite.org/wal.html). fdatasync(WAL)
 * flushes every frame written before it started. Checkpoints (which copy the WAL into the database
 * and later restart the WAL from its beginning) sync both files themselves under NORMAL.
 *
 * Only one fdatasync is in flight at a time. Meanwhile the transaction stays open, and commits when
 * that sync ends; so the batch grows with the load by itself: at low load every tick commits and
 * syncs at once, under load one transaction and one sync cover many ticks' writes.
 */
import { closeSync, fdatasync, fdatasyncSync, fsyncSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import type Database from 'better-sqlite3';

/** How the committed WAL reaches the disk; a test can substitute one it controls. */
export interface WalSync {
  /** Starts a sync of everything committed so far; done(error) when it is on disk. */
  sync(done: (error: Error | null) => void): void;
  /** The same, blocking (shutdown, and the rare paths that must be durable before they go on). */
  syncNow(): void;
  close(): void;
}

/** fdatasync of `<db>-wal`. The WAL file exists once a WAL-mode connection has read the database. */
export function walFileSync(databasePath: string): WalSync {
  // The WAL's directory entry must survive a power loss too: sync the directory once.
  const dirFd = openSync(dirname(databasePath), 'r');
  try {
    fsyncSync(dirFd);
  } finally {
    closeSync(dirFd);
  }
  const fd = openSync(`${databasePath}-wal`, 'r');
  return {
    sync: (done) => fdatasync(fd, done),
    syncNow: () => fdatasyncSync(fd),
    close: () => closeSync(fd),
  };
}

/** For `:memory:` databases: nothing to make durable. */
export const noWalSync: WalSync = {
  sync: (done) => queueMicrotask(() => done(null)),
  syncNow: () => {},
  close: () => {},
};

/**
 * A transaction commits after at most this many writes even within one tick, so under overload
 * replies and deliveries flow in steady slices instead of after one huge transaction.
 */
const MAX_WRITES_PER_COMMIT = 1000;

type Callback = () => void;

export class GroupCommit {
  private open = false;
  private writes = 0;
  /** Every write so far (see Storage.writeMark). */
  private written = 0;
  /** `written` as of the last commit. */
  private committedWrites = 0;
  /** `written` as of the commit that the last finished sync covered. */
  private durableWrites = 0;
  private commitScheduled = false;
  /** Waiting for the open transaction to commit (and then for a sync). */
  private uncommitted: Callback[] = [];
  /** Committed, waiting for a sync that has not started yet. */
  private committed: Callback[] = [];
  /** True when something was committed after the last sync started. */
  private unsynced = false;
  /** Covered by the sync in flight; undefined when none is. */
  private syncing: Callback[] | undefined;
  private closed = false;

  constructor(
    private readonly db: Database.Database,
    private readonly wal: WalSync,
    /** Called when a sync fails: the process must not go on announcing writes that may be lost. */
    private readonly onSyncError: (error: Error) => void = (error) => {
      throw error;
    },
    /** Runs after each COMMIT, before the next transaction begins (./checkpointer.ts uses it). */
    private readonly betweenTransactions: () => void = () => {},
  ) {}

  write<T>(fn: () => T): T {
    if (this.open && this.writes >= MAX_WRITES_PER_COMMIT) this.commit();
    if (!this.open) {
      this.db.exec('BEGIN IMMEDIATE');
      this.open = true;
      this.writes = 0;
      if (!this.commitScheduled) {
        this.commitScheduled = true;
        setImmediate(() => {
          this.commitScheduled = false;
          // While a sync is in flight, a commit now would wait for the next sync anyway: keep
          // the transaction open and commit when that sync ends (see startSync), so under load
          // one transaction gathers many ticks' writes, and each write dirties fewer pages.
          if (!this.syncing) this.commit();
        });
      }
    }
    this.writes++;
    this.written++;
    return fn();
  }

  /** Grows with every write (Storage.writeMark). */
  get writeMark(): number {
    return this.written;
  }

  /** The write mark up to which everything is committed and on disk (Storage.durableMark). */
  get durableMark(): number {
    return this.durableWrites;
  }

  /**
   * Runs cb once everything written so far is committed and on disk: at once when it already is,
   * otherwise after the sync that covers it, in registration order.
   */
  afterDurable(cb: Callback): void {
    if (this.open) this.uncommitted.push(cb);
    else if (this.unsynced) this.committed.push(cb);
    else if (this.syncing) this.syncing.push(cb);
    else runIsolated(cb);
  }

  /** A failing COMMIT (disk full, I/O error) throws: crashing beats acknowledging lost writes. */
  commit(): void {
    if (!this.open) return;
    this.open = false;
    this.db.exec('COMMIT');
    this.betweenTransactions();
    this.committedWrites = this.written;
    this.unsynced = true;
    this.committed.push(...this.uncommitted);
    this.uncommitted = [];
    this.startSync();
  }

  /** Commits and syncs now, blocking, then runs every waiting callback. */
  flush(): void {
    this.commit();
    if (!this.unsynced && !this.syncing) return;
    this.wal.syncNow();
    this.durableWrites = this.committedWrites;
    this.unsynced = false;
    // The async sync still in flight will find its batch empty.
    const ready = [...(this.syncing ?? []), ...this.committed];
    this.syncing?.splice(0);
    this.committed = [];
    for (const cb of ready) runIsolated(cb);
  }

  /** Flushes, then releases the WAL file once no sync uses it any more. */
  close(): void {
    this.flush();
    this.closed = true;
    if (!this.syncing) this.wal.close();
  }

  private startSync(): void {
    if (this.closed || this.syncing || !this.unsynced) return;
    const batch = this.committed;
    this.committed = [];
    this.unsynced = false;
    this.syncing = batch;
    const covered = this.committedWrites;
    this.wal.sync((error) => {
      this.syncing = undefined;
      if (this.closed) {
        // close() synced everything and ran the batch already.
        this.wal.close();
        return;
      }
      if (error) {
        this.onSyncError(error);
        return;
      }
      this.durableWrites = Math.max(this.durableWrites, covered);
      for (const cb of batch) runIsolated(cb);
      if (this.open && !this.commitScheduled) this.commit();
      else this.startSync();
    });
  }
}

/** One connection's failing callback must not stop the others' frames. */
function runIsolated(cb: Callback): void {
  try {
    cb();
  } catch (error) {
    process.emitWarning(`after-commit callback failed: ${String(error)}`);
  }
}
