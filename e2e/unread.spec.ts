/**
 * Reading a chat: messages arriving while you are scrolled up are counted on a jump-to-latest control,
 * and a chat with unread messages opens at the first of them, under an "Unread messages" divider.
 */
import type { Locator, Page } from '@playwright/test';
import {
  conversationEntry,
  expect,
  launchLoggedIn,
  messages,
  openConversation,
  send,
  test,
} from './fixtures.js';

async function sendMany(page: Page, prefix: string, count: number): Promise<void> {
  for (let i = 1; i <= count; i++) await send(page, `${prefix} ${i}`);
}

/** Whether `inner` lies wholly inside the visible part of `log` (false when it is not rendered). */
async function shownIn(inner: Locator, log: Locator): Promise<boolean> {
  if ((await inner.count()) === 0) return false;
  const i = await inner.boundingBox();
  const o = await log.boundingBox();
  if (!i || !o) return false;
  return i.y >= o.y - 0.5 && i.y + i.height <= o.y + o.height + 0.5;
}

function message(log: Locator, text: string): Locator {
  return log.locator('.message-row').filter({ has: log.page().getByText(text, { exact: true }) });
}

test('a message arriving while scrolled up is counted on a control that jumps to it', async ({
  server,
  launchApp,
}) => {
  const [alice, bob] = await launchLoggedIn(launchApp, server, 'alice', 'bob');
  await openConversation(bob, 'alice');
  await openConversation(alice, 'bob');
  await sendMany(bob, 'earlier', 30);
  const log = messages(alice, 'bob');
  await expect(log.getByText('earlier 30', { exact: true })).toBeVisible();
  const jump = alice.getByRole('button', { name: /new message|Latest messages/ });
  await expect(jump).toBeHidden();

  await log.hover();
  await alice.mouse.wheel(0, -5000);
  await expect(jump).toHaveText('Latest messages ↓');
  await send(bob, 'are you there?');
  await expect(jump).toHaveText('1 new message ↓');
  await send(bob, 'hello?');
  await expect(jump).toHaveText('2 new messages ↓');
  await expect.poll(() => shownIn(message(log, 'hello?'), log)).toBe(false);

  await jump.click();
  await expect.poll(() => shownIn(message(log, 'hello?'), log)).toBe(true);
  await expect(jump).toBeHidden();
  await expect(log).toBeFocused();
  // At the bottom again, new messages scroll in by themselves and nothing is counted.
  await send(bob, 'there you are');
  await expect.poll(() => shownIn(message(log, 'there you are'), log)).toBe(true);
  await expect(jump).toBeHidden();
});

test('a chat with unread messages opens at the first unread one, under the divider', async ({
  server,
  launchApp,
}) => {
  const [alice, bob] = await launchLoggedIn(launchApp, server, 'alice', 'bob');
  await openConversation(bob, 'alice');
  await sendMany(bob, 'read', 5);
  await openConversation(alice, 'bob');
  await expect(messages(alice, 'bob').getByText('read 5', { exact: true })).toBeVisible();
  await alice
    .getByRole('list', { name: 'Conversation list' })
    .getByRole('button', { name: /^Everyone/ })
    .click();

  await sendMany(bob, 'unread', 30);
  const entry = conversationEntry(alice, 'bob');
  await expect(entry).toHaveAccessibleName(/^bob, online, 30 unread, /);
  await entry.click();

  const log = messages(alice, 'bob');
  const divider = log.getByRole('separator', { name: 'Unread messages' });
  await expect(divider).toBeVisible();
  const first = message(log, 'unread 1');
  await expect.poll(() => shownIn(divider, log)).toBe(true);
  await expect.poll(() => shownIn(first, log)).toBe(true);
  await expect.poll(() => shownIn(message(log, 'unread 30'), log)).toBe(false);
  // The divider sits right above the first unread message, below the last read one.
  const dividerBox = await divider.boundingBox();
  const firstBox = await first.boundingBox();
  expect(dividerBox && firstBox && dividerBox.y < firstBox.y).toBe(true);
  await expect(alice.getByRole('button', { name: 'Latest messages' })).toBeVisible();
  await expect(entry).toHaveAccessibleName(/^bob, online, (?!\d+ unread)/);
});
