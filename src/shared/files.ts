/**
 * Files in conversations: the rules for names, sizes and hashes, and the transfer model the core
 * reports to the app. Private-chat files use it now (peer-to-peer); server files reuse it.
 */
import { z } from 'zod';
import {
  FILE_API_CHUNK_BYTES,
  FILE_MAX_BYTES,
  FILE_MIME_MAX_LENGTH,
  FILE_NAME_MAX_LENGTH,
  FILE_THUMBNAIL_MAX_BYTES,
} from './limits.js';

// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/;

/** Why a file name is refused, or null when it is fine (1–255 characters, no separators or controls). */
export function fileNameProblem(name: string): string | null {
  if (name.length === 0) return 'a file name must not be empty';
  if ([...name].length > FILE_NAME_MAX_LENGTH)
    return `a file name has at most ${FILE_NAME_MAX_LENGTH} characters`;
  if (name.includes('/') || name.includes('\\')) return 'a file name must not contain / or \\';
  if (CONTROL_CHARACTERS.test(name)) return 'a file name must not contain control characters';
  if (name === '.' || name === '..') return 'a file name must not be . or ..';
  return null;
}

export const fileNameSchema = z
  .string()
  .max(FILE_NAME_MAX_LENGTH * 2)
  .superRefine((name, ctx) => {
    const problem = fileNameProblem(name);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

export const fileSizeSchema = z
  .number()
  .int()
  .min(0)
  .max(FILE_MAX_BYTES, `a file may have at most ${FILE_MAX_BYTES} bytes`);

export const fileMimeSchema = z
  .string()
  .max(FILE_MIME_MAX_LENGTH)
  .regex(/^$|^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+$/i, 'not a MIME type');

export const sha256HexSchema = z
  .string()
  .regex(/^[0-9a-f]{64}$/, 'a SHA-256 hash is 64 lowercase hex digits');

/** A transfer's id as the core hands it out: 22 characters of base64url (128 random bits). */
export const transferIdSchema = z.string().regex(/^[A-Za-z0-9_-]{22}$/, 'not a transfer id');

/** base64 that decodes to at most `maxBytes`. */
export function base64Schema(maxBytes: number) {
  return z
    .string()
    .max(Math.ceil(maxBytes / 3) * 4)
    .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'not base64');
}

/** The image thumbnail the sending app made: JPEG or WebP bytes, base64. */
export const thumbnailSchema = z.object({
  mime: z.enum(['image/jpeg', 'image/webp']),
  data: base64Schema(FILE_THUMBNAIL_MAX_BYTES).min(1),
});
export type Thumbnail = z.infer<typeof thumbnailSchema>;

/** What the app says about a file it is about to send. */
export const fileOfferSchema = z.object({
  name: fileNameSchema,
  size: fileSizeSchema,
  mime: fileMimeSchema,
  /** When the sender knows it up front; the receiver then checks the file against it too. */
  sha256: sha256HexSchema.optional(),
  thumbnail: thumbnailSchema.optional(),
});
export type FileOffer = z.infer<typeof fileOfferSchema>;

export const fileApiChunkSchema = base64Schema(FILE_API_CHUNK_BYTES).min(1);

/**
 * Why a transfer failed, as the app explains it: too_large / bad_name / too_many (the receiver
 * refused the offer), hash_mismatch / size_mismatch (the bytes were not what was announced),
 * interrupted (the connection went; private files cannot resume: send again), refused (the peer
 * refused without a reason we know), disk (the receiving computer could not write it). For server
 * files: server_full, unavailable, server_refused (below); `interrupted` is not used there, since
 * a server transfer waits for the connection and resumes.
 */
export const fileFailReasonSchema = z.enum([
  'too_large',
  'bad_name',
  'too_many',
  'hash_mismatch',
  'size_mismatch',
  'interrupted',
  'refused',
  'disk',
  // Server files (docs/app.md, "Files"): the server had no room for it; the file is no longer there
  // for you (the message was deleted, or you blocked its sender); the server took too long, or
  // refused it for a reason of its own.
  'server_full',
  'unavailable',
  'server_refused',
]);
export type FileFailReason = z.infer<typeof fileFailReasonSchema>;

export type TransferState = 'sending' | 'receiving' | 'done' | 'cancelled' | 'failed';

/** One file on its way (or arrived), as the core reports it in `file` events. */
export interface FileTransfer {
  id: string;
  /**
   * The private chat's peer; for a server file (`via: 'server'`) the other person of the direct
   * chat, or '' for a group's (then `group` says which).
   */
  peer: string;
  /** Set for files of direct and group chats, which go through the server; absent for private chats. */
  via?: 'server';
  /** The group chat of a server file. */
  group?: number;
  /** A server file's message, once the server stored it (always set for downloads). */
  messageId?: number;
  /** A server file being sent: the client id its message's `queued_sent` / `queued_failed` event carries. */
  clientId?: string;
  direction: 'send' | 'receive';
  name: string;
  size: number;
  mime: string;
  thumbnail?: Thumbnail;
  bytesDone: number;
  state: TransferState;
  /** Set when failed. */
  reason?: FileFailReason;
  /** Who cancelled, when cancelled. */
  cancelledBy?: 'me' | 'peer';
  /** The verified SHA-256 once done. */
  sha256?: string;
}
