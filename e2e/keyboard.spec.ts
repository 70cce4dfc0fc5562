/**
 * The keyboard alone: Enter and the arrow keys in the user search, and Up, Down, Home and End through
 * the conversation list, whose entries are named with everything they show.
 */
import type { Page } from '@playwright/test';
import { conversationEntry, expect, launchLoggedIn, openConversation, send, test } from './fixtures.js';

function searchBox(page: Page) {
  return page.getByRole('searchbox', { name: 'Search users' });
}

function chatHeading(page: Page, title: string) {
  return page.getByRole('heading', { level: 2, name: title, exact: true });
}

test('Enter in the search opens the first match, and the arrow keys reach the others', async ({
  server,
  launchApp,
}) => {
  const [alice, bob] = await launchLoggedIn(launchApp, server, 'alice', 'bob');
  await openConversation(bob, 'alice');
  await send(bob, 'hello from bob');
  await expect(conversationEntry(alice, 'bob')).toHaveAccessibleName(/^bob, online, 1 unread, /);

  await searchBox(alice).fill('car');
  await searchBox(alice).press('Enter');
  await expect(chatHeading(alice, 'carol')).toBeVisible();
  await expect(searchBox(alice)).toHaveValue('');

  // An existing conversation is offered as itself, with its last message; a new one as a start.
  await searchBox(alice).fill('bo');
  const results = alice.getByRole('list', { name: 'Search results' });
  await expect(results.getByRole('button')).toHaveCount(1);
  await expect(results.getByRole('button')).toContainText('hello from bob');
  await expect(results.getByRole('button')).not.toContainText('Start a conversation');
  await searchBox(alice).fill('c');
  await expect(results.getByRole('button', { name: /^carol/ })).toContainText('Start a conversation');

  await searchBox(alice).fill('');
  await searchBox(alice).pressSequentially('b');
  await searchBox(alice).press('ArrowDown');
  await expect(results.getByRole('button', { name: /^bob/ })).toBeFocused();
  await alice.keyboard.press('ArrowUp');
  await expect(searchBox(alice)).toBeFocused();
  await searchBox(alice).press('ArrowDown');
  await alice.keyboard.press('Enter');
  await expect(chatHeading(alice, 'bob')).toBeVisible();
});

test('the arrow keys, Home and End move through the conversation list; Tab stops there once', async ({
  server,
  launchApp,
}) => {
  const [alice, bob, carol] = await launchLoggedIn(launchApp, server, 'alice', 'bob', 'carol');
  await openConversation(bob, 'alice');
  await send(bob, 'hello from bob');
  await openConversation(carol, 'alice');
  await send(carol, 'hello from carol');
  const list = alice.getByRole('list', { name: 'Conversation list' });
  const everyone = list.getByRole('button', { name: /^Everyone/ });
  const fromCarol = conversationEntry(alice, 'carol');
  const fromBob = conversationEntry(alice, 'bob');
  // Named with all they show: who, presence, unread, time and the last message.
  await expect(fromCarol).toHaveAccessibleName(/^carol, online, 1 unread, \S.*, hello from carol$/);
  await expect(fromBob).toHaveAccessibleName(/^bob, online, 1 unread, \S.*, hello from bob$/);

  // Down from the search box enters the list at the open conversation (Everyone).
  await searchBox(alice).focus();
  await searchBox(alice).press('ArrowDown');
  await expect(everyone).toBeFocused();
  await alice.keyboard.press('ArrowDown');
  await expect(fromCarol).toBeFocused(); // the newest conversation first
  await alice.keyboard.press('End');
  await expect(fromBob).toBeFocused();
  await alice.keyboard.press('Home');
  await expect(everyone).toBeFocused();
  await alice.keyboard.press('End');
  await alice.keyboard.press('ArrowUp');
  await expect(fromCarol).toBeFocused();
  // Moving the focus opens nothing; Enter does.
  await expect(chatHeading(alice, 'Everyone')).toBeVisible();
  await alice.keyboard.press('Enter');
  await expect(chatHeading(alice, 'carol')).toBeVisible();

  // One tab stop for the whole list: from it, Tab leaves the list.
  await fromCarol.focus();
  await alice.keyboard.press('Tab');
  await expect(list.getByRole('button').and(alice.locator(':focus'))).toHaveCount(0);
  await alice.keyboard.press('Shift+Tab');
  await expect(fromCarol).toBeFocused();
});
