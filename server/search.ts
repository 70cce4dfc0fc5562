/**
 * The `search` request: full-text search of the user's direct and group messages, or of its
 * broadcasts, in the store's own engine (server/store/store.ts, MessageSearch and BroadcastSearch,
 * say which a user may search).
 */
import type { RequestParams, RequestResult, SearchHit } from '../src/shared/protocol.js';
import { searchTerms } from '../src/shared/search-query.js';
import type { ServerContext } from './context.js';
import { unknownGroup } from './groups.js';

export async function searchMessages(
  ctx: Pick<ServerContext, 'store' | 'messages'>,
  me: string,
  params: RequestParams<'search'>,
): Promise<RequestResult<'search'>> {
  const { limit } = params;
  const hits = await (params.everyone
    ? searchBroadcasts(ctx, me, params)
    : searchConversations(ctx, me, params));
  return { results: hits.slice(0, limit), hasMore: hits.length > limit };
}

/** One more than `limit`, so the caller knows whether there are more. */
async function searchConversations(
  ctx: Pick<ServerContext, 'store' | 'messages'>,
  me: string,
  { query, peer, group, before, limit }: RequestParams<'search'>,
): Promise<SearchHit[]> {
  if (peer !== undefined) await ctx.messages.requirePeer(me, peer);
  // A group the user is not in is unknown to it, as for history.
  if (group !== undefined && !(await ctx.store.groups.get(group, me))) throw unknownGroup(group);
  // The schema has checked the query has 1 to SEARCH_MAX_TERMS words.
  return ctx.store.messages.search({
    user: me,
    terms: searchTerms(query),
    ...(peer === undefined ? {} : { peer }),
    ...(group === undefined ? {} : { group }),
    before: before ?? Number.MAX_SAFE_INTEGER,
    limit: limit + 1,
  });
}

function searchBroadcasts(
  ctx: Pick<ServerContext, 'store'>,
  me: string,
  { query, before, limit }: RequestParams<'search'>,
): Promise<SearchHit[]> {
  return ctx.store.broadcasts.search({
    user: me,
    terms: searchTerms(query),
    before: before ?? Number.MAX_SAFE_INTEGER,
    limit: limit + 1,
  });
}
