/**
 * The WebSocket side of the browser shell: authenticates upgrades (the session secret a launch token
 * bought, own Origin, own Host) and serves MessengerApi calls from any number of pages (main window, private windows)
 * against one client core. Every message is size-bounded and validated; a bad page only ever hurts
 * its own socket.
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { z } from 'zod';
import type { AppEvent } from '../shared/api.js';
import { MAX_REQUEST_ID } from '../shared/limits.js';
import { dispatchCall, type CoreLike, type DispatchHooks } from '../main/dispatch.js';
import {
  BRIDGE_MAX_IN_FLIGHT,
  BRIDGE_MAX_MESSAGE_BYTES,
  BRIDGE_PATH,
  SECRET_PARAM,
  type BridgeMessage,
} from '../shared/bridge-wire.js';

const requestSchema = z.object({
  id: z.number().int().min(1).max(MAX_REQUEST_ID),
  method: z.string().min(1).max(64),
  args: z.array(z.unknown()).max(8),
});

/**
 * The shell methods are the page's business here (bridge/install.ts): it opens private-chat windows
 * and links itself, focuses itself, and its title already carries the unread count. A call that
 * reaches the shell anyway is validated and accepted, and does nothing; in particular the shell
 * never opens a link on the host for a page.
 */
const PAGE_HANDLES_SHELL_METHODS: DispatchHooks = {
  openPrivateWindow: () => undefined,
  setUnreadCount: () => undefined,
  focusWindow: () => undefined,
  openExternal: () => undefined,
  setCloseBehaviour: () => undefined,
  // The page downloads the file from the shell's /files/ route itself (shell.ts).
  saveFile: () => undefined,
};

/** Pages connected at once (main window, private-chat windows, reloads in flight). */
const MAX_SOCKETS = 32;

export interface BridgeSocketOptions {
  core: CoreLike;
  /** The current session's secret; undefined until a launch token has opened a session. */
  sessionSecret: () => string | undefined;
  /** Origins allowed to connect, e.g. http://127.0.0.1:PORT. */
  allowedOrigins: () => ReadonlySet<string>;
  /** Host header values accepted (DNS-rebinding guard), e.g. 127.0.0.1:PORT. */
  allowedHosts: () => ReadonlySet<string>;
  log?: (line: string) => void;
}

/** Compares a presented secret with the session's in constant time. */
export function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function reject(socket: Duplex, status: 400 | 401 | 403 | 404 | 503, text: string): void {
  socket.end(
    `HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: 0\r\n\r\n`,
  );
  socket.destroy();
}

export class BridgeSockets {
  private readonly server = new WebSocketServer({ noServer: true, maxPayload: BRIDGE_MAX_MESSAGE_BYTES });
  private readonly stopEvents: () => void;

  constructor(private readonly options: BridgeSocketOptions) {
    this.stopEvents = options.core.onEvent((event) => this.broadcast(event));
  }

  /** Handles an HTTP upgrade: accepts it only for /bridge with the secret, from the shell's own page. */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    const url = new URL(request.url ?? '/', 'http://shell.invalid');
    if (url.pathname !== BRIDGE_PATH) return reject(socket, 404, 'Not Found');
    const host = request.headers.host ?? '';
    if (!this.options.allowedHosts().has(host)) return reject(socket, 403, 'Forbidden');
    const secret = url.searchParams.get(SECRET_PARAM);
    const expected = this.options.sessionSecret();
    if (!secret || !expected || !sameSecret(secret, expected)) return reject(socket, 401, 'Unauthorized');
    const origin = request.headers.origin;
    if (!origin || !this.options.allowedOrigins().has(origin)) return reject(socket, 403, 'Forbidden');
    if (this.server.clients.size >= MAX_SOCKETS) return reject(socket, 503, 'Service Unavailable');
    this.server.handleUpgrade(request, socket, head, (ws) => this.serve(ws));
  }

  /** Drops every page of the previous session (a new launch token has opened another). */
  endSessions(): void {
    for (const client of this.server.clients) client.terminate();
  }

  async close(): Promise<void> {
    this.stopEvents();
    this.endSessions();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private broadcast(event: AppEvent): void {
    const data = JSON.stringify({ type: 'event', event } satisfies BridgeMessage);
    for (const client of this.server.clients) {
      if (client.readyState === client.OPEN) client.send(data);
    }
  }

  private serve(ws: WebSocket): void {
    let inFlight = 0;
    const send = (message: BridgeMessage): void => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
    };
    ws.on('error', () => ws.terminate());
    ws.on('message', (data: RawData, isBinary: boolean) => {
      if (isBinary) return send({ type: 'error', message: 'binary messages are not accepted' });
      let parsed: z.infer<typeof requestSchema>;
      try {
        const result = requestSchema.safeParse(JSON.parse(rawText(data)));
        if (!result.success) return send({ type: 'error', message: 'malformed request' });
        parsed = result.data;
      } catch {
        return send({ type: 'error', message: 'malformed request' });
      }
      const { id, method, args } = parsed;
      if (inFlight >= BRIDGE_MAX_IN_FLIGHT) {
        return send({
          type: 'reply',
          id,
          result: { ok: false, error: { code: 'rate_limited', message: 'too many calls at once' } },
        });
      }
      inFlight++;
      dispatchCall(this.options.core, method, args, PAGE_HANDLES_SHELL_METHODS)
        .then((result) => send({ type: 'reply', id, result }))
        .catch((error: unknown) => {
          this.options.log?.(`bridge call failed: ${String(error)}`);
          send({
            type: 'reply',
            id,
            result: { ok: false, error: { code: 'internal_error', message: 'call failed' } },
          });
        })
        .finally(() => {
          inFlight--;
        });
    });
  }
}

function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return data.toString('utf8');
}
