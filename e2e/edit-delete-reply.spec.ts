/**
 * Editing, deleting and replying between two app instances: what the other person sees live, after
 * being offline, and after a server restart; and a reply's quote that finds its original pages up.
 */
import type { Locator, Page } from '@playwright/test';
import { RawClient } from '../test/helpers/raw-client.js';
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

function row(log: Locator, text: string): Locator {
  return log.locator('.message-row').filter({ hasText: text });
}

/** Opens a message's actions menu (it shows on hover) and chooses an action. */
async function chooseAction(messageRow: Locator, menu: string, action: string): Promise<void> {
  await messageRow.hover();
  await messageRow.getByRole('button', { name: menu }).click();
  await messageRow.getByRole('menuitem', { name: action }).click();
}

async function editTo(page: Page, text: string): Promise<void> {
  const box = page.getByRole('textbox', { name: 'Edit message', exact: true });
  await box.fill(text);
  await box.press('Enter');
  await expect(page.getByRole('textbox', { name: 'Message', exact: true })).toBeVisible();
}

test('bob sees edits and deletes live, after being offline, and after a server restart', async ({
  server,
  launchApp,
  closeApp,
}) => {
  const [alice, bob] = await launchLoggedIn(launchApp, server, 'alice', 'bob');
  await openConversation(alice, 'bob');
  await send(alice, 'helo bob');
  await send(alice, 'something I regret');
  await openConversation(bob, 'alice');
  const aliceLog = messages(alice, 'bob');
  let bobLog = messages(bob, 'alice');
  await expect(bobLog.getByText('something I regret', { exact: true })).toBeVisible();

  // Live: an edit from the row's menu, a delete after confirming.
  await chooseAction(row(aliceLog, 'helo bob'), 'Actions for your message', 'Edit');
  await editTo(alice, 'hello bob');
  await expect(row(bobLog, 'hello bob')).toContainText('edited');
  await expect(bobLog.getByText('helo bob', { exact: true })).toHaveCount(0);

  await chooseAction(row(aliceLog, 'something I regret'), 'Actions for your message', 'Delete');
  const confirm = alice.getByRole('alertdialog');
  await expect(confirm).toContainText('Delete this message for everyone?');
  await confirm.getByRole('button', { name: 'Delete' }).click();
  await expect(aliceLog.getByText('Message deleted')).toHaveCount(1);
  await expect(bobLog.getByText('Message deleted')).toHaveCount(1);
  await expect(bobLog.getByText('something I regret')).toHaveCount(0);

  // Offline: bob is closed while alice sends, edits (Up arrow in the empty composer) and deletes.
  await closeApp(bob);
  await send(alice, 'sent while you were away');
  await alice.getByRole('textbox', { name: 'Message', exact: true }).press('ArrowUp');
  await editTo(alice, 'sent and fixed while you were away');
  await chooseAction(row(aliceLog, 'hello bob'), 'Actions for your message', 'Edit');
  await editTo(alice, 'hello again, bob');
  await send(alice, 'gone before you came back');
  await chooseAction(row(aliceLog, 'gone before you came back'), 'Actions for your message', 'Delete');
  await alice.getByRole('alertdialog').getByRole('button', { name: 'Delete' }).click();
  await expect(aliceLog.getByText('Message deleted')).toHaveCount(2);

  const bobAgain = await launchApp('bob');
  await login(bobAgain, server, 'bob');
  await expect(conversationEntry(bobAgain, 'alice')).toContainText('Message deleted');
  await conversationEntry(bobAgain, 'alice').click();
  bobLog = messages(bobAgain, 'alice');
  const expected = [
    'hello again, bob',
    'Message deleted',
    'sent and fixed while you were away',
    'Message deleted',
  ];
  await expect(bobLog.locator('.text')).toHaveText(expected);
  await expect(row(bobLog, 'hello again, bob')).toContainText('edited');
  await expect(row(bobLog, 'sent and fixed while you were away')).toContainText('edited');

  // After a server restart the history is the same, in the open app and in a fresh one.
  await server.restart();
  await expect(bobAgain.getByRole('status').filter({ hasText: /Connection lost|Connecting/ })).toHaveCount(
    0,
    {
      timeout: 8_000,
    },
  );
  await expect(bobLog.locator('.text')).toHaveText(expected);
  await closeApp(bobAgain);
  const bobFresh = await launchApp('bob');
  await login(bobFresh, server, 'bob');
  await conversationEntry(bobFresh, 'alice').click();
  await expect(messages(bobFresh, 'alice').locator('.text')).toHaveText(expected);
});

test('a reply shows its quote, and clicking it jumps to the original several pages up', async ({
  server,
  launchApp,
}) => {
  // Seeded before the apps start: the original, three pages of later messages, then a reply to it.
  const seeder = await RawClient.login(server.port, 'alice', server.users.alice as string);
  const original = await seeder.call('message', { to: 'bob', text: 'the original question' });
  for (let i = 1; i <= 300; i++) await seeder.call('message', { to: 'bob', text: `filler ${i}` });
  const reply = await seeder.call('message', {
    to: 'bob',
    text: 'about that question',
    replyTo: original.message.id,
  });
  await seeder.call('logout', {});
  await seeder.waitClosed();
  // Bob has read them all: the chat opens at the newest message, not at the first unread.
  const reader = await RawClient.login(server.port, 'bob', server.users.bob as string);
  await reader.call('markread', { peer: 'alice', upTo: reply.message.id });
  await reader.call('logout', {});
  await reader.waitClosed();

  const [alice, bob] = await launchLoggedIn(launchApp, server, 'alice', 'bob');
  await conversationEntry(bob, 'alice').click();
  const bobLog = messages(bob, 'alice');
  const quote = bobLog.getByRole('button', {
    name: 'Reply to alice: “the original question”. Show the original',
  });
  await expect(quote).toBeVisible();
  await expect(bobLog.getByText('the original question', { exact: true })).toHaveCount(1); // the quote's
  await quote.click();
  const originalRow = bobLog.locator(`[data-message-id="${original.message.id}"]`);
  await expect(originalRow).toBeInViewport();
  await expect(originalRow).toBeFocused();

  // Replying from the app: back at the newest message, bob answers it, and alice sees the quote.
  await openConversation(alice, 'bob');
  await bob.getByRole('button', { name: /Latest messages/ }).click();
  await chooseAction(row(bobLog, 'about that question'), 'Actions for the message from alice', 'Reply');
  await expect(
    bob.getByRole('status').filter({ hasText: 'Replying to alice: about that question' }),
  ).toBeVisible();
  await send(bob, 'the answer is 42');
  const aliceLog = messages(alice, 'bob');
  await expect(
    aliceLog.getByRole('button', { name: 'Reply to you: “about that question”. Show the original' }),
  ).toBeVisible();
  await expect(row(aliceLog, 'the answer is 42')).toBeVisible();
});
