/**
 * `POST /session`: the page trades the launch token from its address for the session secret that the
 * bridge (bridge-socket.ts) asks for. Only the shell's own page may ask (Origin), the body is small
 * JSON, and a token buys one session only: a second try with it is refused and reported on the
 * shell's terminal, so a stolen link makes someone's page fail visibly instead of silently sharing.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import type { LaunchTokens, Redemption } from './launch-tokens.js';

const MAX_BODY_BYTES = 1024;
const bodySchema = z.object({ token: z.string().min(1).max(128) }).strict();

/** What the page shows when its link does not open a session. */
export const LAUNCH_REFUSALS: Record<Exclude<Redemption, 'ok'>, string> = {
  used:
    'This launch link has already been used. If you did not open it in another window, someone else ' +
    'on this computer may have: close this window and restart the app.',
  expired: 'This launch link has expired. Restart the app, or ask its shell for a new link.',
  unknown: 'This is not a launch link of this app. Open the app through the link its launcher gave you.',
};

export interface SessionEndpointOptions {
  tokens: LaunchTokens;
  /** The shell's origin, e.g. http://127.0.0.1:PORT: the only page allowed to ask. */
  origin: () => string;
  headers: () => Record<string, string>;
  /** Called once per redeemed token; returns the secret of the session it opens. */
  openSession: () => string;
  log?: (line: string) => void;
}

type Handler = (request: IncomingMessage, response: ServerResponse) => void;

function answer(
  response: ServerResponse,
  headers: Record<string, string>,
  status: number,
  body: { secret: string } | { error: string },
): void {
  response.writeHead(status, {
    ...headers,
    'Content-Type': 'application/json; charset=utf-8',
    'Cache-Control': 'no-store',
  });
  response.end(JSON.stringify(body));
}

/** The request body as text, or null when it is larger than `limit` bytes. */
function readBody(request: IncomingMessage, limit: number): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        // Keep nothing more; the answer closes the connection (see the 413 below).
        request.removeAllListeners('data');
        request.resume();
        resolve(null);
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function parseToken(text: string): string | null {
  try {
    const parsed = bodySchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data.token : null;
  } catch {
    return null;
  }
}

export function createSessionHandler(options: SessionEndpointOptions): Handler {
  const redeem = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const headers = options.headers();
    const refuse = (status: number, error: string): void => answer(response, headers, status, { error });
    if (request.method !== 'POST') return refuse(405, 'use POST');
    if (request.headers.origin !== options.origin())
      return refuse(403, 'only the app page may open a session');
    if (!/^application\/json(;|$)/.test(request.headers['content-type'] ?? '')) {
      return refuse(415, 'expected application/json');
    }
    const text = await readBody(request, MAX_BODY_BYTES);
    if (text === null) {
      response.setHeader('Connection', 'close');
      return refuse(413, 'request too large');
    }
    const token = parseToken(text);
    if (token === null) return refuse(400, 'expected {"token": "…"}');
    const outcome = options.tokens.redeem(token);
    if (outcome !== 'ok') {
      if (outcome === 'used') {
        options.log?.(
          'a used launch link was presented again: if you did not open the app twice, someone else ' +
            'on this computer may have used it first; stop the shell',
        );
      }
      return refuse(401, LAUNCH_REFUSALS[outcome]);
    }
    options.log?.('the launch link opened the app session');
    answer(response, headers, 200, { secret: options.openSession() });
  };
  return (request, response) => {
    redeem(request, response).catch(() => {
      if (!response.headersSent) response.writeHead(500, options.headers());
      response.end();
    });
  };
}
