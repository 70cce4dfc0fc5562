/**
 * Schema version 9 of the PostgreSQL store: files, as version 12 of the SQLite store
 * (server/store/sqlite/migrations/0012-files.ts): uploads and the file each message carries.
 */
export const sql = `
CREATE TABLE uploads (
  id text COLLATE "C" PRIMARY KEY,
  owner text COLLATE "C" NOT NULL,
  name text NOT NULL,
  size bigint NOT NULL,
  sha256 text COLLATE "C" NOT NULL,
  mime text NOT NULL,
  started bigint NOT NULL,
  finished bigint,
  attached boolean NOT NULL DEFAULT false
);
CREATE INDEX uploads_by_owner ON uploads (owner, sha256, size);
CREATE INDEX uploads_by_sha256 ON uploads (sha256);
CREATE INDEX uploads_by_start ON uploads (started);
CREATE TABLE message_files (
  message_id bigint PRIMARY KEY,
  name text NOT NULL,
  size bigint NOT NULL,
  sha256 text COLLATE "C" NOT NULL,
  mime text NOT NULL
);
CREATE INDEX files_by_sha256 ON message_files (sha256);
`;
