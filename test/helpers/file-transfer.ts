/**
 * Moving files the way docs/protocol.md ("Files") tells a client to: chunks of at most
 * FILE_CHUNK_MAX_BYTES with at most a window of them unanswered. Used by the server's file tests.
 */
import { createHash } from 'node:crypto';
import { FILE_CHUNK_MAX_BYTES, FILE_WINDOW_CHUNKS } from '../../src/shared/limits.js';
import type { RequestResult } from '../../src/shared/protocol.js';
import type { RawClient } from './raw-client.js';

export const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

/** Deterministic bytes that differ by seed (no two test files share a hash by accident). */
export function testBytes(size: number, seed = 1): Buffer {
  const bytes = Buffer.alloc(size);
  let state = seed * 2654435761;
  for (let i = 0; i < size; i++) {
    state = (state * 1103515245 + 12345) >>> 0;
    bytes[i] = state >>> 24;
  }
  return bytes;
}

export interface UploadOptions {
  name?: string;
  mime?: string;
  /** Stop after sending the chunks up to this many bytes (a client cut off mid-upload). */
  stopAt?: number;
  window?: number;
}

/** Runs `send(offset)` for every chunk offset from `from` to `size`, at most `window` unanswered. */
async function windowed<T>(
  from: number,
  size: number,
  window: number,
  send: (offset: number, length: number) => Promise<T>,
): Promise<T[]> {
  const inFlight: Promise<T>[] = [];
  const results: T[] = [];
  for (let offset = from; offset < size; offset += FILE_CHUNK_MAX_BYTES) {
    if (inFlight.length >= window) results.push(await (inFlight.shift() as Promise<T>));
    inFlight.push(send(offset, Math.min(FILE_CHUNK_MAX_BYTES, size - offset)));
  }
  for (const pending of inFlight) results.push(await pending);
  return results;
}

/** Starts (or resumes) an upload of `bytes` and sends the rest; resolves with the upload id and the last reply. */
export async function uploadFile(
  client: RawClient,
  bytes: Buffer,
  options: UploadOptions = {},
): Promise<{ upload: string; last?: RequestResult<'upload_chunk'> }> {
  const { name = 'photo.png', mime = 'image/png', window = FILE_WINDOW_CHUNKS } = options;
  const { upload, offset } = await client.call('upload_start', {
    name,
    size: bytes.length,
    sha256: sha256(bytes),
    mime,
  });
  const end = options.stopAt ?? bytes.length;
  const replies = await windowed(offset, end, window, (at, length) =>
    client.call('upload_chunk', {
      upload,
      offset: at,
      data: bytes.subarray(at, at + length).toString('base64'),
    }),
  );
  return { upload, last: replies.at(-1) };
}

/** The whole file of message `messageId`, read in windowed ranges. */
export async function downloadFile(client: RawClient, messageId: number, size: number): Promise<Buffer> {
  const parts = await windowed(0, size, FILE_WINDOW_CHUNKS, (offset, length) =>
    client.call('download_chunk', { messageId, offset, length }),
  );
  return Buffer.concat(parts.map((part) => Buffer.from(part.data, 'base64')));
}
