/** Presence, live direct messages, offline delivery and broadcasts between app instances. */
import {
  conversationEntry,
  expect,
  launchLoggedIn,
  login,
  messages,
  openConversation,
  send,
  setBlocked,
  test,
  toast,
  toasts,
} from './fixtures.js';

test('presence both ways: toasts and the Online now list', async ({ server, launchApp }) => {
  const alice = await launchApp('alice');
  const bob = await launchApp('bob');
  await login(alice, server, 'alice');
  await expect(alice.getByText('No other users are online')).toBeVisible();

  await login(bob, server, 'bob');
  await expect(toast(alice, 'bob logged in')).toBeVisible();
  const aliceOnline = alice.getByRole('list', { name: 'Online now' });
  const bobOnline = bob.getByRole('list', { name: 'Online now' });
  await expect(aliceOnline.getByRole('listitem')).toHaveText([/bob/]);
  await expect(bobOnline.getByRole('listitem')).toHaveText([/alice/]);

  await alice.getByRole('button', { name: 'Log out' }).click();
  await expect(alice.getByRole('button', { name: 'Log in' })).toBeVisible();
  await expect(toast(bob, 'alice logged out')).toBeVisible();
  await expect(bob.getByText('No other users are online')).toBeVisible();

  await login(alice, server, 'alice');
  await expect(toast(bob, 'alice logged in')).toBeVisible();
  await expect(bobOnline.getByRole('listitem')).toHaveText([/alice/]);
  await expect(aliceOnline.getByRole('listitem')).toHaveText([/bob/]);
  // Your own presence is never announced to you.
  await expect(toasts(alice).getByText('alice logged in')).toHaveCount(0);
});

test('live direct messages both ways', async ({ server, launchApp }) => {
  const [alice, bob] = await launchLoggedIn(launchApp, server, 'alice', 'bob');

  await openConversation(alice, 'bob');
  await send(alice, 'Hi Bob, how are you?');
  await expect(messages(alice, 'bob').getByText('Hi Bob, how are you?', { exact: true })).toBeVisible();

  // Bob's list gets the conversation with an unread count and Alice's online dot; opening it reads it.
  const fromAlice = conversationEntry(bob, 'alice');
  await expect(fromAlice).toHaveAccessibleName(/^alice, online, 1 unread, /);
  await expect(fromAlice).toContainText('Hi Bob, how are you?');
  await fromAlice.click();
  await expect(messages(bob, 'alice').getByText('Hi Bob, how are you?', { exact: true })).toBeVisible();
  await expect(fromAlice).toHaveAccessibleName(/^alice, online, (?!\d+ unread)/);

  await send(bob, 'Fine, thanks Alice!');
  await expect(messages(alice, 'bob').getByText('Fine, thanks Alice!', { exact: true })).toBeVisible();
  await expect(messages(bob, 'alice').getByText('Fine, thanks Alice!', { exact: true })).toBeVisible();
  await expect(conversationEntry(alice, 'bob')).toHaveAccessibleName(/^bob, online, (?!\d+ unread)/);
  await expect(conversationEntry(alice, 'bob')).toContainText('Fine, thanks Alice!');

  // Several in a row arrive in order, once each.
  for (const text of ['one', 'two', 'three']) await send(alice, text);
  const bobLog = messages(bob, 'alice');
  await expect(bobLog.locator('.text')).toHaveText([
    'Hi Bob, how are you?',
    'Fine, thanks Alice!',
    'one',
    'two',
    'three',
  ]);
});

test('offline delivery: a message sent while the recipient is closed is there, unread, once', async ({
  server,
  launchApp,
  closeApp,
}) => {
  const alice = await launchApp('alice');
  let bob = await launchApp('bob');
  await login(alice, server, 'alice');
  await login(bob, server, 'bob');
  await openConversation(alice, 'bob');
  await send(alice, 'before you left');
  await expect(conversationEntry(bob, 'alice')).toHaveAccessibleName(/1 unread/);

  await closeApp(bob);
  await expect(toast(alice, 'bob logged out')).toBeVisible();
  await expect(conversationEntry(alice, 'bob')).toHaveAccessibleName(/^bob, offline, (?!\d+ unread)/);

  await send(alice, 'while you were away 1');
  await send(alice, 'while you were away 2');
  const aliceLog = messages(alice, 'bob');
  await expect(aliceLog.getByText('while you were away 2', { exact: true })).toBeVisible();
  await expect(aliceLog.getByText('Not delivered')).toHaveCount(0);

  bob = await launchApp('bob');
  await login(bob, server, 'bob');
  await expect(toast(alice, 'bob logged in')).toBeVisible();
  const entry = conversationEntry(bob, 'alice');
  await expect(entry).toHaveAccessibleName(/^alice, online, 3 unread, /);
  await expect(entry.locator('.badge')).toHaveText('3');
  await expect(entry).toContainText('while you were away 2');
  await expect(bob).toHaveTitle('(3) Messenger');

  await entry.click();
  await expect(messages(bob, 'alice').locator('.text')).toHaveText([
    'before you left',
    'while you were away 1',
    'while you were away 2',
  ]);
  await expect(entry).toHaveAccessibleName(/^alice, online, (?!\d+ unread)/);
  await expect(bob).toHaveTitle('Messenger');
});

test('broadcast reaches everyone online, with a notice when a recipient blocked the sender', async ({
  server,
  launchApp,
}) => {
  const [alice, bob, carol] = await launchLoggedIn(launchApp, server, 'alice', 'bob', 'carol');
  await expect(alice.getByRole('list', { name: 'Online now' }).getByRole('listitem')).toHaveCount(2);

  const everyone = (page: typeof alice) => conversationEntry(page, 'Everyone');
  await everyone(alice).click();
  await send(alice, 'Hello everyone!');
  const aliceLog = messages(alice, 'Everyone');
  await expect(aliceLog.getByText('Hello everyone!', { exact: true })).toBeVisible();
  // Everyone is the conversation open after login, so it arrives read.
  for (const page of [bob, carol]) {
    await expect(everyone(page)).toHaveAttribute('aria-current', 'true');
    await expect(messages(page, 'Everyone').getByText('Hello everyone!', { exact: true })).toBeVisible();
    await expect(everyone(page)).toContainText('alice: Hello everyone!');
  }
  await expect(aliceLog.getByText('could not be delivered')).toHaveCount(0);

  // Carol blocks Alice: the next broadcast reaches only Bob, and Alice is told some missed it.
  await setBlocked(carol, 'alice', true);

  await send(alice, 'Second round');
  await expect(aliceLog.getByText('Your message could not be delivered to some recipients')).toBeVisible();
  await expect(messages(bob, 'Everyone').getByText('Second round', { exact: true })).toBeVisible();
  // Bob got it; Carol's app, connected to the same server, did not.
  await expect(messages(carol, 'Everyone').locator('.text')).toHaveText(['Hello everyone!']);

  // Bob's broadcast reaches Alice and Carol (Carol only blocked Alice).
  await send(bob, 'From Bob to all');
  await expect(messages(alice, 'Everyone').getByText('From Bob to all', { exact: true })).toBeVisible();
  await expect(messages(carol, 'Everyone').getByText('From Bob to all', { exact: true })).toBeVisible();
  await expect(messages(bob, 'Everyone').getByText('could not be delivered')).toHaveCount(0);
});
