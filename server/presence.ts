/**
 * Who is online. The bus's directory says who is online on which node (for the whole service);
 * this node's registry holds its own logged-in connections, the ones it hands frames to. Presence
 * events travel over the bus, and each node tells its own watchers, minus those the user blocked.
 * The store's presence log keeps last-seen times (whoelsesince survives restarts) and the online
 * spans that say which stored broadcasts a user received.
 */
import { encodeFrame } from '../src/shared/codec.js';
import type { ServerFrame } from '../src/shared/protocol.js';
import type { Blocks } from './blocks.js';
import type { Bus, DirectoryEntry, PresenceEvent } from './bus/bus.js';
import type { PresenceLog } from './store/store.js';

/** What the rest of the server needs to know about a logged-in connection of this node. */
export interface OnlineUser {
  readonly username: string;
  /** The socket's remote address, IPv4-mapped IPv6 normalised to plain IPv4. */
  readonly remoteAddress: string;
  readonly p2pPort?: number;
  readonly publicKey?: string;
  /** False when the client asked at login not to be sent presence events. */
  readonly watchesPresence: boolean;
  send(frame: ServerFrame): void;
  /** Sends a frame already encoded with encodeFrame (fan-out encodes once for every recipient). */
  sendEncoded(line: Buffer): void;
  /** A message or a message change, already encoded as `line`: tracked for acknowledgement like send(). */
  sendTracked(frame: ServerFrame, line: Buffer): void;
  /** Ends the connection without telling anyone (its node lost the user to another one). */
  evict(): void;
  /** Frames may be lost on the bus until the next catchUp: holds live direct messages back. */
  holdLive(): void;
  /** Frames may have been lost on the bus: sends the direct messages it missed, from the store. */
  catchUp(): void;
}

export class Presence {
  /** This node's logged-in users. */
  private readonly local = new Map<string, OnlineUser>();
  /** The local users who are sent presence events: an event walks only these. */
  private readonly watchers = new Set<OnlineUser>();
  /** Logouts still being recorded (shutdown waits for them before the store closes). */
  private readonly releasing = new Set<Promise<void>>();

  constructor(
    private readonly bus: Bus,
    private readonly log: PresenceLog,
    private readonly blocks: Blocks,
  ) {}

  /** A user of this node. */
  localUser(name: string): OnlineUser | undefined {
    return this.local.get(name);
  }

  localUsers(): IterableIterator<OnlineUser> {
    return this.local.values();
  }

  /** Where a user is online, on any node. */
  lookup(name: string): Promise<DirectoryEntry | undefined> {
    return this.bus.lookup(name);
  }

  /**
   * Registers the user as online on this node; false when the name is online anywhere already
   * (the bus's claim is atomic across nodes).
   */
  async claim(user: OnlineUser, now = Date.now()): Promise<boolean> {
    if (this.local.has(user.username)) return false;
    const entry = {
      username: user.username,
      address: user.remoteAddress,
      ...(user.p2pPort === undefined ? {} : { p2pPort: user.p2pPort }),
      ...(user.publicKey === undefined ? {} : { publicKey: user.publicKey }),
    };
    if (!(await this.bus.claim(entry))) return false;
    this.local.set(user.username, user);
    if (user.watchesPresence) this.watchers.add(user);
    try {
      await this.blocks.load(user.username);
      await this.log.online(user.username, now);
    } catch (error) {
      await this.release(user, false);
      throw error;
    }
    return true;
  }

  /** Tells every watcher on every node that `user` changed state, except those `user` has blocked. */
  announce(user: string, online: boolean, at = Date.now()): Promise<void> {
    return this.bus.presence({ user, online, at, blocked: this.blocks.cachedList(user) });
  }

  /** A presence event from the bus: this node's watchers hear it. */
  deliverEvent(event: PresenceEvent): void {
    const { user, online, at } = event;
    const line = Buffer.from(encodeFrame({ type: 'presence', user, online, at } satisfies ServerFrame));
    const blocked = event.blocked.length === 0 ? undefined : new Set(event.blocked);
    for (const other of this.watchers) {
      if (other.username !== user && !blocked?.has(other.username)) other.sendEncoded(line);
    }
  }

  /**
   * Marks this node's user offline; `announce` false skips the presence event (server shutdown).
   * A user this node no longer holds is left alone.
   */
  release(user: OnlineUser, announce = true, now = Date.now()): Promise<void> {
    if (this.local.get(user.username) !== user) return Promise.resolve();
    this.local.delete(user.username);
    this.watchers.delete(user);
    const done = this.recordOffline(user.username, announce, now).finally(() => {
      // A new session of the same user may have logged in (and loaded the list) while this
      // logout was being recorded; its list must stay, or its announcements would skip its blocks.
      if (!this.local.has(user.username)) this.blocks.unload(user.username);
      this.releasing.delete(done);
    });
    this.releasing.add(done);
    return done;
  }

  /** Resolves once every logout started so far is recorded (or failed). */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.releasing]);
  }

  private async recordOffline(name: string, announce: boolean, now: number): Promise<void> {
    await this.bus.release(name);
    await this.log.offline(name, now);
    if (announce) await this.announce(name, false, now);
  }

  /** The users of a lost node: recorded offline and announced (called on one surviving node). */
  async usersLost(entries: readonly DirectoryEntry[], now = Date.now()): Promise<void> {
    for (const { username } of entries) {
      await this.log.offline(username, now);
      const blocked = await this.blocks.list(username);
      await this.bus.presence({ user: username, online: false, at: now, blocked });
    }
  }

  /** This node's users another node now holds: their connections end, nobody is told. */
  usersEvicted(names: readonly string[]): void {
    for (const name of names) {
      const user = this.local.get(name);
      if (!user) continue;
      this.local.delete(name);
      this.watchers.delete(user);
      this.blocks.unload(name);
      user.evict();
    }
  }

  /** The bus may drop frames until the next resync: live direct messages wait for it. */
  holdLive(): void {
    for (const user of this.local.values()) user.holdLive();
  }

  /** The bus may have dropped frames: every user of this node catches up from the store. */
  resync(): void {
    for (const user of this.local.values()) user.catchUp();
  }

  /** Other online users who have not blocked `me`, sorted. */
  async whoElse(me: string): Promise<string[]> {
    const [entries, blockers] = await Promise.all([this.bus.online(), this.blocks.blockersOf(me)]);
    return entries
      .map((entry) => entry.username)
      .filter((name) => name !== me && !blockers.has(name))
      .sort(compareNames);
  }

  /** Other users not blocking `me` who were online at any moment of the last `seconds`, sorted. */
  async whoElseSince(me: string, seconds: number, now = Date.now()): Promise<string[]> {
    const [seen, entries, blockers] = await Promise.all([
      this.log.seenSince(now - seconds * 1000),
      this.bus.online(),
      this.blocks.blockersOf(me),
    ]);
    const names = new Set(seen);
    for (const entry of entries) names.add(entry.username);
    names.delete(me);
    return [...names].filter((name) => !blockers.has(name)).sort(compareNames);
  }
}

/** Plain code-unit order, the same order SQLite's BINARY collation gives. */
export function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
