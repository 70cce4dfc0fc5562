/**
 * Files in private chats, straight between the two apps over their encrypted PeerLink, never through
 * the server. The sender's app hands the core one piece at a time (each call awaited: flow control
 * from the renderer on); the core seals it in P2P_FILE_CHUNK_BYTES frames and waits for the peer
 * socket to drain. The receiver streams into a temp file in a per-run folder this core owns, hashing
 * and counting as it goes; nothing is kept unless size and SHA-256 match what was announced. A
 * transfer cut by a lost link fails as `interrupted` (a new link is a new session: send again).
 */
import { createHash, randomBytes, type Hash } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FileFailReason, FileOffer, FileTransfer } from '../../shared/files.js';
import { FILE_TRANSFERS_MAX, P2P_FILE_CHUNK_BYTES } from '../../shared/limits.js';
import type { PeerFileControl } from '../../shared/protocol.js';
import { CoreError } from './errors.js';
import { keepAtMost, makeRunFolder, progressDue, remember } from './transfer-common.js';
import type { PeerFileMessage, PeerLink } from './peer-link.js';

/** Received files kept for "Save as…" (the oldest goes, file and all, when a newer one arrives). */
export const RECEIVED_FILES_KEPT = 16;
/** Ended transfers still listed for a window opened late. */
const ENDED_KEPT = 64;

export interface ReceivedFile {
  path: string;
  name: string;
  size: number;
  mime: string;
}

interface Active {
  transfer: FileTransfer;
  link: PeerLink;
  hash: Hash;
  lastEmit: number;
}

interface Incoming extends Active {
  remoteId: string;
  path: string;
  stream: WriteStream;
  expected?: string;
  /** Waiting for its stream to drain, with the link's reading paused. */
  held: boolean;
}

/** Closes a write stream and removes its file; never throws. */
async function discard(stream: WriteStream, path: string): Promise<void> {
  if (!stream.closed) {
    await new Promise<void>((resolve) => {
      stream.once('close', () => resolve());
      stream.destroy();
    });
  }
  await rm(path, { force: true }).catch(() => undefined);
}

function splitChunk(data: Buffer): Buffer[] {
  const pieces: Buffer[] = [];
  for (let at = 0; at < data.length; at += P2P_FILE_CHUNK_BYTES) {
    pieces.push(data.subarray(at, at + P2P_FILE_CHUNK_BYTES));
  }
  return pieces;
}

export class PrivateFiles {
  private readonly outgoing = new Map<string, Active>();
  private readonly incoming = new Map<string, Incoming>();
  /** Incoming transfers by link and the sender's id (ids are the sender's to choose). */
  private readonly byRemote = new WeakMap<PeerLink, Map<string, Incoming>>();
  /** Links whose reading is paused, with how many incoming files wait for their disk. */
  private readonly holds = new Map<PeerLink, number>();
  private readonly received = new Map<string, ReceivedFile>();
  private readonly ended = new Map<string, FileTransfer>();
  private runFolder: string | undefined;

  constructor(
    private readonly emit: (transfer: FileTransfer) => void,
    /** The core's data folder; this run's folder is made inside it (default: the system temp folder). */
    private readonly dataDir: string = tmpdir(),
  ) {}

  /** The folder received files are written to, once the first one arrived (tests, diagnostics). */
  get folder(): string | undefined {
    return this.runFolder;
  }

  /** Starts following a new link's file messages; its end interrupts its transfers. */
  attach(link: PeerLink): void {
    this.byRemote.set(link, new Map());
    link.onFile((message) => this.onPeerMessage(link, message));
    link.onEnd(() => this.onLinkEnd(link));
  }

  list(peer: string): FileTransfer[] {
    const all = [...this.ended.values(), ...this.outgoing.values(), ...this.incoming.values()];
    return all
      .map((entry) => ('transfer' in entry ? entry.transfer : entry))
      .filter((transfer) => transfer.peer === peer)
      .map((transfer) => ({ ...transfer }));
  }

  receivedFile(id: string): ReceivedFile | undefined {
    return this.received.get(id);
  }

  // ---------------------------------------------------------------------------------------------
  // Sending

  async send(link: PeerLink, offer: FileOffer): Promise<FileTransfer> {
    if (this.outgoing.size >= FILE_TRANSFERS_MAX) {
      throw new CoreError('too_many_transfers', `at most ${FILE_TRANSFERS_MAX} files can be sent at once`);
    }
    const id = randomBytes(16).toString('base64url');
    const { sha256: _declared, ...shown } = offer;
    const transfer: FileTransfer = {
      id,
      peer: link.peer,
      direction: 'send',
      ...shown,
      bytesDone: 0,
      state: 'sending',
    };
    const entry: Active = { transfer, link, hash: createHash('sha256'), lastEmit: 0 };
    this.outgoing.set(id, entry);
    if (!(await link.sendFileControl({ t: 'offer', id, ...offer }))) this.interrupted(entry);
    this.report(entry, true);
    return { ...transfer };
  }

