/**
 * The S3 adapter of the FileStore port (./file-store.ts): finished files in an S3-compatible
 * bucket, the parts of uploads in progress on the node's disk (docs/scaling.md, "Files"). Keys:
 *   PREFIX sha256/ab/cd/<sha256>    a finished file, named by its hash
 *   PREFIX trash/<sha256>.<random>  a blob being removed (see removeBlob)
 *
 * Why the parts stay on disk: a chunk is at most 45 KiB, and S3's multipart parts must be at least
 * 5 MiB (all but the last), so chunks cannot be parts; an object per chunk would cost a request per
 * chunk and a listing per partLength. The finished part is read back for its hash, then streamed to
 * the bucket in one PutObject with its length (nothing buffered beyond the stream's own 64 KiB),
 * carrying its SHA-256 so that the bucket refuses bytes that changed on the way. One PutObject
 * takes at most 5 GiB: --max-file-bytes is held to that (server/config.ts).
 */
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type _Object,
} from '@aws-sdk/client-s3';
import { DiskFileStore, hashFile } from './disk-file-store.js';
import { StoreUnavailableError } from '../store/store.js';
import { isBlobName, StorageFullError, type FileStore } from './file-store.js';

/** The bucket's settings (--s3-* flags, server/config.ts); credentials come from the AWS environment. */
export interface S3Settings {
  bucket: string;
  region: string;
  /** An S3-compatible service's URL (MinIO, Ceph, …); AWS itself when absent. */
  endpoint?: string;
  /** Prepended to every key, so that several services may share one bucket. */
  prefix?: string;
  /** Bucket in the path (http://host/bucket/key), as most S3-compatible services want. */
  forcePathStyle?: boolean;
}

