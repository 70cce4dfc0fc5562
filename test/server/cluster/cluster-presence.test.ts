/**
 * Presence between users on different nodes: login and logout announcements with blocks, whoelse
 * and whoelsesince, broadcasts with their partial-delivery counts, and the inactivity timeout of one
 * node announced to the other node's users.
 */
import { describe, expect, it } from 'vitest';
import { presenceOf, useClusterFixture } from './cluster-fixture.js';

const fixture = useClusterFixture();
const { login } = fixture;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('presence across nodes', () => {
  it('announces logins and logouts to the other node, except to users the subject blocked', async () => {
    await fixture.start();
    const hans = await login(1, 'hans', 'falcon');
    const luke = await login(1, 'luke', 'skywalker');
    const first = await login(0, 'yoda', 'wise');
    await first.call('block', { user: 'luke' });
    await first.call('logout', {});
    await first.waitClosed();
    const yoda = await login(0, 'yoda', 'wise');
    await yoda.call('logout', {});
    await hans.waitFor(() => presenceOf(hans, 'yoda').length === 4);
    expect(presenceOf(hans, 'yoda')).toEqual([true, false, true, false]);
    // luke, blocked by yoda from his first session on, saw only that first login.
    await luke.call('whoelse', {});
    expect(presenceOf(luke, 'yoda')).toEqual([true]);
    // A dropped connection is announced across nodes too.
    const yodaAgain = await login(0, 'yoda', 'wise');
    await hans.waitFor(() => presenceOf(hans, 'yoda').length === 5);
    yodaAgain.close();
    await hans.waitFor(() => presenceOf(hans, 'yoda').length === 6);
    expect(presenceOf(hans, 'yoda').at(-1)).toBe(false);
  });

  it('lists the users of every node in whoelse and whoelsesince, hiding those who blocked me', async () => {
    await fixture.start({ users: { yoda: 'w', hans: 'f', luke: 's', anakin: 'a' } });
    const yoda = await login(0, 'yoda', 'w');
    const hans = await login(1, 'hans', 'f');
    await login(0, 'luke', 's');
    const anakin = await login(1, 'anakin', 'a');
    expect(await yoda.call('whoelse', {})).toEqual({ users: ['anakin', 'hans', 'luke'] });
    await hans.call('block', { user: 'yoda' });
    expect(await yoda.call('whoelse', {})).toEqual({ users: ['anakin', 'luke'] });

    await anakin.call('logout', {});
    await yoda.waitFor((event) => event.type === 'presence' && event.user === 'anakin' && !event.online);
    expect(await yoda.call('whoelse', {})).toEqual({ users: ['luke'] });
    expect(await yoda.call('whoelsesince', { seconds: 10 })).toEqual({ users: ['anakin', 'luke'] });
    // hans sees everyone, on both nodes, and anakin since his logout on node 1.
    expect(await hans.call('whoelsesince', { seconds: 10 })).toEqual({ users: ['anakin', 'luke', 'yoda'] });
    await sleep(1100);
    expect(await hans.call('whoelsesince', { seconds: 1 })).toEqual({ users: ['luke', 'yoda'] });
  });

  it('broadcasts to the users of every node and counts those who blocked the sender', async () => {
    await fixture.start({ users: { yoda: 'w', hans: 'f', luke: 's', anakin: 'a', leia: 'o' } });
    const yoda = await login(0, 'yoda', 'w');
    const hans = await login(1, 'hans', 'f');
    const luke = await login(0, 'luke', 's');
    const anakin = await login(1, 'anakin', 'a');
    await anakin.call('block', { user: 'yoda' });
    await luke.call('block', { user: 'yoda' });
    const result = await yoda.call('broadcast', { text: 'to every node' });
    expect(result).toMatchObject({ delivered: 1, blockedBy: 2 });
    await hans.waitFor((event) => event.type === 'broadcast');
    expect(hans.eventsOf('broadcast')).toEqual([
      { type: 'broadcast', id: result.id, from: 'yoda', text: 'to every node', sentAt: result.sentAt },
    ]);
    // A broadcast from node 1 reaches node 0; then a round trip each shows nothing else arrived.
    await hans.call('broadcast', { text: 'from node 1' });
    await yoda.waitFor((event) => event.type === 'broadcast');
    await Promise.all([luke, anakin].map((client) => client.call('whoelse', {})));
    expect(anakin.eventsOf('broadcast').map((event) => event.text)).toEqual(['from node 1']);
    expect(luke.eventsOf('broadcast').map((event) => event.text)).toEqual(['from node 1']);
    // leia was offline: she never gets them, and a later broadcast counts her once she is online.
    const leia = await login(1, 'leia', 'o');
    expect(await yoda.call('broadcast', { text: 'again' })).toMatchObject({ delivered: 2, blockedBy: 2 });
    await leia.waitFor((event) => event.type === 'broadcast');
    expect(leia.eventsOf('broadcast').map((event) => event.text)).toEqual(['again']);
  });

  it("logs out an idle user and announces it to the other node's users", async () => {
    await fixture.start({ timeoutSeconds: 1 });
    const hans = await login(1, 'hans', 'falcon');
    const yoda = await login(0, 'yoda', 'wise');
    // hans stays active on his node; yoda, on the other, says nothing.
    const keepAlive = setInterval(() => void hans.request('activity', {}), 300);
    try {
      expect(await yoda.waitFor((event) => event.type === 'logged_out', 5000)).toEqual({
        type: 'logged_out',
        reason: 'timeout',
      });
      await yoda.waitClosed();
      await hans.waitFor((event) => event.type === 'presence' && event.user === 'yoda' && !event.online);
      expect(await hans.call('whoelse', {})).toEqual({ users: [] });
      expect(hans.closed).toBe(false);
    } finally {
      clearInterval(keepAlive);
    }
  });
});
