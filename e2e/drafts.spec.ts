/** Drafts are kept per conversation, across conversation switches and a reload of the app. */
import { expect, login, openConversation, test } from './fixtures.js';

test('each conversation keeps its draft across switches and a reload', async ({ server, launchApp }) => {
  const alice = await launchApp('alice');
  await login(alice, server, 'alice');
  const composer = alice.getByRole('textbox', { name: 'Message', exact: true });

  await openConversation(alice, 'bob');
  await composer.fill('for bob, not sent yet');
  await openConversation(alice, 'carol');
  await expect(composer).toHaveValue('');
  await composer.fill('for carol');
  await openConversation(alice, 'bob');
  await expect(composer).toHaveValue('for bob, not sent yet');

  await alice.reload();
  await expect(alice.getByRole('navigation', { name: 'Conversations' })).toBeVisible();
  await openConversation(alice, 'carol');
  await expect(composer).toHaveValue('for carol');
  await openConversation(alice, 'bob');
  await expect(composer).toHaveValue('for bob, not sent yet');

  // Sending clears it.
  await composer.press('Enter');
  await expect(composer).toHaveValue('');
  await openConversation(alice, 'carol');
  await openConversation(alice, 'bob');
  await expect(composer).toHaveValue('');
});
