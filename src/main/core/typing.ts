/**
 * Typing notices in the client core (docs/protocol.md, `typing`). TypingPeers keeps who is typing
 * to this user, each entry ending by itself after the notice's ttl; TypingNotices sends this user's
 * own notices, throttled far below the server's allowance.
 */
import { TYPING_REFRESH_MS, TYPING_TTL_MS } from '../../shared/limits.js';
import { CoreError } from './errors.js';

/** More people typing to one user at once than any window shows; past it new ones are ignored. */
export const MAX_TYPING_PEERS = 200;

/** Who is typing to this user now. `onChange` gets the sorted names after every change. */
export class TypingPeers {
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(private readonly onChange: (peers: string[]) => void) {}

  peers(): string[] {
    return [...this.timers.keys()].sort();
  }

  /** A notice from `peer`: typing for the next `ttlMs` (a refresh starts the time again), or stopped. */
  note(peer: string, typing: boolean, ttlMs: number): void {
    if (!typing) return this.stop(peer);
    const known = this.timers.get(peer);
    if (!known && this.timers.size >= MAX_TYPING_PEERS) return;
    clearTimeout(known);
    this.timers.set(
      peer,
      setTimeout(() => this.stop(peer), ttlMs),
    );
    if (!known) this.changed();
  }

  /** `peer` is not typing any more (stopped, sent a message, went offline). */
  stop(peer: string): void {
    const timer = this.timers.get(peer);
    if (!timer) return;
    clearTimeout(timer);
    this.timers.delete(peer);
    this.changed();
  }

  /** Forgets everyone (logout, or the connection that brought the notices is gone). */
  clear(): void {
    if (this.timers.size === 0) return;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    this.changed();
  }

  private changed(): void {
    this.onChange(this.peers());
  }
}

/**
 * This user's notices. While the person types to a peer, one "typing" goes every TYPING_REFRESH_MS
 * (the peer's indicator lasts TYPING_TTL_MS, so a late refresh does not make it flicker); a stop goes
 * only if the peer may still show the indicator. Sending a message needs no stop: its arrival ends
 * the indicator. After `rate_limited` nothing goes until the server's retryAfterMs has passed.
 */
export class TypingNotices {
  /** When "typing" last went to each peer, for peers whose indicator may still be showing. */
  private readonly sentAt = new Map<string, number>();
  private quietUntil = 0;

  constructor(
    private readonly send: (to: string, typing: boolean) => Promise<unknown>,
    private readonly now: () => number = Date.now,
  ) {}

  /** The person typed in the chat with `peer` (`active`), or stopped: cleared it, left it. */
  update(peer: string, active: boolean): void {
    const now = this.now();
    this.forgetExpired(now);
    const last = this.sentAt.get(peer);
    if (!active) {
      if (last === undefined) return;
      this.sentAt.delete(peer);
      this.deliver(peer, false);
      return;
    }
    if ((last !== undefined && now - last < TYPING_REFRESH_MS) || now < this.quietUntil) return;
    this.sentAt.set(peer, now);
    this.deliver(peer, true);
  }

  /** A message went to `peer`: the peer's indicator ends with its arrival. */
  messageSent(peer: string): void {
    this.sentAt.delete(peer);
  }

  clear(): void {
    this.sentAt.clear();
    this.quietUntil = 0;
  }

  private deliver(peer: string, typing: boolean): void {
    this.send(peer, typing).catch((error: unknown) => {
      // Best effort: a lost notice only shows or hides an indicator a few seconds late.
      if (error instanceof CoreError && error.code === 'rate_limited') {
        this.quietUntil = this.now() + (error.retryAfterMs ?? TYPING_REFRESH_MS);
        if (typing) this.sentAt.delete(peer);
      }
    });
  }

  /** Peers whose indicator has run out by now need no stop; this also keeps the map small. */
  private forgetExpired(now: number): void {
    for (const [peer, at] of this.sentAt) if (now - at >= TYPING_TTL_MS) this.sentAt.delete(peer);
  }
}
