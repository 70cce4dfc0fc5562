/**
 * Files (docs/protocol.md, "Files"): upload_start, upload_chunk, upload_cancel and download_chunk. Chunks are
 * rate limited by the session on their own rate (server/sessions.ts, chunkBucket).
 */
import { loggedIn } from './connection.js';

export const uploadStart = loggedIn<'upload_start'>((connection, request, ctx) =>
  ctx.files.start(connection.user, request),
);

export const uploadChunk = loggedIn<'upload_chunk'>((connection, request, ctx) =>
  ctx.files.chunk(connection.user, request),
);

export const uploadCancel = loggedIn<'upload_cancel'>(async (connection, request, ctx) => {
  await ctx.files.cancel(connection.user, request.upload);
  return {};
});

export const downloadChunk = loggedIn<'download_chunk'>((connection, request, ctx) =>
  ctx.files.read(connection.user, request),
);
