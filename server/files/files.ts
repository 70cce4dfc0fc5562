/**
 * Files and images (docs/protocol.md, "Files"): uploads in chunks with resume, the hash check,
 * attaching a finished upload to messages, downloads by message for those who may see it, freeing
 * blobs no message refers to any more, and the janitor that removes expired uploads and whatever a
 * crash left behind (orphaned blobs and parts).
 *
 * Nothing here holds a whole file: a chunk is at most FILE_CHUNK_MAX_BYTES, the hash is computed by
 * reading the part back in pieces (FileStore.commitPart), and downloads are ranges the client
 * asks for one by one. How much of an upload arrived is its part's length, so resuming works on any
 * node that shares the files folder (where the parts are, in both adapters).
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { fileNameProblem } from '../../src/shared/files.js';
import { UPLOADS_IN_PROGRESS_MAX } from '../../src/shared/limits.js';
import type { DirectMessage, FileInfo, RequestParams, RequestResult } from '../../src/shared/protocol.js';
import type { Blocks } from '../blocks.js';
import { RequestError } from '../errors.js';
import type { Store, UploadRow } from '../store/store.js';
import { StorageFullError, type FileStore } from './file-store.js';

export interface FileLimits {
  maxFileBytes: number;
  uploadExpirySeconds: number;
}

/** Expired uploads the janitor takes per query; it goes on until none is left. */
const JANITOR_BATCH = 100;
/** The janitor runs this often, or twice per expiry when that is shorter (tests). */
const JANITOR_INTERVAL_MS = 10 * 60 * 1000;
/**
 * Orphans (blobs nothing refers to, blobs a removal left aside) are looked for at most this often,
 * and only those untouched for as long are taken; an upload expiry shorter than this (tests)
 * shortens both. Finding them lists every blob and asks the store about each one older than this.
 */
const ORPHAN_GRACE_MS = 60 * 60 * 1000;

const unknownUpload = () =>
  new RequestError('unknown_upload', 'no such upload of yours (it may have expired or failed)');
const unknownFile = (id: number) => new RequestError('unknown_file', `no file on a message ${id} of yours`);

export class Files {
  private janitor: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> | undefined;
  private lastOrphanSweep = Number.NEGATIVE_INFINITY;
  private readonly closeTasks: (() => void)[] = [];

  constructor(
    private readonly store: Pick<Store, 'files' | 'messages' | 'groups'>,
    private readonly blobs: FileStore,
    private readonly blocks: Blocks,
    readonly limits: FileLimits,
    private readonly logger: Logger,
  ) {}

  /** A new upload, or the owner's unfinished one of the same content and where it stands. */
  async start(
    owner: string,
    { name, size, sha256, mime }: RequestParams<'upload_start'>,
    now = Date.now(),
  ): Promise<RequestResult<'upload_start'>> {
    const problem = fileNameProblem(name);
    if (problem !== null) throw new RequestError('invalid_file_name', problem);
    if (size > this.limits.maxFileBytes) {
      throw new RequestError('file_too_large', `a file may be at most ${this.limits.maxFileBytes} bytes`);
    }
    const id = randomBytes(16).toString('base64url');
    const started = await this.store.files.startUpload(
      { id, owner, name, size, sha256, mime, started: now },
      UPLOADS_IN_PROGRESS_MAX,
    );
    if ('refused' in started) {
      throw new RequestError(
        'too_many_uploads',
        `you have ${UPLOADS_IN_PROGRESS_MAX} unfinished uploads; finish one or let it expire`,
      );
    }
    const offset = started.resumed ? await this.blobs.partLength(started.upload.id) : 0;
    return { upload: started.upload.id, offset: Math.min(offset, size) };
  }

  /** Appends a chunk; the one that completes the file is answered after the hash check. */
  async chunk(
    owner: string,
    { upload, offset, data }: RequestParams<'upload_chunk'>,
    now = Date.now(),
  ): Promise<RequestResult<'upload_chunk'>> {
    const row = await this.liveUpload(upload, owner, now);
    // A retry of the last chunk whose reply was lost: the upload is done.
    if (row.finished !== undefined) return { received: row.size, complete: true };
    const bytes = Buffer.from(data, 'base64');
    const current = await this.blobs.partLength(upload);
    if (offset !== current) {
      throw new RequestError('wrong_offset', `upload ${upload} is at byte ${current}, not ${offset}`);
    }
    if (bytes.length === 0 || current + bytes.length > row.size) {
      throw new RequestError(
        'invalid_request',
        `data: the file has ${row.size} bytes; this goes past its end`,
      );
    }
    await this.guardSpace(row, () => this.blobs.appendPart(upload, offset, bytes));
    const received = current + bytes.length;
    if (received < row.size) return { received, complete: false };
    return this.complete(row, offset, now);
  }

