/**
 * Private-chat offers the server pushed (p2p_offer): the only credentials the P2P listener accepts.
 * Each is single use, bound to exactly one `from` user, and expires.
 */
import { P2P_CREDENTIAL_TTL_MS } from '../../shared/limits.js';
import type { ServerEvent } from '../../shared/protocol.js';

export type Offer = Omit<ServerEvent<'p2p_offer'>, 'type'>;

interface StoredOffer extends Offer {
  /** Local deadline: the earlier of the server's expiresAt and receipt + TTL. */
  deadline: number;
}

const MAX_OFFERS = 128;

export class OfferBook {
  private readonly offers = new Map<string, StoredOffer>();
  /** Hellos waiting for their credential's offer (see whenKnown), by credential. */
  private readonly awaited = new Map<string, Set<() => void>>();

  constructor(private readonly now: () => number = Date.now) {}

  /**
   * Resolves once an offer for this credential is here, or after waitMs. The server pushes the offer
   * to us as it answers the initiator, but the initiator's hello can overtake it (a slow link to the
   * server, a busy machine), so a credential not seen yet gets a moment before it is refused. An
   * abort (the connection is gone) ends the wait at once, so no waiter outlives its connection.
   */
  whenKnown(credential: string, waitMs: number, signal?: AbortSignal): Promise<void> {
    if (this.offers.has(credential) || waitMs <= 0 || signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const waiters = this.awaited.get(credential) ?? new Set<() => void>();
      this.awaited.set(credential, waiters);
      const done = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        waiters.delete(done);
        if (waiters.size === 0) this.awaited.delete(credential);
        resolve();
      };
      const timer = setTimeout(done, waitMs);
      signal?.addEventListener('abort', done, { once: true });
      waiters.add(done);
    });
  }

  add(offer: Offer): void {
    this.prune();
    if (this.offers.size >= MAX_OFFERS) {
      const oldest = this.offers.keys().next().value;
      if (oldest !== undefined) this.offers.delete(oldest);
    }
    const deadline = Math.min(offer.expiresAt, this.now() + P2P_CREDENTIAL_TTL_MS);
    this.offers.set(offer.credential, { ...offer, deadline });
    for (const wake of [...(this.awaited.get(offer.credential) ?? [])]) wake();
  }

  /**
   * Consumes the credential (whatever the outcome: a credential is tried once) and returns its offer
   * when it was issued for `from` and has not expired.
   */
  take(from: string, credential: string): Offer | undefined {
    const offer = this.offers.get(credential);
    if (!offer) return undefined;
    this.offers.delete(credential);
    if (offer.from !== from || offer.deadline < this.now()) return undefined;
    return offer;
  }

  clear(): void {
    this.offers.clear();
  }

  get size(): number {
    return this.offers.size;
  }

  private prune(): void {
    const now = this.now();
    for (const [credential, offer] of this.offers) {
      if (offer.deadline < now) this.offers.delete(credential);
    }
  }
}
