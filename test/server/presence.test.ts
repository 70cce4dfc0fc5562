import { describe, expect, it } from 'vitest';
import { RawClient } from '../helpers/raw-client.js';
import { useServerFixture } from '../helpers/server-fixture.js';
import { startTestServer } from '../helpers/server.js';

const fixture = useServerFixture({ checkFrames: true });
const { track } = fixture;
const login = async (name: string, password: string) =>
  track(await RawClient.login(fixture.server.port, name, password));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('presence', () => {
  it('announces logins and logouts to everyone A has not blocked', async () => {
    fixture.server = await startTestServer();
    const hans = await login('hans', 'falcon');
    const luke = await login('luke', 'skywalker');
    // yoda blocks luke before logging in (from an earlier session)
    const yodaFirst = await login('yoda', 'wise');
    await yodaFirst.call('block', { user: 'luke' });
    await yodaFirst.call('logout', {});
    await yodaFirst.waitClosed();
    const yoda = await login('yoda', 'wise');
    const online = await hans.waitFor((e) => e.type === 'presence' && e.online && e.user === 'yoda');
    expect(online).toMatchObject({ type: 'presence', user: 'yoda', online: true });
    await yoda.call('logout', {});
    const yodaEvents = () => hans.eventsOf('presence').filter((e) => e.user === 'yoda');
    await hans.waitFor(() => yodaEvents().length === 4);
    expect(yodaEvents().map((e) => e.online)).toEqual([true, false, true, false]);
    // luke saw only yoda's first login, before yoda blocked him
    await luke.call('whoelse', {});
    expect(
      luke
        .eventsOf('presence')
        .filter((e) => e.user === 'yoda')
        .map((e) => e.online),
    ).toEqual([true]);
  });

  it('sends no presence events to a session that logged in with presence: false, and still announces it', async () => {
    fixture.server = await startTestServer();
    const hans = await login('hans', 'falcon');
    const bot = track(await RawClient.login(fixture.server.port, 'yoda', 'wise', { presence: false }));
    await hans.waitFor((e) => e.type === 'presence' && e.user === 'yoda' && e.online);
    const luke = await login('luke', 'skywalker');
    await hans.waitFor((e) => e.type === 'presence' && e.user === 'luke' && e.online);
    await luke.call('logout', {});
    await hans.waitFor((e) => e.type === 'presence' && e.user === 'luke' && !e.online);
    // Everything else still reaches it, after the presence events it was not sent.
    await hans.call('broadcast', { text: 'to all' });
    await hans.call('message', { to: 'yoda', text: 'to you' });
    await bot.waitFor((e) => e.type === 'message');
    expect(bot.eventsOf('broadcast').map((e) => e.text)).toEqual(['to all']);
    expect(bot.eventsOf('presence')).toEqual([]);
    expect(await bot.call('whoelse', {})).toEqual({ users: ['hans'] });
  });

  it('announces logout when the connection drops', async () => {
    fixture.server = await startTestServer();
    const hans = await login('hans', 'falcon');
    const yoda = await login('yoda', 'wise');
    yoda.close();
    await hans.waitFor((e) => e.type === 'presence' && e.user === 'yoda' && !e.online);
  });
});

