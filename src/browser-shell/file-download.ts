/**
 * "Save as…" in the browser shell: GET /files/<transfer id>?secret=<session secret> answers a
 * received private file as a download (Content-Disposition: attachment), so the browser asks where
 * to save it. Only the current session's secret opens it; the id only looks up the core's own
 * record of a verified file, and nothing the page sends is ever used as a file system path.
 */
import { createReadStream } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CoreLike } from '../main/dispatch.js';
import { FILES_PATH, SECRET_PARAM } from '../shared/bridge-wire.js';
import { transferIdSchema } from '../shared/files.js';
import { sameSecret } from './bridge-socket.js';

/** `filename*` per RFC 6266/5987, with a plain ASCII fallback. */
function contentDisposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

export function createFileDownloadHandler(
  core: CoreLike,
  sessionSecret: () => string | undefined,
  headersFor: () => Record<string, string>,
): (request: IncomingMessage, response: ServerResponse) => void {
  return (request, response) => {
    const headers = { ...headersFor(), 'Cache-Control': 'no-store' };
    const url = new URL(request.url ?? '/', 'http://localhost');
    const id = url.pathname.slice(FILES_PATH.length);
    const refuse = (status: number, text: string): void => {
      response
        .writeHead(status, { ...headers, 'Content-Type': 'text/plain; charset=utf-8' })
        .end(`${text}\n`);
    };
    if (request.method !== 'GET') return refuse(405, 'method not allowed');
    const given = url.searchParams.get(SECRET_PARAM);
    const secret = sessionSecret();
    if (!given || !secret || !sameSecret(given, secret)) return refuse(403, 'forbidden');
    const file = transferIdSchema.safeParse(id).success ? core.receivedFile?.(id) : undefined;
    if (!file) return refuse(404, 'no such file (files are kept only while the app runs)');
    response.writeHead(200, {
      ...headers,
      'Content-Type': 'application/octet-stream',
      'Content-Length': String(file.size),
      'Content-Disposition': contentDisposition(file.name),
    });
    const stream = createReadStream(file.path);
    stream.on('error', () => response.destroy());
    stream.pipe(response);
  };
}
