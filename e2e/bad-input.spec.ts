/** Bad input gets a clear error in place: over-long messages, invalid names, bad login fields. */
import {
  expect,
  launchLoggedIn,
  login,
  messages,
  openConversation,
  send,
  setBlocked,
  test,
} from './fixtures.js';

const LIMIT = 4000;

test('the composer refuses a message over the length limit and says by how much', async ({
  server,
  launchApp,
}) => {
  const [alice, bob] = await launchLoggedIn(launchApp, server, 'alice', 'bob');
  await openConversation(alice, 'bob');
  const composer = alice.getByRole('textbox', { name: 'Message', exact: true });
  const sendButton = alice.getByRole('button', { name: 'Send', exact: true });

  // Blank text cannot be sent.
  await composer.fill('   ');
  await expect(sendButton).toBeDisabled();

  await composer.fill('x'.repeat(LIMIT + 1));
  await expect(composer).toHaveAttribute('aria-invalid', 'true');
  await expect(sendButton).toBeDisabled();
  await expect(
    alice.getByText(`Too long: ${LIMIT + 1} / ${LIMIT} characters. Remove 1 to send.`),
  ).toBeVisible();
  await expect(composer).toHaveAccessibleDescription(/Too long/);
  await composer.press('Enter');
  await expect(composer).toHaveValue('x'.repeat(LIMIT + 1)); // kept, not sent
  await expect(messages(alice, 'bob').locator('.text')).toHaveCount(0);

  // Exactly at the limit it goes through and arrives whole.
  await composer.press('Backspace');
  await expect(composer).toHaveAttribute('aria-invalid', 'false');
  await expect(alice.getByText(`${LIMIT} / ${LIMIT} characters`, { exact: true })).toBeVisible();
  await expect(sendButton).toBeEnabled();
  await sendButton.click();
  await expect(composer).toHaveValue('');
  await openConversation(bob, 'alice');
  await expect(messages(bob, 'alice').locator('.text')).toHaveText(['x'.repeat(LIMIT)]);

  // The same limit applies to broadcasts.
  await alice
    .getByRole('list', { name: 'Conversation list' })
    .getByRole('button', { name: 'Everyone' })
    .click();
  await composer.fill('y'.repeat(LIMIT + 10));
  await expect(
    alice.getByText(`Too long: ${LIMIT + 10} / ${LIMIT} characters. Remove 10 to send.`),
  ).toBeVisible();
  await expect(sendButton).toBeDisabled();
  await send(alice, 'short is fine');
  await expect(messages(alice, 'Everyone').locator('.text')).toHaveText(['short is fine']);
});

test('the Blocked users dialog explains invalid, unknown and self names', async ({ server, launchApp }) => {
  const alice = await launchApp('alice');
  await login(alice, server, 'alice');
  await alice.getByRole('button', { name: 'Blocked users' }).click();
  const dialog = alice.getByRole('dialog', { name: 'Blocked users' });
  const name = dialog.getByRole('textbox', { name: 'Username to block' });
  const block = dialog.getByRole('button', { name: 'Block', exact: true });
  const error = dialog.getByRole('alert');

  await block.click();
  await expect(error).toHaveText('Enter a username.');
  await name.fill('not a name!');
  await block.click();
  await expect(error).toHaveText('"not a name!" is not a valid username.');
  await name.fill('x'.repeat(33));
  await block.click();
  await expect(error).toHaveText(`"${'x'.repeat(33)}" is not a valid username.`);
  await name.fill('nobody');
  await block.click();
  await expect(error).toHaveText('There is no user called "nobody".');
  await name.fill('alice');
  await block.click();
  await expect(error).toHaveText('You cannot block yourself.');
  await expect(dialog.getByText('You have not blocked anyone.')).toBeVisible();
  // Names are case-sensitive: "Bob" is not bob.
  await name.fill('Bob');
  await block.click();
  await expect(error).toHaveText('There is no user called "Bob".');
  await dialog.getByRole('button', { name: 'Close' }).click();

  // A valid block clears the error.
  await setBlocked(alice, 'bob', true);
});

test('the login form explains bad input', async ({ server, launchApp }) => {
  const app = await launchApp('alice');
  const error = app.getByRole('alert');
  const logIn = app.getByRole('button', { name: 'Log in' });

  await app.getByLabel('Server host').fill(server.host);
  await app.getByLabel('Server port').fill(String(server.port));
  await logIn.click();
  await expect(error).toHaveText('Enter your username and password.');

  await app.getByLabel('Username').fill('alice');
  await app.getByLabel('Password').fill('alice-pw-1');
  await app.getByLabel('Server port').fill('99999');
  await logIn.click();
  await expect(error).toHaveText('The server port must be a number from 1 to 65535.');

  await app.getByLabel('Server port').fill(String(server.port));
  await app.getByLabel('Server host').fill('');
  await logIn.click();
  await expect(error).toHaveText('Enter the server host, for example 127.0.0.1.');

  // Creating an account whose name is taken.
  await app.getByLabel('Server host').fill(server.host);
  await app.getByLabel('Server port').fill(String(server.port));
  await app.getByRole('button', { name: 'Create account' }).click();
  await expect(error).toHaveText('The username "alice" is already taken. Choose another one.');

  // The form still works afterwards.
  await login(app, server, 'alice');
});

test('a search for nobody says so', async ({ server, launchApp }) => {
  const alice = await launchApp('alice');
  await login(alice, server, 'alice');
  await alice.getByRole('searchbox', { name: 'Search users' }).fill('zzz');
  await expect(alice.getByText('No users found')).toBeVisible();
});
