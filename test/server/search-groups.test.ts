/**
 * The `search` request over group messages and broadcasts through a real socket: a member finds
 * its groups' messages (those from before it joined too) beside its direct ones, `group` limits
 * the search to one group, edits, deletes, blocks and leaving show at once, a group one is not in
 * is unknown; `everyone` searches the broadcasts one sent or received instead. In the cluster
 * config every server here is two nodes on PostgreSQL and Redis.
 */
import { describe, expect, it } from 'vitest';
import { useServerFixture } from '../helpers/server-fixture.js';
import { groupClients } from '../helpers/group-clients.js';

const fixture = useServerFixture({ checkFrames: true });
const { login, rebels } = groupClients(fixture);

const ids = (results: readonly { id: number }[]) => results.map((r) => r.id);

describe('searching group messages', () => {
  it('finds a group’s messages beside direct ones, naming the group, and searches one group', async () => {
    const { yoda, hans, luke, group } = await rebels();
    const { message: direct } = await luke.call('message', { to: 'hans', text: 'the falcon is ready' });
    const { message: inGroup } = await yoda.call('message', {
      group: group.id,
      text: 'falcon leaves at dawn',
    });
    const { message: own } = await hans.call('message', { group: group.id, text: 'my falcon, my rules' });

    const all = await hans.call('search', { query: 'falcon', limit: 10 });
    expect(ids(all.results)).toEqual([own.id, inGroup.id, direct.id]);
    expect(all.results[1]).toMatchObject({
      group: group.id,
      groupName: 'Rebels',
      from: 'yoda',
      snippet: 'falcon leaves at dawn',
      marks: [[0, 6]],
    });
    expect(all.results[1]).not.toHaveProperty('peer');
    expect(all.results[2]).toMatchObject({ peer: 'luke', from: 'luke' });
    expect(all.results[2]).not.toHaveProperty('group');

    const one = await hans.call('search', { query: 'falcon', group: group.id, limit: 1 });
    expect(ids(one.results)).toEqual([own.id]);
    expect(one.hasMore).toBe(true);
    const next = await hans.call('search', { query: 'falcon', group: group.id, before: own.id, limit: 1 });
    expect(ids(next.results)).toEqual([inGroup.id]);
    expect(ids((await hans.call('search', { query: 'falcon', peer: 'yoda', limit: 10 })).results)).toEqual(
      [],
    );
  });

  it('lets a member who joined later find what was said before; one who left finds nothing of it', async () => {
    const { yoda, hans, group } = await rebels();
    const { message } = await yoda.call('message', { group: group.id, text: 'secret base on hoth' });
    const leia = await login('leia');
    expect((await leia.call('search', { query: 'hoth', limit: 5 })).results).toEqual([]);
    await yoda.call('group_add', { group: group.id, users: ['leia'] });
    expect(ids((await leia.call('search', { query: 'hoth', limit: 5 })).results)).toEqual([message.id]);
    await hans.call('group_leave', { group: group.id });
    expect((await hans.call('search', { query: 'hoth', limit: 5 })).results).toEqual([]);
    expect((await hans.fail('search', { query: 'hoth', group: group.id, limit: 5 })).code).toBe(
      'unknown_group',
    );
  });

  it('reflects edits and deletes of group messages, and leaves out a sender the member blocked', async () => {
    const { yoda, hans, luke, group } = await rebels();
    const { message: edited } = await yoda.call('message', { group: group.id, text: 'meet at the cantina' });
    const { message: deleted } = await yoda.call('message', {
      group: group.id,
      text: 'cantina map attached',
    });
    const { message: fromLuke } = await luke.call('message', { group: group.id, text: 'cantina later?' });
    await yoda.call('edit', { messageId: edited.id, text: 'meet at the hangar' });
    await yoda.call('delete', { messageId: deleted.id });
    await hans.call('block', { user: 'luke' });

    expect((await hans.call('search', { query: 'cantina', limit: 10 })).results).toEqual([]);
    expect(ids((await hans.call('search', { query: 'hangar', limit: 10 })).results)).toEqual([edited.id]);
    // luke is not told he is blocked: his own message stays searchable for him.
    expect(ids((await luke.call('search', { query: 'cantina', limit: 10 })).results)).toEqual([fromLuke.id]);
    await hans.call('unblock', { user: 'luke' });
    expect(ids((await hans.call('search', { query: 'cantina', limit: 10 })).results)).toEqual([fromLuke.id]);
  });

  it('refuses a group one is not in, an unknown group, and more than one of peer, group and everyone', async () => {
    const { yoda, group } = await rebels();
    const leia = await login('leia');
    expect((await leia.fail('search', { query: 'hi', group: group.id, limit: 5 })).code).toBe(
      'unknown_group',
    );
    expect((await yoda.fail('search', { query: 'hi', group: group.id + 1000, limit: 5 })).code).toBe(
      'unknown_group',
    );
    const both = await yoda.fail('search', { query: 'hi', group: group.id, peer: 'hans', limit: 5 });
    expect(both.code).toBe('invalid_request');
    expect(both.message).toContain('at most one of peer, group and everyone');
    const withEveryone = await yoda.fail('search', { query: 'hi', peer: 'hans', everyone: true, limit: 5 });
    expect(withEveryone.code).toBe('invalid_request');
  });

  it('searches the broadcasts one sent or received with everyone, apart from the conversations', async () => {
    const { yoda, hans } = await rebels();
    const { id } = await yoda.call('broadcast', { text: 'everyone to the briefing room' });
    await hans.waitFor((event) => event.type === 'broadcast');
    const { results } = await hans.call('search', { query: 'briefing', everyone: true, limit: 5 });
    expect(results).toEqual([
      {
        id,
        everyone: true,
        from: 'yoda',
        sentAt: expect.any(Number),
        snippet: 'everyone to the briefing room',
        marks: [[16, 24]],
      },
    ]);
    expect(ids((await yoda.call('search', { query: 'briefing', everyone: true, limit: 5 })).results)).toEqual(
      [id],
    );
    expect((await hans.call('search', { query: 'briefing', limit: 5 })).results).toEqual([]);
    const leia = await login('leia');
    expect((await leia.call('search', { query: 'briefing', everyone: true, limit: 5 })).results).toEqual([]);
    await hans.call('block', { user: 'yoda' });
    expect((await hans.call('search', { query: 'briefing', everyone: true, limit: 5 })).results).toEqual([]);
  });
});
