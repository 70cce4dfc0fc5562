/**
 * The FileStore port's behaviour (server/files/file-store.ts), the same on every adapter: each
 * adapter's test file calls describeFileStoreConformance with a way to open a fresh one.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FileStore } from '../../../server/files/file-store.js';
import { sha256, testBytes } from '../../helpers/file-transfer.js';

export interface FileStoreFixture {
  blobs: FileStore;
  cleanup(): Promise<void>;
}

const HOUR = 60 * 60 * 1000;
const never = () => Promise.resolve(false);
const always = () => Promise.resolve(true);
/** A removal that dies after taking the blob away (the process crashed there). */
const crash = () => Promise.reject(new Error('crashed'));

async function collect(pages: AsyncIterable<string[]>): Promise<string[]> {
  const all: string[] = [];
  for await (const page of pages) all.push(...page);
  return all.sort();
}

export function describeFileStoreConformance(name: string, open: () => Promise<FileStoreFixture>): void {
  describe(`FileStore conformance: ${name}`, () => {
    let fixture: FileStoreFixture;
    let blobs: FileStore;

    beforeEach(async () => {
      fixture = await open();
      blobs = fixture.blobs;
    });
    afterEach(async () => {
      await fixture.cleanup();
    });

    /** Stores `bytes` as a blob through a part, in two appends. */
    async function store(bytes: Buffer, upload = 'u1'): Promise<string> {
      const half = Math.floor(bytes.length / 2);
      await blobs.appendPart(upload, 0, bytes.subarray(0, half));
      await blobs.appendPart(upload, half, bytes.subarray(half));
      expect(await blobs.commitPart(upload, sha256(bytes))).toBe(true);
      return sha256(bytes);
    }

    it('counts the bytes of a part as they are appended, and cuts it back', async () => {
      expect(await blobs.partLength('u1')).toBe(0);
      await blobs.appendPart('u1', 0, Buffer.from('hello '));
      await blobs.appendPart('u1', 6, Buffer.from('world'));
      expect(await blobs.partLength('u1')).toBe(11);
      await blobs.truncatePart('u1', 6);
      expect(await blobs.partLength('u1')).toBe(6);
      await blobs.removePart('u1');
      expect(await blobs.partLength('u1')).toBe(0);
      await blobs.truncatePart('u1', 0);
      expect(await blobs.partLength('u1')).toBe(0);
    });

    it('commits a part that matches its hash as the blob of that hash, readable by range', async () => {
      const bytes = testBytes(100_000, 1);
      const hash = await store(bytes);
      expect(await blobs.partLength('u1')).toBe(0);
      expect(await blobs.hasBlob(hash)).toBe(true);
      expect(await blobs.readBlob(hash, 0, 10)).toEqual(bytes.subarray(0, 10));
      expect(await blobs.readBlob(hash, 50_000, 46_080)).toEqual(bytes.subarray(50_000, 96_080));
      expect(await blobs.readBlob(hash, 99_990, 100)).toEqual(bytes.subarray(99_990));
      expect(await blobs.readBlob(hash, 100_000, 10)).toEqual(Buffer.alloc(0));
      expect(await blobs.readBlob(hash, 100_000, 0)).toEqual(Buffer.alloc(0));
      expect(await blobs.readBlob(sha256(testBytes(10, 2)), 0, 10)).toEqual(Buffer.alloc(0));
    });

    it('removes a part that does not match its hash and stores nothing', async () => {
      await blobs.appendPart('u1', 0, Buffer.from('not the announced bytes'));
      const announced = sha256(Buffer.from('other bytes'));
      expect(await blobs.commitPart('u1', announced)).toBe(false);
      expect(await blobs.partLength('u1')).toBe(0);
      expect(await blobs.hasBlob(announced)).toBe(false);
      expect(await collect(blobs.blobsBefore(Date.now() + HOUR))).toEqual([]);
    });

    it('stores the same content once when it is committed twice', async () => {
      const bytes = testBytes(5000, 3);
      await store(bytes, 'u1');
      await store(bytes, 'u2');
      expect(await collect(blobs.blobsBefore(Date.now() + HOUR))).toEqual([sha256(bytes)]);
      expect(await blobs.readBlob(sha256(bytes), 0, 5000)).toEqual(bytes);
    });

    it('removes a blob nothing refers to, and keeps one that is in use again once taken away', async () => {
      const unused = await store(testBytes(3000, 4), 'u1');
      const used = await store(testBytes(3000, 5), 'u2');
      expect(await blobs.removeBlob(unused, never)).toBe(true);
      expect(await blobs.hasBlob(unused)).toBe(false);
      expect(await blobs.removeBlob(unused, never)).toBe(false);
      expect(await blobs.removeBlob(used, always)).toBe(false);
      expect(await blobs.readBlob(used, 0, 3000)).toEqual(testBytes(3000, 5));
      // Nothing the removals took aside is left over to be found later.
      expect(await blobs.recoverRemovals(Date.now() + HOUR, always)).toBe(0);
      expect(await blobs.hasBlob(unused)).toBe(false);
    });

    it('keeps the blob when an upload of the same content finishes while it is being removed', async () => {
      const bytes = testBytes(4000, 6);
      const hash = await store(bytes, 'u1');
      await blobs.appendPart('u2', 0, bytes);
      const removed = await blobs.removeBlob(hash, async () => {
        // The other upload commits now; its row (written at its start) makes the blob in use.
        expect(await blobs.commitPart('u2', hash)).toBe(true);
        return true;
      });
      expect(removed).toBe(false);
      expect(await blobs.readBlob(hash, 0, 4000)).toEqual(bytes);
    });

    it('lists the blobs last written before a time', async () => {
      const hashes = [await store(testBytes(100, 7), 'u1'), await store(testBytes(100, 8), 'u2')];
      expect(await collect(blobs.blobsBefore(Date.now() + HOUR))).toEqual(hashes.sort());
      expect(await collect(blobs.blobsBefore(Date.now() - HOUR))).toEqual([]);
    });

    it('removes the parts last written before a time, and no newer ones', async () => {
      await blobs.appendPart('old', 0, Buffer.from('abc'));
      expect(await blobs.removePartsBefore(Date.now() - HOUR)).toBe(0);
      expect(await blobs.partLength('old')).toBe(3);
      expect(await blobs.removePartsBefore(Date.now() + HOUR)).toBe(1);
      expect(await blobs.partLength('old')).toBe(0);
    });

    it('puts back what a crashed removal took away when it is in use, and deletes it when not', async () => {
      const kept = await store(testBytes(2000, 9), 'u1');
      const freed = await store(testBytes(2000, 10), 'u2');
      await expect(blobs.removeBlob(kept, crash)).rejects.toThrow('crashed');
      await expect(blobs.removeBlob(freed, crash)).rejects.toThrow('crashed');
      expect(await blobs.hasBlob(kept)).toBe(false);
      const inUse = (hash: string) => Promise.resolve(hash === kept);
      // A removal that may still be running (taken away after `before`) is left alone.
      expect(await blobs.recoverRemovals(Date.now() - HOUR, inUse)).toBe(0);
      expect(await blobs.hasBlob(kept)).toBe(false);
      expect(await blobs.recoverRemovals(Date.now() + HOUR, inUse)).toBe(1);
      expect(await blobs.readBlob(kept, 0, 2000)).toEqual(testBytes(2000, 9));
      // The unused one is gone for good: nothing is left to put back.
      expect(await blobs.recoverRemovals(Date.now() + HOUR, always)).toBe(0);
      expect(await blobs.hasBlob(freed)).toBe(false);
    });
  });
}
