/**
 * Splits message text into plain text and links, so the view can render links as <a> elements
 * without ever parsing the message as HTML. Only http, https and mailto links become links (the
 * rule in src/shared/links.ts); everything else, `javascript:` included, stays text.
 */
import { parseExternalLink } from '../../shared/links';

export type TextSegment = { kind: 'text'; text: string } | { kind: 'link'; text: string; href: string };

/** A link starts with its scheme at a word boundary and runs to whitespace or a character URLs never hold raw. */
const CANDIDATE = /\b(?:https?:\/\/|mailto:)[^\s<>"`]+/gi;

/** Sentence punctuation after a link is not part of it ("see https://example.com."). */
const TRAILING_PUNCTUATION = new Set(['.', ',', ';', ':', '!', '?', "'", '*']);
const OPENER_OF: Readonly<Record<string, string>> = { ')': '(', ']': '[', '}': '{' };

function count(text: string, char: string): number {
  return text.split(char).length - 1;
}

/** Drops trailing punctuation, and closing brackets that close something outside the link. */
export function trimLinkEnd(candidate: string): string {
  let end = candidate.length;
  while (end > 0) {
    const last = candidate[end - 1]!;
    const opener = OPENER_OF[last];
    const body = candidate.slice(0, end);
    const unbalanced = opener !== undefined && count(body, last) > count(body, opener);
    if (!TRAILING_PUNCTUATION.has(last) && !unbalanced) break;
    end--;
  }
  return candidate.slice(0, end);
}

function pushText(segments: TextSegment[], text: string): void {
  if (text === '') return;
  const previous = segments[segments.length - 1];
  if (previous?.kind === 'text') previous.text += text;
  else segments.push({ kind: 'text', text });
}

export function linkify(text: string): TextSegment[] {
  const segments: TextSegment[] = [];
  let shown = 0;
  for (const match of text.matchAll(CANDIDATE)) {
    const linkText = trimLinkEnd(match[0]);
    const url = parseExternalLink(linkText);
    if (!url) continue;
    pushText(segments, text.slice(shown, match.index));
    segments.push({ kind: 'link', text: linkText, href: url.href });
    shown = match.index + linkText.length;
  }
  pushText(segments, text.slice(shown));
  return segments;
}