  /** Sends the next piece of an outgoing file; resolves with the bytes sent so far once the socket took it. */
  async chunk(id: string, data: Buffer): Promise<number> {
    const entry = this.sending(id);
    const { transfer } = entry;
    if (transfer.bytesDone + data.length > transfer.size) {
      await this.failOutgoing(entry, 'size_mismatch');
      throw new CoreError('invalid_argument', `${transfer.name} has more bytes than its size said`);
    }
    for (const piece of splitChunk(data)) {
      entry.hash.update(piece);
      if (!(await entry.link.sendFileChunk(id, piece))) this.interrupted(entry);
      if (transfer.state !== 'sending') throw this.endedError(transfer);
      transfer.bytesDone += piece.length;
    }
    this.report(entry, false);
    return transfer.bytesDone;
  }

  /** The last piece was sent: tells the peer the file's hash; it is done once the peer confirms. */
  async end(id: string): Promise<void> {
    const entry = this.sending(id);
    if (entry.transfer.bytesDone !== entry.transfer.size) {
      await this.failOutgoing(entry, 'size_mismatch');
      throw new CoreError('invalid_argument', `${entry.transfer.name} ended before its size was reached`);
    }
    const sha256 = entry.hash.digest('hex');
    entry.transfer.sha256 = sha256;
    if (!(await entry.link.sendFileControl({ t: 'end', id, sha256 }))) this.interrupted(entry);
  }

  /** This user cancels a transfer (either direction); the peer is told. */
  async cancel(id: string): Promise<void> {
    const entry = this.outgoing.get(id) ?? this.incoming.get(id);
    if (!entry) throw this.unknown(id);
    const remoteId = this.incoming.get(id)?.remoteId ?? id;
    await this.finish(entry, { state: 'cancelled', cancelledBy: 'me' });
    void entry.link.sendFileControl({ t: 'cancel', id: remoteId });
  }

  private sending(id: string): Active {
    const entry = this.outgoing.get(id);
    if (!entry) throw this.unknown(id);
    return entry;
  }

  private unknown(id: string): CoreError {
    const ended = this.ended.get(id);
    return ended ? this.endedError(ended) : new CoreError('unknown_transfer', 'no such file transfer');
  }

  private endedError(transfer: FileTransfer): CoreError {
    const why = transfer.state === 'failed' ? `failed (${transfer.reason ?? 'refused'})` : transfer.state;
    return new CoreError('transfer_ended', `the transfer of ${transfer.name} has ${why}`);
  }

  private interrupted(entry: Active): never {
    void this.finish(entry, { state: 'failed', reason: 'interrupted' });
    throw new CoreError('peer_unreachable', `${entry.link.peer} is not reachable: send the file again`);
  }

  private async failOutgoing(entry: Active, reason: FileFailReason): Promise<void> {
    await this.finish(entry, { state: 'failed', reason });
    void entry.link.sendFileControl({ t: 'cancel', id: entry.transfer.id, reason });
  }

  // ---------------------------------------------------------------------------------------------
  // Receiving

  private onPeerMessage(link: PeerLink, message: PeerFileMessage): void {
    if (message.t === 'offer') this.onOffer(link, message);
    else if (message.t === 'bad_offer')
      void link.sendFileControl({ t: 'cancel', id: message.id, reason: message.reason });
    else if (message.t === 'chunk') this.onChunk(link, message.id, message.data);
    else if (message.t === 'end') void this.onEnd(link, message.id, message.sha256);
    else if (message.t === 'received') this.onReceived(message.id);
    else this.onPeerCancel(link, message.id, message.reason);
  }

  private onOffer(link: PeerLink, offer: Extract<PeerFileControl, { t: 'offer' }>): void {
    const transfers = this.byRemote.get(link);
    if (!transfers || transfers.has(offer.id) || this.incoming.size >= FILE_TRANSFERS_MAX) {
      void link.sendFileControl({ t: 'cancel', id: offer.id, reason: transfers ? 'too_many' : 'refused' });
      return;
    }
    const id = randomBytes(16).toString('base64url');
    // The peer's name is never part of the path: the file is just this transfer's random id.
    const path = join(this.folderNow(), `${id}.part`);
    const { id: remoteId, t: _t, sha256: expected, ...shown } = offer;
    const transfer: FileTransfer = {
      id,
      peer: link.peer,
      direction: 'receive',
      ...shown,
      bytesDone: 0,
      state: 'receiving',
    };
    const stream = createWriteStream(path, { flags: 'wx', mode: 0o600 });
    const entry: Incoming = {
      transfer,
      link,
      hash: createHash('sha256'),
      lastEmit: 0,
      remoteId,
      path,
      stream,
      held: false,
    };
    if (expected) entry.expected = expected;
    stream.on('error', () => void this.failIncoming(entry, 'disk'));
    this.incoming.set(id, entry);
    transfers.set(remoteId, entry);
    this.report(entry, true);
  }

  private onChunk(link: PeerLink, remoteId: string, data: Buffer): void {
    // A chunk of a transfer that just ended here (cancelled, failed) may still be on its way: dropped.
    const entry = this.byRemote.get(link)?.get(remoteId);
    if (!entry) return;
    if (entry.transfer.bytesDone + data.length > entry.transfer.size) {
      void this.failIncoming(entry, 'size_mismatch');
      return;
    }
    entry.hash.update(data);
    entry.transfer.bytesDone += data.length;
    if (!entry.stream.write(data)) this.holdUntilDrained(entry);
    this.report(entry, false);
  }

