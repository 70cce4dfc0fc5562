/**
 * Both adapters ask their engine for a snippet with each match between MARK_START and MARK_END
 * (FTS5 snippet(), PostgreSQL ts_headline) and turn it here into plain text and ranges. The
 * markers are control characters the adapters first blank in the message text itself, so a
 * message cannot forge a mark.
 */
import type { SearchHit } from '../../src/shared/protocol.js';

export const MARK_START = '\u0002';
export const MARK_END = '\u0003';
const MARKER = new RegExp(`([${MARK_START}${MARK_END}])`, 'u');

/** A matching message as both adapters read it: `marked` is the engine's snippet with markers. */
export interface SearchRow {
  id: number;
  from: string;
  to: string;
  sentAt: number;
  marked: string;
}

export function searchHit({ id, from, to, sentAt, marked }: SearchRow, me: string): SearchHit {
  return { id, peer: from === me ? to : from, from, sentAt, ...parseMarkedSnippet(marked) };
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
