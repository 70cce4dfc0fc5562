/**
 * Message search between two app instances: the search field finds messages as well as people, a
 * result shows its chat, sender and the matched word, and opening one deep in the history scrolls
 * the chat to it, loading older pages on the way; a group's message the same way, in its group
 * chat; a broadcast, listed apart, in Everyone.
 */
import { RawClient } from '../test/helpers/raw-client.js';
import { expect, launchLoggedIn, messages, openConversation, send, test } from './fixtures.js';

test('bob finds a message three pages up, opens it, and later finds what alice sends from her app', async ({
  server,
  launchApp,
}) => {
  // Seeded before the apps start: the message to find, then three pages of later ones, all read.
  const seeder = await RawClient.login(server.port, 'alice', server.users.alice as string);
  const wanted = await seeder.call('message', { to: 'bob', text: 'The rendezvous is at the old lighthouse' });
  let last = wanted;
  for (let i = 1; i <= 300; i++) last = await seeder.call('message', { to: 'bob', text: `filler ${i}` });
  await seeder.call('logout', {});
  await seeder.waitClosed();
  const reader = await RawClient.login(server.port, 'bob', server.users.bob as string);
  await reader.call('markread', { peer: 'alice', upTo: last.message.id });
  await reader.call('logout', {});
  await reader.waitClosed();

  const [alice, bob] = await launchLoggedIn(launchApp, server, 'alice', 'bob');
  const searchBox = bob.getByRole('searchbox', { name: 'Search users and messages' });
  await searchBox.fill('lighth');
  const found = bob.getByRole('list', { name: 'Messages found' });
  const hit = found.getByRole('button', {
    name: /^alice, .+, alice: The rendezvous is at the old lighthouse$/,
  });
  await expect(hit).toBeVisible();
  await expect(hit.locator('mark')).toHaveText('lighthouse');

  await hit.click();
  const bobLog = messages(bob, 'alice');
  const wantedRow = bobLog.locator(`[data-message-id="${wanted.message.id}"]`);
  await expect(wantedRow).toBeInViewport();
  await expect(wantedRow).toBeFocused();
  await expect(searchBox).toHaveValue('');

  // A word nobody wrote, then what alice sends from her app now.
  await searchBox.fill('zeppelin');
  await expect(bob.getByText('No messages match')).toBeVisible();
  await openConversation(alice, 'bob');
  await send(alice, 'Bring the zeppelin tickets');
  await searchBox.fill('');
  await searchBox.fill('zeppelin');
  await expect(found.getByRole('button', { name: /alice: Bring the zeppelin tickets$/ })).toBeVisible();
});

test('bob finds a group message three pages up, named by its group, and opens it in the group chat', async ({
  server,
  launchApp,
}) => {
  const seeder = await RawClient.login(server.port, 'alice', server.users.alice as string);
  const { group } = await seeder.call('group_create', { name: 'Rebels', members: ['bob'] });
  const wanted = await seeder.call('message', { group: group.id, text: 'Regroup at the old lighthouse' });
  let last = wanted;
  for (let i = 1; i <= 300; i++)
    last = await seeder.call('message', { group: group.id, text: `filler ${i}` });
  await seeder.call('logout', {});
  await seeder.waitClosed();
  const reader = await RawClient.login(server.port, 'bob', server.users.bob as string);
  await reader.call('markread', { group: group.id, upTo: last.message.id });
  await reader.call('logout', {});
  await reader.waitClosed();

  const [bob] = await launchLoggedIn(launchApp, server, 'bob');
  const searchBox = bob.getByRole('searchbox', { name: 'Search users and messages' });
  await searchBox.fill('lighth');
  const hit = bob
    .getByRole('list', { name: 'Messages found' })
    .getByRole('button', { name: /^Rebels, .+, alice: Regroup at the old lighthouse$/ });
  await expect(hit.locator('mark')).toHaveText('lighthouse');

  await hit.click();
  const wantedRow = messages(bob, 'Rebels').locator(`[data-message-id="${wanted.message.id}"]`);
  await expect(wantedRow).toBeInViewport();
  await expect(wantedRow).toBeFocused();
  await expect(searchBox).toHaveValue('');
});

test('bob finds a broadcast under "Broadcasts found" and opens it in Everyone', async ({
  server,
  launchApp,
}) => {
  const [bob] = await launchLoggedIn(launchApp, server, 'bob');
  const alice = await RawClient.login(server.port, 'alice', server.users.alice as string);
  const { id } = await alice.call('broadcast', { text: 'Beacon lit on the old lighthouse' });
  await alice.call('logout', {});
  await alice.waitClosed();

  const searchBox = bob.getByRole('searchbox', { name: 'Search users and messages' });
  await searchBox.fill('beacon');
  const hit = bob
    .getByRole('list', { name: 'Broadcasts found' })
    .getByRole('button', { name: /^Everyone, .+, alice: Beacon lit on the old lighthouse$/ });
  await expect(hit.locator('mark')).toHaveText('Beacon');
  await hit.click();
  const row = messages(bob, 'Everyone').locator(`[data-message-id="${id}"]`);
  await expect(row).toBeInViewport();
  await expect(row).toBeFocused();
});
