/** Smoke tests: two app instances, two users; a message across, and a private chat. */
import { expect, login, personAction, test, waitForPrivateWindow } from './fixtures.js';

test('a message sent in one instance arrives in the other', async ({ server, launchApp }) => {
  const alice = await launchApp('alice');
  const bob = await launchApp('bob');
  await login(alice, server, 'alice');
  await login(bob, server, 'bob');

  // Alice starts a conversation with Bob by searching for him.
  await alice.getByRole('searchbox', { name: 'Search users' }).fill('bob');
  await alice.getByRole('list', { name: 'Search results' }).getByRole('button', { name: /bob/ }).click();
  const composer = alice.getByRole('textbox', { name: /message/i });
  await composer.fill('Hello Bob, from Alice');
  await composer.press('Enter');
  await expect(alice.getByRole('log').getByText('Hello Bob, from Alice')).toBeVisible();

  // Bob sees the conversation appear with the message, and can open it.
  const conversation = bob
    .getByRole('list', { name: 'Conversation list' })
    .getByRole('button', { name: /alice/ });
  await expect(conversation).toBeVisible();
  await conversation.click();
  await expect(bob.getByRole('log').getByText('Hello Bob, from Alice')).toBeVisible();
});

test('a private chat opens a window on both sides', async ({ server, launchApp }) => {
  const alice = await launchApp('alice');
  const bob = await launchApp('bob');
  await login(alice, server, 'alice');
  await login(bob, server, 'bob');

  await personAction(alice, 'bob', 'Start private chat with');
  const alicePrivate = await waitForPrivateWindow(alice, 'bob');
  const composer = alicePrivate.getByRole('textbox', { name: /message/i });
  await composer.fill('Just between us');
  await composer.press('Enter');
  // Bob's window opens with the first private message (behaviour.md: "nothing yet" before it).
  const bobPrivate = await waitForPrivateWindow(bob, 'alice');
  await expect(bobPrivate.getByText('Just between us')).toBeVisible();
});
