/**
 * The disk adapter of the FileStore port (./file-store.ts). Layout under its root:
 *   parts/<upload id>         an upload's bytes so far (appended chunk by chunk)
 *   blobs/ab/cd/<sha256>      a finished file, named by its hash
 *   trash/<sha256>.<random>   a blob being removed (see removeBlob)
 * parts/ and blobs/ are on the same filesystem, so making a part a blob is one atomic rename.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { isBlobName, StorageFullError, type FileStore } from './file-store.js';

/** Names the janitor's listing hands over at a time (FileStore.blobsBefore). */
export const BLOB_PAGE = 1000;

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

/** The SHA-256 (hex) of a file, read in pieces. */
export async function hashFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

/** A folder's entries; none when it does not exist (yet, or any more). */
async function entries(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (error) {
    if (isCode(error, 'ENOENT') || isCode(error, 'ENOTDIR')) return [];
    throw error;
  }
}

/** When a file was last written (`mtime`) or moved (`ctime`); undefined when it is gone. */
async function timeOf(path: string, which: 'mtimeMs' | 'ctimeMs'): Promise<number | undefined> {
  try {
    return (await stat(path))[which];
  } catch (error) {
    if (isCode(error, 'ENOENT')) return undefined;
    throw error;
  }
}

/** Whether the file at `path` was last written (or moved) before `before`. */
async function olderThan(path: string, before: number, which: 'mtimeMs' | 'ctimeMs' = 'mtimeMs') {
  const time = await timeOf(path, which);
  return time !== undefined && time < before;
}

/** Folders are made when first written to: a server that never gets a file leaves none behind. */
export class DiskFileStore implements FileStore {
  constructor(readonly root: string) {}

  /** Where the part of `upload` is (the S3 adapter keeps its parts here too). */
  part(upload: string): string {
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
    if ((await hashFile(path)) !== sha256) {
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

  async truncatePart(upload: string, length: number): Promise<void> {
    let handle;
    try {
      handle = await open(this.part(upload), 'r+');
    } catch (error) {
      if (isCode(error, 'ENOENT')) return;
      throw error;
    }
    try {
      await handle.truncate(length);
    } finally {
      await handle.close();
    }
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
      await this.putBack(aside, sha256);
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

  async *blobsBefore(before: number): AsyncIterable<string[]> {
    const page: string[] = [];
    for await (const path of this.blobPaths()) {
      if (!(await olderThan(path, before))) continue;
      page.push(path.slice(-64));
      if (page.length === BLOB_PAGE) yield page.splice(0);
    }
    if (page.length > 0) yield page;
  }

  /** Every blob's path: blobs/ab/cd/<sha256>, one folder read at a time. */
  private async *blobPaths(): AsyncIterable<string> {
    const blobs = join(this.root, 'blobs');
    for (const ab of await entries(blobs)) {
      for (const cd of await entries(join(blobs, ab))) {
        const names = await entries(join(blobs, ab, cd));
        yield* names.filter(isBlobName).map((name) => join(blobs, ab, cd, name));
      }
    }
  }

  async removePartsBefore(before: number): Promise<number> {
    let removed = 0;
    for (const upload of await entries(join(this.root, 'parts'))) {
      if (!(await olderThan(this.part(upload), before))) continue;
      await this.removePart(upload);
      removed++;
    }
    return removed;
  }

  /** A rename keeps a file's mtime, so how long a blob has been aside is its ctime. */
  async recoverRemovals(before: number, inUse: (sha256: string) => Promise<boolean>): Promise<number> {
    let restored = 0;
    const trash = join(this.root, 'trash');
    for (const name of await entries(trash)) {
      const sha256 = name.slice(0, 64);
      const aside = join(trash, name);
      if (!isBlobName(sha256) || !(await olderThan(aside, before, 'ctimeMs'))) continue;
      if ((await inUse(sha256)) && !(await this.hasBlob(sha256)) && (await this.putBack(aside, sha256))) {
        restored++;
      } else {
        await rm(aside, { force: true });
      }
    }
    return restored;
  }

  /** Moves a blob taken aside back into place; false when another node got there first. */
  private async putBack(aside: string, sha256: string): Promise<boolean> {
    const target = this.blob(sha256);
    await mkdir(join(target, '..'), { recursive: true });
    try {
      await rename(aside, target);
      return true;
    } catch (error) {
      if (isCode(error, 'ENOENT')) return false;
      throw error;
    }
  }
}
