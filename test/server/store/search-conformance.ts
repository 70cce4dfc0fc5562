/**
 * Message search (MessageStore.search, server/store/store.ts) on every adapter: each adapter's test
 * file calls describeSearchConformance next to describeStoreConformance (./store-conformance.ts).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SearchHit } from '../../../src/shared/protocol.js';
import { searchTerms } from '../../../src/shared/search-query.js';
import type { MessageSearch, Store } from '../../../server/store/store.js';
import type { StoreFixture } from './store-conformance.js';
import { SEARCH_GROUPS_MAX, SEARCH_GROUPS_PER_QUERY } from '../../../server/store/search-snippet.js';

const NEWEST = Number.MAX_SAFE_INTEGER;

export function describeSearchConformance(name: string, open: () => Promise<StoreFixture>): void {
  describe(`Store conformance: message search, ${name}`, () => {
    let fixture: StoreFixture;
    let store: Store;

    beforeEach(async () => {
      fixture = await open();
      store = fixture.store;
      await Promise.all(['alice', 'bob', 'carol', 'dave'].map((n) => store.accounts.create(n, 'h', 1)));
    });
    afterEach(async () => {
      await fixture.cleanup();
    });

    async function send(from: string, to: string, text: string, sentAt = 1000): Promise<number> {
      const result = await store.messages.insertDirect({ from, to, text, sentAt });
      if (!('message' in result)) throw new Error(`refused: ${result.refused}`);
      return result.message.id;
    }
    const search = (
      user: string,
      query: string,
      more: Partial<Omit<MessageSearch, 'user' | 'terms'>> = {},
    ): Promise<SearchHit[]> =>
      store.messages.search({ user, terms: searchTerms(query), before: NEWEST, limit: 50, ...more });
    const ids = (hits: readonly SearchHit[]) => hits.map((hit) => hit.id);
    const marked = (hit: SearchHit | undefined) =>
      (hit?.marks ?? []).map(([start, end]) => hit?.snippet.slice(start, end));

    it('finds the messages holding every word, newest first, with who, when and a marked snippet', async () => {
      const older = await send('alice', 'bob', 'The launch is on Friday at noon', 5);
      await send('bob', 'alice', 'Lunch on Friday?', 6);
      const newer = await send('bob', 'alice', 'Moved the launch: Friday evening', 7);
      const hits = await search('alice', 'friday LAUNCH');
      expect(ids(hits)).toEqual([newer, older]);
      expect(hits[0]).toMatchObject({ id: newer, peer: 'bob', from: 'bob', sentAt: 7 });
      expect(hits[1]).toMatchObject({ id: older, peer: 'bob', from: 'alice', sentAt: 5 });
      expect(hits[1]?.snippet).toBe('The launch is on Friday at noon');
      expect(marked(hits[1]).map((word) => word?.toLowerCase())).toEqual(['launch', 'friday']);
    });

    it('matches a prefix written with *, and a long message yields a shorter snippet around the match', async () => {
      const filler = Array.from({ length: 60 }, (_, i) => `word${i}`).join(' ');
      const id = await send('alice', 'bob', `${filler} tomorrowland ${filler}`);
      await send('alice', 'bob', 'tomorrow is fine');
      expect(ids(await search('bob', 'tomorrowl*'))).toEqual([id]);
      expect(await search('bob', 'tomorrowl')).toEqual([]);
      const [hit] = await search('bob', 'tomorrowland');
      expect(hit?.snippet.length).toBeLessThan(filler.length);
      expect(marked(hit)).toEqual(['tomorrowland']);
    });

    it('pages with before and limit, and searches one conversation when given a peer', async () => {
      const withBob = [];
      const withCarol = [];
      for (let i = 0; i < 5; i++) {
        withBob.push(await send('alice', 'bob', `report ${i}`));
        withCarol.push(await send('carol', 'alice', `report ${i}`));
      }
      const all = [...withBob, ...withCarol].sort((a, b) => b - a);
      const first = await search('alice', 'report', { limit: 4 });
      expect(ids(first)).toEqual(all.slice(0, 4));
      const second = await search('alice', 'report', { limit: 4, before: first.at(-1)?.id as number });
      expect(ids(second)).toEqual(all.slice(4, 8));
      expect(ids(await search('alice', 'report', { peer: 'carol' }))).toEqual([...withCarol].reverse());
      expect(ids(await search('alice', 'report', { peer: 'dave' }))).toEqual([]);
    });

    it('never finds the messages of conversations the user is not in', async () => {
      await send('bob', 'carol', 'secret plan');
      const own = await send('alice', 'bob', 'no plan here');
      expect(ids(await search('alice', 'plan'))).toEqual([own]);
      expect(await search('alice', 'secret')).toEqual([]);
      expect(await search('dave', 'plan')).toEqual([]);
      expect(await search('alice', 'plan', { peer: 'carol' })).toEqual([]);
    });

    it('hides the conversation with someone the user blocked, but not one with someone who blocked the user', async () => {
      const fromBob = await send('bob', 'alice', 'pizza tonight');
      const fromCarol = await send('carol', 'alice', 'pizza tomorrow');
      await store.blocks.add('alice', 'bob');
      await store.blocks.add('carol', 'alice');
      expect(ids(await search('alice', 'pizza'))).toEqual([fromCarol]);
      expect(ids(await search('bob', 'pizza'))).toEqual([fromBob]);
      await store.blocks.remove('alice', 'bob');
      expect(ids(await search('alice', 'pizza'))).toEqual([fromCarol, fromBob]);
    });

    it('finds an edited message by its new text only, and a deleted one never', async () => {
      const edited = await send('alice', 'bob', 'meet at the station');
      const deleted = await send('alice', 'bob', 'meet at the harbour');
      await store.messages.changeDirect({
        id: edited,
        sender: 'alice',
        at: 2000,
        text: 'meet at the airport',
        editableSince: 0,
      });
      await store.messages.changeDirect({ id: deleted, sender: 'alice', at: 2000, delete: true });
      expect(await search('bob', 'station')).toEqual([]);
      expect(await search('bob', 'harbour')).toEqual([]);
      expect(ids(await search('bob', 'airport'))).toEqual([edited]);
      expect(ids(await search('bob', 'meet'))).toEqual([edited]);
    });

    it('reads hostile queries as plain words, never as engine syntax', async () => {
      const id = await send('alice', 'bob', 'say "NEAR" NOT - OR * AND: col:umn ^start \'quote\' \\ back');
      const hostile = [
        '"',
        '"NEAR"',
        'NEAR(say back)',
        '-say',
        'say*',
        '* say',
        'OR AND',
        'col:umn',
        '^start',
        "'quote'",
        'back\\',
        'NOT say',
        '((say',
      ];
      for (const query of hostile) {
        const terms = searchTerms(query);
        if (terms.length === 0) continue;
        expect(ids(await search('bob', query)), query).toEqual([id]);
      }
      expect(await search('bob', 'say nothing')).toEqual([]);
    });

    it('a message cannot forge a mark with the marker characters', async () => {
      await send('alice', 'bob', 'odd \u0002fake\u0003 marks around coffee');
      const [hit] = await search('bob', 'coffee');
      expect(marked(hit)).toEqual(['coffee']);
      expect(hit?.snippet).not.toContain('\u0002');
      expect(hit?.snippet).not.toContain('\u0003');
    });

    it('finds words of any script, case-insensitively, and words inside addresses', async () => {
      const id = await send('alice', 'bob', 'Привет! see example.com or mail me@host.org');
      expect(ids(await search('bob', 'Привет'))).toEqual([id]);
      expect(ids(await search('bob', 'EXAMPLE'))).toEqual([id]);
      expect(ids(await search('bob', 'host'))).toEqual([id]);
    });

    it('indexes a text holding U+0000 like any other', async () => {
      const id = await send('alice', 'bob', 'before\u0000after the nul');
      expect(ids(await search('bob', 'after'))).toEqual([id]);
    });

    it('keeps the index across a reopen', async () => {
      const id = await send('alice', 'bob', 'persistent words');
      store = await fixture.reopen();
      expect(ids(await search('bob', 'persistent'))).toEqual([id]);
    });

    describe('group messages', () => {
      const LIMITS = { maxMembers: 10, maxCreated: 10 };
      async function group(creator: string, members: string[], name = 'Crew'): Promise<number> {
        const made = await store.groups.create({ name, creator, members, at: 1 }, LIMITS);
        if ('refused' in made) throw new Error(`refused: ${made.refused}`);
        return made.id;
      }
      async function post(from: string, id: number, text: string, sentAt = 1000): Promise<number> {
        const result = await store.groups.insertMessage({ from, group: id, text, sentAt });
        if ('refused' in result) throw new Error(`refused: ${result.refused}`);
        return result.message.id;
      }

      it('a member finds its groups’ messages among its direct ones, each naming its group, and can search one group', async () => {
        const crew = await group('alice', ['bob'], 'Crew');
        const band = await group('carol', ['alice'], 'Band');
        const direct = await send('dave', 'alice', 'rehearsal at eight');
        const inCrew = await post('bob', crew, 'rehearsal moved', 1001);
        const own = await post('alice', band, 'my rehearsal notes', 1002);
        const hits = await search('alice', 'rehearsal');
        expect(ids(hits)).toEqual([own, inCrew, direct]);
        expect(hits[0]).toMatchObject({
          id: own,
          group: band,
          groupName: 'Band',
          from: 'alice',
          sentAt: 1002,
        });
        expect(hits[0]?.peer).toBeUndefined();
        expect(hits[1]).toMatchObject({
          group: crew,
          groupName: 'Crew',
          from: 'bob',
          snippet: 'rehearsal moved',
        });
        expect(marked(hits[1])).toEqual(['rehearsal']);
        expect(hits[2]).toMatchObject({ peer: 'dave', from: 'dave' });
        expect(hits[2]?.group).toBeUndefined();
        expect(ids(await search('alice', 'rehearsal', { group: crew }))).toEqual([inCrew]);
        expect(ids(await search('alice', 'rehearsal', { peer: 'bob' }))).toEqual([]);
        expect(ids(await search('alice', 'rehearsal', { limit: 2, before: own }))).toEqual([inCrew, direct]);
      });

      it('a member who joined later finds what was said before, as its history shows; one who left or was removed, nothing', async () => {
        const crew = await group('alice', ['bob', 'carol']);
        const early = await post('bob', crew, 'treasure map found');
        expect(ids(await search('dave', 'treasure'))).toEqual([]);
        await store.groups.add(crew, 'alice', ['dave'], LIMITS);
        expect(ids(await search('dave', 'treasure'))).toEqual([early]);
        expect(ids(await search('dave', 'treasure', { group: crew }))).toEqual([early]);
        await store.groups.leave(crew, 'bob');
        await store.groups.remove(crew, 'alice', 'carol');
        expect(await search('bob', 'treasure')).toEqual([]);
        expect(await search('carol', 'treasure')).toEqual([]);
        expect(ids(await search('alice', 'treasure'))).toEqual([early]);
      });

      it('a member of more groups than one query asks for finds the newest of all of them, each once', async () => {
        const many = { maxMembers: 10, maxCreated: SEARCH_GROUPS_PER_QUERY * 2 };
        const made: number[] = [];
        for (let i = 0; i < SEARCH_GROUPS_PER_QUERY + 5; i++) {
          const group = await store.groups.create(
            { name: `g${i}`, creator: 'bob', members: ['alice'], at: 1 },
            many,
          );
          if ('refused' in group) throw new Error(`refused: ${group.refused}`);
          made.push(group.id);
        }
        const first = await post('bob', made[0] as number, 'lantern one');
        const last = await post('bob', made.at(-1) as number, 'lantern two');
        const direct = await send('bob', 'alice', 'lantern three');
        expect(ids(await search('alice', 'lantern'))).toEqual([direct, last, first]);
        expect(ids(await search('alice', 'lantern', { limit: 2 }))).toEqual([direct, last]);
      });

      it('searching everything looks in the member’s most recently active groups only, up to SEARCH_GROUPS_MAX', async () => {
        const many = { maxMembers: 10, maxCreated: SEARCH_GROUPS_MAX + 10 };
        const made: number[] = [];
        for (let i = 0; i <= SEARCH_GROUPS_MAX; i++) {
          const group = await store.groups.create(
            { name: `g${i}`, creator: 'bob', members: ['alice'], at: 1 },
            many,
          );
          if ('refused' in group) throw new Error(`refused: ${group.refused}`);
          made.push(group.id);
        }
        const [stale, ...rest] = made as [number, ...number[]];
        const old = await post('bob', stale, 'compass old');
        // Every other group has a newer message: the stale one is past the bound.
        const newer = [];
        for (const id of rest) newer.push(await post('bob', id, id === rest.at(-1) ? 'compass new' : 'hi'));
        expect(ids(await search('alice', 'compass'))).toEqual([newer.at(-1)]);
        expect(ids(await search('alice', 'compass', { group: stale }))).toEqual([old]);
        // A new message makes it recently active again.
        await post('bob', stale, 'wake up');
        expect(ids(await search('alice', 'compass'))).toEqual([newer.at(-1), old]);
      });

      it('leaves out the group messages of a sender the member blocks, edits by the new text, deletes never; renames show', async () => {
        const crew = await group('alice', ['bob', 'carol']);
        const fromBob = await post('bob', crew, 'harbour at dawn');
        const fromCarol = await post('carol', crew, 'harbour at noon');
        await store.blocks.add('alice', 'bob');
        expect(ids(await search('alice', 'harbour'))).toEqual([fromCarol]);
        expect(ids(await search('bob', 'harbour'))).toEqual([fromCarol, fromBob]);
        await store.blocks.remove('alice', 'bob');
        await store.messages.changeDirect({
          id: fromBob,
          sender: 'bob',
          at: 2000,
          text: 'airport at dawn',
          editableSince: 0,
        });
        await store.messages.changeDirect({ id: fromCarol, sender: 'carol', at: 2000, delete: true });
        expect(await search('alice', 'harbour')).toEqual([]);
        expect(ids(await search('alice', 'airport dawn'))).toEqual([fromBob]);
        await store.groups.rename(crew, 'alice', 'Night crew');
        expect((await search('carol', 'airport'))[0]).toMatchObject({ group: crew, groupName: 'Night crew' });
      });
    });

    describe('broadcasts', () => {
      async function broadcast(from: string, text: string, excluded: string[] = []): Promise<number> {
        return store.broadcasts.insert({ from, text, sentAt: 3000, excluded });
      }
      const searchBroadcasts = (
        user: string,
        query: string,
        more: { before?: number; limit?: number } = {},
      ) => store.broadcasts.search({ user, terms: searchTerms(query), before: NEWEST, limit: 50, ...more });

      it('finds the broadcasts a user sent or received, newest first, never those sent while it was offline', async () => {
        await store.presence.online('alice', 1);
        await store.presence.online('bob', 1);
        const first = await broadcast('alice', 'Meeting in the hall at noon');
        await store.presence.offline('bob', 2);
        const whileAway = await broadcast('alice', 'meeting moved to the roof');
        await store.presence.online('bob', 3);
        const second = await broadcast('bob', 'no meeting today');
        const hits = await searchBroadcasts('alice', 'meeting');
        expect(ids(hits)).toEqual([second, whileAway, first]);
        expect(hits[0]).toMatchObject({ id: second, everyone: true, from: 'bob', sentAt: 3000 });
        expect(hits[0]?.peer).toBeUndefined();
        expect(marked(hits[2])).toEqual(['Meeting']);
        expect(ids(await searchBroadcasts('bob', 'meeting'))).toEqual([second, first]);
        expect(ids(await searchBroadcasts('carol', 'meeting'))).toEqual([]);
        expect(ids(await searchBroadcasts('alice', 'meeting', { before: second, limit: 1 }))).toEqual([
          whileAway,
        ]);
        // Broadcasts are not among the conversations' messages.
        expect(await search('alice', 'meeting')).toEqual([]);
      });

      it('leaves out a broadcast the user was excluded from, and those of a sender it blocks now', async () => {
        await store.presence.online('alice', 1);
        await store.presence.online('bob', 1);
        await store.presence.online('carol', 1);
        await broadcast('alice', 'party tonight', ['bob']);
        const fromCarol = await broadcast('carol', 'party tomorrow');
        expect(ids(await searchBroadcasts('bob', 'party'))).toEqual([fromCarol]);
        await store.blocks.add('bob', 'carol');
        expect(await searchBroadcasts('bob', 'party')).toEqual([]);
        await store.blocks.remove('bob', 'carol');
        expect(ids(await searchBroadcasts('bob', 'party'))).toEqual([fromCarol]);
      });

      it('reads a hostile query as plain words, and a broadcast cannot forge a mark', async () => {
        await store.presence.online('alice', 1);
        const id = await broadcast('alice', 'say "NEAR" OR * \u0002fake\u0003 coffee');
        for (const query of ['"NEAR"', 'OR*', 'NEAR(say coffee)', '-say']) {
          expect(ids(await searchBroadcasts('alice', query)), query).toEqual([id]);
        }
        const [hit] = await searchBroadcasts('alice', 'coffee');
        expect(marked(hit)).toEqual(['coffee']);
        expect(hit?.snippet).not.toContain('\u0002');
      });
    });
  });
}
