import type { WalSync } from '../../server/store/sqlite/group-commit.js';

/**
 * A WAL sync the test completes by hand (finish), or at once while `auto` is on, so interleavings
 * of commits, syncs and replies are deterministic. `probe` is read when each sync starts (e.g. the
 * rows another connection can see), to check what that sync covers.
 */
export class ManualSync implements WalSync {
  readonly pending: { probeAtStart: number; done: (error: Error | null) => void }[] = [];
  blockingSyncs = 0;
  closed = 0;
  auto = false;

  constructor(private readonly probe: () => number = () => 0) {}

  sync(done: (error: Error | null) => void): void {
    if (this.auto) {
      setImmediate(() => done(null));
      return;
    }
    this.pending.push({ probeAtStart: this.probe(), done });
  }
  syncNow(): void {
    this.blockingSyncs++;
  }
  close(): void {
    this.closed++;
  }
  finish(error: Error | null = null): void {
    const next = this.pending.shift();
    if (!next) throw new Error('no sync in flight');
    next.done(error);
  }
}
