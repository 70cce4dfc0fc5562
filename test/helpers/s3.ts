/**
 * A real S3-compatible HTTP server for tests: s3rver (Node, files in a temp folder) on 127.0.0.1,
 * port 0, with one bucket. The AWS SDK reaches it as it would any S3-compatible service; its
 * credentials are s3rver's fixed pair, given through the standard AWS environment variables, as
 * the server reads them in production (docs/server.md). s3rver checks the access key id; it does not
 * verify SigV4 signatures, nor the SHA-256 checksum a PutObject carries (AWS S3 does both).
 */
import { rmSync } from 'node:fs';
import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import type { StartOptions } from '../../server/app.js';
import { s3Client, type S3Settings } from '../../server/files/s3-file-store.js';
import { makeTempDir } from './server.js';

export const TEST_BUCKET = 'messenger-files';

export interface TestS3 {
  readonly endpoint: string;
  /** Settings for an adapter under `prefix` (tests that share the server keep apart by prefix). */
  settings(prefix?: string): S3Settings;
  /** The server options that put a test server's files under `prefix`. */
  options(prefix?: string): Partial<StartOptions>;
  /** Every key under `prefix`, listed by the bucket. */
  keys(prefix?: string): Promise<string[]>;
  readonly client: S3Client;
  /** Stops the S3 server (the bucket no longer answers); start() brings it back, same port and data. */
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

export async function startS3(): Promise<TestS3> {
  process.env.AWS_ACCESS_KEY_ID = 'S3RVER';
  process.env.AWS_SECRET_ACCESS_KEY = 'S3RVER';
  const directory = makeTempDir('messenger-s3-');
  const serve = async (port: number) => {
    const configureBuckets = [{ name: TEST_BUCKET, configs: [] }];
    const server = new S3rver({ address: '127.0.0.1', port, silent: true, directory, configureBuckets });
    return { server, address: await server.run() };
  };
  let { server, address } = await serve(0);
  const { port } = address;
  const endpoint = `http://127.0.0.1:${port}`;
  const settings = (prefix = ''): S3Settings => ({
    bucket: TEST_BUCKET,
    region: 'us-east-1',
    endpoint,
    prefix,
    forcePathStyle: true,
  });
  const client = s3Client(settings());
  return {
    endpoint,
    settings,
    client,
    options: (prefix = '') => ({
      s3Bucket: TEST_BUCKET,
      s3Endpoint: endpoint,
      s3Region: 'us-east-1',
      s3Prefix: prefix,
      s3ForcePathStyle: true,
    }),
    keys: async (prefix = '') => {
      const page = await client.send(new ListObjectsV2Command({ Bucket: TEST_BUCKET, Prefix: prefix }));
      return (page.Contents ?? []).map(({ Key }) => Key ?? '');
    },
    stop: () => server.close(),
    start: async () => {
      ({ server, address } = await serve(port));
    },
    close: async () => {
      client.destroy();
      await server.close().catch(() => {});
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
