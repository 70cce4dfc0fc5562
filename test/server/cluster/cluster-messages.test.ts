/**
 * Direct messages between users on different nodes of one cluster (PostgreSQL + Redis): live and
 * offline, acknowledgements, a backlog racing live messages, and offline messages that outlive a
 * restart of every node.
 */
import { describe, expect, it } from 'vitest';
import type { RawClient } from '../../helpers/raw-client.js';
import { useClusterFixture } from './cluster-fixture.js';

const fixture = useClusterFixture();
const { login } = fixture;

const texts = (client: RawClient) => client.eventsOf('message').map((event) => event.message.text);

describe('direct messages across nodes', () => {
  it('are delivered live both ways between users on different nodes', async () => {
    await fixture.start();
    const yoda = await login(0, 'yoda', 'wise');
    const hans = await login(1, 'hans', 'falcon');
    const sent = await yoda.call('message', { to: 'hans', text: 'from node 0' });
    expect(sent.online).toBe(true);
    const got = await hans.waitFor((event) => event.type === 'message');
    expect(got).toEqual({ type: 'message', message: sent.message, offline: false });
    expect((await hans.call('message', { to: 'yoda', text: 'from node 1' })).online).toBe(true);
    await yoda.waitFor((event) => event.type === 'message');
    expect(texts(yoda)).toEqual(['from node 1']);
  });

  it('are kept for an offline user and delivered at login on another node, until acknowledged', async () => {
    await fixture.start();
    const yoda = await login(0, 'yoda', 'wise');
    const ids: number[] = [];
    for (const text of ['one', 'two', 'three']) {
      const sent = await yoda.call('message', { to: 'hans', text });
      expect(sent.online).toBe(false);
      ids.push(sent.message.id);
    }
    const hans = await fixture.open(1);
    expect(await hans.call('login', { username: 'hans', password: 'falcon' })).toMatchObject({
      pendingOffline: 3,
    });
    await hans.waitFor(() => hans.eventsOf('message').length === 3);
    expect(hans.eventsOf('message').map((event) => [event.message.text, event.offline])).toEqual([
      ['one', true],
      ['two', true],
      ['three', true],
    ]);
    await hans.call('ack', { upTo: ids[1] as number });
    await hans.call('logout', {});
    await hans.waitClosed();

    // Back on the first node: only the unacknowledged message comes again.
    const again = await fixture.open(0);
    expect(await again.call('login', { username: 'hans', password: 'falcon' })).toMatchObject({
      pendingOffline: 1,
    });
    await again.waitFor((event) => event.type === 'message');
    await again.call('whoelse', {}); // a round trip: anything more would have arrived by now
    expect(texts(again)).toEqual(['three']);
  });

  it('delivers each message once when live messages from another node race the offline backlog', async () => {
    const rounds = 4;
    const backlog = 300;
    const senders = ['yoda', 'luke', 'leia', 'lando'];
    const perSender = 25;
    await fixture.start({
      rateLimit: 0,
      users: { hans: 'falcon', yoda: 'w', luke: 'w', leia: 'w', lando: 'w' },
    });
    const clients = await Promise.all(senders.map((name) => login(0, name, 'w')));
    const [yoda] = clients as [RawClient];
    for (let round = 0; round < rounds; round++) {
      await Promise.all(
        Array.from({ length: backlog }, (_, i) => yoda.call('message', { to: 'hans', text: `old ${i}` })),
      );
      const hans = await fixture.open(1);
      const loggedIn = hans.call('login', { username: 'hans', password: 'falcon' });
      // Live messages from several senders while the backlog streams: those committed just before
      // its last read are read by the stream and also published to hans's node.
      await Promise.all(
        clients.map(async (client) => {
          for (let i = 0; i < perSender; i++) await client.call('message', { to: 'hans', text: `live ${i}` });
        }),
      );
      await loggedIn;
      const total = backlog + senders.length * perSender;
      await hans.waitFor(() => hans.eventsOf('message').length >= total);
      await hans.call('whoelse', {});
      const ids = hans.eventsOf('message').map((event) => event.message.id);
      expect(ids.length - new Set(ids).size, `duplicates in round ${round}`).toBe(0);
      expect(ids).toHaveLength(total);
      await hans.call('ack', { upTo: Math.max(...ids) });
      await hans.call('logout', {});
      await hans.waitClosed();
    }
  });

  it('survive a restart of every node', async () => {
    const cluster = await fixture.start();
    const yoda = await login(0, 'yoda', 'wise');
    const luke = await login(1, 'luke', 'skywalker');
    await yoda.call('message', { to: 'hans', text: 'before the restart (node 0)' });
    await luke.call('message', { to: 'hans', text: 'before the restart (node 1)' });
    await cluster.restart();
    for (const client of [yoda, luke]) {
      expect(await client.waitFor((event) => event.type === 'logged_out')).toEqual({
        type: 'logged_out',
        reason: 'shutdown',
      });
    }
    const hans = await login(1, 'hans', 'falcon');
    await hans.waitFor(() => hans.eventsOf('message').length === 2);
    expect(texts(hans).sort()).toEqual(['before the restart (node 0)', 'before the restart (node 1)']);
    // And the restarted nodes still deliver live across each other.
    const yodaAgain = await login(0, 'yoda', 'wise');
    await yodaAgain.call('message', { to: 'hans', text: 'after' });
    await hans.waitFor((event) => event.type === 'message' && event.message.text === 'after');
  });
});
