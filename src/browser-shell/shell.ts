/**
 * The browser shell: the client core in a Node process, the built renderer served on loopback, and
 * `window.messenger` provided over a WebSocket. One shell = one app instance (one user); its main
 * window and private-chat windows are pages of the same origin sharing the core.
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
import { SECRET_PARAM } from '../shared/bridge-wire.js';
import { BridgeSockets } from './bridge-socket.js';
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
  /** Open this to use the app: http://127.0.0.1:PORT/#secret=… */
  url: string;
  origin: string;
  port: number;
  secret: string;
  core: CoreLike;
  close(): Promise<void>;
}

export async function startBrowserShell(options: BrowserShellOptions = {}): Promise<BrowserShell> {
  const rendererDir = resolve(options.rendererDir ?? DEFAULT_RENDERER_DIR);
  if (!existsSync(join(rendererDir, 'index.html'))) {
    throw new Error(`no built renderer at ${rendererDir}; run \`npx electron-vite build\` first`);
  }
  const host = options.host ?? '127.0.0.1';
  const secret = randomBytes(32).toString('base64url');
  const core =
    options.core ?? createCore(options.server ? { server: options.server, clientName: 'browser-shell' } : {});

  let origins: ReadonlySet<string> = new Set();
  let hosts: ReadonlySet<string> = new Set();
  let origin = '';
  const sockets = new BridgeSockets({
    core,
    secret,
    allowedOrigins: () => origins,
    allowedHosts: () => hosts,
    ...(options.log ? { log: options.log } : {}),
  });
  const serveStatic = createStaticHandler(rendererDir, () => securityHeaders(origin));

  const http: Server = createServer((request, response) => {
    const headers = securityHeaders(origin);
    if (!hosts.has(request.headers.host ?? '')) {
      response.writeHead(403, { ...headers, 'Content-Type': 'text/plain' }).end('forbidden\n');
      return;
    }
    const pathname = (request.url ?? '/').split(/[?#]/, 1)[0] ?? '/';
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
    url: `${origin}/#${SECRET_PARAM}=${secret}`,
    origin,
    port,
    secret,
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
