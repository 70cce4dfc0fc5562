/**
 * The in-process Bus adapter (server/bus/bus.ts): the single-node default. The directory is a Map,
 * and every event goes straight to this node's listener, synchronously: nothing is serialised and
 * no node can be lost, so the heartbeat and node-loss parts of the contract hold trivially.
 */
import { randomUUID } from 'node:crypto';
import type { ServerFrame } from '../../src/shared/protocol.js';
import type { BroadcastEvent, Bus, BusListener, DirectoryEntry, PresenceEvent } from './bus.js';

export class LocalBus implements Bus {
  readonly nodeId = `local-${randomUUID()}`;
  private readonly directory = new Map<string, DirectoryEntry>();
  private listener: BusListener | undefined;

  start(listener: BusListener): Promise<void> {
    this.listener = listener;
    return Promise.resolve();
  }

  claim(entry: Omit<DirectoryEntry, 'node'>): Promise<boolean> {
    if (this.directory.has(entry.username)) return Promise.resolve(false);
    this.directory.set(entry.username, { ...entry, node: this.nodeId });
    return Promise.resolve(true);
  }

  release(username: string): Promise<void> {
    this.directory.delete(username);
    return Promise.resolve();
  }

  lookup(username: string): Promise<DirectoryEntry | undefined> {
    return Promise.resolve(this.directory.get(username));
  }

  online(): Promise<DirectoryEntry[]> {
    return Promise.resolve([...this.directory.values()]);
  }

  deliver(to: string, frame: ServerFrame): Promise<boolean> {
    if (!this.directory.has(to)) return Promise.resolve(false);
    this.listener?.deliver(to, frame);
    return Promise.resolve(true);
  }

  broadcast(event: BroadcastEvent): Promise<void> {
    this.listener?.broadcast(event);
    return Promise.resolve();
  }

  presence(event: PresenceEvent): Promise<void> {
    this.listener?.presence(event);
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.directory.clear();
    this.listener = undefined;
    return Promise.resolve();
  }
}
