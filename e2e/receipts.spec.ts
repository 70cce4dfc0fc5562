/**
 * Delivered and read, between two app instances: Alice's message says "Delivered" once Bob's app
 * has it and "Read" once Bob opens the chat; with Bob's read receipts off she never sees "Read";
 * after a server restart and a reopened app the states are still right.
 */
import type { Page } from '@playwright/test';
import {
  conversationEntry,
  expect,
  launchLoggedIn,
  login,
  messages,
  openConversation,
  send,
  test,
} from './fixtures.js';

/** The status shown after the time of my message `text` in the chat with `peer`. */
function statusOf(page: Page, peer: string, text: string) {
  return messages(page, peer).locator('.message-row', { hasText: text }).locator('.status');
}

async function setReadReceipts(page: Page, on: boolean): Promise<void> {
  await page.getByRole('button', { name: 'Settings', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Settings' });
  const box = dialog.getByRole('checkbox', { name: 'Send read receipts' });
  await expect(box).toBeEnabled();
  await box.setChecked(on);
  await dialog.getByRole('button', { name: 'Done' }).click();
  await expect(dialog).toBeHidden();
}

test('sent, delivered when the other app has it, read when they open the chat; private reads stay private, across a restart', async ({
  server,
  launchApp,
  closeApp,
}) => {
  const [alice, bob] = await launchLoggedIn(launchApp, server, 'alice', 'bob');
  await openConversation(alice, 'bob');
  await send(alice, 'hello bob');
  // Bob's app got it (his Everyone chat is open, not Alice's): delivered, not read.
  await expect(statusOf(alice, 'bob', 'hello bob')).toHaveText(/Delivered$/);
  await expect(conversationEntry(bob, 'alice')).toHaveAccessibleName(/1 unread/);
  await expect(statusOf(alice, 'bob', 'hello bob')).not.toHaveText(/Read$/);

  await conversationEntry(bob, 'alice').click();
  await expect(messages(bob, 'alice').getByText('hello bob', { exact: true })).toBeVisible();
  await expect(statusOf(alice, 'bob', 'hello bob')).toHaveText(/Read$/);

  // Bob stops sending read receipts; his open chat still reads what arrives.
  await setReadReceipts(bob, false);
  await send(alice, 'are you there?');
  await expect(messages(bob, 'alice').getByText('are you there?', { exact: true })).toBeVisible();
  await expect(statusOf(alice, 'bob', 'are you there?')).toHaveText(/Delivered$/);
  await send(bob, 'yes');
  await expect(messages(alice, 'bob').getByText('yes', { exact: true })).toBeVisible();
  // Bob's own messages show no receipts of Alice's either way: his reply is delivered, never read.
  await expect(statusOf(bob, 'alice', 'yes')).toHaveText(/Delivered$/);

  // Closed before the restart: an app still reconnecting when it is closed could leave its login
  // in flight on one node while the reopened app logs in on the other (already_logged_in).
  await closeApp(alice);
  await server.restart();
  const again = await launchApp('alice');
  await login(again, server, 'alice');
  await conversationEntry(again, 'bob').click();
  await expect(statusOf(again, 'bob', 'hello bob')).toHaveText(/Read$/);
  await expect(statusOf(again, 'bob', 'are you there?')).toHaveText(/Delivered$/);
  // The received reply has no status of its own.
  await expect(statusOf(again, 'bob', 'yes')).toHaveCount(0);
});
