/**
 * A full disk, for real: the files folder is a 512 KiB tmpfs (mounting one needs root, which the
 * test machines have; elsewhere the file is skipped and says so). An upload that does not fit ends
 * with storage_full and leaves no partial bytes behind, and the space is there for the next one.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FILE_CHUNK_MAX_BYTES } from '../../src/shared/limits.js';
import { sha256, testBytes, uploadFile } from '../helpers/file-transfer.js';
import { RawClient } from '../helpers/raw-client.js';
import { useServerFixture } from '../helpers/server-fixture.js';
import { startTestServer } from '../helpers/server.js';

const fixture = useServerFixture({ checkFrames: true, dirPrefix: 'messenger-full-' });
const TMPFS_BYTES = 512 * 1024;
let mounted: string | undefined;

function mountTinyDisk(): string | undefined {
  const dir = join(fixture.dir, 'tiny');
  mkdirSync(dir);
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${TMPFS_BYTES}`, 'tmpfs', dir], { stdio: 'ignore' });
    return dir;
  } catch {
    return undefined;
  }
}

beforeAll(() => {
  mounted = mountTinyDisk();
  // CI runs as root: there the test must run, never skip.
  if (mounted === undefined && process.env['CI'] === 'true')
    throw new Error('CI must run the full-disk test: mounting a tmpfs failed (run as root)');
  if (mounted === undefined)
    console.warn('cannot mount a tmpfs here (not root?): storage_full is not tested');
});

afterAll(() => {
  if (mounted !== undefined) execFileSync('umount', [mounted]);
});

describe('a full disk', () => {
  it('refuses the chunk that does not fit with storage_full, keeps nothing of the upload, and takes the next file', async (context) => {
    if (mounted === undefined) return context.skip();
    fixture.server = await startTestServer({ filesDir: mounted });
    const yoda = fixture.track(await RawClient.login(fixture.server.port, 'yoda', 'wise'));
    const big = testBytes(2 * TMPFS_BYTES, 21);
    const chunks = Math.ceil(big.length / FILE_CHUNK_MAX_BYTES);
    const { upload } = await yoda.call('upload_start', {
      name: 'big.bin',
      size: big.length,
      sha256: sha256(big),
      mime: 'application/octet-stream',
    });
    let refused: string | undefined;
    for (let i = 0; i < chunks && refused === undefined; i++) {
      const offset = i * FILE_CHUNK_MAX_BYTES;
      const data = big.subarray(offset, offset + FILE_CHUNK_MAX_BYTES).toString('base64');
      const reply = await yoda.request('upload_chunk', { upload, offset, data });
      if (!reply.ok) refused = reply.error.code;
    }
    expect(refused).toBe('storage_full');
    expect(readdirSync(join(mounted, 'parts'))).toEqual([]);
    const chunk = { upload, offset: 0, data: big.subarray(0, 10).toString('base64') };
    expect((await yoda.fail('upload_chunk', chunk)).code).toBe('unknown_upload');

    const small = testBytes(100 * 1024, 22);
    const { last } = await uploadFile(yoda, small);
    expect(last).toEqual({ received: small.length, complete: true });
  });
});
