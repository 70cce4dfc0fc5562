/**
 * Fixtures for end-to-end tests: a real server and app instances.
 *
 * - `server`: a fresh server on 127.0.0.1 port 0 with a temporary database, registration open, and
 *   the accounts in `server.users` imported (password = `server.users[name]`). Its lockout and
 *   inactivity timeout come from the `serverOptions` option (`test.use({ serverOptions: {…} })`);
 *   `server.stop()` / `server.start()` / `server.restart()` stop and start it on the same database
 *   and, when it can, the same port.
 * - `launchApp(name)`: starts one app instance (one user's app) and returns the Playwright Page of its
 *   main window, showing the login screen. It uses real Electron (`_electron.launch`) when an Electron
 *   binary is installed, otherwise the browser shell in Chromium (Debian's /usr/bin/chromium); it logs
 *   which. Private-chat windows open as new pages of the same app: `waitForPrivateWindow(page, peer)`.
 *   Launching the same name again reuses that instance's user data (a reopened app).
 * - `closeApp(page)`: quits the instance whose main window is `page` (like closing the app window).
 *   Everything still open is closed after the test.
 *
 * Test bodies use only the Page API, so the same tests run in both shells.
 */
import { test as base, expect, type ElectronApplication, type Locator, type Page } from '@playwright/test';
import { _electron } from '@playwright/test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startBrowserShell, type BrowserShell } from '../src/browser-shell/shell.js';
import { electronBinary } from '../scripts/lib/electron.js';
import { stopSharedClusterServices } from '../test/helpers/cluster.js';
import { startTestServer } from '../test/helpers/server.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export interface TestServer {
  readonly host: string;
  readonly port: number;
  /** Imported accounts: name → password. */
  readonly users: Readonly<Record<string, string>>;
  /** The server's SQLite file (edit it only while the server is stopped). */
  readonly dbPath: string;
  /** Stops the server (clients are told it shuts down); the database is kept. */
  stop(): Promise<void>;
  /** Starts a stopped server again on the same database (same port when free). */
  start(): Promise<void>;
  /** stop() then start(). */
  restart(): Promise<void>;
}

/** Per-test server settings: `test.use({ serverOptions: { blockDurationSeconds: 2 } })`. */
export interface ServerOptions {
  /** Lockout after three wrong passwords, in seconds. */
  blockDurationSeconds: number;
  /** Inactivity logout in seconds; 0 = never. */
  timeoutSeconds: number;
}

export type Shell = 'electron' | 'browser-shell';

export interface AppFixtures {
  serverOptions: ServerOptions;
  server: TestServer;
  /** Opens one app instance for `name` (a label in logs; log in with `login`). */
  launchApp: (name: string) => Promise<Page>;
  /** Quits the app instance whose main window is `page`. */
  closeApp: (page: Page) => Promise<void>;
  /** Which shell `launchApp` uses in this run. */
  shell: Shell;
}

/** How to quit each open instance, by its main window (closing twice is harmless). */
const quitters = new WeakMap<Page, () => Promise<void>>();

function once(close: () => Promise<void>): () => Promise<void> {
  let closing: Promise<void> | undefined;
  return () => (closing ??= close());
}

export const DEFAULT_USERS: Readonly<Record<string, string>> = {
  alice: 'alice-pw-1',
  bob: 'bob-pw-2',
  carol: 'carol-pw-3',
};

