/**
 * Which links in messages may leave the app: http, https and mailto only. The renderer linkifies
 * with this rule, and the shells check it again before opening anything (a page could be made to
 * ask for any URL, so the shell never trusts the renderer's choice).
 */

export const EXTERNAL_LINK_PROTOCOLS: ReadonlySet<string> = new Set(['http:', 'https:', 'mailto:']);

/** Longer links are shown as text: no real link is this long, and the API refuses them. */
export const EXTERNAL_URL_MAX_LENGTH = 2048;

/** The URL when `raw` is an absolute http(s) URL with a host, or a mailto: with an address; else null. */
export function parseExternalLink(raw: string): URL | null {
  if (raw.length > EXTERNAL_URL_MAX_LENGTH) return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return null;
  }
  if (!EXTERNAL_LINK_PROTOCOLS.has(url.protocol)) return null;
  if (url.protocol === 'mailto:') return url.pathname.includes('@') ? url : null;
  return url.hostname === '' ? null : url;
}

export function isExternalLink(raw: string): boolean {
  return parseExternalLink(raw) !== null;
}
