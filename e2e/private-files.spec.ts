/**
 * Files in private chats, two apps through the browser shell: an image arrives with the thumbnail
 * its sender made, a 20 MB file shows its progress on both sides and saves byte-identical, and a
 * relay in front of the server proves none of it crossed the server's socket.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Relay } from '../test/helpers/relay.js';
import { expectNoSeriousViolations } from './axe.js';
import {
  attach,
  drawPng,
  expect,
  launchLoggedIn,
  personAction,
  test,
  waitForPrivateWindow,
} from './fixtures.js';

test('private files: an image with its thumbnail and a 20 MB file with progress, saved byte-identical, never through the server', async ({
  server,
  shell,
  launchApp,
}) => {
  test.skip(
    shell === 'electron',
    'Save as… opens the system dialog in Electron; this runs in the browser shell',
  );
  test.setTimeout(120_000);
  const relay = new Relay(server.port);
  const relayPort = await relay.start();
  try {
    // Both apps reach the server only through the relay, which records every byte.
    const viaRelay = { ...server, host: server.host, port: relayPort, users: server.users };
    const [alice, bob] = await launchLoggedIn(launchApp, viaRelay, 'alice', 'bob');
    await personAction(alice, 'bob', 'Start private chat with');
    const alicePrivate = await waitForPrivateWindow(alice, 'bob');
    await expect(alicePrivate.getByText('Connected directly')).toBeVisible();

    await attach(alicePrivate, 'sunset.png', 'image/png', await drawPng(alicePrivate));
    // The file opens bob's window, as a first private message would.
    const bobPrivate = await waitForPrivateWindow(bob, 'alice');
    const preview = bobPrivate.getByRole('img', { name: 'Preview of sunset.png' });
    await expect(preview).toBeVisible();
    expect(
      await preview.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth),
    ).toBeGreaterThan(0);
    await expect(bobPrivate.getByRole('button', { name: 'Save as… sunset.png' })).toBeVisible();

    const big = randomBytes(20 * 1024 * 1024);
    const startedAt = Date.now();
    await attach(alicePrivate, 'big.bin', 'application/octet-stream', big);
    const sending = alicePrivate.getByRole('progressbar', { name: 'Sending big.bin' });
    const receiving = bobPrivate.getByRole('progressbar', { name: 'Receiving big.bin' });
    await expect(sending).toBeVisible();
    await expect(receiving).toBeVisible();
    await expectNoSeriousViolations(bobPrivate, 'private window with files arriving');
    await expect
      .poll(async () => Number(await receiving.getAttribute('aria-valuenow').catch(() => '100')))
      .toBeGreaterThan(0);

    const save = bobPrivate.getByRole('button', { name: 'Save as… big.bin' });
    await expect(save).toBeVisible({ timeout: 60_000 });
    await expect(alicePrivate.getByText('Sent to bob')).toHaveCount(2);
    console.log(
      `[e2e] 20 MB private file: picked to verified on the other side in ${Date.now() - startedAt} ms`,
    );
    const downloading = bobPrivate.waitForEvent('download');
    await save.click();
    const download = await downloading;
    expect(download.suggestedFilename()).toBe('big.bin');
    const saved = await readFile(await download.path());
    expect(saved.equals(big)).toBe(true);

    // Everything the apps said to the server, both ways: far less than the file, none of its bytes.
    const traffic = Buffer.concat([...relay.toServer, ...relay.toClient]);
    console.log(`[e2e] server traffic during the test: ${traffic.length} bytes both ways`);
    expect(traffic.length).toBeLessThan(200_000);
    for (const at of [0, 10 * 1024 * 1024, big.length - 32]) {
      const probe = big.subarray(at, at + 24);
      expect(traffic.includes(probe)).toBe(false);
      expect(traffic.includes(Buffer.from(probe.toString('base64').slice(4, 28)))).toBe(false);
    }
  } finally {
    await relay.close();
  }
});
