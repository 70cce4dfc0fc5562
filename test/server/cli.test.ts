import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, parseCommandLine } from '../../server/config.js';
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

  it('shuts down cleanly (exit 0) on a SIGINT sent the moment it prints the listening line', async () => {
    // Before the fix about half of these died of the signal: the handlers came after the line.
    for (let i = 0; i < 8; i++) {
      const server = await spawnServer(['0', '10', '60', '--db', ':memory:']);
      expect(await server.stop('SIGINT')).toBe(0);
    }
  });

  it.concurrent.each([
    [['--block-duration', '1', '--timeout', '1'], /missing port/],
    [['--port', '0', '--block-duration', '-1', '--timeout', '1'], /block duration/],
    [['0', '1', '1', '--credentials', '/nonexistent/credentials.txt'], /credentials/],
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

describe('argument parsing', () => {
  it('accepts flags and the positional form', () => {
    expect(parseCommandLine(['--port', '0', '--block-duration', '10', '--timeout', '60'])).toMatchObject({
      host: '127.0.0.1',
      port: 0,
      blockDurationSeconds: 10,
      timeoutSeconds: 60,
      openRegistration: false,
    });
    expect(parseCommandLine(['4000', '1.5', '0', '--host', '0.0.0.0', '--open-registration'])).toMatchObject({
      host: '0.0.0.0',
      port: 4000,
      blockDurationSeconds: 1.5,
      timeoutSeconds: 0,
      openRegistration: true,
    });
    expect(parseCommandLine(['0', '1', '1', '--verbose']).logLevel).toBe('info');
    expect(parseCommandLine(['0', '1', '1', '--log-level', 'debug', '--kdf-cost', '1024'])).toMatchObject({
      logLevel: 'debug',
      kdfCost: 1024,
    });
  });

  it.each([
    [[], /missing port/],
    [['0'], /missing block duration/],
    [['0', '1'], /missing timeout/],
    [['--port', '70000', '--block-duration', '1', '--timeout', '1'], /port/],
    [['--port', 'abc', '--block-duration', '1', '--timeout', '1'], /port must be a number/],
    [['0', '1', '-5'], /timeout/],
    [['--port', '5', '1', '1', '1'], /port given twice/],
    [['0', '1', '1', '2'], /too many arguments/],
    [['0', '1', '1', '--bogus'], /bogus/],
    [['0', '1', '1', '--kdf-cost', '1000'], /kdf cost/],
    [['0', '1', '1', '--log-level', 'loud'], /log level/],
  ])('rejects %j', (args, pattern) => {
    expect(() => parseCommandLine(args as string[])).toThrow(ConfigError);
    expect(() => parseCommandLine(args as string[])).toThrow(pattern);
  });
});
