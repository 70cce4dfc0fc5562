import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { FrameDecoder, FrameTooLargeError, encodeFrame } from '../../src/shared/codec.js';

/** Splits a buffer at the given cut points, the way TCP may deliver it. */
function chunksOf(bytes: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let start = 0;
  for (const point of points) {
    chunks.push(bytes.subarray(start, point));
    start = point;
  }
  chunks.push(bytes.subarray(start));
  return chunks;
}

const jsonValue = fc.jsonValue({ maxDepth: 4 });

describe('frame codec', () => {
  it('returns every encoded frame intact however the stream is split into chunks', () => {
    fc.assert(
      fc.property(
        fc.array(jsonValue, { maxLength: 20 }),
        fc.array(fc.nat(), { maxLength: 30 }),
        (values, cuts) => {
          const bytes = Buffer.from(values.map(encodeFrame).join(''), 'utf8');
          const decoder = new FrameDecoder(1 << 20);
          const frames = chunksOf(bytes, cuts).flatMap((chunk) => decoder.push(chunk));
          expect(frames.map((frame) => JSON.parse(frame))).toEqual(
            values.map((v) => JSON.parse(JSON.stringify(v))),
          );
          expect(decoder.bufferedBytes).toBe(0);
        },
      ),
    );
  });

  it('keeps multi-byte characters whole when a chunk boundary falls inside one', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', maxLength: 200 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        (text, cuts) => {
          const bytes = Buffer.from(encodeFrame({ text }), 'utf8');
          const decoder = new FrameDecoder(1 << 20);
          const frames = chunksOf(bytes, cuts).flatMap((chunk) => decoder.push(chunk));
          expect(frames).toHaveLength(1);
          expect(JSON.parse(frames[0]!)).toEqual({ text });
        },
      ),
    );
  });

  it('never buffers more than the limit: an over-long frame throws, whatever the chunking', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 16, max: 512 }),
        fc.integer({ min: 0, max: 600 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        (limit, extra, cuts) => {
          const bytes = Buffer.alloc(limit + extra, 0x61); // no newline at all
          const decoder = new FrameDecoder(limit);
          let threw = false;
          try {
            for (const chunk of chunksOf(bytes, cuts)) {
              decoder.push(chunk);
              expect(decoder.bufferedBytes).toBeLessThan(limit);
            }
          } catch (error) {
            expect(error).toBeInstanceOf(FrameTooLargeError);
            threw = true;
          }
          expect(threw).toBe(bytes.length >= limit);
        },
      ),
    );
  });

  it('accepts a frame of exactly the limit including its newline and rejects one byte more', () => {
    const limit = 100;
    const exact = Buffer.from(`${'a'.repeat(limit - 1)}\n`);
    expect(new FrameDecoder(limit).push(exact)).toEqual(['a'.repeat(limit - 1)]);
    const over = Buffer.from(`${'a'.repeat(limit)}\n`);
    expect(() => new FrameDecoder(limit).push(over)).toThrow(FrameTooLargeError);
  });

  it('turns arbitrary bytes into strings without throwing (invalid UTF-8 becomes U+FFFD)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), (raw) => {
        const decoder = new FrameDecoder(4096);
        const frames = decoder.push(Buffer.from(raw));
        for (const frame of frames) expect(typeof frame).toBe('string');
      }),
    );
  });
});
