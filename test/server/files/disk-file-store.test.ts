/** The disk adapter against the FileStore conformance suite, in a fresh temp folder per test. */
import { rmSync } from 'node:fs';
import { DiskFileStore } from '../../../server/files/disk-file-store.js';
import { makeTempDir } from '../../helpers/server.js';
import { describeFileStoreConformance } from './file-store-conformance.js';

describeFileStoreConformance('disk', async () => {
  const dir = makeTempDir('messenger-disk-files-');
  return {
    blobs: new DiskFileStore(dir),
    cleanup: () => Promise.resolve(rmSync(dir, { recursive: true, force: true })),
  };
});
