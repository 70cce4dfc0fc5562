/**
 * The file tests (./files-suite.ts) on the S3 blob store, against a real S3-compatible server
 * (s3rver, test/helpers/s3.ts): each test server keeps its blobs under a key prefix of its own.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3FileStore } from '../../server/files/s3-file-store.js';
import { FILE_CHUNK_MAX_BYTES } from '../../src/shared/limits.js';
import { downloadFile, sha256, testBytes, uploadFile } from '../helpers/file-transfer.js';
import { RawClient } from '../helpers/raw-client.js';
import { startS3, type TestS3 } from '../helpers/s3.js';
import { useServerFixture } from '../helpers/server-fixture.js';
import { startTestServer } from '../helpers/server.js';
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

describe('a bucket that stops answering', () => {
  const fixture = useServerFixture({ checkFrames: true });

  it('answers unavailable, takes the last chunk back, and stores the file when it is sent again once the bucket is back', async () => {
    fixture.server = await startTestServer(s3.options((prefix = 'outage/')));
    const login = async (name: string, password: string) =>
      fixture.track(await RawClient.login(fixture.server.port, name, password));
    const yoda = await login('yoda', 'wise');
    const hans = await login('hans', 'falcon');
    const bytes = testBytes(3 * FILE_CHUNK_MAX_BYTES, 30);
    const lastAt = 2 * FILE_CHUNK_MAX_BYTES;
    const { upload } = await uploadFile(yoda, bytes, { stopAt: lastAt });
    const last = { upload, offset: lastAt, data: bytes.subarray(lastAt).toString('base64') };

    await s3.stop();
    expect((await yoda.fail('upload_chunk', last)).code).toBe('unavailable');
    const meta = { name: 'photo.png', size: bytes.length, sha256: sha256(bytes), mime: 'image/png' };
    expect(await yoda.call('upload_start', meta)).toEqual({ upload, offset: lastAt });
    await s3.start();
    expect(await yoda.call('upload_chunk', last)).toEqual({ received: bytes.length, complete: true });
    const { message } = await yoda.call('message', { to: 'hans', file: upload });

    await s3.stop();
    const range = { messageId: message.id, offset: 0, length: 100 };
    expect((await hans.fail('download_chunk', range)).code).toBe('unavailable');
    await s3.start();
    expect(sha256(await downloadFile(hans, message.id, bytes.length))).toBe(sha256(bytes));
  });
});
