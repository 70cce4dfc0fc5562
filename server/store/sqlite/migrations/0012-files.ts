/**
 * Schema version 12.
 * Files (docs/protocol.md, "Files"). The bytes live in a FileStore (server/files/), addressed by
 * their SHA-256; the store keeps only what refers to them:
 * - `uploads`: one row per upload, from upload_start until it expires (`finished` is set once the
 *   bytes matched their hash, `attached` once a message carries it). How much arrived is the size
 *   of its partial file, so a chunk costs no database write.
 * - `message_files`: the file a message carries, one row per message. A blob is in use while an
 *   upload or a message that is not deleted refers to it (files_by_sha256 finds those).
 */
export const sql = `CREATE TABLE uploads (
     id TEXT PRIMARY KEY,
     owner TEXT NOT NULL,
     name TEXT NOT NULL,
     size INTEGER NOT NULL,
     sha256 TEXT NOT NULL,
     mime TEXT NOT NULL,
     started INTEGER NOT NULL,
     finished INTEGER,
     attached INTEGER NOT NULL DEFAULT 0
   ) WITHOUT ROWID;
   CREATE INDEX uploads_by_owner ON uploads(owner, sha256, size);
   CREATE INDEX uploads_by_sha256 ON uploads(sha256);
   CREATE INDEX uploads_by_start ON uploads(started);
   CREATE TABLE message_files (
     message_id INTEGER PRIMARY KEY,
     name TEXT NOT NULL,
     size INTEGER NOT NULL,
     sha256 TEXT NOT NULL,
     mime TEXT NOT NULL
   );
   CREATE INDEX files_by_sha256 ON message_files(sha256);`;
