/**
 * axe-core over every screen, in the light and the dark theme (the app follows the system's
 * prefers-color-scheme, emulated here per window): login, a refused registration, the main window with
 * a conversation and the people panel, search results with found messages, the Blocked users
 * dialog, and a private chat window. Any
 * serious or critical violation fails the test (e2e/axe.ts). Also the Settings dialog, and a 400×700
 * window with the chat alone and the people panel as a drawer.
 */
import type { Page } from '@playwright/test';
import { expectNoSeriousViolations } from './axe.js';
import {
  expect,
  login,
  messages,
  openConversation,
  send,
  setBlocked,
  test,
  waitForPrivateWindow,
  type TestServer,
} from './fixtures.js';

type Theme = 'light' | 'dark';

async function checkLoginScreens(page: Page, theme: Theme): Promise<void> {
  await expect(page.getByRole('button', { name: 'Log in' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Create account' })).toBeVisible();
  await expectNoSeriousViolations(page, `login (${theme})`);
  await page.getByLabel('Username').fill('no spaces allowed');
  await page.getByLabel('Password').fill('long-enough-password');
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByRole('alert')).toBeVisible();
  await expectNoSeriousViolations(page, `registration refused (${theme})`);
}

async function checkMainWindow(alice: Page, bob: Page, theme: Theme): Promise<void> {
  await openConversation(bob, 'alice');
  await send(bob, 'Hello Alice, from Bob');
  await openConversation(alice, 'bob');
  await send(alice, 'Hi Bob! سلام and shalom שלום');
  await expect(messages(alice, 'bob').getByText('Hello Alice, from Bob')).toBeVisible();
  await expect(alice.getByRole('list', { name: 'Online now' }).getByText('bob')).toBeVisible();
  await expectNoSeriousViolations(alice, `main window with a conversation and the people panel (${theme})`);
}

async function checkSearchResults(page: Page, theme: Theme): Promise<void> {
  const searchBox = page.getByRole('searchbox', { name: 'Search users and messages' });
  await searchBox.fill('hello');
  await expect(page.getByRole('list', { name: 'Messages found' }).locator('mark')).toHaveText('Hello');
  await expectNoSeriousViolations(page, `user and message search results (${theme})`);
  await searchBox.press('Escape');
}

async function checkBlockedDialog(page: Page, theme: Theme): Promise<void> {
  await page.getByRole('button', { name: 'Blocked users' }).click();
  const dialog = page.getByRole('dialog', { name: 'Blocked users' });
  await expectNoSeriousViolations(page, `Blocked users dialog, empty (${theme})`);
  await dialog.getByRole('textbox', { name: 'Username to block' }).fill('carol');
  await dialog.getByRole('button', { name: 'Block', exact: true }).click();
  await expect(dialog.getByRole('status')).toHaveText('carol has been blocked');
  await expectNoSeriousViolations(page, `Blocked users dialog with a user (${theme})`);
  await dialog.getByRole('button', { name: 'Close' }).click();
  await expect(dialog).toBeHidden();
}

async function checkPrivateWindow(alice: Page, theme: Theme): Promise<void> {
  await alice
    .getByRole('list', { name: 'Online now' })
    .getByRole('listitem')
    .filter({ hasText: 'bob' })
    .getByRole('button', { name: 'Actions for bob', exact: true })
    .click();
  // The people panel's actions are in a menu per person (issue 12, part C).
  await alice.getByRole('menuitem', { name: 'Start private chat with bob' }).click();
  const window = await waitForPrivateWindow(alice, 'bob');
  await window.emulateMedia({ colorScheme: theme });
  await expect(window.getByText('Connected directly')).toBeVisible();
  const composer = window.getByRole('textbox', { name: 'Message', exact: true });
  await composer.fill('a private hello');
  await composer.press('Enter');
  await expect(window.getByText('a private hello')).toBeVisible();
  await expectNoSeriousViolations(window, `private chat window (${theme})`);
}

async function checkSettingsDialog(page: Page, theme: Theme): Promise<void> {
  await page.getByRole('button', { name: 'Settings', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Settings' });
  await expect(dialog).toBeVisible();
  await expectNoSeriousViolations(page, `Settings dialog (${theme})`);
  await dialog.getByRole('button', { name: 'Done' }).click();
  await expect(dialog).toBeHidden();
}

/** A phone-sized window: the chat alone, then the people panel as a drawer over it. */
async function checkNarrowWindow(page: Page, theme: Theme): Promise<void> {
  const size = page.viewportSize();
  await page.setViewportSize({ width: 400, height: 700 });
  await expect(page.getByRole('button', { name: 'Back to conversations' })).toBeVisible();
  await expectNoSeriousViolations(page, `400×700 chat (${theme})`);
  // The chat header's own People button (the sidebar's is out of sight in one column).
  await page.locator('.chat-header').getByRole('button', { name: 'People', exact: true }).click();
  await expect(page.getByRole('button', { name: 'Close people panel' })).toBeVisible();
  await expectNoSeriousViolations(page, `400×700 people drawer (${theme})`);
  await page.getByRole('button', { name: 'Close people panel' }).click();
  if (size) await page.setViewportSize(size);
}

/** A message refused by its recipient stays in the chat with its error line: still readable. */
async function checkRefusedMessage(alice: Page, bob: Page, theme: Theme): Promise<void> {
  await setBlocked(bob, 'alice', true);
  await send(alice, 'are you still there?');
  await expect(
    messages(alice, 'bob')
      .getByText(/Not delivered/)
      .first(),
  ).toBeVisible();
  await expectNoSeriousViolations(alice, `a refused message (${theme})`);
}

async function launchThemed(launchApp: (name: string) => Promise<Page>, name: string, theme: Theme) {
  const page = await launchApp(name);
  await page.emulateMedia({ colorScheme: theme });
  return page;
}

for (const theme of ['light', 'dark'] as const) {
  test(`every screen has no serious or critical axe violation in the ${theme} theme`, async ({
    server,
    launchApp,
  }: {
    server: TestServer;
    launchApp: (name: string) => Promise<Page>;
  }) => {
    test.setTimeout(170_000); // twelve axe runs and two app instances
    const alice = await launchThemed(launchApp, 'alice', theme);
    await checkLoginScreens(alice, theme);
    await login(alice, server, 'alice');
    const bob = await launchThemed(launchApp, 'bob', theme);
    await login(bob, server, 'bob');
    await checkMainWindow(alice, bob, theme);
    await checkSearchResults(alice, theme);
    await checkBlockedDialog(alice, theme);
    await checkSettingsDialog(alice, theme);
    await checkPrivateWindow(alice, theme);
    await checkNarrowWindow(alice, theme);
    await checkRefusedMessage(alice, bob, theme);
  });
}
