/**
 * The blob storage port: where the bytes of files live, addressed by their SHA-256, and the partial
 * files of uploads in progress. Metadata (who uploaded what, which message carries which file) is
 * in the Store (server/store/store.ts, FileMetaStore). Adapters: the disk (./disk-file-store.ts),
 * whose folder the nodes of a cluster share, and an S3-compatible bucket (./s3-file-store.ts);
 * docs/scaling.md, "Files".
 *
 * Contract: no method holds a whole file in memory. A part's length is what arrived of it, on any
 * node. A write that fails for lack of space rejects with StorageFullError and leaves the part as
 * it was before the write. A backing service that cannot be reached (a bucket) rejects with
 * StoreUnavailableError (server/store/store.ts): the client is told to retry.
 */

/** The disk (or bucket) is full: nothing of the write was kept. */
export class StorageFullError extends Error {
  override name = 'StorageFullError';
}

export interface FileStore {
  /** Bytes of upload `upload` received so far (0 when none). */
  partLength(upload: string): Promise<number>;
  /** Appends `data` to the part, which must be `offset` bytes long now. */
  appendPart(upload: string, offset: number, data: Buffer): Promise<void>;
  /**
   * Checks the part's SHA-256 (reading it back in pieces) and, when it matches, makes it the blob
   * of that hash (replacing an identical one: de-duplication). A mismatching part is removed.
   */
  commitPart(upload: string, sha256: string): Promise<boolean>;
  removePart(upload: string): Promise<void>;
  /** Cuts the part back to `length` bytes (a chunk taken back); none is left alone. */
  truncatePart(upload: string, length: number): Promise<void>;
  /** Up to `length` bytes of the blob from `offset`; fewer at its end, none when it is missing. */
  readBlob(sha256: string, offset: number, length: number): Promise<Buffer>;
  /**
   * Removes the blob unless `inUse` says (after it was taken away) that something refers to it
   * again: a file finishing its upload at that moment is never lost (see the adapter).
   */
  removeBlob(sha256: string, inUse: () => Promise<boolean>): Promise<boolean>;
  hasBlob(sha256: string): Promise<boolean>;
  /**
   * The hashes of the blobs last written before `before` (epoch ms), a page at a time: the
   * janitor asks the store about each (an orphan is one nothing refers to).
   */
  blobsBefore(before: number): AsyncIterable<string[]>;
  /** Removes the parts last written before `before` (their uploads expired); resolves with how many. */
  removePartsBefore(before: number): Promise<number>;
  /**
   * Blobs that a removal took away and never finished with (the process died between its steps),
   * taken away before `before`: put back when `inUse` says something refers to them (and none is
   * in place), else deleted. Resolves with how many were put back.
   */
  recoverRemovals(before: number, inUse: (sha256: string) => Promise<boolean>): Promise<number>;
}

/** A blob's name: 64 lowercase hex digits (anything else in a blob folder is not ours). */
export const isBlobName = (name: string): boolean => /^[0-9a-f]{64}$/.test(name);
