/** An established, end-to-end encrypted private chat with one peer over a direct TCP connection. */
import { peerFileControlSchema, textSchema } from '../../shared/protocol.js';
import type { PeerFileControl, PeerFrame } from '../../shared/protocol.js';
import { fileNameSchema, fileSizeSchema, transferIdSchema, type FileFailReason } from '../../shared/files.js';
import { P2P_FILE_CHUNK_BYTES } from '../../shared/limits.js';
import { Listeners } from './emitter.js';
import type { FramedSocket } from './framed-socket.js';
import type { SealedChannel } from './p2p-crypto.js';

/** Why a link ended, from this side's point of view. */
export type LinkEndReason = 'me' | 'peer' | 'lost';

const FILE_AAD = Buffer.from('file_sealed');
const KIND_CONTROL = 1;
const KIND_CHUNK = 2;
const TRANSFER_ID_LENGTH = 22;

/** A file message from the peer: a control message, or a chunk of a file it offered. */
export type PeerFileMessage =
  | PeerFileControl
  | { t: 'chunk'; id: string; data: Buffer }
  /** An offer that breaks the file rules: answered with a refusal, not a cut link. */
  | { t: 'bad_offer'; id: string; reason: FileFailReason };

/** Why an offer that failed validation is refused. */
function offerProblem(offer: { size?: unknown; name?: unknown }): FileFailReason {
  if (!fileSizeSchema.safeParse(offer.size).success) return 'too_large';
  if (!fileNameSchema.safeParse(offer.name).success) return 'bad_name';
  return 'refused';
}

/** A file message that is not JSON of a known shape or a well-formed chunk: the peer is cut off. */
function decodeFileMessage(plain: Buffer): PeerFileMessage | undefined {
  if (plain[0] === KIND_CHUNK) {
    const id = plain.subarray(1, 1 + TRANSFER_ID_LENGTH).toString('latin1');
    const data = plain.subarray(1 + TRANSFER_ID_LENGTH);
    const okId = transferIdSchema.safeParse(id).success;
    return okId && data.length > 0 && data.length <= P2P_FILE_CHUNK_BYTES
      ? { t: 'chunk', id, data }
      : undefined;
  }
  if (plain[0] !== KIND_CONTROL) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(plain.subarray(1).toString('utf8'));
  } catch {
    return undefined;
  }
  const parsed = peerFileControlSchema.safeParse(json);
  if (parsed.success) return parsed.data;
  const offer = (typeof json === 'object' && json !== null ? json : {}) as Record<string, unknown>;
  const id = transferIdSchema.safeParse(offer.id);
  return offer.t === 'offer' && id.success
    ? { t: 'bad_offer', id: id.data, reason: offerProblem(offer) }
    : undefined;
}

export class PeerLink {
  private readonly texts = new Listeners<string>();
  private readonly files = new Listeners<PeerFileMessage>();
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

  onFile(listener: (message: PeerFileMessage) => void): () => void {
    return this.files.on(listener);
  }

  onEnd(listener: (reason: LinkEndReason) => void): () => void {
    return this.ends.on(listener);
  }

  /** Encrypts and sends one text; false when the link is already gone. */
  send(text: string): boolean {
    if (!this.isOpen || !this.framed.isOpen) return false;
    return this.framed.send({ type: 'private_sealed', ...this.channel.seal(text) });
  }

  /** Sends a file control message; false when the link is gone. */
  sendFileControl(message: PeerFileControl): Promise<boolean> {
    const json = Buffer.from(JSON.stringify(message), 'utf8');
    return this.sendFilePlain(Buffer.concat([Buffer.of(KIND_CONTROL), json]));
  }

  /** Sends one chunk (at most P2P_FILE_CHUNK_BYTES) and waits until the socket takes more. */
  sendFileChunk(id: string, data: Buffer): Promise<boolean> {
    return this.sendFilePlain(Buffer.concat([Buffer.of(KIND_CHUNK), Buffer.from(id, 'latin1'), data]));
  }

  /** Stops (true) or resumes reading from the peer while this side's disk catches up. */
  holdIncoming(hold: boolean): void {
    if (hold) this.framed.pause();
    else this.framed.resume();
  }

  private async sendFilePlain(plain: Buffer): Promise<boolean> {
    if (!this.isOpen || !this.framed.isOpen) return false;
    return this.framed.sendAndDrain({ type: 'file_sealed', ...this.channel.sealBytes(plain, FILE_AAD) });
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
    if (frame.type === 'file_sealed') this.onFileSealed(frame);
    else if (frame.type === 'private_sealed') this.onSealed(frame);
    else this.framed.destroy();
  }

  private onFileSealed(frame: Extract<PeerFrame, { type: 'file_sealed' }>): void {
    let message: PeerFileMessage | undefined;
    try {
      message = decodeFileMessage(this.channel.openBytes(frame, FILE_AAD));
    } catch {
      message = undefined;
    }
    if (message) this.files.emit(message);
    else this.framed.destroy();
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
    this.files.clear();
  }
}