  /**
   * Drops an upload of `owner`'s (the app's Cancel), so it stops counting against
   * UPLOADS_IN_PROGRESS_MAX at once instead of at its expiry. A message that carries its file keeps it.
   */
  async cancel(owner: string, upload: string): Promise<void> {
    const row = await this.store.files.upload(upload, owner);
    if (row === undefined) throw unknownUpload();
    await this.discard(row);
  }

  /** The upload, unless it is not `owner`'s or past its expiry (the janitor may not have run yet). */
  private async liveUpload(id: string, owner: string, now: number): Promise<UploadRow> {
    const row = await this.store.files.upload(id, owner);
    if (row === undefined || row.started + this.limits.uploadExpirySeconds * 1000 <= now)
      throw unknownUpload();
    return row;
  }

  /**
   * A full disk ends the upload: its part and row go, so a failed upload holds no space, and the
   * client starts again later. (Resuming would need the space the part already takes.)
   */
  private async guardSpace(row: UploadRow, write: () => Promise<unknown>): Promise<void> {
    try {
      await write();
    } catch (error) {
      if (!(error instanceof StorageFullError)) throw error;
      await this.discard(row);
      throw new RequestError('storage_full', 'the server has no space left for files; try again later');
    }
  }

  private async complete(
    row: UploadRow,
    lastChunkAt: number,
    now: number,
  ): Promise<RequestResult<'upload_chunk'>> {
    let matches = false;
    await this.guardSpace(row, async () => (matches = await this.commit(row, lastChunkAt)));
    if (!matches) {
      await this.discard(row);
      throw new RequestError('hash_mismatch', 'the bytes received do not have the SHA-256 announced');
    }
    await this.store.files.finishUpload(row.id, now);
    return { received: row.size, complete: true };
  }

  /**
   * Checks the part and stores it as the blob. When that fails for another reason than space (a
   * bucket that cannot be reached), the last chunk is taken back: the client sends it again, at
   * once or after upload_start (which answers with where the part stands), and that retries.
   */
  private async commit(row: UploadRow, lastChunkAt: number): Promise<boolean> {
    try {
      return await this.blobs.commitPart(row.id, row.sha256);
    } catch (error) {
      if (!(error instanceof StorageFullError)) await this.blobs.truncatePart(row.id, lastChunkAt);
      throw error;
    }
  }

  /** Removes an upload with its part (and its blob, when finished and nothing else refers to it). */
  private async discard(row: UploadRow): Promise<void> {
    await this.blobs.removePart(row.id);
    await this.store.files.removeUpload(row.id);
    if (row.finished !== undefined) await this.release(row.sha256);
  }

  /**
   * The file of a finished upload of `owner`'s, to be stored with a message (then call attached).
   * Its blob may be gone: attached before to a message that was deleted since.
   */
  async attachable(owner: string, upload: string, now = Date.now()): Promise<FileInfo> {
    const row = await this.liveUpload(upload, owner, now);
    if (row.finished === undefined) {
      throw new RequestError('unknown_upload', `upload ${upload} is not finished yet`);
    }
    // The upload keeps the blob again before it is looked for: a removal of it running now (its last
    // message was just deleted) asks the store after taking the blob away, sees this and puts it
    // back. Otherwise the blob could be found here, then deleted before the message is stored.
    await this.store.files.markAttached(upload, false);
    if (!(await this.blobs.hasBlob(row.sha256))) {
      throw new RequestError('unknown_upload', `the file of upload ${upload} was removed; upload it again`);
    }
    return { name: row.name, size: row.size, mime: row.mime, sha256: row.sha256 };
  }

  /** A message carries the upload's file now: the message keeps the blob from here on. */
  attached(upload: string): Promise<void> {
    return this.store.files.markAttached(upload);
  }

