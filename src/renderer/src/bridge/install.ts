/**
 * Installs `window.messenger` before the app mounts. In Electron the preload has already exposed it
 * and this does nothing. In the browser shell the page was opened at the one-time launch link
 * `…/#launch=TOKEN`: the token leaves the address bar and is traded (POST /session) for the session
 * secret, which stays in this tab's sessionStorage (so a reload still works; the storage belongs to
 * this origin, port included, unlike a cookie) and is handed in the address only to the private-chat
 * windows the page opens itself. The API is provided over the shell's WebSocket at /bridge.
 */
import type { MessengerApi } from '../../../shared/api.js';
import { PRIVATE_WINDOW_QUERY } from '../../../shared/api.js';
import { transferIdSchema } from '../../../shared/files.js';
import { USERNAME_MAX_LENGTH, USERNAME_PATTERN } from '../../../shared/limits.js';
import { parseExternalLink } from '../../../shared/links.js';
import { createBridgeClient, type PageHandlers, type SocketLike } from './client.js';
import {
  BRIDGE_PATH,
  FILES_PATH,
  LAUNCH_PARAM,
  SECRET_PARAM,
  SESSION_PATH,
} from '../../../shared/bridge-wire.js';

const STORAGE_KEY = 'messenger.bridgeSecret';
/** How long the first connection may take before the app mounts anyway (calls then wait or fail). */
const FIRST_CONNECT_WAIT_MS = 3_000;

/** Why the page could not open a session: shown to the user as it is (main.ts). */
export class LaunchError extends Error {}

/** Trades a launch token for the session secret; a refusal says why (used, expired, not ours). */
async function redeemLaunchToken(token: string): Promise<string> {
  let response: Response;
  try {
    response = await fetch(SESSION_PATH, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ token }),
      cache: 'no-store',
      credentials: 'omit',
    });
  } catch {
    throw new LaunchError('The app cannot reach its shell. Restart the app.');
  }
  const body = (await response.json().catch(() => ({}))) as { secret?: unknown; error?: unknown };
  if (response.ok && typeof body.secret === 'string') return body.secret;
  throw new LaunchError(
    typeof body.error === 'string' ? body.error : 'The app could not open its session. Restart the app.',
  );
}

function keepSecret(secret: string): void {
  try {
    window.sessionStorage.setItem(STORAGE_KEY, secret);
  } catch {
    // Storage may be unavailable; the secret still works for this page load.
  }
}

/**
 * The session secret: bought with the launch token in the URL fragment, or handed over in the
 * fragment by the window that opened this one, or kept in this tab's storage by an earlier load.
 * The fragment leaves the address bar first, so a reload never presents a used token again.
 */
export async function takeSecret(): Promise<string | null> {
  const fragment = new URLSearchParams(window.location.hash.replace(/^#/, ''));
  if (window.location.hash) {
    window.history.replaceState(null, '', window.location.pathname + window.location.search);
  }
  const launchToken = fragment.get(LAUNCH_PARAM);
  const fromUrl = launchToken ? await redeemLaunchToken(launchToken) : fragment.get(SECRET_PARAM);
  if (fromUrl) {
    keepSecret(fromUrl);
    return fromUrl;
  }
  try {
    return window.sessionStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

/** URL of the private-chat window for `peer` in the browser shell. */
export function privateWindowUrl(location: Location, peer: string, secret: string): string {
  const url = new URL('/index.html', location.origin);
  url.searchParams.set('window', PRIVATE_WINDOW_QUERY.window);
  url.searchParams.set(PRIVATE_WINDOW_QUERY.peerParam, peer);
  url.hash = `${SECRET_PARAM}=${encodeURIComponent(secret)}`;
  return url.href;
}

const openWindows = new Map<string, Window>();

function openPrivateWindow(peer: string, secret: string): void {
  if (peer.length > USERNAME_MAX_LENGTH || !USERNAME_PATTERN.test(peer)) throw new Error('invalid username');
  const existing = openWindows.get(peer);
  if (existing && !existing.closed) {
    existing.focus();
    return;
  }
  const opened = window.open(
    privateWindowUrl(window.location, peer, secret),
    `private-${peer}`,
    'popup,width=520,height=640',
  );
  if (!opened) throw new Error('the browser blocked the private chat window; allow pop-ups for this app');
  openWindows.set(peer, opened);
}

/** A link from a message: a new tab that cannot reach back into the app (no opener, no referrer). */
export function openLinkInNewTab(raw: string): void {
  const url = parseExternalLink(raw);
  if (!url) throw new Error('only http, https and mailto links can be opened');
  window.open(url.href, '_blank', 'noopener,noreferrer');
}

/**
 * "Save as…": the browser downloads the received file from the shell (under this session's secret),
 * asking where to put it as it does for any download.
 */
function downloadReceivedFile(id: string, secret: string): void {
  if (!transferIdSchema.safeParse(id).success) throw new Error('not a transfer id');
  const link = document.createElement('a');
  link.href = `${FILES_PATH}${id}?${SECRET_PARAM}=${encodeURIComponent(secret)}`;
  link.download = '';
  link.rel = 'noopener';
  document.body.append(link);
  link.click();
  link.remove();
}

/** What the page does itself for the shell methods (the shell cannot reach the browser's windows). */
function pageHandlers(secret: string): PageHandlers {
  return {
    openPrivateWindow: (peer) => openPrivateWindow(peer, secret),
    openExternal: openLinkInNewTab,
    focusWindow: () => window.focus(),
    // The page title already carries the count ("(3) Messenger"); there is no badge to set.
    setUnreadCount: () => undefined,
    // Closing a browser window always ends the page; the settings screen says so.
    setCloseBehaviour: () => undefined,
    saveFile: (id) => downloadReceivedFile(id, secret),
  };
}

let inBrowserShell = false;

/**
 * True when this page runs in the browser shell (not Electron): closing its window always ends
 * the app there, so the settings screen does not offer to keep it running in the background.
 */
export function runsInBrowserShell(): boolean {
  return inBrowserShell;
}

export async function installMessenger(): Promise<void> {
  if ((window as { messenger?: MessengerApi }).messenger) return;
  inBrowserShell = true;
  const secret = await takeSecret();
  if (!secret) {
    throw new LaunchError('Open the app through the launch link its shell gave you.');
  }
  const scheme = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
  const url = `${scheme}//${window.location.host}${BRIDGE_PATH}?${SECRET_PARAM}=${encodeURIComponent(secret)}`;
  const client = createBridgeClient({
    url,
    createSocket: (address) => new WebSocket(address) as unknown as SocketLike,
    pageHandlers: pageHandlers(secret),
  });
  window.messenger = client;
  await Promise.race([client.ready, new Promise((resolve) => setTimeout(resolve, FIRST_CONNECT_WAIT_MS))]);
}
