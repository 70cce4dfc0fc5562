/**
 * Searching the text of your direct and group messages, and of your broadcasts (the `search`
 * request, run by the server's store engine): the results of the current query a page at a time
 * (the broadcasts apart: their ids are of their own sequence), whether a search is running, and
 * the message a clicked result asked the chat to jump to.
 */
import { defineStore } from 'pinia';
import { ref } from 'vue';
import { SEARCH_QUERY_MAX_LENGTH } from '../../../shared/limits';
import type { SearchHit } from '../../../shared/protocol';
import { searchQueryProblem } from '../../../shared/search-query';
import { call } from '../api';
import { EVERYONE, EVERYONE_LABEL, groupKey } from '../constants';
import { describeProblem } from '../errors';

/** Results per page: a screenful, and the "More results" button asks for the next. */
export const MESSAGE_SEARCH_PAGE = 20;

/** Whether the query can be searched as it is (it holds a word, and not too many). */
export function searchableQuery(query: string): boolean {
  const q = query.trim();
  return q.length <= SEARCH_QUERY_MAX_LENGTH && searchQueryProblem(q) === undefined;
}

/**
 * Results come as the person types: the word being typed matches the words it starts ("sta" finds
 * "station") once it has three letters. A shorter prefix would make the engine merge the entries
 * of a large share of every word it knows, for results nobody reads.
 */
export function lastWordAsPrefix(query: string): string {
  return /[\p{L}\p{N}\p{M}]{3}$/u.test(query) ? `${query}*` : query;
}

/** The key of the chat a result is in: Everyone's, its group's, or the other person's. */
export function hitConversation(hit: SearchHit): string {
  if (hit.everyone) return EVERYONE;
  return hit.group === undefined ? (hit.peer ?? '') : groupKey(hit.group);
}

/** What a result calls its chat: Everyone, the group's name (as it was when found), or the other person. */
export function hitChatName(hit: SearchHit): string {
  return hit.everyone ? EVERYONE_LABEL : (hit.groupName ?? hit.peer ?? '');
}

export const useMessageSearchStore = defineStore('messageSearch', () => {
  const query = ref('');
  /** Messages of the user's conversations (direct and group), newest first. */
  const results = ref<SearchHit[]>([]);
  const hasMore = ref(false);
  /** Broadcasts the user sent or received (the Everyone conversation), newest first: ids of their own. */
  const broadcastResults = ref<SearchHit[]>([]);
  const broadcastsHaveMore = ref(false);
  const searching = ref(false);
  const error = ref<string | null>(null);
  /** A result that was opened: its chat (a peer, group or Everyone key) shows this message once it has loaded around it. */
  const pendingJump = ref<{ peer: string; id: number } | null>(null);
  /** Bumped by every new query and reset: a late answer to an older one is dropped. */
  let generation = 0;
  /** Requests of the current query on their way: "Searching…" while there are any. */
  let pending = 0;

  async function fetchPage(everyone: boolean, before?: number): Promise<void> {
    const asked = generation;
    pending++;
    searching.value = true;
    const r = await call('searchMessages', {
      query: lastWordAsPrefix(query.value),
      limit: MESSAGE_SEARCH_PAGE,
      ...(everyone ? { everyone: true as const } : {}),
      ...(before === undefined ? {} : { before }),
    });
    if (asked !== generation) return;
    searching.value = --pending > 0;
    if (!r.ok) {
      error.value = `Message search failed. ${describeProblem(r.error)}`;
      return;
    }
    const list = everyone ? broadcastResults : results;
    list.value = before === undefined ? r.value.results : [...list.value, ...r.value.results];
    (everyone ? broadcastsHaveMore : hasMore).value = r.value.hasMore;
  }

  /** Searches for `text` from the newest message; a query without words clears the results. */
  async function run(text: string): Promise<void> {
    const q = text.trim();
    if (q === query.value && (searching.value || results.value.length > 0 || error.value !== null)) return;
    clear();
    if (!searchableQuery(q)) return;
    query.value = q;
    await Promise.all([fetchPage(false), fetchPage(true)]);
  }

  /** The next page of the current query's messages, or of its broadcasts. */
  async function more(everyone = false): Promise<void> {
    const last = (everyone ? broadcastResults : results).value.at(-1);
    const more = everyone ? broadcastsHaveMore.value : hasMore.value;
    if (!more || searching.value || last === undefined) return;
    await fetchPage(everyone, last.id);
  }

  function openResult(hit: SearchHit): void {
    pendingJump.value = { peer: hitConversation(hit), id: hit.id };
  }

  /** The message to show in the chat keyed `peer`, once: undefined when none is waiting for it. */
  function takeJump(peer: string): number | undefined {
    const jump = pendingJump.value;
    if (jump?.peer !== peer) return undefined;
    pendingJump.value = null;
    return jump.id;
  }

  function clear(): void {
    generation++;
    pending = 0;
    query.value = '';
    results.value = [];
    hasMore.value = false;
    broadcastResults.value = [];
    broadcastsHaveMore.value = false;
    searching.value = false;
    error.value = null;
  }

  function reset(): void {
    clear();
    pendingJump.value = null;
  }

  return {
    query,
    results,
    hasMore,
    broadcastResults,
    broadcastsHaveMore,
    searching,
    error,
    pendingJump,
    run,
    more,
    openResult,
    takeJump,
    clear,
    reset,
  };
});
