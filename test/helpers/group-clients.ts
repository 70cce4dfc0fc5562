/**
 * What the group tests through the wire share: their users, logging in and out, a group's history,
 * yoda's "Rebels".
 */
import type { DirectMessage } from '../../src/shared/protocol.js';
import { RawClient } from './raw-client.js';
import type { ServerFixture } from './server-fixture.js';
import { DEFAULT_USERS, startTestServer } from './server.js';

export const GROUP_USERS: Readonly<Record<string, string>> = { ...DEFAULT_USERS, leia: 'princess' };

export function groupClients(fixture: ServerFixture) {
  const login = async (name: string): Promise<RawClient> =>
    fixture.track(await RawClient.login(fixture.server.port, name, GROUP_USERS[name] ?? ''));

  /** A server with GROUP_USERS; yoda creates "Rebels" with hans and luke, all three online. */
  async function rebels() {
    fixture.server = await startTestServer({ users: { ...GROUP_USERS } });
    const yoda = await login('yoda');
    const hans = await login('hans');
    const luke = await login('luke');
    const { group } = await yoda.call('group_create', { name: 'Rebels', members: ['hans', 'luke'] });
    return { yoda, hans, luke, group };
  }
  const logout = async (client: RawClient): Promise<void> => {
    await client.call('logout', {});
    await client.waitClosed();
  };
  const history = async (client: RawClient, group: number): Promise<DirectMessage[]> =>
    (await client.call('history', { group, limit: 100 })).messages;
  return { login, logout, history, rebels };
}
