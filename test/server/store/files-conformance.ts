/**
 * File metadata (FileMetaStore, and the file a message carries: server/store/store.ts) on every
 * adapter: each adapter's test file calls describeFileConformance next to describeStoreConformance
 * (./store-conformance.ts). Concurrent calls run on several connections of a networked store.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FileInfo } from '../../../src/shared/protocol.js';
import type { Store, UploadRow } from '../../../server/store/store.js';
import type { StoreFixture } from './store-conformance.js';

const FILE: FileInfo = { name: 'plans.pdf', size: 70_000, mime: 'application/pdf', sha256: 'a'.repeat(64) };

const upload = (id: string, owner: string, extra: Partial<UploadRow> = {}): UploadRow => ({
  id: id.padEnd(22, '_'),
  owner,
  ...FILE,
  started: 1000,
  ...extra,
});

export function describeFileConformance(name: string, open: () => Promise<StoreFixture>): void {
  describe(`Store conformance: files, ${name}`, () => {
    let fixture: StoreFixture;
    let store: Store;

    beforeEach(async () => {
      fixture = await open();
      store = fixture.store;
      await Promise.all(['alice', 'bob'].map((n) => store.accounts.create(n, 'h', 1)));
    });
    afterEach(async () => {
      await fixture.cleanup();
    });

    it('resumes the owner’s unfinished upload of the same content, and no one else’s', async () => {
      const first = await store.files.startUpload(upload('a1', 'alice'), 4);
      expect(first).toEqual({ upload: upload('a1', 'alice'), resumed: false });
      expect(await store.files.startUpload(upload('a2', 'alice', { started: 2000 }), 4)).toEqual({
        upload: upload('a1', 'alice'),
        resumed: true,
      });
      expect(await store.files.startUpload(upload('b1', 'bob'), 4)).toMatchObject({ resumed: false });
      expect(await store.files.upload(upload('a1', 'alice').id, 'bob')).toBeUndefined();
      await store.files.finishUpload(upload('a1', 'alice').id, 3000);
      expect(await store.files.upload(upload('a1', 'alice').id, 'alice')).toEqual({
        ...upload('a1', 'alice'),
        finished: 3000,
      });
      // A finished upload is not resumed: the same content again is a new upload.
      expect(await store.files.startUpload(upload('a3', 'alice'), 4)).toMatchObject({ resumed: false });
    });

    it('lets no more than the bound of unfinished uploads in, even when they race', async () => {
      const results = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          store.files.startUpload(upload(`r${i}`, 'alice', { sha256: String(i).repeat(64) }), 4),
        ),
      );
      expect(results.filter((r) => 'refused' in r)).toHaveLength(2);
      expect(results.filter((r) => 'refused' in r)[0]).toEqual({ refused: 'too_many_uploads' });
    });

    it('stores a message’s file with it, and drops it from the message once deleted', async () => {
      const sent = await store.messages.insertDirect({
        from: 'alice',
        to: 'bob',
        text: '',
        sentAt: 1000,
        file: FILE,
      });
      if (!('message' in sent)) throw new Error('refused');
      expect(sent.message.file).toEqual(FILE);
      expect((await store.messages.messageById(sent.message.id))?.file).toEqual(FILE);
      expect(
        (await store.messages.historyPage('alice', 'bob', Number.MAX_SAFE_INTEGER, 10))[0]?.file,
      ).toEqual(FILE);
      const deleted = await store.messages.changeDirect({
        id: sent.message.id,
        sender: 'alice',
        at: 2000,
        delete: true,
      });
      expect('message' in deleted && deleted.message.file).toBeUndefined();
    });

    it('keeps a blob in use while an unattached upload or an undeleted message refers to it', async () => {
      expect(await store.files.blobInUse(FILE.sha256)).toBe(false);
      await store.files.startUpload(upload('u1', 'alice'), 4);
      expect(await store.files.blobInUse(FILE.sha256)).toBe(true);
      const sent = await store.messages.insertDirect({
        from: 'alice',
        to: 'bob',
        text: 'x',
        sentAt: 1000,
        file: FILE,
      });
      if (!('message' in sent)) throw new Error('refused');
      await store.files.markAttached(upload('u1', 'alice').id);
      expect(await store.files.blobInUse(FILE.sha256)).toBe(true);
      await store.messages.changeDirect({ id: sent.message.id, sender: 'alice', at: 2000, delete: true });
      expect(await store.files.blobInUse(FILE.sha256)).toBe(false);
    });

    it('lets an attached upload keep the blob again while it is being attached once more', async () => {
      await store.files.startUpload(upload('u1', 'alice'), 4);
      await store.files.markAttached(upload('u1', 'alice').id);
      expect(await store.files.blobInUse(FILE.sha256)).toBe(false);
      await store.files.markAttached(upload('u1', 'alice').id, false);
      expect(await store.files.blobInUse(FILE.sha256)).toBe(true);
      await store.files.markAttached(upload('u1', 'alice').id);
      expect(await store.files.blobInUse(FILE.sha256)).toBe(false);
    });

    it('lists uploads started before a time, oldest first, at most the limit, and removes them', async () => {
      for (const [id, started] of [
        ['e3', 300],
        ['e1', 100],
        ['e2', 200],
        ['e4', 5000],
      ] as const) {
        await store.files.startUpload(upload(id, 'alice', { started, sha256: id.repeat(32) }), 10);
      }
      const expired = await store.files.expiredUploads(1000, 2);
      expect(expired.map((u) => u.started)).toEqual([100, 200]);
      await store.files.removeUpload(upload('e1', 'alice').id);
      expect((await store.files.expiredUploads(1000, 10)).map((u) => u.started)).toEqual([200, 300]);
    });
  });
}
