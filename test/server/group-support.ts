/**
 * What the group test files share: the accounts (the defaults and leia, who is in no group at
 * first), and logging clients in and out and paging a group through a file's server fixture.
 */
import type { DirectMessage } from '../../src/shared/protocol.js';
import { RawClient } from '../helpers/raw-client.js';
import type { ServerFixture } from '../helpers/server-fixture.js';
import { DEFAULT_USERS } from '../helpers/server.js';

export const USERS: Record<string, string> = { ...DEFAULT_USERS, leia: 'princess' };

export function groupClients(fixture: ServerFixture) {
  return {
    login: async (name: string): Promise<RawClient> =>
      fixture.track(await RawClient.login(fixture.server.port, name, USERS[name] ?? '')),
    logout: async (client: RawClient): Promise<void> => {
      await client.call('logout', {});
      await client.waitClosed();
    },
    history: async (client: RawClient, group: number): Promise<DirectMessage[]> =>
      (await client.call('history', { group, limit: 100 })).messages,
  };
}
