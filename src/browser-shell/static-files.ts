/**
 * Serves the built renderer (out/renderer) and nothing else: GET/HEAD only, no directory listings,
 * no path outside the root (after decoding and symlink resolution), security headers on every answer.
 */
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, resolve, sep } from 'node:path';
import { contentSecurityPolicy } from '../main/csp.js';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

/** The browser shell's CSP: the app's, with the bridge socket on the shell's own origin. */
export function browserShellCsp(origin: string): string {
  return contentSecurityPolicy([origin.replace(/^http/, 'ws')]);
}

export function securityHeaders(origin: string): Record<string, string> {
  return {
    'Content-Security-Policy': browserShellCsp(origin),
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), usb=(), serial=(), payment=()',
  };
}

function refuse(
  response: ServerResponse,
  status: number,
  headers: Record<string, string>,
  text: string,
): void {
  response.writeHead(status, {
    ...headers,
    'Content-Type': 'text/plain; charset=utf-8',
    'Cache-Control': 'no-store',
  });
  response.end(`${text}\n`);
}

/** Maps a request path to a file under `root`, or null when it is not allowed or not there. */
export async function resolveStaticPath(root: string, rawPath: string): Promise<string | null> {
  let pathname: string;
  try {
    pathname = decodeURIComponent(rawPath);
  } catch {
    return null;
  }
  if (pathname.includes('\0') || pathname.includes('\\')) return null;
  if (pathname === '/' || pathname === '') pathname = '/index.html';
  const candidate = resolve(root, `.${pathname}`);
  if (candidate !== root && !candidate.startsWith(root + sep)) return null;
  try {
    const [real, realRoot] = await Promise.all([realpath(candidate), realpath(root)]);
    if (!real.startsWith(realRoot + sep)) return null;
    const info = await stat(real);
    return info.isFile() ? real : null;
  } catch {
    return null;
  }
}

export function createStaticHandler(
  root: string,
  headersFor: () => Record<string, string>,
): (request: IncomingMessage, response: ServerResponse, pathname: string) => Promise<void> {
  const absoluteRoot = resolve(root);
  return async (request, response, pathname) => {
    const headers = headersFor();
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      refuse(response, 405, { ...headers, Allow: 'GET, HEAD' }, 'method not allowed');
      return;
    }
    const file = await resolveStaticPath(absoluteRoot, pathname);
    if (!file) {
      refuse(response, 404, headers, 'not found');
      return;
    }
    const type = CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
    const isHtml = type.startsWith('text/html');
    response.writeHead(200, {
      ...headers,
      'Content-Type': type,
      'Cache-Control': isHtml ? 'no-store' : 'no-cache',
    });
    if (request.method === 'HEAD') {
      response.end();
      return;
    }
    const stream = createReadStream(file);
    stream.on('error', () => response.destroy());
    stream.pipe(response);
  };
}
