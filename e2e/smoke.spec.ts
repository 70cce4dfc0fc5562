/** Smoke test: two app instances, two users, one message across. */
import { expect, login, test } from './fixtures.js';

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
