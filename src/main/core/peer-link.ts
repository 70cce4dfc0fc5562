/** An established, end-to-end encrypted private chat with one peer over a direct TCP connection. */
import { textSchema } from '../../shared/protocol.js';
import type { PeerFrame } from '../../shared/protocol.js';
import { Listeners } from './emitter.js';
import type { FramedSocket } from './framed-socket.js';
import type { SealedChannel } from './p2p-crypto.js';

/** Why a link ended, from this side's point of view. */
export type LinkEndReason = 'me' | 'peer' | 'lost';

export class PeerLink {
  private readonly texts = new Listeners<string>();
  private readonly ends = new Listeners<LinkEndReason>();
  private endReason: LinkEndReason | undefined;

  constructor(
    readonly peer: string,
    private readonly framed: FramedSocket,
    private readonly channel: SealedChannel,
  ) {
    framed.onClose(() => this.finish('lost'));
    framed.setHandler((frame) => this.onFrame(frame));
  }

  get isOpen(): boolean {
    return this.endReason === undefined;
  }

  onText(listener: (text: string) => void): () => void {
    return this.texts.on(listener);
  }

  onEnd(listener: (reason: LinkEndReason) => void): () => void {
    return this.ends.on(listener);
  }

  /** Encrypts and sends one text; false when the link is already gone. */
  send(text: string): boolean {
    if (!this.isOpen || !this.framed.isOpen) return false;
    return this.framed.send({ type: 'private_sealed', ...this.channel.seal(text) });
  }

  /** Tells the peer the chat is over and closes the connection. */
  stop(): void {
    if (!this.isOpen) return;
    this.framed.send({ type: 'stop' });
    this.finish('me');
    this.framed.end();
  }

  /** Closes without telling the peer anything more (used when disposing). */
  destroy(): void {
    this.finish('me');
    this.framed.destroy();
  }

  private onFrame(frame: PeerFrame): void {
    if (frame.type === 'stop') {
      this.finish('peer');
      this.framed.end();
      return;
    }
    if (frame.type !== 'private_sealed') {
      this.framed.destroy();
      return;
    }
    this.onSealed(frame);
  }

  private onSealed(frame: Extract<PeerFrame, { type: 'private_sealed' }>): void {
    let text: string;
    try {
      text = this.channel.open(frame);
    } catch {
      this.framed.destroy();
      return;
    }
    if (textSchema.safeParse(text).success) this.texts.emit(text);
    else this.framed.destroy();
  }

  private finish(reason: LinkEndReason): void {
    if (this.endReason !== undefined) return;
    this.endReason = reason;
    this.ends.emit(reason);
    this.ends.clear();
    this.texts.clear();
  }
}
