/**
 * The browser shell: the client core in a Node process, the built renderer served on loopback, and
 * `window.messenger` provided over a WebSocket. One shell = one app instance (one user); its main
 * window and private-chat windows are pages of the same origin sharing the core.
 *
 * Access: the shell hands out only one-time, expiring launch links (launch-tokens.ts). The page
 * trades the token for a session secret (session-endpoint.ts) that never leaves the browser, so a
 * link read from a command line is worthless once used. One session at a time: a newer link's
 * session disconnects the pages of the one before.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ServerAddress } from '../shared/api.js';
import type { CoreLike } from '../main/dispatch.js';
import { createCore } from '../main/create-core.js';
import { FILES_PATH, LAUNCH_PARAM, SESSION_PATH } from '../shared/bridge-wire.js';
import { BridgeSockets } from './bridge-socket.js';
import { CHROMIUM_LAUNCH_TTL_MS, LaunchTokens } from './launch-tokens.js';
import { createFileDownloadHandler } from './file-download.js';
import { createSessionHandler } from './session-endpoint.js';
import { createStaticHandler, securityHeaders } from './static-files.js';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const DEFAULT_RENDERER_DIR = join(REPO_ROOT, 'out/renderer');

export interface BrowserShellOptions {
  /** The server the login screen offers. */
  server?: ServerAddress;
  /** Interface to listen on; loopback only by default. */
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** The built renderer; default out/renderer. */
  rendererDir?: string;
  /** A ready core (tests); default: a new MessengerCore. */
  core?: CoreLike;
  log?: (line: string) => void;
}

export interface BrowserShell {
  origin: string;
  port: number;
  /**
   * A new launch link, http://127.0.0.1:PORT/#launch=TOKEN: it opens the app once, within `ttlMs`
   * (default: long enough for Chromium to start). Hand it only over a channel other users cannot
   * read (chromium.ts writes it to a file only the user can read; main.ts prints it to the terminal).
   */
  launchUrl(ttlMs?: number): string;
  core: CoreLike;
  close(): Promise<void>;
}

export async function startBrowserShell(options: BrowserShellOptions = {}): Promise<BrowserShell> {
  const rendererDir = resolve(options.rendererDir ?? DEFAULT_RENDERER_DIR);
  if (!existsSync(join(rendererDir, 'index.html'))) {
    throw new Error(`no built renderer at ${rendererDir}; run \`npx electron-vite build\` first`);
  }
  const host = options.host ?? '127.0.0.1';
  const tokens = new LaunchTokens();
  let sessionSecret: string | undefined;
  const core =
    options.core ?? createCore(options.server ? { server: options.server, clientName: 'browser-shell' } : {});

  let origins: ReadonlySet<string> = new Set();
  let hosts: ReadonlySet<string> = new Set();
  let origin = '';
  const sockets = new BridgeSockets({
    core,
    sessionSecret: () => sessionSecret,
    allowedOrigins: () => origins,
    allowedHosts: () => hosts,
    ...(options.log ? { log: options.log } : {}),
  });
  const serveStatic = createStaticHandler(rendererDir, () => securityHeaders(origin));
  const openSession = createSessionHandler({
    tokens,
    origin: () => origin,
    headers: () => securityHeaders(origin),
    openSession: () => {
      sessionSecret = randomBytes(32).toString('base64url');
      sockets.endSessions();
      return sessionSecret;
    },
    ...(options.log ? { log: options.log } : {}),
  });

  const downloadFile = createFileDownloadHandler(
    core,
    () => sessionSecret,
    () => securityHeaders(origin),
  );

  const http: Server = createServer((request, response) => {
    const headers = securityHeaders(origin);
    if (!hosts.has(request.headers.host ?? '')) {
      response.writeHead(403, { ...headers, 'Content-Type': 'text/plain' }).end('forbidden\n');
      return;
    }
    const pathname = (request.url ?? '/').split(/[?#]/, 1)[0] ?? '/';
    if (pathname === SESSION_PATH) return openSession(request, response);
    if (pathname.startsWith(FILES_PATH)) return downloadFile(request, response);
    serveStatic(request, response, pathname).catch(() => {
      if (!response.headersSent) response.writeHead(500, headers);
      response.end();
    });
  });
  http.on('upgrade', (request, socket, head) => sockets.handleUpgrade(request, socket, head));
  http.on('clientError', (_error, socket) => socket.destroy());

  await new Promise<void>((resolveListen, rejectListen) => {
    http.once('error', rejectListen);
    http.listen(options.port ?? 0, host, () => {
      http.off('error', rejectListen);
      resolveListen();
    });
  });
  const port = (http.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  origin = `http://${urlHost}:${port}`;
  origins = new Set([origin]);
  hosts = new Set([`${urlHost}:${port}`]);

  let closing: Promise<void> | undefined;
  return {
    origin,
    port,
    launchUrl: (ttlMs = CHROMIUM_LAUNCH_TTL_MS) => `${origin}/#${LAUNCH_PARAM}=${tokens.issue(ttlMs)}`,
    core,
    close() {
      closing ??= (async () => {
        await sockets.close();
        http.closeAllConnections();
        await new Promise<void>((done) => http.close(() => done()));
        if (!options.core) await core.dispose();
      })();
      return closing;
    },
  };
}
