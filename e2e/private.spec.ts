/** Private (peer-to-peer) chats: a window on each side, stopping from either side, one side quitting. */
import type { Page } from '@playwright/test';
import { expectNoSeriousViolations } from './axe.js';
import { expect, launchLoggedIn, personAction, test, toast, waitForPrivateWindow } from './fixtures.js';

async function startPrivateChat(page: Page, peer: string): Promise<Page> {
  await personAction(page, peer, 'Start private chat with');
  return waitForPrivateWindow(page, peer);
}

async function sendPrivate(window: Page, text: string): Promise<void> {
  const composer = window.getByRole('textbox', { name: 'Message', exact: true });
  await composer.fill(text);
  await composer.press('Enter');
  await expect(composer).toHaveValue('');
}

function privateLog(window: Page, peer: string) {
  return window.getByRole('log', { name: `Private messages with ${peer}`, exact: true });
}

/**
 * `from` (user `fromName`) starts a private chat with `toName` and sends `text`; resolves with both
 * windows, [from's, to's], once `to`'s window opened and shows the text.
 */
async function chatPrivately(
  from: Page,
  fromName: string,
  to: Page,
  toName: string,
  text: string,
): Promise<[Page, Page]> {
  const fromWindow = await startPrivateChat(from, toName);
  await sendPrivate(fromWindow, text);
  const toWindow = await waitForPrivateWindow(to, fromName);
  await expect(privateLog(toWindow, fromName).getByText(text, { exact: true })).toBeVisible();
  return [fromWindow, toWindow];
}

async function expectOpen(window: Page, peer: string): Promise<void> {
  await expect(window.getByRole('heading', { level: 1, name: `Private chat with ${peer}` })).toBeVisible();
  await expect(window).toHaveTitle(`Private chat with ${peer}`);
  await expect(window.getByRole('note')).toHaveText(
    `⇄ Messages go directly between your computer and ${peer}'s — not through the server`,
  );
  await expect(window.getByRole('button', { name: 'Stop private chat' })).toBeVisible();
  await expect(window.getByText('Connected directly')).toBeVisible();
}

async function expectClosed(window: Page, text: string | RegExp): Promise<void> {
  await expect(window.getByRole('status').filter({ hasText: /private chat/ })).toHaveText(text);
  await expect(window.getByText('Not connected')).toBeVisible();
  await expect(window.getByRole('textbox', { name: 'Message', exact: true })).toBeDisabled();
  await expect(window.getByRole('button', { name: 'Start private chat' })).toBeVisible();
}

test('private chat windows both ways: a window on each side, messages both ways', async ({
  server,
  launchApp,
}) => {
  const [alice, bob] = await launchLoggedIn(launchApp, server, 'alice', 'bob');

  const alicePrivate = await startPrivateChat(alice, 'bob');
  await expectOpen(alicePrivate, 'bob');
  await expect(
    alicePrivate.getByText('The private chat is open. Messages are not stored anywhere.'),
  ).toBeVisible();

  await sendPrivate(alicePrivate, 'Psst, Bob');
  const bobPrivate = await waitForPrivateWindow(bob, 'alice');
  await expectOpen(bobPrivate, 'alice');
  await expect(privateLog(bobPrivate, 'alice').locator('.text')).toHaveText(['Psst, Bob']);

  await sendPrivate(bobPrivate, 'Hi Alice, just us here');
  await expect(privateLog(alicePrivate, 'bob').locator('.text')).toHaveText([
    'Psst, Bob',
    'Hi Alice, just us here',
  ]);
  await expect(privateLog(bobPrivate, 'alice').locator('.text')).toHaveText([
    'Psst, Bob',
    'Hi Alice, just us here',
  ]);
  // Private messages never show up in the server-carried conversations.
  await expect(alice.getByRole('list', { name: 'Conversation list' }).getByText('Psst, Bob')).toHaveCount(0);
  await expect(bob.getByRole('list', { name: 'Conversation list' }).getByText('Psst, Bob')).toHaveCount(0);
});

test('a private chat can be stopped from either side; both windows say so', async ({ server, launchApp }) => {
  const [alice, bob] = await launchLoggedIn(launchApp, server, 'alice', 'bob');

  const [alicePrivate, bobPrivate] = await chatPrivately(alice, 'alice', bob, 'bob', 'first');

  // Alice stops it.
  await alicePrivate.getByRole('button', { name: 'Stop private chat' }).click();
  await expectClosed(alicePrivate, 'You ended the private chat with bob.');
  await expectClosed(bobPrivate, 'alice ended the private chat.');

  // Bob starts it again from his window, and stops it himself.
  await bobPrivate.getByRole('button', { name: 'Start private chat' }).click();
  await expect(bobPrivate.getByRole('button', { name: 'Stop private chat' })).toBeVisible();
  await sendPrivate(bobPrivate, 'second');
  await expect(privateLog(alicePrivate, 'bob').getByText('second', { exact: true })).toBeVisible();
  await expect(alicePrivate.getByRole('button', { name: 'Stop private chat' })).toBeVisible();

  await bobPrivate.getByRole('button', { name: 'Stop private chat' }).click();
  await expectClosed(bobPrivate, 'You ended the private chat with alice.');
  await expectClosed(alicePrivate, 'bob ended the private chat.');
});

