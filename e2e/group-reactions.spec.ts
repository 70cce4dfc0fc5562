/**
 * Reactions on a group message and group messages queued while disconnected, between three app
 * instances: a reaction is what the other two see live, what a member who was closed sees at the
 * next login, and what all see after a server restart; a group message typed while an app is
 * disconnected shows Queued and reaches the others once when it is back.
 */
import { Relay } from '../test/helpers/relay.js';
import {
  conversationEntry,
  createGroup,
  expect,
  groupOfThree,
  launchLoggedIn,
  login,
  messageRow,
  messages,
  reactFromContextMenu,
  send,
  test,
} from './fixtures.js';

test('a reaction on a group message: seen live by the other two, at login by one who was closed, after a restart', async ({
  server,
  launchApp,
  closeApp,
}) => {
  const [alice, bob, carol] = await groupOfThree(launchApp, server);
  await send(alice, 'Attack at dawn');
  for (const member of [bob, carol]) await conversationEntry(member, 'Rebels').click();
  const logs = () => [messages(alice, 'Rebels'), messages(bob, 'Rebels'), messages(carol, 'Rebels')];
  await expect(messageRow(messages(carol, 'Rebels'), 'Attack at dawn')).toBeVisible();

  // Live: bob reacts from the context menu; alice and carol see "👍 1" named with bob.
  await reactFromContextMenu(bob, messageRow(messages(bob, 'Rebels'), 'Attack at dawn'), 'thumbs up');
  for (const log of logs()) {
    const chip = log.getByRole('button', { name: 'Reacted with thumbs up: bob' });
    await expect(chip.locator('.chip-face')).toHaveText('👍 1');
  }
  await expect(
    messages(alice, 'Rebels').getByRole('button', { name: 'Reacted with thumbs up: bob' }),
  ).toHaveAttribute('aria-pressed', 'false');

  // carol is closed while alice adds hers and a heart; she sees both at her next login.
  await closeApp(carol);
  const aliceLog = messages(alice, 'Rebels');
  await aliceLog.getByRole('button', { name: 'Reacted with thumbs up: bob' }).click();
  await reactFromContextMenu(alice, messageRow(aliceLog, 'Attack at dawn'), 'heart');
  const expected = ['👍 2', '❤️ 1'];
  await expect(aliceLog.locator('.chip-face')).toHaveText(expected);
  await expect(messages(bob, 'Rebels').locator('.chip-face')).toHaveText(expected);
  const carolAgain = await launchApp('carol');
  await login(carolAgain, server, 'carol');
  await conversationEntry(carolAgain, 'Rebels').click();
  const carolLog = messages(carolAgain, 'Rebels');
  await expect(carolLog.locator('.chip-face')).toHaveText(expected);
  await expect(carolLog.getByRole('button', { name: 'Reacted with thumbs up: bob, alice' })).toBeVisible();

  // After a server restart: the open apps carry on, and a reaction made then reaches the others.
  await server.restart();
  for (const page of [alice, bob, carolAgain]) {
    await expect(page.getByRole('status').filter({ hasText: /Connection lost|Connecting/ })).toHaveCount(0, {
      timeout: 8_000,
    });
  }
  await reactFromContextMenu(carolAgain, messageRow(carolLog, 'Attack at dawn'), 'laughing');
  const after = ['👍 2', '❤️ 1', '😂 1'];
  await expect(aliceLog.locator('.chip-face')).toHaveText(after);
  await expect(messages(bob, 'Rebels').locator('.chip-face')).toHaveText(after);
  await closeApp(bob);
  const bobFresh = await launchApp('bob');
  await login(bobFresh, server, 'bob');
  await conversationEntry(bobFresh, 'Rebels').click();
  await expect(messages(bobFresh, 'Rebels').locator('.chip-face')).toHaveText(after);
});

test('a group message typed while disconnected shows Queued and is delivered once on reconnect', async ({
  server,
  launchApp,
}) => {
  // Alice reaches the server through a relay that stands for her network; the others connect directly.
  const relay = new Relay(server.port);
  const relayPort = await relay.start();
  try {
    const alice = await launchApp('alice');
    await login(alice, { ...server, port: relayPort }, 'alice');
    const [bob, carol] = await launchLoggedIn(launchApp, server, 'bob', 'carol');
    await expect(alice.getByRole('list', { name: 'Online now' }).getByRole('listitem')).toHaveCount(2);
    await createGroup(alice, 'Rebels', ['bob', 'carol']);
    await send(alice, 'before');
    for (const member of [bob, carol]) await conversationEntry(member, 'Rebels').click();
    await expect(messages(carol, 'Rebels').getByText('before', { exact: true })).toBeVisible();

    relay.cut();
    const banner = alice.getByRole('status').filter({ hasText: 'Connection lost' });
    await expect(banner).toHaveText(/^Connection lost\. Reconnecting…/);
    await send(alice, 'while away');
    await expect(banner).toHaveText('Connection lost. Reconnecting… 1 message queued.');
    await expect(messages(alice, 'Rebels').getByText('Queued: sends when reconnected')).toBeVisible();

    relay.restore();
    // Reconnecting backs off (up to 15 s between attempts), so allow for a late attempt.
    await expect(banner).toHaveCount(0, { timeout: 30_000 });
    for (const page of [alice, bob, carol]) {
      await expect(messages(page, 'Rebels').locator('.text')).toHaveText(['before', 'while away']);
    }
    await expect(messages(alice, 'Rebels').getByText('Queued: sends when reconnected')).toHaveCount(0);
  } finally {
    await relay.close();
  }
});
