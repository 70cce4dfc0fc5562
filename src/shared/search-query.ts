/**
 * What a message search query means, read the same way by the server (which turns it into each
 * store engine's own syntax), the app and the terminal client: the words of the query, every one of
 * which a message must contain. A word is a run of letters, digits and combining marks; everything
 * else only separates words, so quotes, `NEAR`-style operators, `-` or `:` in a query are never
 * syntax. A word written with a `*` right after it matches every word starting with it (a prefix).
 */
import { SEARCH_MAX_TERMS } from './limits.js';

export interface SearchTerm {
  word: string;
  prefix: boolean;
}

const WORD = /([\p{L}\p{N}\p{M}]+)(\*?)/gu;

/** The query's words, in order, without repeats; empty when it holds no letter or digit. */
export function searchTerms(query: string): SearchTerm[] {
  const terms = new Map<string, SearchTerm>();
  for (const [, word = '', star] of query.matchAll(WORD)) {
    const key = `${word.toLowerCase()}${star}`;
    if (!terms.has(key)) terms.set(key, { word, prefix: star === '*' });
  }
  return [...terms.values()];
}

/** Why a query cannot be searched, in words for the person; undefined when it can. */
export function searchQueryProblem(query: string): string | undefined {
  const count = searchTerms(query).length;
  if (count === 0) return 'the search needs at least one word of letters or digits';
  if (count > SEARCH_MAX_TERMS) return `the search may hold at most ${SEARCH_MAX_TERMS} words`;
  return undefined;
}

/** A highlighted stretch of a snippet: [start, end) in UTF-16 code units of the snippet's text. */
export type SnippetMark = readonly [start: number, end: number];

/**
 * Splits a snippet's text at its marks, for a renderer that shows the marked parts highlighted: the
 * parts are plain text, never markup. Marks out of order, overlapping or past the end are ignored.
 */
export function snippetParts(
  text: string,
  marks: readonly SnippetMark[],
): { text: string; marked: boolean }[] {
  const parts: { text: string; marked: boolean }[] = [];
  let at = 0;
  for (const [start, end] of marks) {
    if (start < at || end <= start || end > text.length) continue;
    if (start > at) parts.push({ text: text.slice(at, start), marked: false });
    parts.push({ text: text.slice(start, end), marked: true });
    at = end;
  }
  if (at < text.length) parts.push({ text: text.slice(at), marked: false });
  return parts;
}
