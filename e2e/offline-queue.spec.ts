/** A message written while the app is offline waits in its queue; if the server refuses it once the app is back, the chat says why. */
import { Relay } from '../test/helpers/relay.js';
import { expect, login, messages, openConversation, send, setBlocked, test } from './fixtures.js';

test('a queued message refused after reconnecting shows Not delivered with the reason', async ({
  server,
  launchApp,
}) => {
  // Alice reaches the server through a relay that stands for her network; bob connects directly.
  const relay = new Relay(server.port);
  const relayPort = await relay.start();
  try {
    const alice = await launchApp('alice');
    const bob = await launchApp('bob');
    await login(alice, { ...server, port: relayPort }, 'alice');
    await login(bob, server, 'bob');
    await openConversation(alice, 'bob');
    const aliceLog = messages(alice, 'bob');

    relay.cut();
    const banner = alice.getByRole('status').filter({ hasText: 'Connection lost' });
    await expect(banner).toHaveText(/^Connection lost\. Reconnecting…/);
    await send(alice, 'you will not see this');
    await expect(banner).toHaveText('Connection lost. Reconnecting… 1 message queued.');
    await expect(aliceLog.getByText('Queued: sends when reconnected')).toBeVisible();

    // While alice is away, bob blocks her; then her network comes back and the queue is sent.
    await setBlocked(bob, 'alice', true);
    relay.restore();
    // Reconnecting backs off (up to 15 s between attempts), so allow for a late attempt.
    await expect(banner).toHaveCount(0, { timeout: 30_000 });

    const row = aliceLog.locator('.message-row').filter({ hasText: 'you will not see this' });
    await expect(row.getByText('Not delivered: bob has blocked you.')).toBeVisible();
    await expect(aliceLog.getByText('Queued: sends when reconnected')).toHaveCount(0);
    await expect(row.getByRole('button', { name: 'Retry' })).toHaveCount(0);
    await expect(bob.getByText('you will not see this')).toHaveCount(0);
  } finally {
    await relay.close();
  }
});
