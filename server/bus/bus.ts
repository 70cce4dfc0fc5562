/**
 * The bus port: what the nodes of one service share besides the store. It delivers frames to users
 * on whichever node holds them, carries broadcasts and presence events, keeps the directory of who
 * is online on which node, and makes one login per account hold across nodes. The adapters beside
 * this file implement it: in-process (./local-bus.ts, the single-node default) and Redis
 * (./redis-bus.ts). The conformance suite in test/server/bus/bus-conformance.ts runs unchanged
 * against both.
 *
 * Contract of every adapter:
 * - claim() is atomic across nodes: of two racing claims of one name, exactly one wins.
 * - Each node renews its ownership of its users on a heartbeat. When a node stops renewing (it
 *   died, or lost the bus), its users leave the directory within NODE_LOSS_MS, and exactly one
 *   surviving node hears about them through BusListener.usersLost.
 * - Events published on one node reach every node (the publisher included) in publish order per
 *   publisher. A frame for a user goes only to the node whose directory entry holds that user.
 * - When the backing service cannot be reached, a method rejects with BusUnavailableError and the
 *   adapter reconnects by itself; once it is back, the node's users are in the directory again,
 *   and every node hears BusListener.resync (frames published meanwhile may be lost: delivery is
 *   at most once, and direct messages are caught up from the store).
 */
import type { ServerFrame } from '../../src/shared/protocol.js';

/** A node whose heartbeat stopped has its users taken offline within this time. */
export const NODE_LOSS_MS = 5000;

/** The bus (Redis) cannot be reached right now; the request may be retried. */
export class BusUnavailableError extends Error {
  override name = 'BusUnavailableError';
}

/** A logged-in user, as every node sees them. */
export interface DirectoryEntry {
  readonly username: string;
  /** The node holding the user's connection (Bus.nodeId of that node). */
  readonly node: string;
  /** The client's address as its node saw it, for private-chat introductions. */
  readonly address: string;
  /** The client's private-chat listener, when it has one. */
  readonly p2pPort?: number;
  readonly publicKey?: string;
}

/** A presence change, as published: the node of each watcher applies the user's blocks. */
export interface PresenceEvent {
  readonly user: string;
  readonly online: boolean;
  readonly at: number;
  /** Users that `user` has blocked: they are not told. */
  readonly blocked: readonly string[];
}

/** A broadcast, as published: each node hands it to its own users. */
export interface BroadcastEvent {
  /** The frame every receiver gets, already encoded (encodeFrame). */
  readonly line: string;
  readonly from: string;
  /** Users who had blocked the sender: they do not receive it. */
  readonly excluded: readonly string[];
  /** Only these users receive it (a group's members); absent: every user. */
  readonly to?: readonly string[];
  /**
   * The line is a message or a message change: each session tracks it for acknowledgement (and
   * holds it back during its offline backlog), so the node parses it once.
   */
  readonly tracked?: boolean;
  /** Receivers who have blocked `from` skip it (a broadcast always does). */
  readonly skipBlocked?: boolean;
}

/** What a node does with the bus's events; every method is called on the node's event loop. */
export interface BusListener {
  /** A frame for `to`, a user this node holds (or held a moment ago). */
  deliver(to: string, frame: ServerFrame): void;
  broadcast(event: BroadcastEvent): void;
  presence(event: PresenceEvent): void;
  /**
   * The users of a lost node, already gone from the directory. Called on exactly one node, which
   * records them offline and announces it.
   */
  usersLost(entries: readonly DirectoryEntry[]): void;
  /**
   * This node's own users whose entries the bus no longer holds (this node was taken for dead
   * while cut off from the bus, and another node may have logged them in since): disconnect them.
   */
  usersEvicted(usernames: readonly string[]): void;
  /**
   * This node's link to the bus broke: frames for its users may be dropped from now until the next
   * resync. Live direct messages are held back until then, so the catch-up delivers in order.
   */
  holdLive(): void;
  /**
   * Frames may have been dropped while the bus (or some node's link to it) was unreachable: catch
   * this node's users up from the store. Called on every node once the bus is reachable again (on
   * a node whose own link broke, only once it is back in the directory and subscribed).
   */
  resync(): void;
}

export interface Bus {
  /** This node's id, unique among the nodes of the service. */
  readonly nodeId: string;
  /** Subscribes and starts the heartbeat; events reach the listener from now on. */
  start(listener: BusListener): Promise<void>;
  /** Puts the user in the directory under this node; false when it is online anywhere already. */
  claim(entry: Omit<DirectoryEntry, 'node'>): Promise<boolean>;
  /** Takes this node's user out of the directory (a no-op when another node holds the name). */
  release(username: string): Promise<void>;
  lookup(username: string): Promise<DirectoryEntry | undefined>;
  /** Every online user, on every node. */
  online(): Promise<DirectoryEntry[]>;
  /** Sends a frame to a user on whichever node holds them; false when the user is offline. */
  deliver(to: string, frame: ServerFrame): Promise<boolean>;
  broadcast(event: BroadcastEvent): Promise<void>;
  presence(event: PresenceEvent): Promise<void>;
  /** Stops the heartbeat and takes this node's users out of the directory. Safe to call twice. */
  close(): Promise<void>;
}
