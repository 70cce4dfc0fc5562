/**
 * The file tests (./files-suite.ts) on the S3 blob store, against a real S3-compatible server
 * (s3rver, test/helpers/s3.ts): each test server keeps its blobs under a key prefix of its own.
 */
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { S3FileStore } from '../../server/files/s3-file-store.js';
import { startS3, type TestS3 } from '../helpers/s3.js';
import { describeFileTests } from './files-suite.js';

let s3: TestS3;
let servers = 0;
let prefix = '';
beforeAll(async () => {
  s3 = await startS3();
});
afterAll(async () => {
  await s3.close();
});

describeFileTests({
  options: () => s3.options((prefix = `server-${++servers}/`)),
  blobs: async () => {
    const blobs = (await s3.keys(`${prefix}sha256/`)).map((key) => key.slice(key.lastIndexOf('/') + 1));
    return blobs.sort();
  },
  fileStore: (server) => new S3FileStore(s3.client, s3.settings(prefix), join(server.dir, 'files')),
});
