/** The server restarts mid-conversation: both apps reconnect; nothing sent is lost or duplicated. */
import { expect, launchLoggedIn, messages, openConversation, send, test } from './fixtures.js';

test('server restarted mid-conversation: both apps reconnect, queued messages arrive once', async ({
  server,
  launchApp,
}) => {
  const [alice, bob] = await launchLoggedIn(launchApp, server, 'alice', 'bob');
  await openConversation(alice, 'bob');
  await openConversation(bob, 'alice');
  const aliceLog = messages(alice, 'bob');
  const bobLog = messages(bob, 'alice');
  const banner = (page: typeof alice) => page.getByRole('status').filter({ hasText: 'Connection lost' });

  await send(alice, 'before the restart');
  await expect(bobLog.getByText('before the restart', { exact: true })).toBeVisible();

  await server.stop();
  for (const page of [alice, bob]) await expect(banner(page)).toHaveText(/^Connection lost\. Reconnecting…/);

  // Sent while the server is down: queued, and the banner counts them.
  await send(alice, 'while down 1');
  await send(alice, 'while down 2');
  await send(bob, 'bob while down');
  await expect(banner(alice)).toHaveText('Connection lost. Reconnecting… 2 messages queued.');
  await expect(banner(bob)).toHaveText('Connection lost. Reconnecting… 1 message queued.');
  await expect(aliceLog.getByText('Queued: sends when reconnected')).toHaveCount(2);

  await server.start();
  // Reconnecting backs off, at most 3 s between attempts: back within seconds of the server.
  for (const page of [alice, bob]) {
    await expect(page.getByRole('status').filter({ hasText: /Connection lost|Connecting/ })).toHaveCount(0, {
      timeout: 8_000,
    });
  }

  // Each side sees every message once, each sender's in the order sent (how the two senders'
  // messages interleave depends on which app reconnected first).
  const expected = ['before the restart', 'while down 1', 'while down 2', 'bob while down'];
  for (const log of [aliceLog, bobLog]) {
    await expect(log.locator('.text')).toHaveCount(expected.length);
    for (const text of expected) await expect(log.getByText(text, { exact: true })).toHaveCount(1);
    const fromAlice = (await log.locator('.text').allTextContents()).filter((t) => t !== 'bob while down');
    expect(fromAlice).toEqual(['before the restart', 'while down 1', 'while down 2']);
    await expect(log.getByText('Queued: sends when reconnected')).toHaveCount(0);
    await expect(log.getByText('Not delivered')).toHaveCount(0);
  }

  // And the conversation goes on.
  await send(bob, 'back to normal');
  await expect(aliceLog.getByText('back to normal', { exact: true })).toBeVisible();
  for (const log of [aliceLog, bobLog]) await expect(log.locator('.text')).toHaveCount(expected.length + 1);
});
