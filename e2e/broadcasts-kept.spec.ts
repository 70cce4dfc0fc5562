/** Everyone keeps the broadcasts a user sent and received, across logins; offline users never get them. */
import { conversationEntry, expect, launchLoggedIn, login, messages, send, test } from './fixtures.js';

test('Everyone still shows sent and received broadcasts after logging out and in; someone offline never sees them', async ({
  server,
  launchApp,
}) => {
  const [alice, bob] = await launchLoggedIn(launchApp, server, 'alice', 'bob');
  await expect(alice.getByRole('list', { name: 'Online now' }).getByRole('listitem')).toHaveCount(1);
  await conversationEntry(alice, 'Everyone').click();
  await send(alice, 'Hello everyone!');
  await expect(messages(bob, 'Everyone').getByText('Hello everyone!', { exact: true })).toBeVisible();
  await send(bob, 'Hi Alice, from Bob');
  await expect(messages(alice, 'Everyone').getByText('Hi Alice, from Bob', { exact: true })).toBeVisible();

  // Alice logs out and in again: both are still there, and the list previews the newest.
  await alice.getByRole('button', { name: 'Log out' }).click();
  await expect(alice.getByRole('button', { name: 'Log in' })).toBeVisible();
  await login(alice, server, 'alice');
  await expect(messages(alice, 'Everyone').locator('.text')).toHaveText([
    'Hello everyone!',
    'Hi Alice, from Bob',
  ]);
  await expect(conversationEntry(alice, 'Everyone')).toContainText('bob: Hi Alice, from Bob');

  // Carol was offline for both: logging in on Bob's app after him, she sees none of them.
  await bob.getByRole('button', { name: 'Log out' }).click();
  await expect(bob.getByRole('button', { name: 'Log in' })).toBeVisible();
  await login(bob, server, 'carol');
  await expect(conversationEntry(bob, 'Everyone')).toHaveAttribute('aria-current', 'true');
  await expect(bob.getByText('Say something to everyone online.')).toBeVisible();
  await expect(messages(bob, 'Everyone').locator('.text')).toHaveCount(0);

  // What Alice sends now reaches Carol, and stays with her.
  await send(alice, 'Welcome, Carol');
  await expect(messages(bob, 'Everyone').locator('.text')).toHaveText(['Welcome, Carol']);
});
