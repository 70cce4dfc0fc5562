/**
 * Fixtures for end-to-end tests: a real server and app instances.
 *
 * - `server`: a fresh server on 127.0.0.1 port 0 with a temporary database, registration open, and
 *   the accounts in `server.users` imported (password = `server.users[name]`).
 * - `launchApp(name)`: starts one app instance (one user's app) and returns the Playwright Page of its
 *   main window, showing the login screen. It uses real Electron (`_electron.launch`) when an Electron
 *   binary is installed, otherwise the browser shell in Chromium (Debian's /usr/bin/chromium); it logs
 *   which. Private-chat windows open as new pages of the same app: `waitForPrivateWindow(page, peer)`.
 *   Everything is closed after the test.
 *
 * Test bodies use only the Page API, so the same tests run in both shells.
 */
import { test as base, expect, type ElectronApplication, type Page } from '@playwright/test';
import { _electron } from '@playwright/test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startBrowserShell, type BrowserShell } from '../src/browser-shell/shell.js';
import { electronBinary } from '../scripts/lib/electron.js';
import { startSeededServer } from '../scripts/lib/seeded-server.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export interface TestServer {
  host: string;
  port: number;
  /** Imported accounts: name → password. */
  users: Readonly<Record<string, string>>;
}

export type Shell = 'electron' | 'browser-shell';

export interface AppFixtures {
  server: TestServer;
  /** Opens one app instance for `name` (a label in logs; log in with `login`). */
  launchApp: (name: string) => Promise<Page>;
  /** Which shell `launchApp` uses in this run. */
  shell: Shell;
}

export const DEFAULT_USERS: Readonly<Record<string, string>> = {
  alice: 'alice-pw-1',
  bob: 'bob-pw-2',
  carol: 'carol-pw-3',
};

export const test = base.extend<AppFixtures>({
  // Playwright fixtures without dependencies take an empty destructuring pattern.
  // eslint-disable-next-line no-empty-pattern
  shell: async ({}, use) => {
    await use(electronBinary() ? 'electron' : 'browser-shell');
  },

  // eslint-disable-next-line no-empty-pattern
  server: async ({}, use) => {
    const server = await startSeededServer(DEFAULT_USERS);
    try {
      await use({ host: server.host, port: server.port, users: server.users });
    } finally {
      await server.close();
    }
  },

  launchApp: async ({ server, shell, browser }, use, testInfo) => {
    const cleanups: (() => Promise<unknown>)[] = [];
    const launch = async (name: string): Promise<Page> => {
      if (shell === 'electron') {
        const userData = await mkdtemp(join(tmpdir(), `messenger-electron-${name}-`));
        const app: ElectronApplication = await _electron.launch({
          args: [
            ROOT,
            `--server-host=${server.host}`,
            `--server-port=${server.port}`,
            `--messenger-user-data=${userData}`,
          ],
        });
        cleanups.push(async () => {
          await app.close().catch(() => undefined);
          await rm(userData, { recursive: true, force: true });
        });
        console.log(`[e2e] ${testInfo.title}: app "${name}" runs in Electron`);
        const page = await app.firstWindow();
        await page.waitForLoadState('domcontentloaded');
        return page;
      }
      const appShell: BrowserShell = await startBrowserShell({
        server: { host: server.host, port: server.port },
      });
      cleanups.push(() => appShell.close());
      const context = await browser.newContext();
      cleanups.push(() => context.close());
      console.log(
        `[e2e] ${testInfo.title}: app "${name}" runs in the browser shell (Chromium) at ${appShell.origin}`,
      );
      const page = await context.newPage();
      await page.goto(appShell.url);
      return page;
    };
    await use(launch);
    // Browsers first (their sockets close), then shells.
    for (const cleanup of cleanups.reverse()) await cleanup();
  },
});

export { expect };

/** Fills the login form (server address included) and waits for the main screen. */
export async function login(
  page: Page,
  server: TestServer,
  name: string,
  password = server.users[name],
): Promise<void> {
  if (password === undefined) throw new Error(`no password for ${name}`);
  await page.getByLabel('Server host').fill(server.host);
  await page.getByLabel('Server port').fill(String(server.port));
  await page.getByLabel('Username').fill(name);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page.getByRole('navigation', { name: 'Conversations' })).toBeVisible();
}

/**
 * The private-chat window for `peer` in `page`'s app, once it is open and loaded (a popup of the same
 * context in the browser shell, another window of the app in Electron).
 */
export async function waitForPrivateWindow(page: Page, peer: string, timeoutMs = 15_000): Promise<Page> {
  const wanted = `peer=${encodeURIComponent(peer)}`;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const found = page
      .context()
      .pages()
      .find((candidate) => candidate.url().includes(wanted));
    if (found) {
      await found.waitForLoadState('domcontentloaded');
      return found;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no private chat window for ${peer} opened`);
}
