/**
 * Secure defaults for every window and the default session: one strict CSP (also sent as a response
 * header, in addition to the renderer's meta tag), permissions denied except notifications, no new
 * windows opened by content (links go to the system browser), no navigation away from the app's own
 * pages.
 */
import type { Session, WebContents, WebPreferences } from 'electron';
import { contentSecurityPolicy } from './csp.js';

/** The Electron shell's CSP; in development Vite's HMR socket is allowed too. */
export function electronCsp(options: { dev?: boolean } = {}): string {
  return contentSecurityPolicy(options.dev ? ['ws://localhost:*', 'ws://127.0.0.1:*'] : []);
}

/** webPreferences of every app window. */
export function secureWebPreferences(preloadPath: string): WebPreferences {
  return {
    preload: preloadPath,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    webviewTag: false,
    spellcheck: true,
  };
}

/**
 * Notifications, and writing text to the clipboard (the message menu's Copy uses
 * navigator.clipboard.writeText). Reading the clipboard stays refused.
 */
const ALLOWED_PERMISSIONS: ReadonlySet<string> = new Set(['notifications', 'clipboard-sanitized-write']);

export function isAllowedPermission(permission: string): boolean {
  return ALLOWED_PERMISSIONS.has(permission);
}

/** CSP header on every response, and the permission policy, for the session the windows use. */
export function applySessionSecurity(session: Session, csp: string): void {
  session.webRequest.onHeadersReceived((details, callback) => {
    const headers = { ...details.responseHeaders };
    for (const name of Object.keys(headers)) {
      if (name.toLowerCase() === 'content-security-policy') delete headers[name];
    }
    headers['Content-Security-Policy'] = [csp];
    headers['X-Content-Type-Options'] = ['nosniff'];
    callback({ responseHeaders: headers });
  });
  session.setPermissionRequestHandler((_contents, permission, callback) => {
    callback(isAllowedPermission(permission));
  });
  session.setPermissionCheckHandler((_contents, permission) => isAllowedPermission(permission));
}

export interface ContentGuards {
  /** True for the app's own pages. */
  isAppUrl(url: string): boolean;
  /** Hands a link to the system (checks the scheme itself; see external-links.ts). */
  openExternal(url: string): void;
}

/**
 * Content may not open windows (the app opens its own private-chat windows from the main process)
 * and may not navigate anywhere but the app's own pages. A link the page asks to open in a new window
 * (`target=_blank`, middle click) goes to `openExternal` instead, which opens only http(s)/mailto.
 * Also refuses `<webview>` attachment.
 */
export function hardenWebContents(contents: WebContents, guards: ContentGuards): void {
  contents.setWindowOpenHandler(({ url }) => {
    guards.openExternal(url);
    return { action: 'deny' };
  });
  const guard = (event: { preventDefault(): void }, url: string): void => {
    if (!guards.isAppUrl(url)) event.preventDefault();
  };
  contents.on('will-navigate', guard);
  contents.on('will-redirect', guard);
  contents.on('will-attach-webview', (event) => event.preventDefault());
}
