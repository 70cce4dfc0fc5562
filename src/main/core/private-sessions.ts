/** The open private chats, one PeerLink per peer, turned into AppEvents. */
import type { AppEvent, PrivateCloseReason } from '../../shared/api.js';
import type { LinkEndReason, PeerLink } from './peer-link.js';

export const MAX_PRIVATE_SESSIONS = 64;

export class PrivateSessions {
  private readonly links = new Map<string, PeerLink>();
  /** Reasons for closes this side started, reported instead of the link's own 'me'. */
  private readonly closing = new WeakMap<PeerLink, PrivateCloseReason>();

  constructor(
    private readonly emit: (event: AppEvent) => void,
    private readonly changed: () => void,
  ) {}

  get size(): number {
    return this.links.size;
  }

  peers(): string[] {
    return [...this.links.keys()].sort();
  }

  get(peer: string): PeerLink | undefined {
    return this.links.get(peer);
  }

  /** Adopts an established link; a newer link with the same peer replaces the old one quietly. */
  add(link: PeerLink, initiatedByMe: boolean): boolean {
    const previous = this.links.get(link.peer);
    if (!previous && this.links.size >= MAX_PRIVATE_SESSIONS) {
      link.destroy();
      return false;
    }
    if (previous) {
      this.links.delete(link.peer);
      previous.destroy();
    }
    this.links.set(link.peer, link);
    link.onText((text) =>
      this.emit({ kind: 'private_message', peer: link.peer, from: link.peer, text, at: Date.now() }),
    );
    link.onEnd((reason) => this.onEnd(link, reason));
    this.emit({ kind: 'private_opened', peer: link.peer, initiatedByMe });
    this.changed();
    return true;
  }

  /** Stops the chat with `peer` (the peer is told) and reports `reason`. */
  close(peer: string, reason: PrivateCloseReason): void {
    const link = this.links.get(peer);
    if (!link) return;
    this.closing.set(link, reason);
    link.stop();
  }

  closeAll(reason: PrivateCloseReason): void {
    for (const peer of [...this.links.keys()]) this.close(peer, reason);
  }

  private onEnd(link: PeerLink, reason: LinkEndReason): void {
    if (this.links.get(link.peer) !== link) return;
    this.links.delete(link.peer);
    const closeReason: PrivateCloseReason =
      reason === 'me' ? (this.closing.get(link) ?? 'me') : reason === 'peer' ? 'peer' : 'unreachable';
    this.emit({ kind: 'private_closed', peer: link.peer, reason: closeReason });
    this.changed();
  }
}
