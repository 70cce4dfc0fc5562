/** The server logs out an inactive user; the app returns to the login screen and says why. */
import { expect, launchLoggedIn, login, test, toast } from './fixtures.js';

test.use({ serverOptions: { blockDurationSeconds: 60, timeoutSeconds: 3 } });

test('inactivity logout returns to the login screen with the reason', async ({ server, launchApp }) => {
  const [alice, bob] = await launchLoggedIn(launchApp, server, 'alice', 'bob');

  // Nobody does anything: Alice, who logged in first, is logged out first, and Bob is told.
  await expect(alice.getByRole('status').filter({ hasText: 'inactivity' })).toHaveText(
    'You were logged out after a period of inactivity. Log in again to continue: your drafts are kept.',
    { timeout: 15_000 },
  );
  await expect(alice.getByRole('button', { name: 'Log in' })).toBeVisible();
  await expect(alice.getByRole('navigation', { name: 'Conversations' })).toBeHidden();
  await expect(toast(bob, 'alice logged out')).toBeVisible();

  // Logging in again works and clears the notice.
  await login(alice, server, 'alice');
  await expect(alice.getByText('You were logged out after a period of inactivity')).toBeHidden();
});
