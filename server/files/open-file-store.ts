/**
 * Picks the FileStore adapter from the options: the disk (default) or an S3 bucket (--s3-bucket),
 * whose reachability is checked before anything else opens, so a wrong bucket stops the start
 * with a message saying what is wrong (docs/server.md).
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { defaultDataDir, defaultDbPath, type ServerOptions } from '../config.js';
import { DiskFileStore } from './disk-file-store.js';
import type { FileStore } from './file-store.js';
import { checkBucket, S3FileStore, s3Client, type S3Settings } from './s3-file-store.js';

export interface OpenFileStore {
  blobs: FileStore;
  /** Releases what the adapter holds (the S3 client's sockets, a throwaway folder). */
  close(): void;
}

/**
 * Where files (or, with S3, the parts of uploads in progress) live: --files-dir; else `files`
 * beside the SQLite file, or in the data folder with PostgreSQL. An in-memory database gets a
 * folder of its own in the temp folder, removed at close (its messages go with the process).
 */
export function resolveFilesDir(options: ServerOptions): { dir: string; throwaway: boolean } {
  if (options.filesDir !== undefined) return { dir: options.filesDir, throwaway: false };
  if (options.storeUrl !== undefined) return { dir: join(defaultDataDir(), 'files'), throwaway: false };
  const db = options.dbPath ?? defaultDbPath();
  if (db !== ':memory:') return { dir: join(dirname(db), 'files'), throwaway: false };
  const dir = join(tmpdir(), `messenger-files-${randomBytes(6).toString('hex')}`);
  return { dir, throwaway: true };
}

/** The bucket's settings from the options and the AWS environment; undefined without --s3-bucket. */
export function s3Settings(options: ServerOptions, env = process.env): S3Settings | undefined {
  if (options.s3Bucket === undefined) return undefined;
  return {
    bucket: options.s3Bucket,
    region: options.s3Region ?? (env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-east-1'),
    endpoint: options.s3Endpoint,
    prefix: options.s3Prefix,
    forcePathStyle: options.s3ForcePathStyle,
  };
}

/** The disk adapter on the options' files folder. */
export function openDiskFileStore(options: ServerOptions): OpenFileStore {
  const { dir, throwaway } = resolveFilesDir(options);
  const close = () => {
    if (throwaway) rmSync(dir, { recursive: true, force: true });
  };
  return { blobs: new DiskFileStore(dir), close };
}

export async function openFileStore(options: ServerOptions): Promise<OpenFileStore> {
  const settings = s3Settings(options);
  if (settings === undefined) return openDiskFileStore(options);
  const { dir, throwaway } = resolveFilesDir(options);
  const client = s3Client(settings);
  try {
    await checkBucket(client, settings);
  } catch (error) {
    client.destroy();
    throw error;
  }
  return {
    blobs: new S3FileStore(client, settings, dir),
    close: () => {
      client.destroy();
      if (throwaway) rmSync(dir, { recursive: true, force: true });
    },
  };
}
