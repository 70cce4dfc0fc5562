/**
 * Files in direct and group chats, through the server (docs/protocol.md, "Files"). Sending: the app
 * hands the core the bytes piece by piece; they are spooled to a temp file while hashed (never the
 * whole file in memory), then uploaded in FILE_CHUNK_MAX_BYTES chunks with at most
 * FILE_WINDOW_CHUNKS unanswered, and the message carrying the upload goes through the core's outbox.
 * Receiving: download_chunk ranges, the same window, written to a temp file and hashed in order; the
 * file is kept only if its SHA-256 is the message's. A lost connection pauses both: after the
 * reconnect an upload asks upload_start where the server stands, a download goes on from the bytes
 * on disk.
 */
import { createHash, randomBytes, type Hash } from 'node:crypto';
import { open, rm, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MessageTarget, SendResult } from '../../shared/api.js';
import type { FileFailReason, FileOffer, FileTransfer } from '../../shared/files.js';
import {
  FILE_API_CHUNK_BYTES,
  FILE_CHUNK_MAX_BYTES,
  FILE_IMAGE_AUTO_DOWNLOAD_BYTES,
  FILE_MAX_BYTES,
  FILE_TRANSFERS_MAX,
  FILE_WINDOW_CHUNKS,
} from '../../shared/limits.js';
import type { DirectMessage, FileInfo } from '../../shared/protocol.js';
import { busyRetryDelay } from './backoff.js';
import { CoreError } from './errors.js';
import { keepAtMost, makeRunFolder, progressDue, remember } from './transfer-common.js';
import type { ReceivedFile } from './private-files.js';
import type { ServerConnection } from './server-connection.js';

/** Downloaded files kept for "Save as…" and thumbnails (the oldest goes, file and all, past this). */
export const DOWNLOADS_KEPT = 32;
/** Ended transfers still remembered (a download asked for again finds its file). */
const ENDED_KEPT = 64;

/** What the core lends the file transfers. */
export interface ServerFilesHost {
  /** The logged-in connection, or undefined while there is none (transfers wait for `resume`). */
  connection(): ServerConnection | undefined;
  /** The server's file limit (hello's maxFileBytes). */
  maxFileBytes(): number;
  /** Sends the message carrying a finished upload, through the outbox, under `clientId`. */
  sendFileMessage(
    target: MessageTarget,
    upload: string,
    clientId: string,
    caption?: string,
  ): Promise<SendResult>;
  /** Tells the app the file's message was stored (or refused) when it was sent at once, as the outbox does. */
  messageStored(clientId: string, message: DirectMessage): void;
  messageRefused(target: MessageTarget, clientId: string, caption: string, error: CoreError): void;
}

interface Entry {
  transfer: FileTransfer;
  path: string;
  hash: Hash;
  lastEmit: number;
  /** An upload or download is running for it now (one at a time). */
  running: boolean;
  /** A reconnect came while it was still winding down from the lost connection: run again after. */
  again?: boolean;
}

interface Upload extends Entry {
  target: MessageTarget;
  caption?: string;
  expected?: string;
  /** Spooling from the app: the temp file open for writing. */
  spool?: FileHandle;
  spooled: number;
  sha256?: string;
  /** The server's id of the upload under way (upload_start's answer). */
  serverUpload?: string;
  /** The upload finished on the server: its id for the message. */
  complete?: string;
}

interface Download extends Entry {
  file: FileInfo;
  messageId: number;
}

/** Server refusals in the app's words (FileFailReason). */
const FAIL_REASONS: Record<string, FileFailReason> = {
  file_too_large: 'too_large',
  invalid_file_name: 'bad_name',
  too_many_uploads: 'too_many',
  hash_mismatch: 'hash_mismatch',
  storage_full: 'server_full',
  unknown_file: 'unavailable',
};

function isRetryable(error: unknown): error is CoreError {
  return (
    error instanceof CoreError && ['not_connected', 'timeout', 'rate_limited', 'busy'].includes(error.code)
  );
}

function transferFor(target: MessageTarget): Pick<FileTransfer, 'peer' | 'group'> {
  return 'to' in target ? { peer: target.to } : { peer: '', group: target.group };
}

