/** Pieces of `npm start` and the browser shell's command line, against real sockets and processes. */
import { spawn } from 'node:child_process';
import { mkdtemp, mkdir, rm, utimes, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildReason } from '../../scripts/lib/build.js';
import { probeServer } from '../../scripts/lib/probe.js';
import { startSeededServer, type SeededServer } from '../../scripts/lib/seeded-server.js';
import { chromiumArgs } from '../../src/browser-shell/chromium.js';

let server: SeededServer;
let dir: string;
beforeAll(async () => {
  server = await startSeededServer({ alice: 'pw' });
  dir = await mkdtemp(join(tmpdir(), 'launcher-test-'));
});
afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

async function listen(onConnection: (socket: import('node:net').Socket) => void): Promise<[Server, number]> {
  const other = createServer(onConnection);
  await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
  const address = other.address();
  if (!address || typeof address === 'string') throw new Error('no address');
  return [other, address.port];
}

describe('probeServer', () => {
  it('tells a messenger server from something else and from nothing', async () => {
    expect(await probeServer(server.host, server.port)).toBe('messenger');
    const [chatty, chattyPort] = await listen((socket) => socket.end('HTTP/1.1 400 Bad Request\r\n\r\n'));
    const [silent, silentPort] = await listen(() => undefined);
    try {
      expect(await probeServer('127.0.0.1', chattyPort)).toBe('other');
      expect(await probeServer('127.0.0.1', silentPort, 200)).toBe('other');
    } finally {
      silent.close();
      chatty.close();
    }
    expect(await probeServer('127.0.0.1', silentPort)).toBe('none');
  });
});

describe('buildReason', () => {
  it('asks for a build when out/ is missing or older than a source', async () => {
    const root = join(dir, 'repo');
    await mkdir(join(root, 'src/renderer/src'), { recursive: true });
    await writeFile(join(root, 'src/renderer/src/main.ts'), '');
    expect(buildReason(root)).toMatch(/not been built/);
    await mkdir(join(root, 'out/renderer'), { recursive: true });
    await mkdir(join(root, 'out/main'), { recursive: true });
    await writeFile(join(root, 'out/renderer/index.html'), '');
    await writeFile(join(root, 'out/main/index.js'), '');
    const past = new Date(Date.now() - 60_000);
    await utimes(join(root, 'src/renderer/src/main.ts'), past, past);
    await utimes(join(root, 'src/renderer/src'), past, past);
    await utimes(join(root, 'src/renderer'), past, past);
    expect(buildReason(root)).toBeNull();
    await writeFile(join(root, 'src/renderer/src/main.ts'), 'changed');
    expect(buildReason(root)).toMatch(/src\/renderer changed/);
  });
});

describe('browser shell command line', () => {
  it('prints a one-time launch link and stops on SIGTERM', async () => {
    const rendererDir = join(dir, 'renderer');
    await mkdir(rendererDir, { recursive: true });
    await writeFile(join(rendererDir, 'index.html'), '<title>test page</title>');
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'src/browser-shell/main.ts',
        '--no-open',
        '--server-port',
        String(server.port),
        '--renderer-dir',
        rendererDir,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    try {
      const line = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          if (out.includes('\n')) resolve(out.split('\n')[0]!);
        });
        child.once('exit', (code) => reject(new Error(`exited with ${code}`)));
      });
      // A one-time launch link, printed to this terminal only (stdout), never on a command line.
      expect(line).toMatch(/^app ready at http:\/\/127\.0\.0\.1:\d+\/#launch=[A-Za-z0-9_-]{43}$/);
      const link = new URL(line.replace('app ready at ', ''));
      const page = await fetch(link.origin);
      expect(await page.text()).toBe('<title>test page</title>');
      const redeem = () =>
        fetch(`${link.origin}/session`, {
          method: 'POST',
          headers: { origin: link.origin, 'content-type': 'application/json' },
          body: JSON.stringify({ token: link.hash.replace('#launch=', '') }),
        });
      expect((await redeem()).status).toBe(200);
      expect((await redeem()).status).toBe(401);
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('rejects bad ports and passes --no-sandbox to Chromium only as root', async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'src/browser-shell/main.ts', '--port', '70000'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let err = '';
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).not.toBe(0);
    expect(err).toMatch(/port/);
    expect(chromiumArgs('http://x/', '/tmp/p', true)).toContain('--no-sandbox');
    expect(chromiumArgs('http://x/', '/tmp/p', false)).not.toContain('--no-sandbox');
    expect(chromiumArgs('http://x/', '/tmp/p', false)).toEqual(
      expect.arrayContaining(['--app=http://x/', '--user-data-dir=/tmp/p', '--disable-popup-blocking']),
    );
  });
});