const status = (error: unknown) =>
  (error as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;
const named = (error: unknown, ...names: string[]) => names.includes((error as Error | null)?.name ?? '');
const isMissing = (error: unknown) => status(error) === 404 || named(error, 'NotFound', 'NoSuchKey');

/**
 * A bucket out of space (S3-compatible services say so; AWS's never fills) is StorageFullError; one
 * that does not answer (no HTTP reply, or a 5xx) is StoreUnavailableError: the client retries.
 */
function translate(error: unknown): unknown {
  const code = status(error);
  if (code === 507 || named(error, 'InsufficientStorage', 'XMinioStorageFull')) {
    return new StorageFullError('the bucket has no space left for files');
  }
  if (code === undefined || code >= 500) {
    const message = `the file bucket cannot be reached: ${(error as Error | null)?.message ?? String(error)}`;
    return new StoreUnavailableError(message, { cause: error });
  }
  return error;
}

const rethrow = (error: unknown): never => {
  throw translate(error);
};

export function s3Client(settings: S3Settings): S3Client {
  return new S3Client({
    region: settings.region,
    endpoint: settings.endpoint,
    forcePathStyle: settings.forcePathStyle,
    // Checksums only where S3 requires them: many S3-compatible services do not understand the
    // aws-chunked bodies the SDK would otherwise send. Our own SHA-256 goes with every PutObject.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 3,
    requestHandler: { connectionTimeout: 5000, requestTimeout: 60_000 },
  });
}

/** Checks that the bucket answers; rejects with what is wrong, in words an operator can act on. */
export async function checkBucket(client: S3Client, settings: S3Settings): Promise<void> {
  const where = `S3 bucket ${JSON.stringify(settings.bucket)} at ${settings.endpoint ?? `AWS ${settings.region}`}`;
  try {
    await client.send(new HeadBucketCommand({ Bucket: settings.bucket }));
  } catch (error) {
    throw new Error(`${where}: ${bucketProblem(error)}`, { cause: error });
  }
}

function bucketProblem(error: unknown): string {
  const code = status(error);
  if (code === 404) return 'no such bucket (create it first)';
  if (code === 403) {
    return 'access denied: check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE) and the bucket policy';
  }
  if (code === 301) return 'the bucket is in another region: give that one with --s3-region';
  if (named(error, 'CredentialsProviderError')) {
    return 'no credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE)';
  }
  const cause = error as { code?: string; message?: string };
  return `cannot be reached (${cause.code ?? cause.message ?? String(error)})`;
}

export class S3FileStore implements FileStore {
  private readonly parts: DiskFileStore;
  private readonly bucket: string;
  private readonly prefix: string;

  /** `partsDir` holds the parts of uploads in progress (parts/<upload id>), as the disk adapter's. */
  constructor(
    private readonly client: S3Client,
    settings: S3Settings,
    partsDir: string,
  ) {
    this.parts = new DiskFileStore(partsDir);
    this.bucket = settings.bucket;
    this.prefix = settings.prefix ?? '';
  }

  private blobKey(sha256: string): string {
    return `${this.prefix}sha256/${sha256.slice(0, 2)}/${sha256.slice(2, 4)}/${sha256}`;
  }

  partLength(upload: string): Promise<number> {
    return this.parts.partLength(upload);
  }

  appendPart(upload: string, offset: number, data: Buffer): Promise<void> {
    return this.parts.appendPart(upload, offset, data);
  }

  removePart(upload: string): Promise<void> {
    return this.parts.removePart(upload);
  }

  truncatePart(upload: string, length: number): Promise<void> {
    return this.parts.truncatePart(upload, length);
  }

  removePartsBefore(before: number): Promise<number> {
    return this.parts.removePartsBefore(before);
  }

  /**
   * A blob already in the bucket is not sent again: its key is its hash. (Its upload's row, written
   * at upload_start, keeps a removal running meanwhile from deleting it: removeBlob.)
   */
  async commitPart(upload: string, sha256: string): Promise<boolean> {
    const path = this.parts.part(upload);
    if ((await hashFile(path)) !== sha256) {
      await this.removePart(upload);
      return false;
    }
    if (!(await this.hasBlob(sha256))) await this.put(path, sha256);
    await this.removePart(upload);
    return true;
  }

  private async put(path: string, sha256: string): Promise<void> {
    const { size } = await stat(path);
    const body = createReadStream(path);
    try {
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: this.blobKey(sha256),
          Body: body,
          ContentLength: size,
          ContentType: 'application/octet-stream',
          ChecksumSHA256: Buffer.from(sha256, 'hex').toString('base64'),
        }),
      );
    } catch (error) {
      rethrow(error);
    } finally {
      body.destroy();
    }
  }

  /** A ranged GetObject: at most `length` bytes, read whole (a chunk, never the file). */
  async readBlob(sha256: string, offset: number, length: number): Promise<Buffer> {
    if (length <= 0) return Buffer.alloc(0);
    try {
      const { Body } = await this.client.send(
        new GetObjectCommand({
          Bucket: this.bucket,
          Key: this.blobKey(sha256),
          Range: `bytes=${offset}-${offset + length - 1}`,
        }),
      );
      return Body === undefined ? Buffer.alloc(0) : Buffer.from(await Body.transformToByteArray());
    } catch (error) {
      // Past the end (InvalidRange, 416) reads nothing, as on disk.
      if (isMissing(error) || status(error) === 416) return Buffer.alloc(0);
      return rethrow(error);
    }
  }

  async hasBlob(sha256: string): Promise<boolean> {
    return this.exists(this.blobKey(sha256));
  }

  private async exists(key: string): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return true;
    } catch (error) {
      if (isMissing(error)) return false;
      return rethrow(error);
    }
  }

  /**
   * S3 has no rename, so "aside" is a server-side copy to trash/ and the blob's deletion; then the
   * store is asked again, as on disk. An upload of the same content finishing meanwhile has its
   * row written since its upload_start, so it is seen and the copy is put back (or it found the
   * blob gone and put its own). Only then is the copy deleted.
   */
  async removeBlob(sha256: string, inUse: () => Promise<boolean>): Promise<boolean> {
    const key = this.blobKey(sha256);
    const aside = `${this.prefix}trash/${sha256}.${randomBytes(6).toString('hex')}`;
    if (!(await this.copy(key, aside))) return false;
    await this.delete(key);
    if (await inUse()) {
      await this.putBack(aside, sha256);
      return false;
    }
    await this.delete(aside);
    return true;
  }

  /** False when there is nothing to copy. */
  private async copy(from: string, to: string): Promise<boolean> {
    try {
      await this.client.send(
        new CopyObjectCommand({
          Bucket: this.bucket,
          Key: to,
          CopySource: encodeURI(`${this.bucket}/${from}`),
        }),
      );
      return true;
    } catch (error) {
      if (isMissing(error)) return false;
      return rethrow(error);
    }
  }

  private async delete(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key })).catch(rethrow);
  }

  private async putBack(aside: string, sha256: string): Promise<boolean> {
    const restored = await this.copy(aside, this.blobKey(sha256));
    await this.delete(aside);
    return restored;
  }

  async *blobsBefore(before: number): AsyncIterable<string[]> {
    for await (const objects of this.list(`${this.prefix}sha256/`, before)) {
      const names = objects.map(({ Key = '' }) => Key.slice(Key.lastIndexOf('/') + 1));
      const page = names.filter(isBlobName);
      if (page.length > 0) yield page;
    }
  }

  async recoverRemovals(before: number, inUse: (sha256: string) => Promise<boolean>): Promise<number> {
    let restored = 0;
    const trash = `${this.prefix}trash/`;
    for await (const objects of this.list(trash, before)) {
      for (const { Key = '' } of objects) {
        const sha256 = Key.slice(trash.length, trash.length + 64);
        if (!isBlobName(sha256)) continue;
        if ((await inUse(sha256)) && !(await this.hasBlob(sha256))) {
          if (await this.putBack(Key, sha256)) restored++;
        } else {
          await this.delete(Key);
        }
      }
    }
    return restored;
  }

  /** The objects under `prefix` last written before `before`, a listing page (≤ 1,000) at a time. */
  private async *list(prefix: string, before: number): AsyncIterable<_Object[]> {
    let token: string | undefined;
    do {
      const page = await this.client
        .send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }))
        .catch(rethrow);
      yield (page.Contents ?? []).filter(({ LastModified }) => (LastModified?.getTime() ?? before) < before);
      token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
  }
}
