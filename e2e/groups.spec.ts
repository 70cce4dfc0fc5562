/**
 * Group conversations between three app instances: alice creates a group with bob and carol from
 * the people panel; messages reach both; carol, closed, gets them at her next login; after a server
 * restart the group and its messages are still there; a member removed gets no more.
 */
import { conversationEntry, expect, groupOfThree, login, messages, send, test } from './fixtures.js';

test('a group of three: live, offline, after a restart, and not to a removed member', async ({
  server,
  launchApp,
  closeApp,
}) => {
  const [alice, bob, carol] = await groupOfThree(launchApp, server);
  await expect(alice.getByRole('list', { name: 'Members' })).toContainText('bob');
  await send(alice, 'Hello, rebels');

  for (const member of [bob, carol]) {
    const entry = conversationEntry(member, 'Rebels');
    await expect(entry).toHaveAccessibleName(/^Rebels, group, 1 unread, .*alice: Hello, rebels$/);
    await entry.click();
    const log = messages(member, 'Rebels');
    await expect(log.getByText('Hello, rebels', { exact: true })).toBeVisible();
    // The sender's name is shown above group messages.
    await expect(log.locator('.sender')).toHaveText(['alice']);
  }
  await send(bob, 'Bob here');
  await expect(messages(alice, 'Rebels').getByText('Bob here', { exact: true })).toBeVisible();

  // carol is away: what alice sends meanwhile is there at her next login, unread.
  await closeApp(carol);
  await send(alice, 'While carol was away');
  const carolAgain = await launchApp('carol');
  await login(carolAgain, server, 'carol');
  await expect(conversationEntry(carolAgain, 'Rebels')).toHaveAccessibleName(/^Rebels, group, 1 unread, /);
  await conversationEntry(carolAgain, 'Rebels').click();
  await expect(messages(carolAgain, 'Rebels').locator('.text')).toHaveText([
    'Hello, rebels',
    'Bob here',
    'While carol was away',
  ]);

  // A server restart keeps the group and its messages; the apps reconnect and carry on.
  await server.restart();
  await closeApp(bob);
  const bobAgain = await launchApp('bob');
  await login(bobAgain, server, 'bob');
  await conversationEntry(bobAgain, 'Rebels').click();
  await expect(messages(bobAgain, 'Rebels').locator('.text')).toHaveText([
    'Hello, rebels',
    'Bob here',
    'While carol was away',
  ]);

  // alice removes carol: carol loses the group, and what alice sends next reaches bob only.
  await expect(alice.getByRole('button', { name: 'Remove carol from the group' })).toBeVisible();
  await alice.getByRole('button', { name: 'Remove carol from the group' }).click();
  await expect(conversationEntry(carolAgain, 'Rebels')).toHaveCount(0);
  await send(alice, 'Only for bob now');
  await expect(messages(bobAgain, 'Rebels').getByText('Only for bob now', { exact: true })).toBeVisible();
  await expect(carolAgain.getByText('Only for bob now')).toHaveCount(0);
});
