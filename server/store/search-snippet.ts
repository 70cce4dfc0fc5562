/**
 * Both adapters ask their engine for a snippet with each match between MARK_START and MARK_END
 * (FTS5 snippet(), PostgreSQL ts_headline) and turn it here into plain text and ranges. The
 * markers are control characters the adapters first blank in the message text itself, so a
 * message cannot forge a mark.
 */
import type { SearchHit } from '../../src/shared/protocol.js';
import { pairKey } from './conversation-key.js';
import { groupKey } from './group-rules.js';
import type { MessageSearch } from './store.js';

export const MARK_START = '\u0002';
export const MARK_END = '\u0003';
const MARKER = new RegExp(`([${MARK_START}${MARK_END}])`, 'u');

/** A matching message as both adapters read it: `marked` is the engine's snippet with markers. */
export interface SearchRow {
  id: number;
  from: string;
  to: string;
  /** The group of a group message (its name now), null for a direct message. */
  groupId: number | null;
  groupName: string | null;
  sentAt: number;
  marked: string;
}

export function searchHit(row: SearchRow, me: string): SearchHit {
  const { id, from, to, groupId, groupName, sentAt, marked } = row;
  const conversation =
    groupId === null
      ? { peer: from === me ? to : from }
      : { group: Number(groupId), groupName: groupName ?? '' };
  return { id, ...conversation, from, sentAt, ...parseMarkedSnippet(marked) };
}

/** A matching broadcast as both adapters read it. */
export type BroadcastSearchRow = Pick<SearchRow, 'id' | 'from' | 'sentAt' | 'marked'>;

export function broadcastHit({ id, from, sentAt, marked }: BroadcastSearchRow): SearchHit {
  return { id, everyone: true, from, sentAt, ...parseMarkedSnippet(marked) };
}

/** The text without markers, and where the marked stretches are in it. */
export function parseMarkedSnippet(marked: string): Pick<SearchHit, 'snippet' | 'marks'> {
  const marks: [number, number][] = [];
  let snippet = '';
  let start = -1;
  for (const part of marked.split(MARKER)) {
    if (part === MARK_START) start = snippet.length;
    else if (part === MARK_END) {
      if (start >= 0 && snippet.length > start) marks.push([start, snippet.length]);
      start = -1;
    } else snippet += part;
  }
  return { snippet, marks };
}

/** One conversation a search is limited to: a peer's or a group's. */
export type OneConversation = { peer: string } | { group: number };
/** Where a search looks: one conversation, or all of the user's (its groups listed). */
export type SearchScope = OneConversation | { groups: readonly number[] };

/**
 * The one conversation a search is limited to, with its key in both schemas (`pair`,
 * `conversation`); undefined when it looks at all of the user's conversations.
 */
export function searchConversation({
  user,
  peer,
  group,
}: MessageSearch): { scope: OneConversation; key: string } | undefined {
  if (peer !== undefined) return { scope: { peer }, key: pairKey(user, peer) };
  if (group !== undefined) return { scope: { group }, key: groupKey(group) };
  return undefined;
}

/**
 * Groups one search query asks the index for: a user in more groups is searched in several
 * queries of this many, whose pages are merged (newestHits). One query naming thousands of groups
 * took over a second on SQLite and timed out on PostgreSQL; a few hundred cost milliseconds.
 */
export const SEARCH_GROUPS_PER_QUERY = 200;

/**
 * Groups a search of all the user's conversations looks in: its most recently active ones (a
 * user may be in any number; past these, `search {group}` still finds a group's messages). Five
 * queries of SEARCH_GROUPS_PER_QUERY at most: one user in 20,000 groups took 18 s on PostgreSQL.
 */
export const SEARCH_GROUPS_MAX = 1000;

/** The user's groups in runs of SEARCH_GROUPS_PER_QUERY; one empty run when it has none. */
export function groupRuns(groups: readonly number[]): number[][] {
  const runs: number[][] = [];
  for (let i = 0; i < groups.length; i += SEARCH_GROUPS_PER_QUERY)
    runs.push(groups.slice(i, i + SEARCH_GROUPS_PER_QUERY));
  return runs.length === 0 ? [[]] : runs;
}

/** The newest `limit` of several queries' pages (each newest first), each message once. */
export function newestHits(pages: readonly SearchHit[][], limit: number): SearchHit[] {
  if (pages.length === 1) return pages[0] ?? [];
  const byId = new Map(pages.flat().map((hit) => [hit.id, hit]));
  return [...byId.values()].sort((a, b) => b.id - a.id).slice(0, limit);
}
