/**
 * Opening links from messages in the system browser or mail app. The renderer already shows only
 * http, https and mailto links as links, but whatever reaches the main process is checked again:
 * a compromised or confused page must not get `file:`, `javascript:` or a custom scheme handed to
 * the operating system.
 */
import type { Shell } from 'electron';
import { parseExternalLink } from '../shared/links.js';

/** Opens `raw` with the system's handler when it is an http(s)/mailto link; returns whether it did. */
export function openExternalLink(shell: Pick<Shell, 'openExternal'>, raw: string): boolean {
  const url = parseExternalLink(raw);
  if (!url) return false;
  shell.openExternal(url.href).catch((error: unknown) => {
    console.error('could not open the link:', error);
  });
  return true;
}
