/**
 * Blocking where the person is (people panel, chat header, the chat itself), the wording of the
 * Blocked users dialog, and that dialog with the keyboard only.
 */
import type { Page } from '@playwright/test';
import { expect, launchLoggedIn, messages, openConversation, send, test } from './fixtures.js';

function peopleRow(page: Page, user: string) {
  return page.getByRole('list', { name: 'Online now' }).getByRole('listitem').filter({ hasText: user });
}

test('the Blocked users dialog keeps focus inside while unblocking the last user, and Escape returns to its button', async ({
  server,
  launchApp,
}) => {
  const [alice] = await launchLoggedIn(launchApp, server, 'alice');
  const opener = alice.getByRole('button', { name: 'Blocked users' });
  await opener.focus();
  await alice.keyboard.press('Enter');
  const dialog = alice.getByRole('dialog', { name: 'Blocked users' });
  const input = dialog.getByRole('textbox', { name: 'Username to block' });
  await expect(input).toBeFocused();
  await alice.keyboard.type('bob');
  await alice.keyboard.press('Enter');
  await expect(dialog.getByRole('status')).toHaveText('bob has been blocked');

  // Unblock him, the only one, with the keyboard: focus goes back to the name field, not the page.
  await dialog.getByRole('button', { name: /^Unblock/ }).focus();
  await alice.keyboard.press('Enter');
  await expect(dialog.getByRole('status')).toHaveText('bob has been unblocked');
  await expect(dialog.getByText('You have not blocked anyone.')).toBeVisible();
  await expect(input).toBeFocused();

  // Tab and Shift+Tab stay inside the dialog.
  for (let i = 0; i < 6; i++) {
    await alice.keyboard.press('Tab');
    await expect(dialog.locator(':focus')).toHaveCount(1);
  }
  for (let i = 0; i < 6; i++) {
    await alice.keyboard.press('Shift+Tab');
    await expect(dialog.locator(':focus')).toHaveCount(1);
  }

  // Escape closes it and focus returns to the button that opened it.
  await alice.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  await expect(opener).toBeFocused();
});

test('block and unblock on the person: people panel menu, chat header, and "You blocked carol" in the chat', async ({
  server,
  launchApp,
}) => {
  const [alice, carol] = await launchLoggedIn(launchApp, server, 'alice', 'carol');

  // The dialog says what really happens to a blocked person.
  await alice.getByRole('button', { name: 'Blocked users' }).click();
  const dialog = alice.getByRole('dialog', { name: 'Blocked users' });
  await expect(dialog).toContainText(
    'their message is not delivered and they are told you have blocked them',
  );
  await expect(dialog).not.toContainText('never told');
  await alice.keyboard.press('Escape');
  await expect(dialog).toBeHidden();

  // People panel: one row per person, actions in a keyboard-operable menu.
  const actions = peopleRow(alice, 'carol').getByRole('button', { name: 'Actions for carol' });
  await actions.focus();
  await alice.keyboard.press('Enter');
  const menu = alice.getByRole('menu', { name: 'Actions for carol' });
  await expect(menu.getByRole('menuitem')).toHaveText([
    'Message carol',
    'Start private chat with carol',
    'Block carol',
  ]);
  await expect(menu.getByRole('menuitem', { name: 'Message carol' })).toBeFocused();
  await alice.keyboard.press('ArrowDown');
  await expect(menu.getByRole('menuitem', { name: 'Start private chat with carol' })).toBeFocused();
  await alice.keyboard.press('Escape');
  await expect(menu).toBeHidden();
  await expect(actions).toBeFocused();
  await actions.click();
  await menu.getByRole('menuitem', { name: 'Block carol' }).click();
  await expect(peopleRow(alice, 'carol')).toContainText('blocked');

  // The chat with carol says so and offers Unblock.
  await openConversation(alice, 'carol');
  const notice = alice.getByRole('status').filter({ hasText: 'You blocked carol' });
  await expect(notice).toBeVisible();
  await notice.getByRole('button', { name: 'Unblock carol' }).click();
  await expect(notice).toBeHidden();

  // The chat header blocks too; carol is then told her message was not delivered.
  const header = alice.getByRole('button', { name: 'More actions for carol' });
  await header.click();
  await alice
    .getByRole('menu', { name: 'More actions for carol' })
    .getByRole('menuitem', { name: 'Block carol' })
    .click();
  await expect(alice.getByRole('status').filter({ hasText: 'You blocked carol' })).toBeVisible();
  await openConversation(carol, 'alice');
  await send(carol, 'Hello?');
  await expect(messages(carol, 'alice').getByText('Not delivered: alice has blocked you.')).toBeVisible();

  await header.click();
  await alice
    .getByRole('menu', { name: 'More actions for carol' })
    .getByRole('menuitem', { name: 'Unblock carol' })
    .click();
  await expect(alice.getByRole('status').filter({ hasText: 'You blocked carol' })).toBeHidden();
  await send(carol, 'And now?');
  await expect(messages(alice, 'carol').getByText('And now?', { exact: true })).toBeVisible();
});
