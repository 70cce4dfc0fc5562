/** Blocking and unblocking from the Blocked users dialog, and everything a block changes. */
import {
  conversationEntry,
  expect,
  launchLoggedIn,
  login,
  messages,
  openConversation,
  send,
  setBlocked,
  test,
  toast,
  toasts,
} from './fixtures.js';

test('block and unblock from the Blocked users dialog, and every effect', async ({ server, launchApp }) => {
  // Carol only watches: she sees Alice's presence, so Bob not seeing it is not a matter of timing.
  const [alice, bob, carol] = await launchLoggedIn(launchApp, server, 'alice', 'bob', 'carol');
  const bobOnline = bob.getByRole('list', { name: 'Online now' });
  await expect(bobOnline.getByRole('listitem')).toHaveText([/alice/, /carol/]);

  // Alice blocks Bob in the settings dialog; the list there shows him.
  await alice.getByRole('button', { name: 'Blocked users' }).click();
  const dialog = alice.getByRole('dialog', { name: 'Blocked users' });
  await expect(dialog.getByText('You have not blocked anyone.')).toBeVisible();
  await dialog.getByRole('textbox', { name: 'Username to block' }).fill('bob');
  await dialog.getByRole('button', { name: 'Block', exact: true }).click();
  await expect(dialog.getByRole('status')).toHaveText('bob has been blocked');
  await expect(dialog.getByRole('list', { name: 'Blocked users' }).getByRole('listitem')).toHaveText([/bob/]);
  await dialog.press('Escape');
  await expect(dialog).toBeHidden();
  // Alice still sees Bob online, marked as blocked.
  await expect(
    alice.getByRole('list', { name: 'Online now' }).getByRole('listitem').filter({ hasText: 'bob' }),
  ).toContainText('blocked');

  // Bob's message is refused, and he is told on the message itself.
  await openConversation(bob, 'alice');
  await send(bob, 'Are you there?');
  const bobLog = messages(bob, 'alice');
  await expect(bobLog.getByText('Not delivered: alice has blocked you.')).toBeVisible();
  await expect(bobLog.getByText('· Not delivered')).toBeVisible();
  await expect(conversationEntry(alice, 'bob')).toHaveCount(0);

  // Alice disappears from Bob's online lists.
  await bob.getByRole('button', { name: 'Refresh online users' }).click();
  await expect(bobOnline.getByRole('listitem')).toHaveText([/carol/]);
  await bob.getByLabel('Time window').selectOption({ label: 'Last 5 minutes' });
  await expect(bob.getByRole('list', { name: 'Recently online' }).getByRole('listitem')).toHaveText([
    /carol/,
  ]);

  // Bob does not see Alice come and go; Carol does.
  await alice.getByRole('button', { name: 'Log out' }).click();
  await expect(toast(carol, 'alice logged out')).toBeVisible();
  await login(alice, server, 'alice');
  await expect(toast(carol, 'alice logged in')).toBeVisible();
  await expect(toasts(bob).getByText(/^alice logged/)).toHaveCount(0);
  await expect(bob.getByRole('list', { name: 'Recently online' }).getByRole('listitem')).toHaveText([
    /carol/,
  ]);

  // The block survived the new login; Alice unblocks Bob.
  await setBlocked(alice, 'bob', false);
  await alice.getByRole('button', { name: 'Blocked users' }).click();
  await expect(dialog.getByText('You have not blocked anyone.')).toBeVisible();
  await dialog.getByRole('button', { name: 'Close' }).click();

  // Everything works again: messages, presence, lists.
  await send(bob, 'How about now?');
  await expect(bobLog.getByText('How about now?', { exact: true })).toBeVisible();
  await expect(conversationEntry(alice, 'bob')).toHaveAccessibleName(/^bob, online, 1 unread, /);
  await conversationEntry(alice, 'bob').click();
  await expect(messages(alice, 'bob').locator('.text')).toHaveText(['How about now?']);

  await bob.getByRole('button', { name: 'Refresh online users' }).click();
  await expect(bobOnline.getByRole('listitem')).toHaveText([/alice/, /carol/]);
  await alice.getByRole('button', { name: 'Log out' }).click();
  await expect(toast(bob, 'alice logged out')).toBeVisible();
  await expect(bobOnline.getByRole('listitem')).toHaveText([/carol/]);
});
