/** The terminal client's `search WORDS`: the newest matching messages and broadcasts, one line each. */
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
  const pages = await Promise.all(
    [false, true].map((everyone) =>
      ctx.core.call('searchMessages', {
        query,
        limit: CLI_SEARCH_RESULTS,
        ...(everyone ? { everyone: true as const } : {}),
      }),
    ),
  );
  const failed = pages.find((page) => !page.ok);
  if (failed !== undefined && !failed.ok) {
    if (failed.error.code !== 'not_connected' && failed.error.code !== 'not_logged_in')
      ctx.out.line(texts.unexpected(failed.error));
    return;
  }
  const { results, hasMore } = newestOfBoth(pages.flatMap((page) => (page.ok ? [page.value] : [])));
  if (results.length === 0) return ctx.out.line(texts.searchNoMatch);
  for (const hit of results) ctx.out.line(searchLine(hit, ctx.username));
  if (hasMore) ctx.out.line(texts.searchMore(CLI_SEARCH_RESULTS));
}

/**
 * The newest CLI_SEARCH_RESULTS of the messages and the broadcasts found, by time (their ids are
 * of two sequences); more when either had more or some were left out here.
 */
function newestOfBoth(pages: readonly { results: SearchHit[]; hasMore: boolean }[]) {
  const all = pages.flatMap((page) => page.results).sort((a, b) => b.sentAt - a.sentAt);
  const results = all.slice(0, CLI_SEARCH_RESULTS);
  return { results, hasMore: all.length > results.length || pages.some((page) => page.hasMore) };
}

/**
 * "yoda to hans (2026-12-01 11:30): the [falcon] needs repair", the matched words in brackets; a
 * group message names its group ("yoda to group Rebels (…): …"), a broadcast says "to everyone".
 */
export function searchLine(hit: SearchHit, me: string): string {
  const snippet = snippetParts(hit.snippet, hit.marks)
    .map((part) => (part.marked ? `[${part.text}]` : part.text))
    .join('');
  return `${hit.from} to ${addressee(hit, me)} (${localMinute(hit.sentAt)}): ${snippet}`;
}

function addressee(hit: SearchHit, me: string): string {
  if (hit.everyone) return 'everyone';
  if (hit.groupName !== undefined) return `group ${hit.groupName}`;
  return hit.from === me ? (hit.peer ?? '') : me;
}

function localMinute(at: number): string {
  const date = new Date(at);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${two(date.getMonth() + 1)}-${two(date.getDate())} ${two(date.getHours())}:${two(date.getMinutes())}`;
}
