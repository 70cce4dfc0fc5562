/**
 * The --s3-* options (server/config.ts, server/files/open-file-store.ts): what they parse to, what
 * is refused before anything opens, and a server that stops at start with one line saying what is
 * wrong with the bucket (exit status 2), against a real S3-compatible server (s3rver).
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, parseCommandLine } from '../../../server/config.js';
import { s3Settings } from '../../../server/files/open-file-store.js';
import { startS3, TEST_BUCKET, type TestS3 } from '../../helpers/s3.js';
import { makeTempDir, runServerCli } from '../../helpers/server.js';

const BASE = ['0', '1', '1'];
let s3: TestS3;
const dir = makeTempDir('messenger-s3-options-');
beforeAll(async () => {
  s3 = await startS3();
});
afterAll(async () => {
  await s3.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('S3 options', () => {
  it('parses the bucket settings; the region defaults to the AWS environment, then us-east-1', () => {
    const options = parseCommandLine([
      ...BASE,
      '--s3-bucket',
      'team.files-1',
      '--s3-endpoint',
      'https://s3.example.net:9000',
      '--s3-prefix',
      'messenger/prod/',
      '--s3-force-path-style',
    ]);
    expect(s3Settings(options, {})).toEqual({
      bucket: 'team.files-1',
      region: 'us-east-1',
      endpoint: 'https://s3.example.net:9000',
      prefix: 'messenger/prod/',
      forcePathStyle: true,
    });
    expect(s3Settings(options, { AWS_REGION: 'eu-west-1' })?.region).toBe('eu-west-1');
    expect(s3Settings({ ...options, s3Region: 'ap-south-1' }, { AWS_REGION: 'eu-west-1' })?.region).toBe(
      'ap-south-1',
    );
    expect(s3Settings(parseCommandLine(BASE))).toBeUndefined();
  });

  it.each([
    [['--s3-bucket', 'UPPER'], /--s3-bucket must be 3-63 lowercase/],
    [['--s3-bucket', 'ab'], /--s3-bucket/],
    [['--s3-bucket', 'a..b'], /--s3-bucket/],
    [['--s3-endpoint', 'http://localhost:9000'], /--s3-endpoint needs --s3-bucket/],
    [['--s3-force-path-style'], /--s3-force-path-style needs --s3-bucket/],
    [['--s3-bucket', 'files', '--s3-endpoint', 'ftp://host'], /--s3-endpoint must be an http/],
    [['--s3-bucket', 'files', '--s3-endpoint', 'http://key:secret@host'], /without credentials/],
    [['--s3-bucket', 'files', '--s3-prefix', '/abs'], /--s3-prefix/],
    [['--s3-bucket', 'files', '--s3-prefix', 'a//b'], /--s3-prefix/],
    [['--s3-bucket', 'files', '--s3-region', 'Mars 1'], /--s3-region/],
    [['--s3-bucket', 'files', '--max-file-bytes', String(6 * 1024 ** 3)], /at most 5 GiB/],
  ])('refuses %j', (args, pattern) => {
    expect(() => parseCommandLine([...BASE, ...args])).toThrow(ConfigError);
    expect(() => parseCommandLine([...BASE, ...args])).toThrow(pattern);
  });
});

describe('a bucket that does not answer stops the start', () => {
  const start = (bucket: string, endpoint = s3.endpoint) =>
    runServerCli([
      ...BASE,
      '--db',
      ':memory:',
      '--files-dir',
      dir,
      '--s3-bucket',
      bucket,
      '--s3-endpoint',
      endpoint,
      '--s3-force-path-style',
    ]);

  function expectRefused(result: Awaited<ReturnType<typeof runServerCli>>, pattern: RegExp) {
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/^server: cannot start: S3 bucket "/);
    expect(result.stderr).toMatch(pattern);
  }

  it('names a bucket that does not exist', async () => {
    expectRefused(await start('no-such-bucket'), /no such bucket/);
  });

  it('says when the credentials are refused', async () => {
    // s3rver checks the access key id (it does not verify SigV4 signatures).
    const saved = process.env.AWS_ACCESS_KEY_ID;
    process.env.AWS_ACCESS_KEY_ID = 'NOT-A-KEY';
    try {
      expectRefused(await start(TEST_BUCKET), /access denied: check AWS_ACCESS_KEY_ID/);
    } finally {
      process.env.AWS_ACCESS_KEY_ID = saved;
    }
  });

  it('says when the endpoint cannot be reached', async () => {
    expectRefused(await start(TEST_BUCKET, 'http://127.0.0.1:1'), /cannot be reached \(ECONNREFUSED\)/);
  });
});
