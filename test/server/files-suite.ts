/**
 * Files and images over the real server (docs/protocol.md, "Files"): uploads in windowed chunks,
 * resume, de-duplication, the hash check, attaching to direct and group messages, downloads with
 * the message rules (blocks, groups, offline recipients), delete freeing the blob, every refusal
 * leaving nothing behind, and the janitor's clean-up of what a crash leaves. The same tests run on
 * each blob store (./files.test.ts: the disk; ./files-s3.test.ts: an S3-compatible bucket): the
 * bytes are checked where the store keeps them, the parts of uploads in the files folder.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FileStore } from '../../server/files/file-store.js';
import { FILE_CHUNK_MAX_BYTES, UPLOADS_IN_PROGRESS_MAX } from '../../src/shared/limits.js';
import type { DirectMessage } from '../../src/shared/protocol.js';
import { downloadFile, sha256, testBytes, uploadFile } from '../helpers/file-transfer.js';
import { RawClient } from '../helpers/raw-client.js';
import { useServerFixture } from '../helpers/server-fixture.js';
import { startTestServer, type TestServer, type TestServerOptions } from '../helpers/server.js';

/** Where a test server keeps its blobs, as the tests see it. */
export interface BlobBackend {
  /** Server options that keep a new test server's blobs in this backend. */
  options(): TestServerOptions;
  /** The hashes of the blobs stored now by `server`, sorted. */
  blobs(server: TestServer): Promise<string[]>;
  /** An adapter over the server's own files, to leave behind what a crash would. */
  fileStore(server: TestServer): FileStore;
}

/** Every file under a folder of `server`'s files folder, recursively. */
export function filesIn(server: TestServer, folder: 'blobs' | 'parts'): string[] {
  const root = join(server.dir, 'files', folder);
  if (!existsSync(root)) return [];
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => entry.name)
    .sort();
}

