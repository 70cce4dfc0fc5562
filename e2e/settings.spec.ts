/** The settings dialog: opened and operated with the keyboard, the theme at once, presence toasts off. */
import type { Page } from '@playwright/test';
import { expectNoSeriousViolations } from './axe.js';
import { expect, launchLoggedIn, login, test, toast, toasts } from './fixtures.js';

const LIGHT_BACKGROUND = 'rgb(244, 246, 251)';
const DARK_BACKGROUND = 'rgb(15, 19, 26)';

/** The page's computed background colour (the theme's --bg on <html>). */
async function expectBackground(page: Page, colour: string): Promise<void> {
  await expect(page.locator('html')).toHaveCSS('background-color', colour);
}

async function openSettings(page: Page) {
  const opener = page.getByRole('button', { name: 'Settings', exact: true });
  await opener.focus();
  await page.keyboard.press('Enter');
  const dialog = page.getByRole('dialog', { name: 'Settings' });
  await expect(dialog).toBeVisible();
  return dialog;
}

test('the theme changes at once from the settings dialog and is kept after a reload', async ({
  server,
  launchApp,
}) => {
  const [alice] = await launchLoggedIn(launchApp, server, 'alice');
  await alice.emulateMedia({ colorScheme: 'light' });
  await expectBackground(alice, LIGHT_BACKGROUND);

  const dialog = await openSettings(alice);
  await expect(dialog.getByRole('radio', { name: 'Same as the system' })).toBeChecked();
  await expectNoSeriousViolations(alice, 'settings dialog, light');
  await dialog.getByRole('radio', { name: 'Dark', exact: true }).check();
  await expectBackground(alice, DARK_BACKGROUND);
  await expectNoSeriousViolations(alice, 'settings dialog, dark');

  // Escape closes it, and focus goes back to the Settings button.
  await alice.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  await expect(alice.getByRole('button', { name: 'Settings', exact: true })).toBeFocused();

  await alice.reload();
  await expect(alice.getByRole('navigation', { name: 'Conversations' })).toBeVisible();
  await expectBackground(alice, DARK_BACKGROUND);

  // Back to the system's theme: it follows the system again.
  const again = await openSettings(alice);
  await again.getByRole('radio', { name: 'Same as the system' }).check();
  await expectBackground(alice, LIGHT_BACKGROUND);
  await alice.emulateMedia({ colorScheme: 'dark' });
  await expectBackground(alice, DARK_BACKGROUND);
});

test('with presence toasts off, nobody logging in shows a toast; on, they do', async ({
  server,
  launchApp,
}) => {
  const [alice] = await launchLoggedIn(launchApp, server, 'alice');

  const dialog = await openSettings(alice);
  await dialog.getByRole('radio', { name: 'Never' }).check();
  await dialog.getByRole('button', { name: 'Done' }).click();
  await expect(dialog).toBeHidden();

  const bob = await launchApp('bob');
  await login(bob, server, 'bob');

  const reopened = await openSettings(alice);
  await reopened.getByRole('radio', { name: 'Always' }).check();
  await reopened.getByRole('button', { name: 'Done' }).click();

  const carol = await launchApp('carol');
  await login(carol, server, 'carol');
  // Presence events arrive in order: once carol's toast shows, bob's login was long handled.
  await expect(toast(alice, 'carol logged in')).toBeVisible();
  await expect(toasts(alice).getByText('bob logged in')).toHaveCount(0);
});
