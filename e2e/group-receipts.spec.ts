/**
 * Receipts in a group, between three app instances: alice's message says "Delivered to 2 of 2"
 * once both members' apps have it and "Read by 1 of 2" once bob opens the group, with the names on
 * hover; carol, closed meanwhile, counts as not delivered until her next login and read once she
 * opens the group; after a server restart and a reopened app the states are still right.
 */
import type { Page } from '@playwright/test';
import { conversationEntry, expect, groupOfThree, login, messages, send, test } from './fixtures.js';

/** The status shown after the time of my message `text` in the group. */
function statusOf(page: Page, text: string) {
  return messages(page, 'Rebels').locator('.message-row', { hasText: text }).locator('.status');
}

test('read by N of M in a group of three: live, after a member was offline, after a server restart', async ({
  server,
  launchApp,
  closeApp,
}) => {
  const [alice, bob, carol] = await groupOfThree(launchApp, server);
  await send(alice, 'Hello, rebels');
  // Both apps have it (neither has the group open): delivered to both, read by none.
  const hello = statusOf(alice, 'Hello, rebels');
  await expect(hello).toHaveText(/Delivered to 2 of 2/);
  await expect(hello).toHaveAttribute('title', 'Delivered to bob, carol');

  await conversationEntry(bob, 'Rebels').click();
  await expect(messages(bob, 'Rebels').getByText('Hello, rebels', { exact: true })).toBeVisible();
  await expect(hello).toHaveText(/Read by 1 of 2/);
  await expect(hello).toHaveAttribute('title', 'Read by bob. Delivered to carol');
  // The names are in the status's text too, for screen readers.
  await expect(hello.locator('.visually-hidden')).toHaveText('(Read by bob. Delivered to carol)');

  // carol is away: bob, with the group open, reads the next one at once; carol's app does not have it.
  await closeApp(carol);
  await send(alice, 'While carol was away');
  const away = statusOf(alice, 'While carol was away');
  await expect(away).toHaveAttribute('title', 'Read by bob. Not yet delivered to carol');
  await expect(away).toHaveText(/Read by 1 of 2/);

  const carolAgain = await launchApp('carol');
  await login(carolAgain, server, 'carol');
  await expect(away).toHaveAttribute('title', 'Read by bob. Delivered to carol');
  await conversationEntry(carolAgain, 'Rebels').click();
  await expect(
    messages(carolAgain, 'Rebels').getByText('While carol was away', { exact: true }),
  ).toBeVisible();
  await expect(away).toHaveText(/Read by 2 of 2/);
  await expect(hello).toHaveText(/Read by 2 of 2/);

  // alice is closed, the server restarts: her reopened app reads the state from the server.
  await closeApp(alice);
  await server.restart();
  const aliceAgain = await launchApp('alice');
  await login(aliceAgain, server, 'alice');
  await conversationEntry(aliceAgain, 'Rebels').click();
  for (const text of ['Hello, rebels', 'While carol was away']) {
    await expect(statusOf(aliceAgain, text)).toHaveText(/Read by 2 of 2/);
    await expect(statusOf(aliceAgain, text)).toHaveAttribute('title', 'Read by bob, carol');
  }
});
