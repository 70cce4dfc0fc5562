/** The `search` request through a real socket: scope, paging, edits, blocks and bad queries. */
import { describe, expect, it } from 'vitest';
import { SEARCH_MAX_TERMS, SEARCH_PAGE_MAX, SEARCH_QUERY_MAX_LENGTH } from '../../src/shared/limits.js';
import { RawClient } from '../helpers/raw-client.js';
import { useServerFixture } from '../helpers/server-fixture.js';
import { startTestServer } from '../helpers/server.js';

const fixture = useServerFixture({ checkFrames: true });

async function login(name: string, password: string): Promise<RawClient> {
  return fixture.track(await RawClient.login(fixture.server.port, name, password));
}

async function everyone(): Promise<{ yoda: RawClient; hans: RawClient; luke: RawClient }> {
  fixture.server = await startTestServer();
  return {
    yoda: await login('yoda', 'wise'),
    hans: await login('hans', 'falcon'),
    luke: await login('luke', 'skywalker'),
  };
}

const ids = (results: readonly { id: number }[]) => results.map((r) => r.id);

describe('searching your messages', () => {
  it('finds your messages in every conversation, newest first, with a marked snippet, and pages', async () => {
    const { yoda, hans, luke } = await everyone();
    const sent = [];
    for (let i = 0; i < 3; i++) {
      sent.push((await yoda.call('message', { to: 'hans', text: `the falcon needs repair ${i}` })).message);
      sent.push((await luke.call('message', { to: 'yoda', text: `falcon spotted ${i}` })).message);
    }
    await hans.call('message', { to: 'luke', text: 'my falcon, not yours' });
    const newest = ids(sent).reverse();

    const first = await yoda.call('search', { query: 'Falcon', limit: 4 });
    expect(ids(first.results)).toEqual(newest.slice(0, 4));
    expect(first.hasMore).toBe(true);
    expect(first.results[0]).toMatchObject({ peer: 'luke', from: 'luke', snippet: 'falcon spotted 2' });
    expect(first.results[0]?.marks).toEqual([[0, 6]]);
    expect(first.results[1]).toMatchObject({ peer: 'hans', from: 'yoda', sentAt: sent[4]?.sentAt });

    const rest = await yoda.call('search', { query: 'falcon', limit: 4, before: first.results[3]?.id });
    expect(ids(rest.results)).toEqual(newest.slice(4));
    expect(rest.hasMore).toBe(false);

    const withHans = await yoda.call('search', { query: 'falcon rep*', peer: 'hans', limit: 10 });
    expect(withHans.results.map((r) => r.peer)).toEqual(['hans', 'hans', 'hans']);
    expect((await hans.call('search', { query: 'falcon', limit: 10 })).results).toHaveLength(4);
  });

  it('reflects edits and deletes, and hides the conversation with someone you blocked', async () => {
    const { yoda, hans, luke } = await everyone();
    const { message: edited } = await yoda.call('message', { to: 'hans', text: 'meet at the cantina' });
    const { message: deleted } = await yoda.call('message', { to: 'hans', text: 'bring the cantina map' });
    await luke.call('message', { to: 'hans', text: 'cantina later?' });
    await yoda.call('edit', { messageId: edited.id, text: 'meet at the hangar' });
    await yoda.call('delete', { messageId: deleted.id });
    await hans.call('block', { user: 'luke' });

    expect((await hans.call('search', { query: 'cantina', limit: 10 })).results).toEqual([]);
    expect(ids((await hans.call('search', { query: 'hangar', limit: 10 })).results)).toEqual([edited.id]);
    // luke is not told he is blocked: his own message stays searchable for him.
    expect((await luke.call('search', { query: 'cantina', limit: 10 })).results).toHaveLength(1);
    await hans.call('unblock', { user: 'luke' });
    expect((await hans.call('search', { query: 'cantina', limit: 10 })).results).toHaveLength(1);
  });

  it('reads quotes, stars and operators in a query as words, never as errors', async () => {
    const { yoda, hans } = await everyone();
    const { message } = await yoda.call('message', {
      to: 'hans',
      text: 'do OR do NOT, there is no try, near and far',
    });
    for (const query of ['"do', 'NOT*', 'do -try', 'NEAR(do try)', "try'", 'OR:', 'no AND try']) {
      const { results } = await hans.call('search', { query, limit: 5 });
      expect(ids(results), query).toEqual([message.id]);
    }
  });

  it('refuses a query without words, too long or with too many words, a bad page size and a bad peer', async () => {
    const { yoda } = await everyone();
    const refused = async (params: Parameters<typeof yoda.fail<'search'>>[1]) =>
      (await yoda.fail('search', params)).code;
    expect(await refused({ query: '', limit: 5 })).toBe('invalid_request');
    expect(await refused({ query: '"* - :', limit: 5 })).toBe('invalid_request');
    expect(await refused({ query: 'a'.repeat(SEARCH_QUERY_MAX_LENGTH + 1), limit: 5 })).toBe(
      'invalid_request',
    );
    const words = Array.from({ length: SEARCH_MAX_TERMS + 1 }, (_, i) => `w${i}`).join(' ');
    expect(await refused({ query: words, limit: 5 })).toBe('invalid_request');
    expect(await refused({ query: 'hi', limit: SEARCH_PAGE_MAX + 1 })).toBe('invalid_request');
    expect(await refused({ query: 'hi', limit: 5, peer: 'nobody' })).toBe('unknown_user');
    expect(await refused({ query: 'hi', limit: 5, peer: 'yoda' })).toBe('self_target');
    const { message } = await yoda.fail('search', { query: words, limit: 5 });
    expect(message).toContain(`at most ${SEARCH_MAX_TERMS} words`);
  });
});
