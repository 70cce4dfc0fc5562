/**
 * The SQLite adapter's FileMetaStore (server/store/store.ts), and the one statement that stores a
 * message's file (run by the message inserts in the same transaction). SQLite has one writer, so a
 * count and the insert it guards cannot be interleaved.
 */
import type Database from 'better-sqlite3';
import type { FileInfo } from '../../../src/shared/protocol.js';
import type { FileMetaStore, UploadRow } from '../store.js';
import { toUpload, UPLOAD_COLUMNS, type StoredUpload } from '../upload-row.js';
import type { DurableIo } from './sqlite-groups.js';

function prepare(db: Database.Database) {
  return {
    unfinished: db.prepare(
      `SELECT ${UPLOAD_COLUMNS} FROM uploads
       WHERE owner = ? AND sha256 = ? AND size = ? AND finished IS NULL ORDER BY started LIMIT 1`,
    ),
    inProgress: db.prepare('SELECT count(*) FROM uploads WHERE owner = ? AND finished IS NULL').pluck(),
    insert: db.prepare(
      `INSERT INTO uploads (${UPLOAD_COLUMNS}) VALUES (@id, @owner, @name, @size, @sha256, @mime, @started, NULL)`,
    ),
    byId: db.prepare(`SELECT ${UPLOAD_COLUMNS} FROM uploads WHERE id = ? AND owner = ?`),
    finish: db.prepare('UPDATE uploads SET finished = ? WHERE id = ?'),
    remove: db.prepare('DELETE FROM uploads WHERE id = ?'),
    attach: db.prepare('UPDATE uploads SET attached = ? WHERE id = ?'),
    expired: db.prepare(`SELECT ${UPLOAD_COLUMNS} FROM uploads WHERE started < ? ORDER BY started LIMIT ?`),
    inUse: db
      .prepare(
        `SELECT EXISTS (SELECT 1 FROM uploads WHERE sha256 = @sha256 AND attached = 0)
             OR EXISTS (SELECT 1 FROM message_files f JOIN messages m ON m.id = f.message_id
                        WHERE f.sha256 = @sha256 AND m.deleted = 0)`,
      )
      .pluck(),
  };
}

/** Stores the file of message `id`; the caller runs it inside the message's own transaction. */
export type MessageFileWriter = (id: number, file: FileInfo) => void;

export function messageFileWriter(db: Database.Database): MessageFileWriter {
  const insert = db.prepare(
    'INSERT INTO message_files (message_id, name, size, sha256, mime) VALUES (?, ?, ?, ?, ?)',
  );
  return (id, { name, size, sha256, mime }) => void insert.run(id, name, size, sha256, mime);
}

export function fileMetaStore(db: Database.Database, io: DurableIo): FileMetaStore {
  const s = prepare(db);
  const start = (upload: UploadRow, maxInProgress: number) => {
    const found = s.unfinished.get(upload.owner, upload.sha256, upload.size) as StoredUpload | undefined;
    if (found) return { upload: toUpload(found), resumed: true };
    if ((s.inProgress.get(upload.owner) as number) >= maxInProgress)
      return { refused: 'too_many_uploads' } as const;
    s.insert.run(upload);
    return { upload, resumed: false };
  };
  return {
    startUpload: (upload, maxInProgress) => io.write(() => start(upload, maxInProgress)),
    upload: (id, owner) =>
      io.read(() => {
        const row = s.byId.get(id, owner) as StoredUpload | undefined;
        return row && toUpload(row);
      }),
    finishUpload: (id, at) => io.write(() => void s.finish.run(at, id)),
    removeUpload: (id) => io.write(() => void s.remove.run(id)),
    markAttached: (id, attached = true) => io.write(() => void s.attach.run(attached ? 1 : 0, id)),
    expiredUploads: (before, limit) =>
      io.read(() => (s.expired.all(before, limit) as StoredUpload[]).map(toUpload)),
    blobInUse: (sha256) => io.read(() => s.inUse.get({ sha256 }) === 1),
  };
}
