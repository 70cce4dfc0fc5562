/**
 * Files in direct and group chats, through the server, with two or three apps in the browser
 * shell: an image shows inline (its thumbnail made by the receiving app from the downloaded
 * bytes), a 20 MB file shows its progress and saves byte-identical, a recipient who was offline
 * gets the file at the next login, and a group file reaches every member.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Page } from '@playwright/test';
import { expectNoSeriousViolations } from './axe.js';
import {
  attach,
  drawPng,
  expect,
  groupOfThree,
  launchLoggedIn,
  login,
  messages,
  openConversation,
  test,
} from './fixtures.js';

test.skip(
  ({ shell }) => shell === 'electron',
  'Save as… opens the system dialog in Electron; this runs in the browser shell',
);

/** Downloads `name` from the open chat, saves it through the browser, and resolves with its bytes. */
async function downloadAndSave(page: Page, title: string, name: string): Promise<Buffer> {
  const log = messages(page, title);
  await log.getByRole('button', { name: `Download ${name}` }).click();
  const save = log.getByRole('button', { name: `Save as… ${name}` });
  await expect(save).toBeVisible({ timeout: 60_000 });
  const downloading = page.waitForEvent('download');
  await save.click();
  const download = await downloading;
  expect(download.suggestedFilename()).toBe(name);
  return readFile(await download.path());
}

/**
 * Records in the page every value the progress bar named `name` takes (a MutationObserver in the
 * page): the bar moves faster than a poll from here could follow, and goes when the file is done.
 */
async function recordProgress(page: Page, name: string): Promise<void> {
  // A string, run in the page: this file is type-checked without the DOM library.
  await page.evaluate(`(() => {
    window.progressSeen = [];
    new MutationObserver(() => {
      const bar = document.querySelector('[role="progressbar"][aria-label=${JSON.stringify(name)}]');
      if (bar) window.progressSeen.push(Number(bar.getAttribute('aria-valuenow')));
    }).observe(document.body, { subtree: true, childList: true, attributes: true });
  })()`);
}

test('direct chat: an image shows inline, a 20 MB file shows its progress and saves byte-identical', async ({
  server,
  launchApp,
}) => {
  test.setTimeout(180_000);
  const [alice, bob] = await launchLoggedIn(launchApp, server, 'alice', 'bob');
  await openConversation(alice, 'bob');
  await attach(alice, 'sunset.png', 'image/png', await drawPng(alice));
  await openConversation(bob, 'alice');
  // A small image downloads by itself; bob's app makes its thumbnail from the bytes.
  const picture = messages(bob, 'alice').getByRole('img', { name: 'Picture: sunset.png' });
  await expect(picture).toBeVisible({ timeout: 30_000 });
  expect(
    await picture.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth),
  ).toBeGreaterThan(0);

  const big = randomBytes(20 * 1024 * 1024);
  await recordProgress(alice, 'Sending big.bin');
  await recordProgress(bob, 'Receiving big.bin');
  const startedAt = Date.now();
  await attach(alice, 'big.bin', 'application/octet-stream', big);
  await expect(messages(alice, 'bob').getByRole('progressbar', { name: 'Sending big.bin' })).toBeVisible();
  await expectNoSeriousViolations(alice, 'main window with a file being sent');
  await expect(messages(bob, 'alice').getByText('big.bin')).toBeVisible({ timeout: 90_000 });
  console.log(`[e2e] 20 MB chat file: picked to stored on the server in ${Date.now() - startedAt} ms`);
  const saved = await downloadAndSave(bob, 'alice', 'big.bin');
  expect(saved.equals(big)).toBe(true);
  // Both bars moved through values between empty and full while the bytes went.
  for (const page of [alice, bob]) {
    const seen = await page.evaluate<number[]>('window.progressSeen');
    expect(seen.some((percent) => percent > 0 && percent < 100)).toBe(true);
  }
  await expectNoSeriousViolations(bob, 'main window with a received file');
});

test('a recipient who was offline gets the file at the next login', async ({ server, launchApp }) => {
  test.setTimeout(120_000);
  const [alice] = await launchLoggedIn(launchApp, server, 'alice');
  await openConversation(alice, 'bob');
  const notes = randomBytes(300_000);
  await attach(alice, 'notes.bin', 'application/octet-stream', notes);
  const row = messages(alice, 'bob').locator('.message-row').filter({ hasText: 'notes.bin' });
  await expect(row).toHaveAttribute('data-message-id', /\d+/, { timeout: 30_000 });

  const bob = await launchApp('bob');
  await login(bob, server, 'bob');
  await openConversation(bob, 'alice');
  expect((await downloadAndSave(bob, 'alice', 'notes.bin')).equals(notes)).toBe(true);
});

test('a file sent to a group reaches every member', async ({ server, launchApp }) => {
  test.setTimeout(120_000);
  const [alice, bob, carol] = await groupOfThree(launchApp, server);
  const plans = randomBytes(1_500_000);
  await attach(alice, 'plans.bin', 'application/octet-stream', plans);
  for (const member of [bob, carol]) {
    await member.getByRole('button', { name: /^Rebels,/ }).click();
    expect((await downloadAndSave(member, 'Rebels', 'plans.bin')).equals(plans)).toBe(true);
  }
});
