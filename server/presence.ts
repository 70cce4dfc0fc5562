/**
 * Who is online. The Map of online users is the only registry: presence fan-out and broadcast walk
 * it once (linear in online users) and check blocks in memory. Login and logout times go to SQLite
 * (last_seen) so whoelsesince works across restarts, and each stay online opens and closes a span
 * (online_spans) that says which stored broadcasts the user received.
 */
import { encodeFrame } from '../src/shared/codec.js';
import type { ServerFrame } from '../src/shared/protocol.js';
import type { Blocks } from './blocks.js';
import type { Storage } from './storage.js';

/** What the rest of the server needs to know about a logged-in connection. */
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
  sendEncoded(line: string): void;
}

export class Presence {
  private readonly online = new Map<string, OnlineUser>();
  /** The online users who are sent presence events: announce walks only these. */
  private readonly watchers = new Set<OnlineUser>();

  constructor(
    private readonly storage: Storage,
    private readonly blocks: Blocks,
  ) {}

  get(name: string): OnlineUser | undefined {
    return this.online.get(name);
  }

  users(): IterableIterator<OnlineUser> {
    return this.online.values();
  }

  /** Registers the user as online; false when the name is already online elsewhere. */
  claim(user: OnlineUser, now = Date.now()): boolean {
    if (this.online.has(user.username)) return false;
    this.online.set(user.username, user);
    if (user.watchesPresence) this.watchers.add(user);
    this.blocks.load(user.username);
    this.storage.recordSeen(user.username, now);
    this.storage.openSpan(user.username);
    return true;
  }

  /**
   * Tells every online user who watches presence that `user` changed state, except those `user`
   * has blocked.
   */
  announce(user: OnlineUser, online: boolean, at = Date.now()): void {
    const line = encodeFrame({ type: 'presence', user: user.username, online, at } satisfies ServerFrame);
    for (const other of this.watchers) {
      if (other !== user && !this.blocks.has(user.username, other.username)) other.sendEncoded(line);
    }
  }

  /** Marks the user offline; `announce` false skips the presence frames (server shutdown). */
  release(user: OnlineUser, announce = true, now = Date.now()): void {
    if (this.online.get(user.username) !== user) return;
    this.online.delete(user.username);
    this.watchers.delete(user);
    this.storage.recordSeen(user.username, now);
    this.storage.closeSpan(user.username);
    if (announce) this.announce(user, false, now);
    this.blocks.unload(user.username);
  }

  /** Other online users who have not blocked `me`, sorted. */
  whoElse(me: string): string[] {
    const names: string[] = [];
    for (const name of this.online.keys()) {
      if (name !== me && !this.blocks.has(name, me)) names.push(name);
    }
    return names.sort(compareNames);
  }

  /** Other users not blocking `me` who were online at any moment of the last `seconds`, sorted. */
  whoElseSince(me: string, seconds: number, now = Date.now()): string[] {
    const names = new Set(this.storage.seenSince(now - seconds * 1000));
    for (const name of this.online.keys()) names.add(name);
    names.delete(me);
    const blockers = this.blocks.blockersOf(me);
    return [...names].filter((name) => !blockers.has(name)).sort(compareNames);
  }
}

/** Plain code-unit order, the same order SQLite's BINARY collation gives. */
export function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
