/**
 * Reading a picked, dropped or pasted file for sending without ever holding all of it: pieces of
 * FILE_API_CHUNK_BYTES from File.slice(), base64 for the JSON API; and an image's inline
 * thumbnail, made here in the sending app (the receiver never decodes the peer's full image).
 */
import type { Thumbnail } from '../../shared/files';
import { FILE_THUMBNAIL_MAX_BYTES } from '../../shared/limits';

/** Longest side of a thumbnail, in pixels (the row shows it at most 160 px wide). */
const THUMBNAIL_EDGE = 320;

export function bytesToBase64(bytes: Uint8Array): string {
  let binary = '';
  // In slices: String.fromCharCode with a whole chunk's bytes as arguments would overflow the stack.
  for (let at = 0; at < bytes.length; at += 0x2000) {
    binary += String.fromCharCode(...bytes.subarray(at, at + 0x2000));
  }
  return btoa(binary);
}

export function base64ToBytes(base64: string): Uint8Array<ArrayBuffer> {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** The piece of `file` starting at `offset`, as base64. */
export async function readPiece(file: Blob, offset: number, length: number): Promise<string> {
  const buffer = await file.slice(offset, offset + length).arrayBuffer();
  return bytesToBase64(new Uint8Array(buffer));
}

function canvasBlob(canvas: HTMLCanvasElement, quality: number): Promise<Blob | null> {
  return new Promise((resolve) => canvas.toBlob(resolve, 'image/jpeg', quality));
}

/**
 * A small JPEG of an image file, at most FILE_THUMBNAIL_MAX_BYTES (lower quality until it fits);
 * undefined for other files, or when the browser cannot decode the image.
 */
export async function makeThumbnail(file: File): Promise<Thumbnail | undefined> {
  if (!file.type.startsWith('image/') || typeof createImageBitmap !== 'function') return undefined;
  try {
    const bitmap = await createImageBitmap(file);
    const scale = Math.min(1, THUMBNAIL_EDGE / Math.max(bitmap.width, bitmap.height));
    const canvas = document.createElement('canvas');
    canvas.width = Math.max(1, Math.round(bitmap.width * scale));
    canvas.height = Math.max(1, Math.round(bitmap.height * scale));
    canvas.getContext('2d')?.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    bitmap.close();
    for (const quality of [0.8, 0.6, 0.4, 0.25]) {
      const blob = await canvasBlob(canvas, quality);
      if (blob && blob.size <= FILE_THUMBNAIL_MAX_BYTES) {
        return { mime: 'image/jpeg', data: bytesToBase64(new Uint8Array(await blob.arrayBuffer())) };
      }
    }
  } catch {
    // Not an image this browser can draw: the file goes without a thumbnail.
  }
  return undefined;
}
