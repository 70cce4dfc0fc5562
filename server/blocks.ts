/**
 * Blocks: who blocked whom. The store is the record; the block lists of this node's online users
 * are also held in memory (loaded at login, updated on block/unblock, which only their own node
 * handles) so that fan-out checks a block with one Set lookup per recipient instead of a query.
 */
import type { BlockStore } from './store/store.js';

export class Blocks {
  private readonly cache = new Map<string, Set<string>>();

  constructor(private readonly store: BlockStore) {}

  /** Loads the user's block list into memory; call at login. */
  async load(name: string): Promise<void> {
    this.cache.set(name, new Set(await this.store.blocksOf(name)));
  }

  /** Drops the in-memory list; call at logout. */
  unload(name: string): void {
    this.cache.delete(name);
  }

  /** Has `blocker` blocked `target`? */
  async has(blocker: string, target: string): Promise<boolean> {
    return this.cachedHas(blocker, target) ?? this.store.isBlocked(blocker, target);
  }

  /** For a user of this node: has it blocked `target`? undefined when its list is not loaded. */
  cachedHas(blocker: string, target: string): boolean | undefined {
    return this.cache.get(blocker)?.has(target);
  }

  /** The users a user of this node has blocked (empty when its list is not loaded). */
  cachedList(blocker: string): string[] {
    return [...(this.cache.get(blocker) ?? [])];
  }

  list(blocker: string): Promise<string[]> {
    return this.store.blocksOf(blocker);
  }

  /** Users who have blocked target (online or not). */
  async blockersOf(target: string): Promise<Set<string>> {
    return new Set(await this.store.blockersOf(target));
  }

  async add(blocker: string, target: string): Promise<void> {
    await this.store.add(blocker, target);
    this.cache.get(blocker)?.add(target);
  }

  /** False when target was not blocked. */
  async remove(blocker: string, target: string): Promise<boolean> {
    this.cache.get(blocker)?.delete(target);
    return this.store.remove(blocker, target);
  }
}