export const test = base.extend<AppFixtures, { clusterServices: void }>({
  // With MESSENGER_TEST_CLUSTER (playwright.cluster.config.ts) the servers of a worker share one
  // PostgreSQL and Redis, started by the first server; they stop with the worker.
  clusterServices: [
    // eslint-disable-next-line no-empty-pattern
    async ({}, use) => {
      await use();
      await stopSharedClusterServices();
    },
    { scope: 'worker', auto: true },
  ],

  // Playwright fixtures without dependencies take an empty destructuring pattern.
  // eslint-disable-next-line no-empty-pattern
  shell: async ({}, use) => {
    await use(electronBinary() ? 'electron' : 'browser-shell');
  },

  serverOptions: [{ blockDurationSeconds: 60, timeoutSeconds: 0 }, { option: true }],

  server: async ({ serverOptions }, use) => {
    const server = await startTestServer({
      users: { ...DEFAULT_USERS },
      host: '127.0.0.1',
      openRegistration: true,
      ...serverOptions,
    });
    try {
      await use({
        get host() {
          return server.host;
        },
        get port() {
          return server.port;
        },
        users: DEFAULT_USERS,
        dbPath: server.dbPath,
        stop: () => server.stop(),
        start: () => server.restart(),
        restart: () => server.restart(),
      });
    } finally {
      await server.close();
    }
  },

  launchApp: async ({ server, shell, browser }, use, testInfo) => {
    const quits: (() => Promise<void>)[] = [];
    const track = (page: Page, close: () => Promise<void>): void => {
      const quit = once(close);
      quits.push(quit);
      quitters.set(page, quit);
    };
    const userDataDirs = new Map<string, string>();
    const launch = async (name: string): Promise<Page> => {
      if (shell === 'electron') {
        let userData = userDataDirs.get(name);
        if (userData === undefined) {
          userData = await mkdtemp(join(tmpdir(), `messenger-electron-${name}-`));
          userDataDirs.set(name, userData);
        }
        const app: ElectronApplication = await _electron.launch({
          args: [
            ROOT,
            `--server-host=${server.host}`,
            `--server-port=${server.port}`,
            `--messenger-user-data=${userData}`,
          ],
        });
        console.log(`[e2e] ${testInfo.title}: app "${name}" runs in Electron`);
        const page = await app.firstWindow();
        track(page, () => app.close().catch(() => undefined));
        await page.waitForLoadState('domcontentloaded');
        return page;
      }
      const appShell: BrowserShell = await startBrowserShell({
        server: { host: server.host, port: server.port },
      });
      const context = await browser.newContext().catch(async (error: unknown) => {
        await appShell.close();
        throw error;
      });
      console.log(
        `[e2e] ${testInfo.title}: app "${name}" runs in the browser shell (Chromium) at ${appShell.origin}`,
      );
      const page = await context.newPage();
      // Browser first (its sockets close), then the shell.
      track(page, async () => {
        await context.close().catch(() => undefined);
        await appShell.close();
      });
      await page.goto(appShell.launchUrl());
      return page;
    };
    await use(launch);
    for (const quit of quits.reverse()) await quit();
    for (const dir of userDataDirs.values()) await rm(dir, { recursive: true, force: true });
  },

  // eslint-disable-next-line no-empty-pattern
  closeApp: async ({}, use) => {
    await use(async (page) => {
      const quit = quitters.get(page);
      if (!quit) throw new Error('closeApp: not the main window of an instance from launchApp');
      await quit();
    });
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

/**
 * The entry for `peer` in the conversation list. Its accessible name is everything it shows:
 * "bob, online, 2 unread, 15:03, You: see you".
 */
export function conversationEntry(page: Page, peer: string) {
  return page
    .getByRole('list', { name: 'Conversation list' })
    .getByRole('button', { name: new RegExp(`^${peer}(,|$)`) });
}

/** Launches one instance per name and logs each in, in that order; one Page per name. */
export async function launchLoggedIn<const Names extends readonly string[]>(
  launchApp: (name: string) => Promise<Page>,
  server: TestServer,
  ...names: Names
): Promise<{ [K in keyof Names]: Page }> {
  const pages: Page[] = [];
  for (const name of names) pages.push(await launchApp(name));
  for (const [i, page] of pages.entries()) await login(page, server, names[i] as string);
  return pages as { [K in keyof Names]: Page };
}

/** Opens the Blocked users dialog, blocks or unblocks `name`, and waits for the confirmation. */
export async function setBlocked(page: Page, name: string, blocked: boolean): Promise<void> {
  await page.getByRole('button', { name: 'Blocked users' }).click();
  const dialog = page.getByRole('dialog', { name: 'Blocked users' });
  if (blocked) {
    await dialog.getByRole('textbox', { name: 'Username to block' }).fill(name);
    await dialog.getByRole('button', { name: 'Block', exact: true }).click();
    await expect(dialog.getByRole('status')).toHaveText(`${name} has been blocked`);
  } else {
    await dialog
      .getByRole('list', { name: 'Blocked users' })
      .getByRole('listitem')
      .filter({ hasText: name })
      .getByRole('button', { name: 'Unblock' })
      .click();
    await expect(dialog.getByRole('status')).toHaveText(`${name} has been unblocked`);
  }
  await dialog.getByRole('button', { name: 'Close' }).click();
  await expect(dialog).toBeHidden();
}

/**
 * Chooses `action` ("Message", "Start private chat with", "Block", "Unblock") for `user` from the
 * actions menu of their row in the people panel's Online now list.
 */
export async function personAction(page: Page, user: string, action: string): Promise<void> {
  const name = `Actions for ${user}`;
  await page
    .getByRole('list', { name: 'Online now' })
    .getByRole('listitem')
    .filter({ hasText: user })
    .getByRole('button', { name, exact: true })
    .click();
  await page
    .getByRole('menu', { name })
    .getByRole('menuitem', { name: `${action} ${user}`, exact: true })
    .click();
}

/** Opens (or starts) the conversation with `peer` through the user search. */
export async function openConversation(page: Page, peer: string): Promise<void> {
  await page.getByRole('searchbox', { name: 'Search users' }).fill(peer);
  await page
    .getByRole('list', { name: 'Search results' })
    .getByRole('button', { name: new RegExp(`^${peer}\\b`) })
    .click();
  await expect(page.getByRole('heading', { level: 2, name: peer, exact: true })).toBeVisible();
}

/** Types `text` in the open conversation's composer and presses Enter. */
export async function send(page: Page, text: string): Promise<void> {
  const composer = page.getByRole('textbox', { name: 'Message', exact: true });
  await composer.fill(text);
  await composer.press('Enter');
  await expect(composer).toHaveValue('');
}

/** The open conversation's message log. */
export function messages(page: Page, title: string) {
  return page.getByRole('log', { name: `Messages with ${title}`, exact: true });
}

/** The toasts region. */
export function toasts(page: Page) {
  return page.getByRole('region', { name: 'Notifications' });
}

/** The newest toast saying exactly `text` (an earlier one may still be showing). */
export function toast(page: Page, text: string) {
  return toasts(page).getByText(text, { exact: true }).last();
}

/** "New group" in the people panel: a name and the members ticked. */
export async function createGroup(page: Page, name: string, members: string[]): Promise<void> {
  await page.getByRole('button', { name: 'New group' }).click();
  const form = page.getByRole('form', { name: 'New group' });
  await form.getByRole('textbox', { name: 'Group name' }).fill(name);
  for (const member of members) await form.getByRole('checkbox', { name: member, exact: true }).check();
  await form.getByRole('button', { name: 'Create group' }).click();
  await expect(page.getByRole('heading', { level: 2, name, exact: true })).toBeVisible();
}

/** Right-clicks a message and chooses an emoji from the menu's React submenu. */
export async function reactFromContextMenu(page: Page, messageRow: Locator, name: string): Promise<void> {
  await messageRow.locator('.bubble').click({ button: 'right' });
  await page.getByRole('menuitem', { name: 'React' }).click();
  await page.getByRole('menuitemcheckbox', { name: `React with ${name}` }).click();
}

/** The row of the message saying `text` in a message log. */
export function messageRow(log: Locator, text: string): Locator {
  return log.locator('.message-row').filter({ hasText: text });
}

/** alice, bob and carol logged in, each seeing the other two online; alice creates "Rebels" with both. */
export async function groupOfThree(
  launchApp: (name: string) => Promise<Page>,
  server: TestServer,
): Promise<[Page, Page, Page]> {
  const [alice, bob, carol] = await launchLoggedIn(launchApp, server, 'alice', 'bob', 'carol');
  await expect(alice.getByRole('list', { name: 'Online now' }).getByRole('listitem')).toHaveCount(2);
  await createGroup(alice, 'Rebels', ['bob', 'carol']);
  return [alice, bob, carol];
}

/** A real PNG drawn by the browser (a gradient), so the receiver's thumbnail is a real decode. */
export async function drawPng(page: Page): Promise<Buffer> {
  // A string, run in the page: this file is type-checked without the DOM library.
  const dataUrl = await page.evaluate<string>(`(() => {
    const canvas = document.createElement('canvas');
    canvas.width = 640;
    canvas.height = 480;
    const context = canvas.getContext('2d');
    const gradient = context.createLinearGradient(0, 0, 640, 480);
    gradient.addColorStop(0, '#ff8800');
    gradient.addColorStop(1, '#2244cc');
    context.fillStyle = gradient;
    context.fillRect(0, 0, 640, 480);
    return canvas.toDataURL('image/png');
  })()`);
  return Buffer.from(dataUrl.split(',')[1] as string, 'base64');
}

/** Picks a file in the open chat's file input (main window or private window). */
export function attach(window: Page, name: string, mimeType: string, buffer: Buffer): Promise<void> {
  return window.getByLabel('File to send').setInputFiles({ name, mimeType, buffer });
}
