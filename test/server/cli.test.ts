import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RawClient } from '../helpers/raw-client.js';
import {
  makeTempDir,
  runServerCli,
  spawnServer,
  stopSpawnedServers,
  writeCredentials,
} from '../helpers/server.js';

const dir = makeTempDir('messenger-cli-');
const credentials = writeCredentials(dir, { yoda: 'wise', hans: 'falcon' });
afterAll(async () => {
  await stopSpawnedServers();
  rmSync(dir, { recursive: true, force: true });
});

describe('server command line', () => {
  it('prints exactly the listening line, serves, and exits 0 on SIGTERM', async () => {
    const db = join(dir, 'cli.db');
    const server = await spawnServer([
      '--port',
      '0',
      '--block-duration',
      '10',
      '--timeout',
      '60',
      '--credentials',
      credentials,
      '--db',
      db,
      '--kdf-cost',
      '1024',
    ]);
    try {
      expect(server.stdout()).toMatch(/^listening on 127\.0\.0\.1:\d+\n$/);
      const yoda = await RawClient.login(server.port, 'yoda', 'wise');
      const stopped = server.stop('SIGTERM');
      expect(await yoda.waitFor((e) => e.type === 'logged_out')).toMatchObject({ reason: 'shutdown' });
      expect(await stopped).toBe(0);
      expect(server.stdout()).toMatch(/^listening on [^\n]+\n$/);
      expect(server.stderr()).toBe('');
    } finally {
      await server.stop('SIGKILL');
    }
  });

  it('accepts the report positional form P B T and logs to stderr with --verbose', async () => {
    const server = await spawnServer(['0', '10', '60', '--db', ':memory:', '--verbose']);
    try {
      expect(server.stdout()).toMatch(/^listening on 127\.0\.0\.1:\d+\n$/);
      // stderr and stdout are separate pipes: the log line may arrive just after the listening line
      await expect.poll(() => server.stderr(), { timeout: 3000 }).toContain('"msg":"listening"');
    } finally {
      expect(await server.stop('SIGINT')).toBe(0);
    }
  });

  it.each([
    [['--block-duration', '1', '--timeout', '1'], /port/],
    [['--port', '0', '--block-duration', '-1', '--timeout', '1'], /block duration/],
    [['--port', '0', '--block-duration', '1', '--timeout', '-5'], /timeout/],
    [['--port', 'abc', '--block-duration', '1', '--timeout', '1'], /port/],
    [['0', '1', '1', '--credentials', '/nonexistent/credentials.txt'], /credentials/],
    [['0', '1', '1', '--bogus'], /bogus/],
  ])('rejects %j with one stderr line and exit code 2', async (args, pattern) => {
    const result = await runServerCli(args as string[]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(pattern);
  });

  it('rejects a malformed credentials file without starting', async () => {
    const bad = join(dir, 'bad.txt');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(bad, 'yoda wise\nno-password-here\n');
    const result = await runServerCli(['0', '1', '1', '--credentials', bad, '--db', ':memory:']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/line 2/);
    expect(result.stdout).toBe('');
  });
});
