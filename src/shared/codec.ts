/**
 * Newline-delimited JSON framing, shared by the server, the client core and the P2P link.
 * The decoder never holds more than `maxFrameBytes` of an unfinished frame, so a peer that never
 * sends a newline cannot grow our memory.
 */
import { MAX_FRAME_BYTES } from './limits.js';

const NEWLINE = 0x0a;

export function encodeFrame(frame: unknown): string {
  return `${JSON.stringify(frame)}\n`;
}

export class FrameTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`frame exceeds ${limit} bytes`);
    this.name = 'FrameTooLargeError';
  }
}

/**
 * Splits a byte stream into frames (the text between newlines, without the newline).
 * Feed it chunks with `push`; it returns the complete frames found so far.
 * Throws FrameTooLargeError when a frame (with its newline) exceeds the limit; the stream is then unusable.
 */
export class FrameDecoder {
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  constructor(private readonly maxFrameBytes: number = MAX_FRAME_BYTES) {}

  push(chunk: Buffer): string[] {
    const frames: string[] = [];
    let start = 0;
    let newline = chunk.indexOf(NEWLINE, start);
    while (newline !== -1) {
      const length = this.pendingBytes + (newline - start) + 1;
      if (length > this.maxFrameBytes) throw new FrameTooLargeError(this.maxFrameBytes);
      frames.push(this.takeFrame(chunk, start, newline));
      start = newline + 1;
      newline = chunk.indexOf(NEWLINE, start);
    }
    if (start < chunk.length) {
      this.pendingBytes += chunk.length - start;
      if (this.pendingBytes >= this.maxFrameBytes) throw new FrameTooLargeError(this.maxFrameBytes);
      this.pending.push(start === 0 ? chunk : chunk.subarray(start));
    }
    return frames;
  }

  /** Bytes of an unfinished frame held right now (a partial frame at end of stream is discarded). */
  get bufferedBytes(): number {
    return this.pendingBytes;
  }

  private takeFrame(chunk: Buffer, start: number, end: number): string {
    if (this.pending.length === 0) return chunk.toString('utf8', start, end);
    this.pending.push(chunk.subarray(start, end));
    const text = Buffer.concat(this.pending, this.pendingBytes + (end - start)).toString('utf8');
    this.pending = [];
    this.pendingBytes = 0;
    return text;
  }
}
