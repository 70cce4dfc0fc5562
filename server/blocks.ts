/**
 * Blocks: who blocked whom. SQLite is the record; online users' own block lists are also held in
 * memory (loaded at login, updated on block/unblock) so that presence and broadcast fan-out check a
 * block with one Set lookup per recipient instead of a query.
 */
import type { Storage } from './storage.js';

export class Blocks {
  private readonly cache = new Map<string, Set<string>>();

  constructor(private readonly storage: Storage) {}

  /** Loads the user's block list into memory; call at login. */
  load(name: string): void {
    this.cache.set(name, new Set(this.storage.blocksOf(name)));
  }

  /** Drops the in-memory list; call at logout. */
  unload(name: string): void {
    this.cache.delete(name);
  }

  /** Has `blocker` blocked `target`? */
  has(blocker: string, target: string): boolean {
    const cached = this.cache.get(blocker);
    return cached ? cached.has(target) : this.storage.isBlocked(blocker, target);
  }

  list(blocker: string): string[] {
    return this.storage.blocksOf(blocker);
  }

  /** Users who have blocked target (online or not). */
  blockersOf(target: string): Set<string> {
    return new Set(this.storage.blockersOf(target));
  }

  add(blocker: string, target: string): void {
    this.storage.addBlock(blocker, target);
    this.cache.get(blocker)?.add(target);
  }

  /** False when target was not blocked. */
  remove(blocker: string, target: string): boolean {
    this.cache.get(blocker)?.delete(target);
    return this.storage.removeBlock(blocker, target);
  }
}
