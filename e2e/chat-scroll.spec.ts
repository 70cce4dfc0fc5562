/**
 * The chat keeps the newest message in view: a refused message takes its place in time and does not
 * stop later messages from scrolling in; its error line, a growing draft and toasts hide nothing.
 */
import type { Locator, Page } from '@playwright/test';
import {
  expect,
  launchLoggedIn,
  messages,
  openConversation,
  send,
  setBlocked,
  test,
  toast,
} from './fixtures.js';

async function box(locator: Locator): Promise<{ x: number; y: number; width: number; height: number }> {
  const b = await locator.boundingBox();
  if (!b) throw new Error('element has no box (not rendered)');
  return b;
}

/** Waits until `inner` lies wholly inside `outer`'s box (the chat log scrolls, so this can take a frame). */
async function expectInside(inner: Locator, outer: Locator): Promise<void> {
  await expect(async () => {
    const i = await box(inner);
    const o = await box(outer);
    expect(i.y).toBeGreaterThanOrEqual(o.y - 0.5);
    expect(i.y + i.height).toBeLessThanOrEqual(o.y + o.height + 0.5);
  }).toPass({ timeout: 5_000 });
}

function intersects(a: { x: number; y: number; width: number; height: number }, b: typeof a): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

async function sendMany(page: Page, prefix: string, from: number, to: number): Promise<void> {
  for (let i = from; i <= to; i++) await send(page, `${prefix} ${i}`);
}

test('a refused message keeps its place in time; later messages still scroll into view and its error line shows whole', async ({
  server,
  launchApp,
}) => {
  const [alice, bob] = await launchLoggedIn(launchApp, server, 'alice', 'bob');
  await bob.setViewportSize({ width: 800, height: 600 });
  await openConversation(alice, 'bob');
  await sendMany(alice, 'Reply', 1, 15);
  await openConversation(bob, 'alice');
  const bobLog = messages(bob, 'alice');
  await expect(bobLog.getByText('Reply 15', { exact: true })).toBeVisible();

  // Alice blocks Bob; his next message is refused, and the reason is shown in full above the composer.
  await setBlocked(alice, 'bob', true);
  await send(bob, 'Are you there?');
  const error = bobLog.getByText('Not delivered: alice has blocked you.');
  await expect(error).toBeVisible();
  await expectInside(error, bobLog);

  // Alice writes on (her block does not stop her): her messages come after the refused one, and the
  // newest scrolls into Bob's view.
  await sendMany(alice, 'Reply', 16, 18);
  await expect(bobLog.getByText('Reply 18', { exact: true })).toBeVisible();
  await expect(bobLog.locator('.text').filter({ hasText: /^(Are you there\?|Reply 1[5-8])$/ })).toHaveText([
    'Reply 15',
    'Are you there?',
    'Reply 16',
    'Reply 17',
    'Reply 18',
  ]);
  await expectInside(bobLog.getByText('Reply 18', { exact: true }), bobLog);
});

test('a growing draft keeps the latest message in view', async ({ server, launchApp }) => {
  const [alice, bob] = await launchLoggedIn(launchApp, server, 'alice', 'bob');
  await alice.setViewportSize({ width: 800, height: 600 });
  await openConversation(alice, 'bob');
  await openConversation(bob, 'alice');
  await sendMany(bob, 'Line', 1, 20);
  const log = messages(alice, 'bob');
  const latest = log.getByText('Line 20', { exact: true });
  await expect(latest).toBeVisible();
  await expectInside(latest, log);

  const composer = alice.getByRole('textbox', { name: 'Message', exact: true });
  const before = await box(composer);
  await composer.fill('one\ntwo\nthree\nfour\nfive\nsix');
  await expect.poll(async () => (await box(composer)).height).toBeGreaterThan(before.height + 60);
  await expectInside(latest, log);
});

for (const size of [
  { width: 1280, height: 800 },
  { width: 800, height: 600 },
  { width: 400, height: 700 },
]) {
  test(`at ${size.width}×${size.height} toasts do not cover the Send button`, async ({
    server,
    launchApp,
  }) => {
    const [alice, bob, carol] = await launchLoggedIn(launchApp, server, 'alice', 'bob', 'carol');
    await alice.setViewportSize(size);
    await openConversation(alice, 'bob');
    await send(alice, 'hello');
    // Toasts stack, each further from the edge they start at. A toast lasts 5 s, so two are raised
    // together and every box is read in one go: on a slow machine one could otherwise be gone
    // before the next box was read.
    await Promise.all([
      bob.getByRole('button', { name: 'Log out' }).click(),
      carol.getByRole('button', { name: 'Log out' }).click(),
    ]);
    await expect(toast(alice, 'bob logged out')).toBeVisible();
    await expect(toast(alice, 'carol logged out')).toBeVisible();
    type Box = { x: number; y: number; width: number; height: number };
    const boxes = await alice.locator('.toast, .send-button').evaluateAll((elements) =>
      elements.map((el) => {
        const node = el as unknown as { className: string; getBoundingClientRect(): Box };
        const { x, y, width, height } = node.getBoundingClientRect();
        return { send: node.className.includes('send-button'), box: { x, y, width, height } };
      }),
    );
    const sendButton = boxes.find((b) => b.send)?.box;
    if (!sendButton) throw new Error('no Send button');
    const toasts = boxes.filter((b) => !b.send).map((b) => b.box);
    // The two just raised, and the login toasts of bob and carol if they are still up.
    expect(toasts.length).toBeGreaterThanOrEqual(2);
    for (const shown of toasts) expect(intersects(shown, sendButton)).toBe(false);
  });
}
