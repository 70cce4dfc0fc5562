/**
 * The `search` request: full-text search of the user's direct messages in the store's own engine
 * (server/store/store.ts, MessageStore.search, says which messages a user may search).
 */
import type { RequestParams, RequestResult } from '../src/shared/protocol.js';
import { searchTerms } from '../src/shared/search-query.js';
import type { ServerContext } from './context.js';

export async function searchMessages(
  ctx: Pick<ServerContext, 'store' | 'messages'>,
  me: string,
  { query, peer, before, limit }: RequestParams<'search'>,
): Promise<RequestResult<'search'>> {
  if (peer !== undefined) await ctx.messages.requirePeer(me, peer);
  // The schema has checked the query has 1 to SEARCH_MAX_TERMS words.
  const hits = await ctx.store.messages.search({
    user: me,
    terms: searchTerms(query),
    ...(peer === undefined ? {} : { peer }),
    before: before ?? Number.MAX_SAFE_INTEGER,
    limit: limit + 1,
  });
  return { results: hits.slice(0, limit), hasMore: hits.length > limit };
}
