/**
 * Fuzz target for the framing (src/shared/codec.ts). The input's first byte picks the frame limit,
 * the second seeds the chunk sizes, and the rest is the byte stream. Invariants: FrameDecoder.push
 * throws nothing but FrameTooLargeError, and only when a frame really is over the limit; it yields
 * exactly the newline-separated frames however the stream is split; a JSON frame re-encoded with
 * encodeFrame decodes to exactly one frame, the value's JSON text.
 */
import { isDeepStrictEqual } from 'node:util';
import { encodeFrame, FrameDecoder, FrameTooLargeError } from '../../src/shared/codec.js';
import { Random } from '../engine/random.js';
import { invariant, type FuzzTarget } from '../engine/target.js';
import { JSON_TOKENS } from './json-dictionary.js';
import { exampleRequests } from './request-examples.js';

const NEWLINE = 0x0a;
/** Deeper JSON than this is the nesting target's business; JSON.stringify recursion has a limit. */
const ROUND_TRIP_MAX_LENGTH = 1024;

interface Expected {
  frames: string[];
  tooLarge: boolean;
  /** Bytes of the unfinished last frame. */
  rest: number;
}

/** The frames a correct decoder yields, worked out on the whole stream at once. */
function expectedFrames(stream: Buffer, limit: number): Expected {
  const frames: string[] = [];
  let start = 0;
  for (let newline = stream.indexOf(NEWLINE); newline !== -1; newline = stream.indexOf(NEWLINE, start)) {
    if (newline - start + 1 > limit) return { frames, tooLarge: true, rest: 0 };
    frames.push(stream.toString('utf8', start, newline));
    start = newline + 1;
  }
  const rest = stream.length - start;
  return { frames, tooLarge: rest >= limit, rest };
}

function splitIntoChunks(stream: Buffer, seed: number): Buffer[] {
  const random = new Random(seed);
  const chunks: Buffer[] = [];
  for (let at = 0; at < stream.length;) {
    const size = seed === 0 ? stream.length : random.skewed(64); // 0-byte chunks happen too
    chunks.push(stream.subarray(at, at + size));
    at += size;
  }
  return chunks;
}

function decodeAll(decoder: FrameDecoder, chunks: Buffer[]): { frames: string[]; tooLarge: boolean } {
  const frames: string[] = [];
  for (const chunk of chunks) {
    try {
      frames.push(...decoder.push(chunk));
    } catch (error) {
      if (!(error instanceof FrameTooLargeError)) throw error;
      return { frames, tooLarge: true };
    }
  }
  return { frames, tooLarge: false };
}

function checkRoundTrip(frame: string): void {
  if (frame.length > ROUND_TRIP_MAX_LENGTH) return;
  let value: unknown;
  try {
    value = JSON.parse(frame);
  } catch {
    return;
  }
  // JSON itself is lossy (1e999 becomes null); the framing must add nothing on top of JSON.stringify.
  const decoded = new FrameDecoder().push(Buffer.from(encodeFrame(value)));
  invariant(decoded.length === 1, `re-encoded frame decoded as ${decoded.length} frames`);
  invariant(decoded[0] === JSON.stringify(value), 're-encoded frame decoded to other text');
}

function run(data: Buffer): void {
  const limit = 1 + (data[0] ?? 0) * 4;
  const stream = data.subarray(2);
  const expected = expectedFrames(stream, limit);
  const decoder = new FrameDecoder(limit);
  const actual = decodeAll(decoder, splitIntoChunks(stream, data[1] ?? 0));
  invariant(
    actual.tooLarge === expected.tooLarge,
    `FrameTooLargeError ${actual.tooLarge}, expected ${expected.tooLarge}`,
  );
  if (actual.tooLarge) {
    // The chunk that threw loses its frames; everything returned before must still be right.
    invariant(
      isDeepStrictEqual(actual.frames, expected.frames.slice(0, actual.frames.length)),
      'frames differ',
    );
  } else {
    invariant(isDeepStrictEqual(actual.frames, expected.frames), 'frames differ from the newline split');
    invariant(
      decoder.bufferedBytes === expected.rest,
      `buffered ${decoder.bufferedBytes}, expected ${expected.rest}`,
    );
  }
  for (const frame of actual.frames) checkRoundTrip(frame);
}

function seeds(): Buffer[] {
  const stream = Buffer.from(exampleRequests().map(encodeFrame).join(''));
  return [
    Buffer.from([0xff, 0, ...stream.subarray(0, 1000)]),
    Buffer.from([0xff, 7, ...stream.subarray(0, 1000)]),
    Buffer.from([0x10, 3, ...Buffer.from('{"type":"whoelse","id":1}\n{"a":"é😀"}\npartial')]),
  ];
}

export const frameDecoderTarget: FuzzTarget = {
  name: 'frame-decoder',
  run,
  seeds,
  maxLength: 4096,
  timeWeight: 1,
  dictionary: JSON_TOKENS,
  fieldNames: [],
};