export class ServerFiles {
  private readonly uploads = new Map<string, Upload>();
  private readonly downloads = new Map<string, Download>();
  /** Downloads by message id, so a message's file is fetched once. */
  private readonly byMessage = new Map<number, string>();
  private readonly done = new Map<string, ReceivedFile>();
  private readonly ended = new Map<string, FileTransfer>();
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  private runFolder: string | undefined;

  constructor(
    private readonly host: ServerFilesHost,
    private readonly emit: (transfer: FileTransfer) => void,
    private readonly dataDir: string = tmpdir(),
  ) {}

  has(id: string): boolean {
    return this.uploads.has(id) || this.downloads.has(id) || this.ended.get(id)?.via === 'server';
  }

  receivedFile(id: string): ReceivedFile | undefined {
    return this.done.get(id);
  }

  // ---------------------------------------------------------------------------------------------
  // Sending

  /** Announces a file for a chat; refused before any byte when the server would refuse it. */
  async send(target: MessageTarget, offer: FileOffer, caption?: string): Promise<FileTransfer> {
    const max = this.host.maxFileBytes();
    if (offer.size > max) {
      throw new CoreError('file_too_large', `${offer.name} is larger than the server's ${max} bytes`);
    }
    if (offer.size === 0) throw new CoreError('invalid_argument', `${offer.name} is empty`);
    if (this.uploads.size >= FILE_TRANSFERS_MAX) {
      throw new CoreError('too_many_transfers', `at most ${FILE_TRANSFERS_MAX} files can be sent at once`);
    }
    const id = randomBytes(16).toString('base64url');
    const path = join(this.folderNow(), `${id}.up`);
    const { sha256: expected, ...shown } = offer;
    const transfer: FileTransfer = {
      id,
      ...transferFor(target),
      via: 'server',
      clientId: randomBytes(16).toString('base64url'),
      direction: 'send',
      ...shown,
      bytesDone: 0,
      state: 'sending',
    };
    const spool = await open(path, 'wx', 0o600);
    const entry: Upload = {
      transfer,
      path,
      hash: createHash('sha256'),
      lastEmit: 0,
      running: false,
      target,
      spool,
      spooled: 0,
    };
    if (caption !== undefined) entry.caption = caption;
    if (expected !== undefined) entry.expected = expected;
    this.uploads.set(id, entry);
    this.report(entry, true);
    return { ...transfer };
  }

  /** Spools the next piece from the app; resolves with the bytes spooled so far. */
  async chunk(id: string, data: Buffer): Promise<number> {
    const entry = this.spooling(id);
    if (entry.spooled + data.length > entry.transfer.size) {
      await this.fail(entry, 'size_mismatch');
      throw new CoreError('invalid_argument', `${entry.transfer.name} has more bytes than its size said`);
    }
    entry.hash.update(data);
    await entry.spool?.write(data, 0, data.length, entry.spooled);
    entry.spooled += data.length;
    return entry.spooled;
  }

  /** The app handed over every byte: the upload starts (in the background; `file` events follow). */
  async end(id: string): Promise<void> {
    const entry = this.spooling(id);
    const { transfer } = entry;
    await entry.spool?.close();
    delete entry.spool;
    const sha256 = entry.hash.digest('hex');
    if (entry.spooled !== transfer.size || (entry.expected !== undefined && entry.expected !== sha256)) {
      await this.fail(entry, entry.spooled !== transfer.size ? 'size_mismatch' : 'hash_mismatch');
      throw new CoreError('invalid_argument', `${transfer.name} changed while it was being read`);
    }
    entry.sha256 = sha256;
    transfer.sha256 = sha256;
    void this.run(entry);
  }

  private spooling(id: string): Upload {
    const entry = this.uploads.get(id);
    if (!entry) throw this.unknown(id);
    if (!entry.spool) throw new CoreError('transfer_ended', `${entry.transfer.name} was handed over already`);
    return entry;
  }

  /** Uploads from where the server stands, then sends the message; stops (to resume) on a lost connection. */
  private async upload(entry: Upload, connection: ServerConnection): Promise<void> {
    const { transfer } = entry;
    if (entry.complete === undefined) {
      const started = await connection.request('upload_start', {
        name: transfer.name,
        size: transfer.size,
        sha256: entry.sha256 ?? '',
        mime: transfer.mime,
      });
      entry.serverUpload = started.upload;
      transfer.bytesDone = started.offset;
      this.report(entry, true);
      await this.pumpUp(entry, connection, started.upload, started.offset);
      if (!this.uploads.has(transfer.id)) return;
      entry.complete = started.upload;
    }
    const clientId = transfer.clientId ?? '';
    const sent = await this.host.sendFileMessage(entry.target, entry.complete, clientId, entry.caption);
    // Queued instead (the outbox had messages before it): the core reports the outcome when it comes.
    if (sent.message && this.onMessageStored(clientId, sent.message)) {
      this.host.messageStored(clientId, sent.message);
    }
  }

