/**
 * Staying signed in (a server with a 6 s inactivity timeout): typing counts as activity, an idle user
 * is warned and can stay, and a real timeout keeps the username and the draft.
 */
import { expect, login, openConversation, test } from './fixtures.js';

const TIMEOUT_SECONDS = 6;
test.use({ serverOptions: { blockDurationSeconds: 60, timeoutSeconds: TIMEOUT_SECONDS } });

test('typing keeps the user signed in past the server timeout', async ({ server, launchApp }) => {
  const alice = await launchApp('alice');
  await login(alice, server, 'alice');
  await openConversation(alice, 'bob');
  const composer = alice.getByRole('textbox', { name: 'Message', exact: true });
  // Twice the timeout of steady typing, without sending.
  const text = 'typing slowly but surely';
  await composer.pressSequentially(text, { delay: (TIMEOUT_SECONDS * 2000) / text.length });
  await expect(alice.getByRole('navigation', { name: 'Conversations' })).toBeVisible();
  await expect(alice.getByRole('button', { name: 'Log in' })).toBeHidden();
  await expect(composer).toHaveValue(text);
});

test('an idle user is warned, and "Stay signed in" keeps the session', async ({ server, launchApp }) => {
  const alice = await launchApp('alice');
  await login(alice, server, 'alice');
  const loggedInAt = Date.now();
  const stay = alice.getByRole('button', { name: 'Stay signed in' });
  await expect(stay).toBeVisible({ timeout: TIMEOUT_SECONDS * 1000 });
  await expect(alice.getByRole('alert').filter({ hasText: 'signed out soon' })).toHaveText(
    'You will be signed out soon because nothing happened in the app for a while.',
  );
  await stay.click();
  await expect(stay).toBeHidden();
  // Past the moment the server would have logged her out.
  await alice.waitForTimeout(Math.max(0, loggedInAt + TIMEOUT_SECONDS * 1000 + 1500 - Date.now()));
  await expect(alice.getByRole('navigation', { name: 'Conversations' })).toBeVisible();
  await expect(alice.getByRole('button', { name: 'Log in' })).toBeHidden();
});

test('after an inactivity logout the username is kept and the draft survives', async ({
  server,
  launchApp,
}) => {
  const alice = await launchApp('alice');
  await login(alice, server, 'alice');
  await openConversation(alice, 'bob');
  await alice.getByRole('textbox', { name: 'Message', exact: true }).fill('half-written thought');

  await expect(alice.getByRole('button', { name: 'Log in' })).toBeVisible({
    timeout: TIMEOUT_SECONDS * 2000,
  });
  await expect(alice.getByRole('status').filter({ hasText: 'inactivity' })).toContainText(
    'You were logged out after a period of inactivity',
  );
  await expect(alice.getByLabel('Username')).toHaveValue('alice');
  // Stray typing after the logout lands in no field.
  await alice.keyboard.type('xyz');
  await expect(alice.getByLabel('Username')).toHaveValue('alice');
  await expect(alice.getByLabel('Password')).toHaveValue('');

  // Logging in again returns to the chat she was in, with the draft in the composer.
  await login(alice, server, 'alice');
  await expect(alice.getByRole('heading', { level: 2, name: 'bob', exact: true })).toBeVisible();
  await expect(alice.getByRole('textbox', { name: 'Message', exact: true })).toHaveValue(
    'half-written thought',
  );
});
