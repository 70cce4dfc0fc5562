/**
 * Reactions and the message menu between two app instances: a reaction chosen from the context
 * menu is what the other person sees live, after being offline and after a server restart; Copy
 * puts the text on the clipboard; the menu works from the keyboard alone.
 */
import type { Page } from '@playwright/test';
import { expectNoSeriousViolations } from './axe.js';
import {
  conversationEntry,
  expect,
  launchLoggedIn,
  login,
  messageRow,
  messages,
  openConversation,
  reactFromContextMenu,
  send,
  test,
} from './fixtures.js';

/** The browser shell's page may use the clipboard once granted (Electron's renderer always may). */
async function allowClipboard(page: Page): Promise<void> {
  await page
    .context()
    .grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(page.url()).origin })
    .catch(() => undefined);
}

/** The clipboard's text, read in the page (the e2e code is typed without the DOM library). */
function readClipboard(page: Page): Promise<string> {
  type WithClipboard = { navigator: { clipboard: { readText(): Promise<string> } } };
  return page.evaluate(() => (globalThis as unknown as WithClipboard).navigator.clipboard.readText());
}

test('bob sees alice’s reaction live, after being offline and after a restart; Copy copies the text', async ({
  server,
  launchApp,
  closeApp,
}) => {
  const [alice, bob] = await launchLoggedIn(launchApp, server, 'alice', 'bob');
  await openConversation(bob, 'alice');
  await send(bob, 'lunch at noon?');
  await openConversation(alice, 'bob');
  const aliceLog = messages(alice, 'bob');
  let bobLog = messages(bob, 'alice');

  // Live: alice reacts from the context menu; bob sees "👍 1" named with alice.
  await reactFromContextMenu(alice, messageRow(aliceLog, 'lunch at noon?'), 'thumbs up');
  const thumbs = bobLog.getByRole('button', { name: 'Reacted with thumbs up: alice' });
  await expect(thumbs.locator('.chip-face')).toHaveText('👍 1');
  await expect(thumbs).toHaveAttribute('aria-pressed', 'false');
  await expect(aliceLog.getByRole('button', { name: 'Reacted with thumbs up: alice' })).toHaveAttribute(
    'aria-pressed',
    'true',
  );
  await expectNoSeriousViolations(bob, 'a chat with a reaction');

  // Bob's chip adds his; then bob is away while alice takes hers back and adds another.
  await thumbs.click();
  await expect(
    aliceLog.getByRole('button', { name: 'Reacted with thumbs up: alice, bob' }).locator('.chip-face'),
  ).toHaveText('👍 2');
  await closeApp(bob);
  await aliceLog.getByRole('button', { name: 'Reacted with thumbs up: alice, bob' }).click();
  await expect(
    aliceLog.getByRole('button', { name: 'Reacted with thumbs up: bob' }).locator('.chip-face'),
  ).toHaveText('👍 1');
  await reactFromContextMenu(alice, messageRow(aliceLog, 'lunch at noon?'), 'heart');
  const expected = ['👍 1', '❤️ 1'];
  await expect(aliceLog.locator('.chip-face')).toHaveText(expected);

  const bobAgain = await launchApp('bob');
  await login(bobAgain, server, 'bob');
  await conversationEntry(bobAgain, 'alice').click();
  bobLog = messages(bobAgain, 'alice');
  await expect(bobLog.locator('.chip-face')).toHaveText(expected);
  await expect(bobLog.getByRole('button', { name: 'Reacted with heart: alice' })).toBeVisible();

  // After a server restart: the same, in the open app and in a fresh one.
  await server.restart();
  await expect(bobAgain.getByRole('status').filter({ hasText: /Connection lost|Connecting/ })).toHaveCount(
    0,
    {
      timeout: 8_000,
    },
  );
  await expect(bobLog.locator('.chip-face')).toHaveText(expected);
  await closeApp(bobAgain);
  const bobFresh = await launchApp('bob');
  await login(bobFresh, server, 'bob');
  await conversationEntry(bobFresh, 'alice').click();
  await expect(messages(bobFresh, 'alice').locator('.chip-face')).toHaveText(expected);

  // Copy: the text, read back from the clipboard.
  await allowClipboard(alice);
  await messageRow(aliceLog, 'lunch at noon?').locator('.bubble').click({ button: 'right' });
  await alice.getByRole('menuitem', { name: 'Copy' }).click();
  await expect.poll(() => readClipboard(alice)).toBe('lunch at noon?');
});

test('the message menu works from the keyboard alone', async ({ server, launchApp }) => {
  const [alice, bob] = await launchLoggedIn(launchApp, server, 'alice', 'bob');
  await openConversation(bob, 'alice');
  await send(bob, 'press a key');
  await openConversation(alice, 'bob');
  const aliceLog = messages(alice, 'bob');
  const message = messageRow(aliceLog, 'press a key');
  const actions = message.getByRole('button', { name: 'Actions for the message from bob' });

  // Shift+F10 on the focused message opens its menu on the first item; arrows move; Enter chooses.
  await message.focus();
  await alice.keyboard.press('Shift+F10');
  const menu = alice.getByRole('menu', { name: 'Actions for the message from bob' });
  await expect(menu.getByRole('menuitem')).toHaveText(['Reply', 'React', 'Copy']);
  await expect(menu.getByRole('menuitem', { name: 'Reply' })).toBeFocused();
  await alice.keyboard.press('ArrowDown');
  await expect(menu.getByRole('menuitem', { name: 'React' })).toBeFocused();
  await alice.keyboard.press('Enter');
  const emoji = alice.getByRole('menu', { name: 'React' });
  await expect(emoji.getByRole('menuitemcheckbox', { name: 'React with thumbs up' })).toBeFocused();
  // Escape goes back to the list, on React.
  await alice.keyboard.press('Escape');
  await expect(menu.getByRole('menuitem', { name: 'React' })).toBeFocused();
  await alice.keyboard.press('Enter');
  await alice.keyboard.press('ArrowDown');
  await alice.keyboard.press('ArrowDown');
  await expect(emoji.getByRole('menuitemcheckbox', { name: 'React with laughing' })).toBeFocused();
  await expectNoSeriousViolations(alice, 'the React submenu');
  await alice.keyboard.press('Enter');
  await expect(emoji).toHaveCount(0);
  await expect(actions).toBeFocused();
  await expect(
    messages(bob, 'alice')
      .getByRole('button', { name: 'Reacted with laughing: alice' })
      .locator('.chip-face'),
  ).toHaveText('😂 1');

  // Enter on the actions button opens it too; Escape closes it and returns focus to the button.
  await alice.keyboard.press('Enter');
  await expect(menu.getByRole('menuitem', { name: 'Reply' })).toBeFocused();
  await alice.keyboard.press('Escape');
  await expect(menu).toHaveCount(0);
  await expect(actions).toBeFocused();

  // A chip is a button: Space on it toggles your reaction.
  const chip = aliceLog.getByRole('button', { name: 'Reacted with laughing: alice' });
  await chip.focus();
  await alice.keyboard.press('Space');
  await expect(messages(bob, 'alice').locator('.reaction-chip')).toHaveCount(0);
});