  /** upload_chunk from `offset` with at most FILE_WINDOW_CHUNKS unanswered, read from the spool file. */
  private async pumpUp(
    entry: Upload,
    connection: ServerConnection,
    upload: string,
    offset: number,
  ): Promise<void> {
    const { transfer } = entry;
    const file = await open(entry.path, 'r');
    try {
      const inFlight: Promise<{ received: number; complete: boolean }>[] = [];
      let next = offset;
      while (next < transfer.size || inFlight.length > 0) {
        while (inFlight.length < FILE_WINDOW_CHUNKS && next < transfer.size) {
          const length = Math.min(FILE_CHUNK_MAX_BYTES, transfer.size - next);
          const { buffer } = await file.read(Buffer.alloc(length), 0, length, next);
          const reply = connection.request('upload_chunk', {
            upload,
            offset: next,
            data: buffer.toString('base64'),
          });
          // The first failure is awaited below; the rest of the window fails with it, unobserved.
          reply.catch(() => undefined);
          inFlight.push(reply);
          next += length;
        }
        const { received } = await (inFlight.shift() as Promise<{ received: number }>);
        if (!this.uploads.has(transfer.id)) return;
        transfer.bytesDone = received;
        this.report(entry, false);
      }
    } finally {
      await file.close();
    }
  }

  /** The file's message was stored (sent at once, or later from the outbox): the upload is done. */
  onMessageStored(clientId: string, message: DirectMessage): boolean {
    const entry = this.uploadByClientId(clientId);
    if (!entry) return false;
    entry.transfer.messageId = message.id;
    entry.transfer.bytesDone = entry.transfer.size;
    void this.finish(entry, { state: 'done' });
    return true;
  }

  /** The outbox's server refused the file's message (blocked, no longer a member). */
  onMessageRefused(clientId: string): boolean {
    const entry = this.uploadByClientId(clientId);
    if (!entry) return false;
    void this.finish(entry, { state: 'failed', reason: 'refused' });
    return true;
  }

  private uploadByClientId(clientId: string): Upload | undefined {
    return [...this.uploads.values()].find((entry) => entry.transfer.clientId === clientId);
  }

  // ---------------------------------------------------------------------------------------------
  // Receiving

  /** Starts (or finds) the download of a message's file. */
  async download(messageId: number, file: FileInfo, target: MessageTarget): Promise<FileTransfer> {
    const existing = this.downloadOf(messageId);
    if (existing) return { ...existing };
    if (file.size > Math.min(FILE_MAX_BYTES, this.host.maxFileBytes())) {
      throw new CoreError('file_too_large', `${file.name} is larger than this app takes`);
    }
    if (this.downloads.size >= FILE_TRANSFERS_MAX) {
      throw new CoreError(
        'too_many_transfers',
        `at most ${FILE_TRANSFERS_MAX} files can be downloaded at once`,
      );
    }
    const id = randomBytes(16).toString('base64url');
    const transfer: FileTransfer = {
      id,
      ...transferFor(target),
      via: 'server',
      messageId,
      direction: 'receive',
      name: file.name,
      size: file.size,
      mime: file.mime,
      bytesDone: 0,
      state: 'receiving',
    };
    // The sender's name for the file is never part of the path: the file is the transfer's random id.
    const path = join(this.folderNow(), `${id}.down`);
    await (await open(path, 'wx', 0o600)).close();
    const entry: Download = {
      transfer,
      path,
      hash: createHash('sha256'),
      lastEmit: 0,
      running: false,
      file,
      messageId,
    };
    this.downloads.set(id, entry);
    this.byMessage.set(messageId, id);
    this.report(entry, true);
    void this.run(entry);
    return { ...transfer };
  }