test('a private chat ends when one side quits', async ({ server, launchApp, closeApp }) => {
  const [alice, bob] = await launchLoggedIn(launchApp, server, 'alice', 'bob');

  const [alicePrivate] = await chatPrivately(alice, 'alice', bob, 'bob', 'still there?');

  // Bob's app tells Alice's as it quits (as with logging out); the server also says he went offline.
  await closeApp(bob);
  await expectClosed(alicePrivate, 'bob ended the private chat.');
  // Once the server has seen him go, trying again says why it cannot work.
  await expect(toast(alice, 'bob logged out')).toBeVisible();
  await alicePrivate.getByRole('button', { name: 'Start private chat' }).click();
  await expect(alicePrivate.getByRole('alert')).toHaveText('bob is offline.');
});

test('after your own logout the private window says why the chat ended, forgets its messages and offers only to close', async ({
  server,
  launchApp,
}) => {
  const [alice, bob] = await launchLoggedIn(launchApp, server, 'alice', 'bob');

  const [bobPrivate, alicePrivate] = await chatPrivately(bob, 'bob', alice, 'alice', 'bye soon');

  await bob.getByRole('button', { name: 'Log out' }).click();
  await expect(bobPrivate.getByRole('status').filter({ hasText: /private chat/ })).toHaveText(
    'You logged out, so the private chat with alice ended. Its messages are gone: private chats are never stored. Log in again in the main window to start a new one.',
  );
  await expect(privateLog(bobPrivate, 'alice').getByText('bye soon')).toHaveCount(0);
  await expect(bobPrivate.getByRole('textbox', { name: 'Message', exact: true })).toBeDisabled();
  // Nothing that cannot work while logged out.
  await expect(bobPrivate.getByRole('button', { name: 'Start private chat' })).toHaveCount(0);
  await expectNoSeriousViolations(bobPrivate, 'private window after your own logout');
  await expectClosed(alicePrivate, 'bob ended the private chat.');

  // The click closes the page, and Playwright may report the closed page as the click's error;
  // the 'close' event is what proves the button worked.
  const closed = bobPrivate.waitForEvent('close');
  await bobPrivate
    .getByRole('button', { name: 'Close window' })
    .click({ noWaitAfter: true })
    .catch(() => undefined);
  await closed;
});

test('closing a private window ends its chat; only a new private chat opens it again', async ({
  server,
  launchApp,
}) => {
  const [alice, bob] = await launchLoggedIn(launchApp, server, 'alice', 'bob');

  const [alicePrivate, bobPrivate] = await chatPrivately(alice, 'alice', bob, 'bob', 'first');
  await expect(bob.getByRole('button', { name: 'Private chat with alice', exact: true })).toBeVisible();

  // Bob closes his window (the unload handlers run, as when a user closes it).
  await bobPrivate.close({ runBeforeUnload: true });
  await expectClosed(alicePrivate, 'bob ended the private chat.');
  await expect(bob.getByRole('button', { name: 'Private chat with alice', exact: true })).toHaveCount(0);

  // A new private chat from Alice opens Bob's window again (the core keeps this login's private
  // messages in memory, so the earlier ones are there too).
  await alicePrivate.getByRole('button', { name: 'Start private chat' }).click();
  await sendPrivate(alicePrivate, 'second');
  const reopened = await waitForPrivateWindow(bob, 'alice');
  await expect(privateLog(reopened, 'alice').locator('.text')).toHaveText(['first', 'second']);
  await expectOpen(reopened, 'alice');
});

test('the main window shows running private chats and brings their window forward', async ({
  server,
  launchApp,
}) => {
  const [alice, bob] = await launchLoggedIn(launchApp, server, 'alice', 'bob');
  const privateChats = (page: Page) => page.getByRole('list', { name: 'Private chats' });
  await expect(privateChats(alice)).toHaveCount(0);

  const [alicePrivate] = await chatPrivately(alice, 'alice', bob, 'bob', 'hello');
  await expect(privateChats(alice).getByRole('button')).toHaveText(['Private chat with bob']);
  await expect(privateChats(bob).getByRole('button')).toHaveText(['Private chat with alice']);
  await expectNoSeriousViolations(alice, 'main window with a running private chat');

  // It focuses the window that is open; it never opens a second one.
  const pages = alice.context().pages().length;
  await privateChats(alice).getByRole('button', { name: 'Private chat with bob' }).click();
  await expect(alicePrivate.getByRole('heading', { level: 1, name: 'Private chat with bob' })).toBeVisible();
  expect(alice.context().pages()).toHaveLength(pages);

  await alicePrivate.getByRole('button', { name: 'Stop private chat' }).click();
  await expect(privateChats(alice)).toHaveCount(0);
  await expect(privateChats(bob)).toHaveCount(0);
});
