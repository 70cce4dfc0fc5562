/**
 * The disk adapter of the FileStore port (./file-store.ts). Layout under its root:
 *   parts/<upload id>         an upload's bytes so far (appended chunk by chunk)
 *   blobs/ab/cd/<sha256>      a finished file, named by its hash
 *   trash/<sha256>.<random>   a blob being removed (see removeBlob)
 * parts/ and blobs/ are on the same filesystem, so making a part a blob is one atomic rename.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { StorageFullError, type FileStore } from './file-store.js';

const isCode = (error: unknown, code: string) => (error as { code?: unknown } | null)?.code === code;

/** Storage errors a client can do something about (wait) become StorageFullError. */
function translate(error: unknown): unknown {
  return isCode(error, 'ENOSPC') || isCode(error, 'EDQUOT')
    ? new StorageFullError('the server has no space left for files')
    : error;
}

const rethrow = (error: unknown): never => {
  throw translate(error);
};

/** Folders are made when first written to: a server that never gets a file leaves none behind. */
export class DiskFileStore implements FileStore {
  constructor(readonly root: string) {}

  private part(upload: string): string {
    return join(this.root, 'parts', upload);
  }

  private blob(sha256: string): string {
    return join(this.root, 'blobs', sha256.slice(0, 2), sha256.slice(2, 4), sha256);
  }

  async partLength(upload: string): Promise<number> {
    try {
      return (await stat(this.part(upload))).size;
    } catch (error) {
      if (isCode(error, 'ENOENT')) return 0;
      throw error;
    }
  }

  async appendPart(upload: string, offset: number, data: Buffer): Promise<void> {
    if (offset === 0) await mkdir(join(this.root, 'parts'), { recursive: true }).catch(rethrow);
    const handle = await open(this.part(upload), offset === 0 ? 'w' : 'r+').catch(rethrow);
    try {
      const { bytesWritten } = await handle.write(data, 0, data.length, offset);
      if (bytesWritten !== data.length) throw Object.assign(new Error('short write'), { code: 'ENOSPC' });
    } catch (error) {
      // Part of the chunk may be on disk: cut it back, so the part's length stays the truth.
      await handle.truncate(offset).catch(() => {});
      throw translate(error);
    } finally {
      await handle.close();
    }
  }

  async commitPart(upload: string, sha256: string): Promise<boolean> {
    const path = this.part(upload);
    const hash = createHash('sha256');
    await pipeline(createReadStream(path), hash);
    if (hash.digest('hex') !== sha256) {
      await this.removePart(upload);
      return false;
    }
    const target = this.blob(sha256);
    await mkdir(join(target, '..'), { recursive: true }).catch(rethrow);
    // Replaces an identical blob if there is one: the content is the same, so nothing changes.
    await rename(path, target);
    return true;
  }

  async removePart(upload: string): Promise<void> {
    await rm(this.part(upload), { force: true });
  }

  async readBlob(sha256: string, offset: number, length: number): Promise<Buffer> {
    let handle;
    try {
      handle = await open(this.blob(sha256), 'r');
    } catch (error) {
      if (isCode(error, 'ENOENT')) return Buffer.alloc(0);
      throw error;
    }
    try {
      const buffer = Buffer.alloc(length);
      const { bytesRead } = await handle.read(buffer, 0, length, offset);
      return buffer.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  }

  /**
   * Moves the blob aside first, then asks again whether it is in use: an upload of the same
   * content that finished in between (its row written before its rename, see server/files.ts)
   * either found the blob gone and renamed its own part into place, or is seen here and the blob
   * is put back. Only then is it deleted.
   */
  async removeBlob(sha256: string, inUse: () => Promise<boolean>): Promise<boolean> {
    const aside = join(this.root, 'trash', `${sha256}.${randomBytes(6).toString('hex')}`);
    if (!(await this.hasBlob(sha256))) return false;
    await mkdir(join(this.root, 'trash'), { recursive: true });
    try {
      await rename(this.blob(sha256), aside);
    } catch (error) {
      if (isCode(error, 'ENOENT')) return false;
      throw error;
    }
    if (await inUse()) {
      await rename(aside, this.blob(sha256));
      return false;
    }
    await rm(aside, { force: true });
    return true;
  }

  async hasBlob(sha256: string): Promise<boolean> {
    try {
      await stat(this.blob(sha256));
      return true;
    } catch (error) {
      if (isCode(error, 'ENOENT')) return false;
      throw error;
    }
  }
}