  /** The message's download on its way, or done and still kept, or refused for good (`unavailable`). */
  private downloadOf(messageId: number): FileTransfer | undefined {
    const id = this.byMessage.get(messageId);
    if (id === undefined) return undefined;
    const active = this.downloads.get(id)?.transfer;
    if (active) return active;
    const ended = this.ended.get(id);
    const kept = ended?.state === 'done' && this.done.has(id);
    return kept || ended?.reason === 'unavailable' ? ended : undefined;
  }

  /** download_chunk from the bytes on disk on, FILE_WINDOW_CHUNKS at a time; then checks the hash. */
  private async pumpDown(entry: Download, connection: ServerConnection): Promise<void> {
    const { transfer } = entry;
    const file = await open(entry.path, 'r+');
    try {
      const inFlight: { offset: number; length: number; reply: Promise<{ data: string }> }[] = [];
      let next = transfer.bytesDone;
      while (next < transfer.size || inFlight.length > 0) {
        while (inFlight.length < FILE_WINDOW_CHUNKS && next < transfer.size) {
          const length = Math.min(FILE_CHUNK_MAX_BYTES, transfer.size - next);
          const reply = connection.request('download_chunk', {
            messageId: entry.messageId,
            offset: next,
            length,
          });
          reply.catch(() => undefined);
          inFlight.push({ offset: next, length, reply });
          next += length;
        }
        const piece = inFlight.shift() as (typeof inFlight)[number];
        const data = Buffer.from((await piece.reply).data, 'base64');
        if (!this.downloads.has(transfer.id)) return;
        if (data.length !== piece.length) return void (await this.fail(entry, 'size_mismatch'));
        await file.write(data, 0, data.length, piece.offset);
        entry.hash.update(data);
        transfer.bytesDone = piece.offset + data.length;
        this.report(entry, false);
      }
    } finally {
      await file.close();
    }
    await this.verify(entry);
  }

  private async verify(entry: Download): Promise<void> {
    const { transfer } = entry;
    if (!this.downloads.has(transfer.id)) return;
    const digest = entry.hash.digest('hex');
    if (digest !== entry.file.sha256) return this.fail(entry, 'hash_mismatch');
    transfer.sha256 = digest;
    this.keep(entry);
    await this.finish(entry, { state: 'done' });
  }

  private keep(entry: Download): void {
    const { transfer } = entry;
    this.done.set(transfer.id, {
      path: entry.path,
      name: transfer.name,
      size: transfer.size,
      mime: transfer.mime,
    });
    keepAtMost(this.done, DOWNLOADS_KEPT);
  }