async function until(check: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export function describeFileTests(backend: BlobBackend): void {
  const fixture = useServerFixture({ checkFrames: true });

  const login = async (name: string, password: string) =>
    fixture.track(await RawClient.login(fixture.server.port, name, password));
  const yodaLogin = () => login('yoda', 'wise');
  const hansLogin = () => login('hans', 'falcon');

  const blobsNow = () => backend.blobs(fixture.server);
  const partsNow = () => filesIn(fixture.server, 'parts');

  async function start(options: TestServerOptions = {}): Promise<void> {
    fixture.server = await startTestServer({ ...backend.options(), ...options });
  }

  /** Uploads `bytes` as yoda and sends it to hans; resolves with the stored message. */
  async function sendFile(yoda: RawClient, bytes: Buffer, text?: string): Promise<DirectMessage> {
    const { upload, last } = await uploadFile(yoda, bytes);
    expect(last).toEqual({ received: bytes.length, complete: true });
    const params = text === undefined ? { to: 'hans', file: upload } : { to: 'hans', text, file: upload };
    return (await yoda.call('message', params)).message;
  }

  describe('sending a file', () => {
    it('uploads in windowed chunks, attaches it to a message and the recipient downloads the same bytes', async () => {
      await start();
      const yoda = await yodaLogin();
      const hans = await hansLogin();
      const bytes = testBytes(5 * FILE_CHUNK_MAX_BYTES + 123);

      const message = await sendFile(yoda, bytes);
      const file = { name: 'photo.png', size: bytes.length, mime: 'image/png', sha256: sha256(bytes) };
      expect(message).toMatchObject({ from: 'yoda', to: 'hans', text: '', file });
      const pushed = await hans.waitFor((e) => e.type === 'message' && e.message.id === message.id);
      expect(pushed).toMatchObject({ message: { file } });
      expect(sha256(await downloadFile(hans, message.id, bytes.length))).toBe(file.sha256);
      expect((await hans.call('history', { peer: 'yoda', limit: 10 })).messages).toEqual([message]);
      expect(await blobsNow()).toEqual([file.sha256]);
      expect(partsNow()).toEqual([]);
    });

    it('tells the client the largest file in hello, and a caption travels with the file', async () => {
      await start({ maxFileBytes: 4096 });
      const client = fixture.track(await RawClient.connect(fixture.server.port));
      expect((await client.call('hello', { version: 1 })).limits.maxFileBytes).toBe(4096);
      const yoda = await yodaLogin();
      await hansLogin();
      const message = await sendFile(yoda, testBytes(4096, 2), 'the plans');
      expect(message.text).toBe('the plans');
      expect(message.file?.size).toBe(4096);
    });

    it('resumes an upload after a reconnect from where the server has it', async () => {
      await start();
      const bytes = testBytes(6 * FILE_CHUNK_MAX_BYTES, 3);
      const first = await yodaLogin();
      const { upload } = await uploadFile(first, bytes, { stopAt: 2 * FILE_CHUNK_MAX_BYTES });
      first.close();
      await first.waitClosed();

      const again = await yodaLogin();
      const hans = await hansLogin();
      const resumed = await again.call('upload_start', {
        name: 'photo.png',
        size: bytes.length,
        sha256: sha256(bytes),
        mime: 'image/png',
      });
      expect(resumed).toEqual({ upload, offset: 2 * FILE_CHUNK_MAX_BYTES });
      const { last } = await uploadFile(again, bytes);
      expect(last).toEqual({ received: bytes.length, complete: true });
      const { message } = await again.call('message', { to: 'hans', file: upload });
      expect(sha256(await downloadFile(hans, message.id, bytes.length))).toBe(sha256(bytes));
    });

    it('stores the same content once, whoever uploads it', async () => {
      await start();
      const yoda = await yodaLogin();
      const hans = await hansLogin();
      const bytes = testBytes(70_000, 4);
      await sendFile(yoda, bytes);
      const { upload } = await uploadFile(hans, bytes, { name: 'copy.png' });
      const { message } = await hans.call('message', { to: 'yoda', file: upload });
      expect(message.file?.name).toBe('copy.png');
      expect(await blobsNow()).toEqual([sha256(bytes)]);
      expect(sha256(await downloadFile(yoda, message.id, bytes.length))).toBe(sha256(bytes));
    });

    it('delivers a file to an offline recipient, who downloads it after logging in', async () => {
      await start();
      const yoda = await yodaLogin();
      const bytes = testBytes(100_000, 5);
      const message = await sendFile(yoda, bytes);
      const hans = await hansLogin();
      const offline = await hans.waitFor((e) => e.type === 'message' && e.message.id === message.id);
      expect(offline).toMatchObject({ offline: true, message: { file: { sha256: sha256(bytes) } } });
      expect(sha256(await downloadFile(hans, message.id, bytes.length))).toBe(sha256(bytes));
    });

    it('sends a file to a group: members download it, a member who blocked the sender never gets it', async () => {
      await start();
      const yoda = await yodaLogin();
      const hans = await hansLogin();
      const luke = await login('luke', 'skywalker');
      const { group } = await yoda.call('group_create', { name: 'Rebels', members: ['hans', 'luke'] });
      await luke.call('block', { user: 'yoda' });
      const bytes = testBytes(50_000, 6);
      const { upload } = await uploadFile(yoda, bytes);
      const { message } = await yoda.call('message', { group: group.id, file: upload });
      await hans.waitFor((e) => e.type === 'message' && e.message.id === message.id);
      expect(sha256(await downloadFile(hans, message.id, bytes.length))).toBe(sha256(bytes));
      expect((await luke.fail('download_chunk', { messageId: message.id, offset: 0, length: 10 })).code).toBe(
        'unknown_file',
      );
      expect(luke.eventsOf('message')).toEqual([]);
    });
  });

  describe('who may download', () => {
    it('refuses a stranger and a recipient who has blocked the sender since', async () => {
      await start();
      const yoda = await yodaLogin();
      const hans = await hansLogin();
      const luke = await login('luke', 'skywalker');
      const message = await sendFile(yoda, testBytes(1000, 7));
      const range = { messageId: message.id, offset: 0, length: 1000 };
      expect((await luke.fail('download_chunk', range)).code).toBe('unknown_file');
      expect((await hans.call('download_chunk', range)).data.length).toBeGreaterThan(0);
      await hans.call('block', { user: 'yoda' });
      expect((await hans.fail('download_chunk', range)).code).toBe('unknown_file');
    });

    it('never lets a blocked sender attach a file to a message for the blocker', async () => {
      await start();
      const yoda = await yodaLogin();
      const hans = await hansLogin();
      await hans.call('block', { user: 'yoda' });
      const { upload } = await uploadFile(yoda, testBytes(2000, 8));
      expect((await yoda.fail('message', { to: 'hans', file: upload })).code).toBe('blocked_by_recipient');
      expect(hans.eventsOf('message')).toEqual([]);
    });

    it('frees the blob when the only message carrying it is deleted', async () => {
      await start();
      const yoda = await yodaLogin();
      const hans = await hansLogin();
      const bytes = testBytes(30_000, 9);
      const message = await sendFile(yoda, bytes);
      const copy = await sendFile(yoda, bytes);
      expect(await blobsNow()).toEqual([sha256(bytes)]);

      const { message: deleted } = await yoda.call('delete', { messageId: message.id });
      expect(deleted.file).toBeUndefined();
      // Another message still carries the same content: the blob stays.
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(await blobsNow()).toEqual([sha256(bytes)]);
      const gone = { messageId: message.id, offset: 0, length: 10 };
      expect((await hans.fail('download_chunk', gone)).code).toBe('unknown_file');

      await yoda.call('delete', { messageId: copy.id });
      await until(async () => (await blobsNow()).length === 0);
    });
  });

  describe('bad input gets a clear error and leaves nothing behind', () => {
    it('refuses a file over the size limit', async () => {
      await start({ maxFileBytes: 1000 });
      const yoda = await yodaLogin();
      const error = await yoda.fail('upload_start', {
        name: 'a.bin',
        size: 1001,
        sha256: 'a'.repeat(64),
        mime: 'application/octet-stream',
      });
      expect(error.code).toBe('file_too_large');
      expect(
        (
          await yoda.call('upload_start', {
            name: 'a.bin',
            size: 1000,
            sha256: 'a'.repeat(64),
            mime: 'application/octet-stream',
          })
        ).offset,
      ).toBe(0);
    });

    it.each([
      '../etc/passwd',
      'a/b.png',
      'a\\b.png',
      'bell\u0007.png',
      'new\nline.png',
      '..',
      '',
      'x'.repeat(256),
    ])('refuses the file name %j', async (name) => {
      await start();
      const yoda = await yodaLogin();
      const error = await yoda.fail('upload_start', {
        name,
        size: 10,
        sha256: 'b'.repeat(64),
        mime: 'image/png',
      });
      expect(error.code).toBe(name.length > 255 * 2 ? 'invalid_request' : 'invalid_file_name');
    });

    it("refuses a chunk for an unknown upload, someone else's, or at the wrong offset", async () => {
      await start();
      const yoda = await yodaLogin();
      const hans = await hansLogin();
      const bytes = testBytes(2 * FILE_CHUNK_MAX_BYTES, 10);
      const { upload } = await uploadFile(yoda, bytes, { stopAt: FILE_CHUNK_MAX_BYTES });
      const chunk = (offset: number) => ({
        upload,
        offset,
        data: bytes.subarray(offset, offset + 100).toString('base64'),
      });
      expect((await hans.fail('upload_chunk', chunk(FILE_CHUNK_MAX_BYTES))).code).toBe('unknown_upload');
      const unknown = { ...chunk(0), upload: 'A'.repeat(22) };
      expect((await yoda.fail('upload_chunk', unknown)).code).toBe('unknown_upload');
      expect((await yoda.fail('upload_chunk', chunk(5))).code).toBe('wrong_offset');
      expect((await hans.fail('message', { to: 'yoda', file: upload })).code).toBe('unknown_upload');
      expect((await yoda.fail('message', { to: 'hans', file: upload })).code).toBe('unknown_upload');
      // Nothing of hans's attempt reached the part: yoda goes on where it was.
      expect((await yoda.call('upload_chunk', chunk(FILE_CHUNK_MAX_BYTES))).received).toBe(
        FILE_CHUNK_MAX_BYTES + 100,
      );
    });

    it('discards an upload whose bytes do not match their hash', async () => {
      await start();
      const yoda = await yodaLogin();
      const bytes = testBytes(60_000, 11);
      const { upload } = await yoda.call('upload_start', {
        name: 'a.png',
        size: bytes.length,
        sha256: sha256(testBytes(60_000, 12)),
        mime: 'image/png',
      });
      await yoda.call('upload_chunk', {
        upload,
        offset: 0,
        data: bytes.subarray(0, FILE_CHUNK_MAX_BYTES).toString('base64'),
      });
      const last = {
        upload,
        offset: FILE_CHUNK_MAX_BYTES,
        data: bytes.subarray(FILE_CHUNK_MAX_BYTES).toString('base64'),
      };
      expect((await yoda.fail('upload_chunk', last)).code).toBe('hash_mismatch');
      expect(partsNow()).toEqual([]);
      expect(await blobsNow()).toEqual([]);
      expect((await yoda.fail('upload_chunk', last)).code).toBe('unknown_upload');
    });

    it(`allows ${UPLOADS_IN_PROGRESS_MAX} unfinished uploads at once, then refuses more (resuming one still works)`, async () => {
      await start();
      const yoda = await yodaLogin();
      const start_ = (seed: number) =>
        yoda.request('upload_start', {
          name: 'a.png',
          size: 10,
          sha256: sha256(testBytes(10, seed)),
          mime: 'image/png',
        });
      for (let seed = 0; seed < UPLOADS_IN_PROGRESS_MAX; seed++) expect((await start_(seed)).ok).toBe(true);
      const refused = await start_(99);
      expect(refused.ok ? undefined : refused.error.code).toBe('too_many_uploads');
      expect((await start_(0)).ok).toBe(true);
    });

    it("cancels an upload at once: its partial bytes go, its slot is free again, and no one else's can be cancelled", async () => {
      await start();
      const yoda = await yodaLogin();
      const hans = await hansLogin();
      const bytes = testBytes(3 * FILE_CHUNK_MAX_BYTES, 14);
      const { upload } = await uploadFile(yoda, bytes, { stopAt: FILE_CHUNK_MAX_BYTES });
      expect((await hans.fail('upload_cancel', { upload })).code).toBe('unknown_upload');
      expect(partsNow()).toEqual([upload]);
      for (let seed = 1; seed < UPLOADS_IN_PROGRESS_MAX; seed++) {
        await yoda.call('upload_start', {
          name: 'b.png',
          size: 10,
          sha256: sha256(testBytes(10, seed)),
          mime: 'image/png',
        });
      }
      const another = { name: 'c.png', size: 10, sha256: sha256(testBytes(10, 98)), mime: 'image/png' };
      expect((await yoda.fail('upload_start', another)).code).toBe('too_many_uploads');

      expect(await yoda.call('upload_cancel', { upload })).toEqual({});
      expect(partsNow()).toEqual([]);
      expect((await yoda.fail('upload_cancel', { upload })).code).toBe('unknown_upload');
      const next = {
        upload,
        offset: FILE_CHUNK_MAX_BYTES,
        data: bytes.subarray(FILE_CHUNK_MAX_BYTES, 2 * FILE_CHUNK_MAX_BYTES).toString('base64'),
      };
      expect((await yoda.fail('upload_chunk', next)).code).toBe('unknown_upload');
      expect((await yoda.call('upload_start', another)).offset).toBe(0);
    });

    it('cancelling a finished upload keeps the file of a message that carries it', async () => {
      await start();
      const yoda = await yodaLogin();
      const hans = await hansLogin();
      const bytes = testBytes(FILE_CHUNK_MAX_BYTES + 10, 15);
      const { upload } = await uploadFile(yoda, bytes);
      const { message } = await yoda.call('message', { to: 'hans', file: upload });
      expect(await yoda.call('upload_cancel', { upload })).toEqual({});
      expect(await blobsNow()).toEqual([sha256(bytes)]);
      expect(await downloadFile(hans, message.id, bytes.length)).toEqual(bytes);
    });

    it('removes an unfinished upload after the upload expiry (the janitor), with its partial bytes', async () => {
      await start({ uploadExpirySeconds: 1 });
      const yoda = await yodaLogin();
      const bytes = testBytes(3 * FILE_CHUNK_MAX_BYTES, 13);
      const { upload } = await uploadFile(yoda, bytes, { stopAt: FILE_CHUNK_MAX_BYTES });
      expect(partsNow()).toEqual([upload]);
      await until(() => partsNow().length === 0, 5000);
      const next = {
        upload,
        offset: FILE_CHUNK_MAX_BYTES,
        data: bytes.subarray(FILE_CHUNK_MAX_BYTES, 2 * FILE_CHUNK_MAX_BYTES).toString('base64'),
      };
      expect((await yoda.fail('upload_chunk', next)).code).toBe('unknown_upload');
    });
  });

  describe('the janitor cleans up what a crash left', () => {
    it('removes blobs and parts nothing refers to, puts back a blob a removal left aside, and keeps what is in use', async () => {
      await start({ uploadExpirySeconds: 2 });
      const yoda = await yodaLogin();
      const hans = await hansLogin();
      const kept = testBytes(20_000, 20);
      const message = await sendFile(yoda, kept);
      const blobs = backend.fileStore(fixture.server);
      // A blob without a row: the process died between a part's commit and its row's update.
      const orphan = testBytes(10_000, 21);
      await blobs.appendPart('crashed-upload', 0, orphan);
      expect(await blobs.commitPart('crashed-upload', sha256(orphan))).toBe(true);
      // A part whose upload row is gone.
      await blobs.appendPart('stale-part', 0, Buffer.from('half a file'));
      // The message's own blob, taken away by a removal that died before asking the store again.
      const crash = () => Promise.reject(new Error('crashed'));
      await expect(blobs.removeBlob(sha256(kept), crash)).rejects.toThrow('crashed');
      expect(await blobsNow()).toEqual([sha256(orphan)]);
      expect(partsNow()).toEqual(['stale-part']);

      const cleaned = async () => partsNow().length === 0 && (await blobsNow()).join() === sha256(kept);
      await until(cleaned, 10_000);
      expect(sha256(await downloadFile(hans, message.id, kept.length))).toBe(sha256(kept));
    });
  });
}
