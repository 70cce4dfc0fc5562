/** The private chats so far, per peer, in memory and bounded, so a window opened late can show them. */
import type { PrivateMessage } from '../../shared/api.js';

export const MAX_TRANSCRIPT_MESSAGES = 500;
export const MAX_TRANSCRIPT_PEERS = 64;

export class PrivateTranscripts {
  private readonly byPeer = new Map<string, PrivateMessage[]>();

  add(peer: string, message: PrivateMessage): void {
    let messages = this.byPeer.get(peer);
    if (!messages) {
      if (this.byPeer.size >= MAX_TRANSCRIPT_PEERS) {
        const oldest = this.byPeer.keys().next().value;
        if (oldest !== undefined) this.byPeer.delete(oldest);
      }
      messages = [];
      this.byPeer.set(peer, messages);
    }
    messages.push(message);
    if (messages.length > MAX_TRANSCRIPT_MESSAGES)
      messages.splice(0, messages.length - MAX_TRANSCRIPT_MESSAGES);
  }

  get(peer: string): PrivateMessage[] {
    return [...(this.byPeer.get(peer) ?? [])];
  }

  clear(): void {
    this.byPeer.clear();
  }
}
