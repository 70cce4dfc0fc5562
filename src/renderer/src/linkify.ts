/**
 * Splits message text into plain text and links, so the view can render links as <a> elements
 * without ever parsing the message as HTML. Finding links is linkify-it's job (markdown-it's link
 * finder: trailing punctuation, brackets, bare domains and e-mail addresses, as people write them);
 * which links may become links is ours: only http, https and mailto, by the rule in
 * src/shared/links.ts. Everything else, `javascript:` included, stays text.
 */
import { LinkifyIt } from 'linkify-it';
import { parseExternalLink } from '../../shared/links';

export type TextSegment = { kind: 'text'; text: string } | { kind: 'link'; text: string; href: string };

// Bare domains (example.org) are links, as in the messengers people use. linkify-it also knows ftp:
// and protocol-relative `//host` links; the shells open neither.
const finder = new LinkifyIt({ fuzzyLink: true }).add('ftp:', null).add('//', null);

function pushText(segments: TextSegment[], text: string): void {
  if (text !== '') segments.push({ kind: 'text', text });
}

export function linkify(text: string): TextSegment[] {
  const segments: TextSegment[] = [];
  let shown = 0;
  for (const match of finder.match(text) ?? []) {
    // linkify-it gives `www.example.com` as http://… and `bob@example.com` as mailto:…
    const url = parseExternalLink(match.url);
    if (!url) continue;
    pushText(segments, text.slice(shown, match.index));
    segments.push({ kind: 'link', text: match.text, href: url.href });
    shown = match.lastIndex;
  }
  pushText(segments, text.slice(shown));
  return segments;
}
