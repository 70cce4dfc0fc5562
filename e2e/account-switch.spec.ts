/**
 * One app instance, two servers whose message ids overlap: after a logout and a login as another
 * user on the other server, every message that user gets is in the list, counted and shown.
 */
import { MessengerCore } from '../src/main/core/index.js';
import { startTestServer, type TestServer as HelperServer } from '../test/helpers/server.js';
import { conversationEntry, expect, login, messages, test, type TestServer } from './fixtures.js';

/** A second server, as the login helper takes it. */
function asFixture(server: HelperServer, users: Record<string, string>): TestServer {
  return {
    host: server.host,
    port: server.port,
    users,
    dbPath: server.dbPath,
    stop: () => server.stop(),
    start: () => server.restart(),
    restart: () => server.restart(),
  };
}

/** A user who is not in the app: a client core logged in from the test. */
async function loggedInCore(port: number, name: string, password: string): Promise<MessengerCore> {
  const core = new MessengerCore({ server: { host: '127.0.0.1', port } });
  const result = await core.call('login', name, password);
  if (!result.ok) throw new Error(`${name} could not log in: ${result.error.code}`);
  return core;
}

async function sendAll(core: MessengerCore, to: string, texts: string[]): Promise<void> {
  for (const text of texts) {
    const sent = await core.call('sendMessage', to, text);
    if (!sent.ok) throw new Error(`send failed: ${sent.error.code}`);
  }
}

test('after logging out, another user on another server gets every message: list, unread count, chat', async ({
  server,
  launchApp,
}) => {
  const erinServerUsers = { erin: 'erin-pw-1', dave: 'dave-pw-2' };
  const second = await startTestServer({ users: erinServerUsers, host: '127.0.0.1' });
  const cores: MessengerCore[] = [];
  try {
    // bob, on the first server, receives messages 1 to 5.
    const app = await launchApp('bob');
    await login(app, server, 'bob');
    const alice = await loggedInCore(server.port, 'alice', server.users.alice as string);
    cores.push(alice);
    await sendAll(alice, 'bob', ['a1', 'a2', 'a3', 'a4', 'a5']);
    await expect(conversationEntry(app, 'alice')).toHaveAccessibleName(/^alice, online, 5 unread, .*a5$/);
    await app.getByRole('button', { name: 'Log out' }).click();
    await expect(app.getByRole('button', { name: 'Log in' })).toBeVisible();

    // On the second server dave writes to erin: messages 1 and 2 while she is away, 3 to 7 live.
    const dave = await loggedInCore(second.port, 'dave', erinServerUsers.dave);
    cores.push(dave);
    await sendAll(dave, 'erin', ['offline 1', 'offline 2']);
    await login(app, asFixture(second, erinServerUsers), 'erin');
    await expect(conversationEntry(app, 'dave')).toHaveAccessibleName(
      /^dave, online, 2 unread, .*offline 2$/,
    );
    await sendAll(dave, 'erin', ['live 1', 'live 2', 'live 3', 'live 4', 'live 5']);

    const entry = conversationEntry(app, 'dave');
    await expect(entry).toHaveAccessibleName(/^dave, online, 7 unread, .*live 5$/);
    await expect(app).toHaveTitle('(7) Messenger');
    // Nothing of bob's account is left.
    await expect(conversationEntry(app, 'alice')).toHaveCount(0);
    await entry.click();
    await expect(messages(app, 'dave').locator('.text')).toHaveText([
      'offline 1',
      'offline 2',
      'live 1',
      'live 2',
      'live 3',
      'live 4',
      'live 5',
    ]);
    await expect(entry).toHaveAccessibleName(/^dave, online, .*live 5$/);
    await expect(app).toHaveTitle('Messenger');
  } finally {
    await Promise.all(cores.map((core) => core.dispose()));
    await second.close();
  }
});
