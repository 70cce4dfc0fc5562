/** Login errors, lockout after three wrong passwords, and its expiry (one instance). */
import type { Page } from '@playwright/test';
import { expect, test, type TestServer } from './fixtures.js';

// A short lockout so its expiry is part of the test.
test.use({ serverOptions: { blockDurationSeconds: 4, timeoutSeconds: 0 } });

async function tryLogin(page: Page, server: TestServer, name: string, password: string): Promise<void> {
  await page.getByLabel('Server host').fill(server.host);
  await page.getByLabel('Server port').fill(String(server.port));
  await page.getByLabel('Username').fill(name);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
}

test('login errors: unknown user, wrong password, lockout and its expiry', async ({ server, launchApp }) => {
  const app = await launchApp('alice');
  const error = app.getByRole('alert');
  const countdown = app.locator('#login-error .lock-countdown');
  const conversations = app.getByRole('navigation', { name: 'Conversations' });

  await tryLogin(app, server, 'zed', 'whatever');
  await expect(error).toHaveText('There is no account called "zed". Check the username and try again.');
  await expect(app.getByLabel('Username')).toBeFocused();

  await tryLogin(app, server, 'alice', 'wrong-1');
  await expect(error).toHaveText('Wrong password. 2 attempts left before the account is locked.');
  await expect(app.getByLabel('Password')).toHaveValue('');
  await expect(app.getByLabel('Password')).toBeFocused();

  await tryLogin(app, server, 'alice', 'wrong-2');
  await expect(error).toHaveText('Wrong password. 1 attempt left before the account is locked.');

  await tryLogin(app, server, 'alice', 'wrong-3');
  await expect(error).toHaveText('Wrong password. Your account has been locked.');
  await expect(countdown).toHaveText(/^Try again in \d seconds?\.$/);

  // Even the right password is refused while the lock lasts.
  await tryLogin(app, server, 'alice', server.users.alice ?? '');
  await expect(error).toHaveText('This account is locked after too many failed logins.');
  await expect(countdown).toHaveText(/^Try again in [1-4] seconds?\.$/);
  await expect(conversations).toBeHidden();

  // The countdown (outside the alert, so it is not re-announced every second) ends by saying so,
  // never "Try again in 0 seconds"; then the right password works.
  await expect(error).toHaveText('The lock has ended. You can log in again.', { timeout: 10_000 });
  await expect(countdown).toBeHidden();
  await tryLogin(app, server, 'alice', server.users.alice ?? '');
  await expect(conversations).toBeVisible();
  await expect(error).toBeHidden();
});

test('a successful login resets the wrong-password count', async ({ server, launchApp }) => {
  const app = await launchApp('bob');
  await tryLogin(app, server, 'bob', 'nope');
  await expect(app.getByRole('alert')).toHaveText(/2 attempts left/);
  await tryLogin(app, server, 'bob', server.users.bob ?? '');
  await expect(app.getByRole('navigation', { name: 'Conversations' })).toBeVisible();
  await app.getByRole('button', { name: 'Log out' }).click();

  await tryLogin(app, server, 'bob', 'nope');
  await expect(app.getByRole('alert')).toHaveText(/2 attempts left/);
});
