/**
 * The in-process Bus adapter (server/bus/bus.ts): the single-node default, with no network. The
 * directory is a Map, and every event goes straight to the listener, synchronously: nothing is
 * serialised.
 *
 * Several LocalBus nodes given one LocalHub form a cluster inside one process, which is how the
 * conformance suite (test/server/bus/bus-conformance.ts) checks the multi-node parts of the
 * contract against this adapter too. A node lives as long as its process, so it has no heartbeat:
 * crashForTests() stands in for a node's death. Like a node of a real cluster, a closed node's
 * methods still answer (sessions that end during shutdown may release after close()); only a
 * crashed node's methods reject.
 */
import { randomUUID } from 'node:crypto';
import type { ServerFrame } from '../../src/shared/protocol.js';
import {
  BusUnavailableError,
  type BroadcastEvent,
  type Bus,
  type BusListener,
  type DirectoryEntry,
  type PresenceEvent,
} from './bus.js';
import { defaultWarn, guardListener, type Warn } from './guarded-listener.js';

/** What the nodes of one in-process cluster share: the directory and the running nodes' listeners. */
export class LocalHub {
  readonly directory = new Map<string, DirectoryEntry>();
  readonly listeners = new Map<string, BusListener>();
}

export interface LocalBusOptions {
  /** Default `local-<uuid>`; unique within the hub. */
  readonly nodeId?: string;
  /** Shared with the other nodes of an in-process cluster; default a hub of this node alone. */
  readonly hub?: LocalHub;
  /** Where a listener's exception is reported; default process.emitWarning. */
  readonly onWarning?: Warn;
}

type State = 'new' | 'running' | 'closed' | 'crashed';

export class LocalBus implements Bus {
  readonly nodeId: string;
  private readonly hub: LocalHub;
  private readonly warn: Warn;
  private state: State = 'new';

  constructor(options: LocalBusOptions = {}) {
    this.nodeId = options.nodeId ?? `local-${randomUUID()}`;
    this.hub = options.hub ?? new LocalHub();
    this.warn = options.onWarning ?? defaultWarn;
  }

  async start(listener: BusListener): Promise<void> {
    this.checkAlive();
    if (this.state === 'new' && this.hub.listeners.has(this.nodeId)) {
      throw new Error(`LocalBus: node id ${this.nodeId} is already running on this hub`);
    }
    this.hub.listeners.set(this.nodeId, guardListener(listener, this.warn));
    this.state = 'running';
  }

  async claim(entry: Omit<DirectoryEntry, 'node'>): Promise<boolean> {
    this.checkAlive();
    if (this.hub.directory.has(entry.username)) return false;
    this.hub.directory.set(entry.username, { ...entry, node: this.nodeId });
    return true;
  }

  async release(username: string): Promise<void> {
    this.checkAlive();
    if (this.hub.directory.get(username)?.node === this.nodeId) this.hub.directory.delete(username);
  }

  async lookup(username: string): Promise<DirectoryEntry | undefined> {
    this.checkAlive();
    return this.hub.directory.get(username);
  }

  async online(): Promise<DirectoryEntry[]> {
    this.checkAlive();
    return [...this.hub.directory.values()];
  }

  async deliver(to: string, frame: ServerFrame): Promise<boolean> {
    this.checkAlive();
    const entry = this.hub.directory.get(to);
    const listener = entry && this.hub.listeners.get(entry.node);
    if (listener === undefined) return false;
    listener.deliver(to, frame);
    return true;
  }

  async broadcast(event: BroadcastEvent): Promise<void> {
    this.checkAlive();
    for (const listener of this.hub.listeners.values()) listener.broadcast(event);
  }

  async presence(event: PresenceEvent): Promise<void> {
    this.checkAlive();
    for (const listener of this.hub.listeners.values()) listener.presence(event);
  }

  async close(): Promise<void> {
    if (this.state === 'closed' || this.state === 'crashed') return;
    this.state = 'closed';
    this.leaveHub();
  }

  /**
   * Test hook: this node dies without close(). Its users leave the directory and one surviving
   * node hears of them through usersLost, on a later turn of the event loop as a heartbeat sweep
   * would; the dead node's methods reject with BusUnavailableError.
   */
  crashForTests(): void {
    if (this.state === 'closed' || this.state === 'crashed') return;
    this.state = 'crashed';
    const lost = this.leaveHub();
    const survivor = this.hub.listeners.values().next().value;
    if (survivor !== undefined && lost.length > 0) setImmediate(() => survivor.usersLost(lost));
  }

  /** Removes this node's listener and users from the hub; returns the users. */
  private leaveHub(): DirectoryEntry[] {
    this.hub.listeners.delete(this.nodeId);
    const removed: DirectoryEntry[] = [];
    for (const entry of this.hub.directory.values()) {
      if (entry.node !== this.nodeId) continue;
      this.hub.directory.delete(entry.username);
      removed.push(entry);
    }
    return removed;
  }

  private checkAlive(): void {
    if (this.state === 'crashed') throw new BusUnavailableError(`LocalBus ${this.nodeId} has crashed`);
  }
}
