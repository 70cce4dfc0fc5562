/**
 * A finished upload may be attached to a message again (a retried send, the same file to another
 * chat) while the blob is being freed because its last message was just deleted. The removal and
 * the send are interleaved here at the one point that matters, on a real SQLite store and the disk
 * adapter: the removal starts, the send finds the blob, the removal finishes, the message is stored.
 * The message must keep its file (server/files/files.ts, Files.attachable).
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildContext, createLogger } from '../../../server/app.js';
import { LocalBus } from '../../../server/bus/local-bus.js';
import { DiskFileStore } from '../../../server/files/disk-file-store.js';
import { openSqliteStore } from '../../../server/store/sqlite/sqlite-store.js';
import { sha256, testBytes } from '../../helpers/file-transfer.js';
import { makeTempDir, TEST_KDF_COST } from '../../helpers/server.js';

const dir = makeTempDir('messenger-reattach-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The disk adapter, with each removal held until `open` is called; `removed` settles after it. */
class HeldRemovals extends DiskFileStore {
  open: () => void = () => {};
  removed: Promise<boolean> | undefined;
  private readonly gate = new Promise<void>((resolve) => (this.open = resolve));

  started = false;

  override removeBlob(hash: string, inUse: () => Promise<boolean>): Promise<boolean> {
    this.started = true;
    this.removed = this.gate.then(() => super.removeBlob(hash, inUse));
    return this.removed;
  }
}

describe('attaching an upload again while its blob is being freed', () => {
  it('keeps the blob for the new message', async () => {
    const store = openSqliteStore(join(dir, 'server.db'));
    const blobs = new HeldRemovals(join(dir, 'files'));
    const ctx = buildContext(
      store,
      new LocalBus(),
      { port: 0, blockDurationSeconds: 60, timeoutSeconds: 0, kdfCost: TEST_KDF_COST },
      createLogger('silent'),
      { blobs, close: () => {} },
    );
    await ctx.accounts.register('yoda', 'wise');
    await ctx.accounts.register('hans', 'falcon');
    const bytes = testBytes(30_000, 1);
    const meta = { name: 'a.png', size: bytes.length, sha256: sha256(bytes), mime: 'image/png' };
    const { upload } = await ctx.files.start('yoda', meta);
    const data = bytes.toString('base64');
    expect(await ctx.files.chunk('yoda', { upload, offset: 0, data })).toEqual({
      received: bytes.length,
      complete: true,
    });
    const send = async () => {
      const file = await ctx.files.attachable('yoda', upload);
      return async () => {
        const { message } = await ctx.messages.send('yoda', 'hans', { text: '', file });
        await ctx.files.attached(upload);
        return message;
      };
    };
    const first = await (await send())();

    // The delete frees the blob: its removal starts and is held before it takes the blob away.
    await ctx.messages.delete('yoda', first.id);
    await expect.poll(() => blobs.started).toBe(true);
    // The same upload is attached again: the blob is still there when the send looks for it.
    const storeIt = await send();
    blobs.open();
    expect(await blobs.removed).toBe(false);
    const second = await storeIt();

    expect(await blobs.hasBlob(meta.sha256)).toBe(true);
    const range = { messageId: second.id, offset: 0, length: 100 };
    expect(Buffer.from((await ctx.files.read('hans', range)).data, 'base64')).toEqual(bytes.subarray(0, 100));
    await ctx.files.close();
    await store.close();
  });
});