describe('whoelse and whoelsesince', () => {
  it('lists other online users not blocking me, sorted', async () => {
    fixture.server = await startTestServer({
      users: { yoda: 'wise', hans: 'falcon', luke: 's', anakin: 'a' },
    });
    const yoda = await login('yoda', 'wise');
    expect(await yoda.call('whoelse', {})).toEqual({ users: [] });
    const hans = await login('hans', 'falcon');
    await login('luke', 's');
    await login('anakin', 'a');
    expect(await yoda.call('whoelse', {})).toEqual({ users: ['anakin', 'hans', 'luke'] });
    await hans.call('block', { user: 'yoda' });
    expect(await yoda.call('whoelse', {})).toEqual({ users: ['anakin', 'luke'] });
    // blocking someone does not hide them from my own whoelse
    expect((await hans.call('whoelse', {})).users).toContain('yoda');
  });

  it('includes users who logged out within the window, also across a restart', async () => {
    fixture.server = await startTestServer();
    const hans = await login('hans', 'falcon');
    const yoda = await login('yoda', 'wise');
    expect(await hans.call('whoelsesince', { seconds: 10 })).toEqual({ users: ['yoda'] });
    await yoda.call('logout', {});
    await hans.waitFor((e) => e.type === 'presence' && !e.online);
    expect(await hans.call('whoelsesince', { seconds: 10 })).toEqual({ users: ['yoda'] });
    expect(await hans.call('whoelse', {})).toEqual({ users: [] });
    await sleep(1100);
    expect(await hans.call('whoelsesince', { seconds: 1 })).toEqual({ users: [] });
    expect(await hans.call('whoelsesince', { seconds: 100 })).toEqual({ users: ['yoda'] });

    await fixture.server.restart();
    const hansAgain = await login('hans', 'falcon');
    // hans himself is excluded; yoda's logout before the restart is remembered
    expect(await hansAgain.call('whoelsesince', { seconds: 100 })).toEqual({ users: ['yoda'] });
    const luke = await login('luke', 'skywalker');
    expect(await luke.call('whoelsesince', { seconds: 100 })).toEqual({ users: ['hans', 'yoda'] });
  });

  it('hides users who blocked me, online or not', async () => {
    fixture.server = await startTestServer();
    const hans = await login('hans', 'falcon');
    await hans.call('block', { user: 'yoda' });
    await hans.call('logout', {});
    const yoda = await login('yoda', 'wise');
    expect(await yoda.call('whoelsesince', { seconds: 100 })).toEqual({ users: [] });
  });
});

describe('block and unblock', () => {
  it('blocks, lists, unblocks, and reports every error', async () => {
    fixture.server = await startTestServer();
    const yoda = await login('yoda', 'wise');
    expect(await yoda.call('block', { user: 'hans' })).toEqual({});
    await yoda.call('block', { user: 'luke' });
    expect(await yoda.call('blocked', {})).toEqual({ users: ['hans', 'luke'] });
    expect((await yoda.fail('block', { user: 'yoda' })).code).toBe('self_target');
    expect((await yoda.fail('block', { user: 'bbb' })).code).toBe('unknown_user');
    expect(await yoda.call('unblock', { user: 'hans' })).toEqual({});
    expect((await yoda.fail('unblock', { user: 'hans' })).code).toBe('not_blocked');
    expect((await yoda.fail('unblock', { user: 'yoda' })).code).toBe('self_target');
    expect((await yoda.fail('unblock', { user: 'bbb' })).code).toBe('unknown_user');
    expect(await yoda.call('blocked', {})).toEqual({ users: ['luke'] });
  });

  it('never tells the blocked user, and blocks survive a restart', async () => {
    fixture.server = await startTestServer();
    const hans = await login('hans', 'falcon');
    const yoda = await login('yoda', 'wise');
    await hans.call('block', { user: 'yoda' });
    expect((await yoda.fail('message', { to: 'hans', text: 'hi' })).code).toBe('blocked_by_recipient');
    expect(yoda.events.filter((e) => e.type !== 'presence')).toEqual([]);
    await fixture.server.restart();
    const yoda2 = await login('yoda', 'wise');
    expect((await yoda2.fail('message', { to: 'hans', text: 'hi' })).code).toBe('blocked_by_recipient');
  });
});

describe('users search', () => {
  it('lists users by prefix with online flags, hiding the presence of users who blocked me', async () => {
    fixture.server = await startTestServer({ users: { yoda: 'w', hans: 'f', hank: 'h', luke: 'l' } });
    const yoda = await login('yoda', 'w');
    const hans = await login('hans', 'f');
    await login('hank', 'h');
    expect(await yoda.call('users', { prefix: 'ha', limit: 10 })).toEqual({
      users: [
        { name: 'hank', online: true },
        { name: 'hans', online: true },
      ],
    });
    await hans.call('block', { user: 'yoda' });
    expect((await yoda.call('users', { prefix: '', limit: 2 })).users).toEqual([
      { name: 'hank', online: true },
      { name: 'hans', online: false },
    ]);
    expect(await yoda.call('users', { prefix: 'zz', limit: 5 })).toEqual({ users: [] });
  });
});
