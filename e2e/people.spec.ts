/** The people panel: who is online now, and who was online in a chosen time window. */
import Database from 'better-sqlite3';
import { expect, login, personAction, test, toast } from './fixtures.js';

test('online now and recently online panels, with the time window', async ({
  server,
  launchApp,
  closeApp,
}) => {
  // Carol was last online 30 minutes ago: inside "Last hour", outside "Last 5 minutes". (Written
  // into the server's login history while it is stopped; nothing else in the UI can age a login.)
  await server.stop();
  const db = new Database(server.dbPath);
  try {
    db.prepare('INSERT INTO last_seen (name, at) VALUES (?, ?)').run('carol', Date.now() - 30 * 60_000);
  } finally {
    db.close();
  }
  await server.start();

  const alice = await launchApp('alice');
  const bob = await launchApp('bob');
  await login(alice, server, 'alice');
  const online = alice.getByRole('list', { name: 'Online now' });
  const recent = alice.getByRole('list', { name: 'Recently online' });
  const timeWindow = alice.getByLabel('Time window');

  await expect(alice.getByText('No other users are online')).toBeVisible();
  await expect(timeWindow).toHaveValue(String(60 * 60));
  await expect(recent.getByRole('listitem')).toHaveText([/carol\s*offline/]);
  await timeWindow.selectOption({ label: 'Last 5 minutes' });
  await expect(alice.getByText('Nobody else was online in this window')).toBeVisible();
  await timeWindow.selectOption({ label: 'Last 24 hours' });
  await expect(recent.getByRole('listitem')).toHaveText([/carol\s*offline/]);

  // Bob logs in: he is online now, and in the recent list as online.
  await login(bob, server, 'bob');
  await expect(online.getByRole('listitem')).toHaveText([/bob/]);
  await expect(online.getByRole('button', { name: 'Actions for bob', exact: true })).toBeVisible();
  await expect(recent.getByRole('listitem')).toHaveText([/bob\s*online/, /carol\s*offline/]);
  await expect(bob.getByRole('list', { name: 'Online now' }).getByRole('listitem')).toHaveText([/alice/]);

  // "Message bob" opens the conversation with him.
  await personAction(alice, 'bob', 'Message');
  await expect(alice.getByRole('heading', { level: 2, name: 'bob', exact: true })).toBeVisible();

  // Bob quits: gone from Online now, still recently online (offline), also in the shortest window.
  await closeApp(bob);
  await expect(toast(alice, 'bob logged out')).toBeVisible();
  await expect(alice.getByText('No other users are online')).toBeVisible();
  await expect(recent.getByRole('listitem')).toHaveText([/bob\s*offline/, /carol\s*offline/]);
  await timeWindow.selectOption({ label: 'Last 5 minutes' });
  await expect(recent.getByRole('listitem')).toHaveText([/bob\s*offline/]);
  await timeWindow.selectOption({ label: 'Last hour' });
  await expect(recent.getByRole('listitem')).toHaveText([/bob\s*offline/, /carol\s*offline/]);
});
