/**
 * The `search` request: full-text search of the user's direct and group messages in the store's own
 * engine (server/store/store.ts, MessageSearch, says which messages a user may search).
 */
import type { RequestParams, RequestResult } from '../src/shared/protocol.js';
import { searchTerms } from '../src/shared/search-query.js';
import type { ServerContext } from './context.js';
import { unknownGroup } from './groups.js';

export async function searchMessages(
  ctx: Pick<ServerContext, 'store' | 'messages'>,
  me: string,
  { query, peer, group, before, limit }: RequestParams<'search'>,
): Promise<RequestResult<'search'>> {
  if (peer !== undefined) await ctx.messages.requirePeer(me, peer);
  // A group the user is not in is unknown to it, as for history.
  if (group !== undefined && !(await ctx.store.groups.get(group, me))) throw unknownGroup(group);
  // The schema has checked the query has 1 to SEARCH_MAX_TERMS words.
  const hits = await ctx.store.messages.search({
    user: me,
    terms: searchTerms(query),
    ...(peer === undefined ? {} : { peer }),
    ...(group === undefined ? {} : { group }),
    before: before ?? Number.MAX_SAFE_INTEGER,
    limit: limit + 1,
  });
  return { results: hits.slice(0, limit), hasMore: hits.length > limit };
}
