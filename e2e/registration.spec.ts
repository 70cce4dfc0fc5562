/** Creating an account: a bad username is explained in the app's words, then a good one works. */
import { expect, test } from './fixtures.js';

test('a bad username at registration says what is wrong and what to do', async ({ server, launchApp }) => {
  const app = await launchApp('erin');
  const error = app.getByRole('alert');
  await app.getByLabel('Server host').fill(server.host);
  await app.getByLabel('Server port').fill(String(server.port));
  await app.getByLabel('Username').fill('erin smith!');
  await app.getByLabel('Password').fill('erin-pw-1');
  await app.getByRole('button', { name: 'Create account' }).click();

  await expect(error).toHaveText(
    '"erin smith!" is not a valid username. Usernames are 1 to 32 letters, digits, "_", "." or "-", without spaces.',
  );
  await expect(app.getByText('register:')).toHaveCount(0);
  await expect(app.getByLabel('Username')).toBeFocused();

  await app.getByLabel('Username').fill('erin.smith');
  await app.getByRole('button', { name: 'Create account' }).click();
  await expect(app.getByRole('navigation', { name: 'Conversations' })).toBeVisible();
});
