/**
 * The S3 adapter against the FileStore conformance suite, on a real S3-compatible server (s3rver,
 * test/helpers/s3.ts): each test under a key prefix of its own, parts in a temp folder.
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll } from 'vitest';
import { S3FileStore } from '../../../server/files/s3-file-store.js';
import { startS3, type TestS3 } from '../../helpers/s3.js';
import { makeTempDir } from '../../helpers/server.js';
import { describeFileStoreConformance } from './file-store-conformance.js';

let s3: TestS3;
let tests = 0;
beforeAll(async () => {
  s3 = await startS3();
});
afterAll(async () => {
  await s3.close();
});

describeFileStoreConformance('S3', async () => {
  const dir = makeTempDir('messenger-s3-parts-');
  return {
    blobs: new S3FileStore(s3.client, s3.settings(`conformance/${++tests}/`), dir),
    cleanup: () => Promise.resolve(rmSync(dir, { recursive: true, force: true })),
  };
});
