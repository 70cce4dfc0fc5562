/** The terminal client's `search WORDS`: the newest matching messages, one line each. */
import { SEARCH_QUERY_MAX_LENGTH } from '../shared/limits.js';
import type { SearchHit } from '../shared/protocol.js';
import { searchQueryProblem, snippetParts } from '../shared/search-query.js';
import type { SessionContext } from './session.js';
import { texts } from './texts.js';

/** How many matches one `search` prints: the newest. */
export const CLI_SEARCH_RESULTS = 20;

export async function searchMessages(ctx: SessionContext, query: string): Promise<void> {
  const problem =
    query.length > SEARCH_QUERY_MAX_LENGTH
      ? `the search may be at most ${SEARCH_QUERY_MAX_LENGTH} characters`
      : searchQueryProblem(query);
  if (problem !== undefined) return ctx.out.line(texts.searchRefused(problem));
  const result = await ctx.core.call('searchMessages', { query, limit: CLI_SEARCH_RESULTS });
  if (!result.ok) {
    if (result.error.code !== 'not_connected' && result.error.code !== 'not_logged_in')
      ctx.out.line(texts.unexpected(result.error));
    return;
  }
  const { results, hasMore } = result.value;
  if (results.length === 0) return ctx.out.line(texts.searchNoMatch);
  for (const hit of results) ctx.out.line(searchLine(hit, ctx.username));
  if (hasMore) ctx.out.line(texts.searchMore(CLI_SEARCH_RESULTS));
}

/**
 * "yoda to hans (2026-12-01 11:30): the [falcon] needs repair", the matched words in brackets; a
 * group message names its group: "yoda to group Rebels (…): …".
 */
export function searchLine(hit: SearchHit, me: string): string {
  const to = hit.groupName !== undefined ? `group ${hit.groupName}` : hit.from === me ? hit.peer : me;
  const snippet = snippetParts(hit.snippet, hit.marks)
    .map((part) => (part.marked ? `[${part.text}]` : part.text))
    .join('');
  return `${hit.from} to ${to} (${localMinute(hit.sentAt)}): ${snippet}`;
}

function localMinute(at: number): string {
  const date = new Date(at);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${two(date.getMonth() + 1)}-${two(date.getDate())} ${two(date.getHours())}:${two(date.getMinutes())}`;
}
