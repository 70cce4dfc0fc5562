/** While the connection is lost: "Retry now", and nobody shown online, since the app cannot know. */
import { expect, launchLoggedIn, openConversation, test } from './fixtures.js';

test('while reconnecting, presence is unknown and Retry now is offered; back within seconds of the server', async ({
  server,
  launchApp,
}) => {
  const [alice] = await launchLoggedIn(launchApp, server, 'alice', 'bob');
  await openConversation(alice, 'bob');
  const header = alice.locator('.chat-header');
  await expect(header).toContainText('Online');

  await server.stop();
  await expect(alice.getByRole('status').filter({ hasText: 'Connection lost' })).toBeVisible();
  await expect(header).toContainText('Status unknown while disconnected');
  await expect(alice.getByText('who is online is not known')).toBeVisible();

  // Retry now tries at once; with the server still down the app keeps trying (how fast it gets back
  // by itself or by the button is proved in test/core: backoff.test.ts, core-reconnect-now.test.ts).
  await alice.getByRole('button', { name: 'Retry now' }).click();
  await expect(alice.getByRole('status').filter({ hasText: 'Connection lost' })).toBeVisible();

  // The server is back: the app is too, within the 3 s cap of the backoff.
  await server.start();
  await expect(alice.getByRole('status').filter({ hasText: 'Connection lost' })).toHaveCount(0, {
    timeout: 5_000,
  });
  await expect(alice.getByRole('button', { name: 'Retry now' })).toHaveCount(0);
  await expect(header).toContainText('Online');
});