  /** A piece of a downloaded image, for the app's thumbnail. */
  async read(id: string, offset: number): Promise<string> {
    const file = this.done.get(id);
    if (!file) throw this.unknown(id);
    if (!file.mime.startsWith('image/') || file.size > FILE_IMAGE_AUTO_DOWNLOAD_BYTES) {
      throw new CoreError('invalid_argument', `${file.name} is not an image the app shows inline`);
    }
    const handle = await open(file.path, 'r');
    try {
      const length = Math.max(0, Math.min(FILE_API_CHUNK_BYTES, file.size - offset));
      const { buffer, bytesRead } = await handle.read(Buffer.alloc(length), 0, length, offset);
      return buffer.subarray(0, bytesRead).toString('base64');
    } finally {
      await handle.close();
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Running, pausing and resuming

  /** Goes on with every transfer that waits for the connection (after a reconnect). */
  resume(): void {
    for (const entry of [...this.uploads.values(), ...this.downloads.values()]) void this.run(entry);
  }

  private async run(entry: Upload | Download): Promise<void> {
    const connection = this.host.connection();
    if (entry.running) entry.again = true;
    const ready = !('spool' in entry && entry.spool) && !entry.running;
    if (!connection || !ready || !this.isActive(entry)) return;
    entry.running = true;
    try {
      if ('target' in entry) await this.upload(entry, connection);
      else await this.pumpDown(entry, connection);
    } catch (error) {
      await this.onRunError(entry, error);
    } finally {
      entry.running = false;
    }
    if (entry.again) {
      entry.again = false;
      void this.run(entry);
    }
  }

  private async onRunError(entry: Upload | Download, error: unknown): Promise<void> {
    if (!this.isActive(entry)) return;
    if (isRetryable(error)) {
      // Lost connection: resume() goes on after the reconnect. Busy or rate limited: again soon.
      if (error.code === 'not_connected') return;
      const timer = setTimeout(() => {
        this.retryTimers.delete(timer);
        void this.run(entry);
      }, busyRetryDelay(error.retryAfterMs));
      this.retryTimers.add(timer);
      return;
    }
    const code = error instanceof CoreError ? error.code : 'internal_error';
    if ('target' in entry && entry.complete === undefined && code === 'unknown_upload') {
      // The upload expired or was lost (a failed hash): start it again from 0.
      this.retryNow(entry);
      return;
    }
    if ('target' in entry && entry.complete !== undefined && error instanceof CoreError) {
      this.host.messageRefused(entry.target, entry.transfer.clientId ?? '', entry.caption ?? '', error);
      await this.finish(entry, { state: 'failed', reason: 'refused' });
      return;
    }
    await this.fail(entry, FAIL_REASONS[code] ?? 'server_refused');
  }

  private retryNow(entry: Upload): void {
    const timer = setTimeout(() => {
      this.retryTimers.delete(timer);
      void this.run(entry);
    }, 0);
    this.retryTimers.add(timer);
  }

  private isActive(entry: Entry): boolean {
    const map = entry.transfer.direction === 'send' ? this.uploads : this.downloads;
    return map.get(entry.transfer.id) === entry;
  }

  // ---------------------------------------------------------------------------------------------
  // Cancel, failure, bookkeeping

  cancel(id: string): Promise<void> {
    const entry = this.uploads.get(id) ?? this.downloads.get(id);
    if (!entry) throw this.unknown(id);
    if ('target' in entry) this.dropOnServer(entry);
    return this.finish(entry, { state: 'cancelled', cancelledBy: 'me' });
  }

  /**
   * Tells the server to drop an unfinished upload now, so it stops counting against the user's
   * unfinished uploads. Best effort: while disconnected it expires on the server instead. A finished
   * one stays: a queued message may carry it.
   */
  private dropOnServer(entry: Upload): void {
    const upload = entry.serverUpload;
    if (upload === undefined || entry.complete !== undefined) return;
    this.host
      .connection()
      ?.request('upload_cancel', { upload })
      .catch(() => undefined);
  }

  private fail(entry: Entry, reason: FileFailReason): Promise<void> {
    return this.finish(entry, { state: 'failed', reason });
  }

  private unknown(id: string): CoreError {
    const ended = this.ended.get(id);
    if (!ended) return new CoreError('unknown_transfer', 'no such file transfer');
    const why = ended.state === 'failed' ? `failed (${ended.reason ?? 'refused'})` : ended.state;
    return new CoreError('transfer_ended', `the transfer of ${ended.name} has ${why}`);
  }

  /** Ends a transfer (once): out of the active maps, its temp file removed unless kept, the change reported. */
  private async finish(
    entry: Entry,
    end: Partial<FileTransfer> & Pick<FileTransfer, 'state'>,
  ): Promise<void> {
    if (!this.isActive(entry)) return;
    const { transfer } = entry;
    (transfer.direction === 'send' ? this.uploads : this.downloads).delete(transfer.id);
    Object.assign(transfer, end);
    remember(this.ended, transfer, ENDED_KEPT);
    this.report(entry, true);
    const spool = (entry as Upload).spool;
    if (spool) await spool.close().catch(() => undefined);
    if (!this.done.has(transfer.id)) await rm(entry.path, { force: true }).catch(() => undefined);
  }

  private report(entry: Entry, always: boolean): void {
    if (progressDue(entry, always)) this.emit({ ...entry.transfer });
  }

  private folderNow(): string {
    this.runFolder ??= makeRunFolder(this.dataDir, 'messenger-chat-files-');
    return this.runFolder;
  }

  /** Ends every transfer and removes every file (logout, quit). */
  async clear(): Promise<void> {
    for (const timer of this.retryTimers) clearTimeout(timer);
    this.retryTimers.clear();
    const active = [...this.uploads.values(), ...this.downloads.values()];
    await Promise.all(active.map((entry) => this.fail(entry, 'interrupted')));
    this.done.clear();
    this.ended.clear();
    this.byMessage.clear();
    const folder = this.runFolder;
    this.runFolder = undefined;
    if (folder) await rm(folder, { recursive: true, force: true }).catch(() => undefined);
  }
}
