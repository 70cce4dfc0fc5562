/**
 * A TCP socket carrying peer (P2P) frames: bounded framing, validation of every inbound frame, and a
 * replaceable frame handler. Frames that arrive while no handler is set wait in a small queue, so a
 * handshake can hand over to the session without losing frames that came in the same chunk.
 */
import type net from 'node:net';
import { FrameDecoder, encodeFrame } from '../../shared/codec.js';
import { MAX_FRAME_BYTES } from '../../shared/limits.js';
import type { PeerFrame } from '../../shared/protocol.js';
import { parsePeerFrame } from '../../shared/validate.js';
import { Listeners } from './emitter.js';
import { feedLines } from './tcp.js';

/** Frames held before a handler is attached; a peer that floods a handshake is cut off. */
const MAX_QUEUED_FRAMES = 64;

export class FramedSocket {
  private readonly decoder = new FrameDecoder(MAX_FRAME_BYTES);
  private readonly queue: PeerFrame[] = [];
  private readonly closeListeners = new Listeners<void>();
  private handler: ((frame: PeerFrame) => void) | undefined;
  private closed = false;

  constructor(private readonly socket: net.Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => this.destroy());
    socket.on('close', () => this.destroy());
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  onClose(listener: () => void): () => void {
    if (this.closed) {
      queueMicrotask(listener);
      return () => undefined;
    }
    return this.closeListeners.on(listener);
  }

  /** Sets (or, with undefined, pauses) the frame handler; queued frames are delivered first. */
  setHandler(handler: ((frame: PeerFrame) => void) | undefined): void {
    this.handler = handler;
    while (this.handler && this.queue.length > 0 && !this.closed) {
      this.handler(this.queue.shift() as PeerFrame);
    }
  }

  send(frame: PeerFrame): boolean {
    if (this.closed) return false;
    this.socket.write(encodeFrame(frame));
    return true;
  }

  /**
   * Sends a frame and resolves once the socket's buffer has room again (flow control for bulk
   * data: a sender awaiting this never queues more than one frame beyond what the peer takes);
   * false when the socket is closed or closes meanwhile.
   */
  async sendAndDrain(frame: PeerFrame): Promise<boolean> {
    if (this.closed) return false;
    if (this.socket.write(encodeFrame(frame))) return true;
    return new Promise((resolve) => {
      const stop = this.onClose(() => resolve(false));
      this.socket.once('drain', () => {
        stop();
        resolve(!this.closed);
      });
    });
  }

  /** Stops reading (the receiver's disk is behind); TCP then slows the peer down. */
  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  /** Sends what is written, then closes. */
  end(): void {
    if (this.closed) return;
    this.socket.end();
    setTimeout(() => this.socket.destroy(), 1_000).unref();
    this.finish();
  }

  destroy(): void {
    this.socket.destroy();
    this.finish();
  }

  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    this.handler = undefined;
    this.queue.length = 0;
    this.closeListeners.emit();
    this.closeListeners.clear();
  }

  private onData(chunk: Buffer): void {
    if (
      !feedLines(
        this.decoder,
        chunk,
        () => !this.closed,
        (line) => this.onLine(line),
      )
    )
      this.destroy();
  }

  private onLine(line: string): void {
    const parsed = parsePeerFrame(line);
    if (!parsed.ok) {
      this.destroy();
      return;
    }
    if (this.handler) this.handler(parsed.value);
    else if (this.queue.length < MAX_QUEUED_FRAMES) this.queue.push(parsed.value);
    else this.destroy();
  }
}
