/**
 * The package as a user installs it: `npm pack`, then `npm install` of the tarball into an empty
 * folder, then the installed bins (built JavaScript, no tsx) run the server and the terminal client.
 * It installs the runtime dependencies from the npm registry (or npm's cache), as a user's install does.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killClients, startClient } from '../cli/cli-harness.js';
import {
  REPO_ROOT,
  makeTempDir,
  runServerCli,
  spawnServer,
  stopSpawnedServers,
  writeCredentials,
} from '../helpers/server.js';

const INSTALL_TIMEOUT_MS = 240_000;
let dir: string;
let bin: (name: string) => string[];

beforeAll(() => {
  dir = makeTempDir('messenger-pack-');
  const packed = JSON.parse(
    execFileSync('npm', ['pack', '--json', '--pack-destination', dir], { cwd: REPO_ROOT, encoding: 'utf8' }),
  ) as { filename: string }[];
  const tarball = join(dir, packed[0]!.filename);
  const project = join(dir, 'project');
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'pack-test', private: true }));
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball], {
    cwd: project,
    encoding: 'utf8',
  });
  bin = (name) => [join(project, 'node_modules', '.bin', name)];
}, INSTALL_TIMEOUT_MS);

afterAll(async () => {
  await killClients();
  await stopSpawnedServers();
  rmSync(dir, { recursive: true, force: true });
});

describe('the installed package', () => {
  it('ships built JavaScript and no TypeScript sources or tsx', () => {
    const installed = join(dir, 'project', 'node_modules', 'greatest-messenger');
    expect(existsSync(join(installed, 'out', 'node', 'server', 'main.js'))).toBe(true);
    expect(existsSync(join(installed, 'server'))).toBe(false);
    expect(existsSync(join(dir, 'project', 'node_modules', 'tsx'))).toBe(false);
  });

  it('prints the usage of both programs for --help and exits 0', async () => {
    const server = await runServerCli(['--help'], 15_000, bin('greatest-messenger-server'));
    expect(server).toMatchObject({ code: 0, stderr: '' });
    expect(server.stdout).toMatch(/^Usage: greatest-messenger-server /);
    const client = await runServerCli(['--help'], 15_000, bin('greatest-messenger'));
    expect(client).toMatchObject({ code: 0, stderr: '' });
    expect(client.stdout).toMatch(/^Usage: greatest-messenger /);
  });

  it('runs the server on port 0, with a gateway process, and logs in with the installed terminal client', async () => {
    const data = makeTempDir();
    const credentials = writeCredentials(data, { yoda: 'wise' });
    const server = await spawnServer(
      ['--port', '0', '--block-duration', '60', '--timeout', '0', '--db', join(data, 'server.db')].concat([
        '--credentials',
        credentials,
        '--kdf-cost',
        '1024',
        '--gateways',
        '1',
      ]),
      15_000,
      bin('greatest-messenger-server'),
    );
    const client = startClient(server.port, undefined, bin('greatest-messenger'));
    await client.logIn('yoda', 'wise');
    client.send('logout');
    expect(await client.exitCode()).toBe(0);
    expect(await server.stop()).toBe(0);
    rmSync(data, { recursive: true, force: true });
  });
});