  /** The disk is behind: stop reading from this peer until the file's buffer drains. */
  private holdUntilDrained(entry: Incoming): void {
    if (entry.held) return;
    entry.held = true;
    const { link } = entry;
    const count = this.holds.get(link) ?? 0;
    this.holds.set(link, count + 1);
    if (count === 0) link.holdIncoming(true);
    const release = (): void => {
      entry.stream.off('drain', release);
      entry.stream.off('close', release);
      entry.held = false;
      const left = (this.holds.get(link) ?? 1) - 1;
      if (left > 0) this.holds.set(link, left);
      else {
        this.holds.delete(link);
        if (link.isOpen) link.holdIncoming(false);
      }
    };
    entry.stream.once('drain', release);
    entry.stream.once('close', release);
  }

  private async onEnd(link: PeerLink, remoteId: string, sha256: string): Promise<void> {
    const entry = this.byRemote.get(link)?.get(remoteId);
    if (!entry) return;
    const { transfer } = entry;
    if (transfer.bytesDone !== transfer.size) return this.failIncoming(entry, 'size_mismatch');
    const digest = entry.hash.digest('hex');
    if (digest !== sha256 || (entry.expected !== undefined && digest !== entry.expected)) {
      return this.failIncoming(entry, 'hash_mismatch');
    }
    const written = await new Promise<boolean>((resolve) => {
      entry.stream.once('error', () => resolve(false));
      entry.stream.end(() => resolve(true));
    });
    if (!written || transfer.state !== 'receiving') return;
    transfer.sha256 = digest;
    this.keepReceived(entry);
    await this.finish(entry, { state: 'done' });
    void link.sendFileControl({ t: 'received', id: remoteId });
  }

  private keepReceived(entry: Incoming): void {
    const { transfer } = entry;
    this.received.set(transfer.id, {
      path: entry.path,
      name: transfer.name,
      size: transfer.size,
      mime: transfer.mime,
    });
    keepAtMost(this.received, RECEIVED_FILES_KEPT);
  }

  private onReceived(id: string): void {
    const entry = this.outgoing.get(id);
    if (entry?.transfer.sha256 !== undefined) void this.finish(entry, { state: 'done' });
  }

  private onPeerCancel(link: PeerLink, id: string, reason: FileFailReason | undefined): void {
    const entry = this.outgoing.get(id) ?? this.byRemote.get(link)?.get(id);
    if (!entry || entry.link !== link) return;
    void this.finish(
      entry,
      reason ? { state: 'failed', reason } : { state: 'cancelled', cancelledBy: 'peer' },
    );
  }

  private async failIncoming(entry: Incoming, reason: FileFailReason): Promise<void> {
    if (!this.incoming.has(entry.transfer.id)) return;
    await this.finish(entry, { state: 'failed', reason });
    void entry.link.sendFileControl({ t: 'cancel', id: entry.remoteId, reason });
  }

  private onLinkEnd(link: PeerLink): void {
    for (const entry of [...this.outgoing.values(), ...this.incoming.values()]) {
      if (entry.link === link) void this.finish(entry, { state: 'failed', reason: 'interrupted' });
    }
    this.holds.delete(link);
  }

  // ---------------------------------------------------------------------------------------------
  // Bookkeeping

  /** Ends a transfer (once): out of the active maps, a partial file removed, the change reported. */
  private async finish(
    entry: Active,
    end: Partial<FileTransfer> & Pick<FileTransfer, 'state'>,
  ): Promise<void> {
    const { transfer } = entry;
    const map = transfer.direction === 'send' ? this.outgoing : this.incoming;
    if (map.get(transfer.id) !== entry) return;
    map.delete(transfer.id);
    Object.assign(transfer, end);
    remember(this.ended, transfer, ENDED_KEPT);
    if ('remoteId' in entry) {
      const incoming = entry as Incoming;
      this.byRemote.get(entry.link)?.delete(incoming.remoteId);
      if (end.state !== 'done') await discard(incoming.stream, incoming.path);
    }
    this.report(entry, true);
  }

  private report(entry: Active, always: boolean): void {
    if (progressDue(entry, always)) this.emit({ ...entry.transfer });
  }

  /** This run's folder, made on first use (synchronously: chunks may follow the offer at once). */
  private folderNow(): string {
    this.runFolder ??= makeRunFolder(this.dataDir, 'messenger-files-');
    return this.runFolder;
  }

  /** Ends every transfer and removes every file (logout, quit): private files are never kept. */
  async clear(): Promise<void> {
    const active = [...this.outgoing.values(), ...this.incoming.values()];
    await Promise.all(active.map((entry) => this.finish(entry, { state: 'failed', reason: 'interrupted' })));
    this.received.clear();
    this.ended.clear();
    const folder = this.runFolder;
    this.runFolder = undefined;
    if (folder) await rm(folder, { recursive: true, force: true }).catch(() => undefined);
  }
}
