/**
 * Chromium gets the one-time launch link without it ever being on a command line, which every local
 * user can read in /proc/PID/cmdline: the real shell, and the real Chromium (headless) when installed.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { findChromium, prepareChromiumLaunch, removeProfile } from '../../src/browser-shell/chromium.js';
import { startBrowserShell, type BrowserShell } from '../../src/browser-shell/shell.js';

const CHROMIUM = findChromium(process.env['CHROMIUM']);

/**
 * A stand-in for the built renderer that does what bridge/install.ts does: trade the launch token for
 * the session secret, open the bridge with it, and make one call.
 */
const PAGE_SCRIPT = `
const token = new URLSearchParams(location.hash.slice(1)).get('launch');
history.replaceState(null, '', location.pathname);
fetch('/session', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ token }) })
  .then((response) => response.json())
  .then(({ secret }) => {
    const socket = new WebSocket('ws://' + location.host + '/bridge?secret=' + encodeURIComponent(secret));
    socket.onopen = () => socket.send(JSON.stringify({ id: 1, method: 'getState', args: [] }));
  });
`;

let dir: string;
let rendererDir: string;
let app: BrowserShell;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'chromium-launch-test-'));
  rendererDir = join(dir, 'renderer');
  await mkdir(join(rendererDir, 'assets'), { recursive: true });
  await writeFile(
    join(rendererDir, 'index.html'),
    '<!doctype html><title>Messenger</title><script src="/assets/app.js"></script>',
  );
  await writeFile(join(rendererDir, 'assets', 'app.js'), PAGE_SCRIPT);
  app = await startBrowserShell({ rendererDir });
});

afterAll(async () => {
  await app?.close();
  await rm(dir, { recursive: true, force: true });
});

function tokenOf(link: string): string {
  return new URL(link).hash.replace(/^#launch=/, '');
}

/** Every process's command line, as another local user could read them. */
async function allCommandLines(): Promise<string[]> {
  const pids = (await readdir('/proc')).filter((name) => /^\d+$/.test(name));
  const lines = await Promise.all(
    pids.map((pid) => readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')),
  );
  return lines.map((line) => line.replaceAll('\0', ' '));
}

/**
 * Reads every process's command line over and over, from Chromium's start until `done()`, so a
 * credential shown only for a moment would be seen too; returns every distinct line read.
 */
async function watchCommandLines(done: () => boolean, timeoutMs: number): Promise<Set<string>> {
  const seen = new Set<string>();
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const line of await allCommandLines()) seen.add(line);
    if (done()) return seen;
    if (Date.now() > deadline) throw new Error('Chromium never called the bridge');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('opening the browser shell in Chromium', () => {
  it('hands Chromium a page only this user can read, and no credential on its command line', async () => {
    const link = app.launchUrl();
    const { userDataDir, args } = await prepareChromiumLaunch(link);
    try {
      expect(args.join(' ')).not.toContain(tokenOf(link));
      const appArg = args.find((arg) => arg.startsWith('--app='));
      const page = fileURLToPath(appArg?.slice('--app='.length) ?? '');
      expect(page).toBe(join(userDataDir, 'launch.html'));
      expect((await stat(userDataDir)).mode & 0o777).toBe(0o700);
      expect((await stat(page)).mode & 0o777).toBe(0o600);
      expect(await readFile(page, 'utf8')).toContain(`<meta http-equiv="refresh" content="0;url=${link}">`);
    } finally {
      await rm(userDataDir, { recursive: true, force: true });
    }
  });

  it.skipIf(!CHROMIUM)(
    'real Chromium opens the app through it, and no process shows the token',
    { timeout: 60_000 },
    async () => {
      const calls = vi.spyOn(app.core, 'call');
      const link = app.launchUrl();
      const { userDataDir, args } = await prepareChromiumLaunch(link);
      const browser = spawn(CHROMIUM!, [...args, '--headless=new'], { stdio: 'ignore' });
      const exited = new Promise((resolve) => browser.once('exit', resolve));
      try {
        const seen = [
          ...(await watchCommandLines(
            () => calls.mock.calls.some(([method]) => method === 'getState'),
            45_000,
          )),
        ];
        // Chromium's own command line was among those read: it names the launch page, not the link.
        expect(seen.some((line) => line.includes(`--app=file://${userDataDir}/launch.html`))).toBe(true);
        expect(seen.filter((line) => line.includes(tokenOf(link)))).toEqual([]);
      } finally {
        calls.mockRestore();
        browser.kill('SIGKILL');
        await exited;
        await removeProfile(userDataDir);
        expect(existsSync(userDataDir)).toBe(false);
      }
    },
  );
});