  /** A range of the file of message `messageId`, for a user who may see that message. */
  async read(user: string, { messageId, offset, length }: RequestParams<'download_chunk'>) {
    const message = await this.store.messages.messageById(messageId);
    const file = message?.file;
    if (message === undefined || file === undefined || !(await this.mayRead(user, message))) {
      throw unknownFile(messageId);
    }
    if (offset > file.size) {
      throw new RequestError('invalid_request', `offset: the file has ${file.size} bytes`);
    }
    const data = await this.blobs.readBlob(file.sha256, offset, Math.min(length, file.size - offset));
    return { data: data.toString('base64') } satisfies RequestResult<'download_chunk'>;
  }

  /**
   * The message rules (server/messages.ts, server/groups.ts): its sender; the recipient of a direct
   * message; a member the group message was delivered to (not one who had blocked the sender). And
   * never someone who blocks the sender now: a blocked person's files do not reach you.
   */
  private async mayRead(user: string, message: DirectMessage): Promise<boolean> {
    if (message.from === user) return true;
    const addressed =
      message.to === undefined
        ? (await this.store.groups.recipientsOf(message.id)).includes(user)
        : message.to === user;
    return addressed && !(await this.blocks.has(user, message.from));
  }

  /** Removes the blob once nothing refers to it (a message was deleted, an upload expired). */
  async release(sha256: string): Promise<boolean> {
    const inUse = () => this.store.files.blobInUse(sha256);
    if (await inUse()) return false;
    const removed = await this.blobs.removeBlob(sha256, inUse);
    if (removed) this.logger.debug({ sha256 }, 'file removed');
    return removed;
  }

  /** Starts the janitor: expired uploads now, then every interval. */
  startJanitor(): void {
    const every = Math.min(JANITOR_INTERVAL_MS, (this.limits.uploadExpirySeconds * 1000) / 2);
    this.janitor = setInterval(() => void this.sweep(), every);
    this.janitor.unref();
    void this.sweep();
  }

  /** Removes every upload past its expiry, with its part and, if unused, its blob; then orphans. */
  sweep(now = Date.now()): Promise<void> {
    this.sweeping ??= this.sweepExpired(now)
      .then(() => this.sweepOrphans(now))
      .catch((error: unknown) => this.logger.warn({ err: error }, 'file janitor failed; next run retries'))
      .finally(() => (this.sweeping = undefined));
    return this.sweeping;
  }

  private async sweepExpired(now: number): Promise<void> {
    const before = now - this.limits.uploadExpirySeconds * 1000;
    for (;;) {
      const expired = await this.store.files.expiredUploads(before, JANITOR_BATCH);
      for (const row of expired) await this.discard(row);
      if (expired.length < JANITOR_BATCH) return;
    }
  }

  private orphanGraceMs(): number {
    return Math.min(ORPHAN_GRACE_MS, this.limits.uploadExpirySeconds * 1000);
  }

  /**
   * What a crash left (docs/protocol.md, "Files"): blobs a removal took aside (put back if in use),
   * parts older than the upload expiry (their uploads are over, row or not), and blobs no upload or
   * message refers to (a crash between a part's commit and its row, or after a delete before its
   * blob was freed). Each blob is freed as a deleted message's is, so the same race guarantee holds.
   */
  private async sweepOrphans(now: number): Promise<void> {
    const grace = this.orphanGraceMs();
    if (now - this.lastOrphanSweep < grace) return;
    this.lastOrphanSweep = now;
    const restored = await this.blobs.recoverRemovals(now - grace, (sha256) =>
      this.store.files.blobInUse(sha256),
    );
    const parts = await this.blobs.removePartsBefore(now - this.limits.uploadExpirySeconds * 1000);
    let blobs = 0;
    for await (const page of this.blobs.blobsBefore(now - grace)) {
      for (const sha256 of page) if (await this.release(sha256)) blobs++;
    }
    if (restored + parts + blobs > 0)
      this.logger.info({ restored, parts, blobs }, 'file janitor: orphans cleaned');
  }

  /** Runs `task` at close (after the janitor stopped). */
  onClose(task: () => void): void {
    this.closeTasks.push(task);
  }

  /** Stops the janitor and waits for a run in progress. */
  async close(): Promise<void> {
    if (this.janitor) clearInterval(this.janitor);
    await this.sweeping;
    for (const task of this.closeTasks) task();
  }
}
