/**
 * The PostgreSQL adapter's FileMetaStore (server/store/store.ts), and the statement that stores a
 * message's file inside the message's own transaction. startUpload takes a transaction-level lock
 * on the owner, so two nodes cannot both let a fifth upload past the count.
 */
import type { FileInfo } from '../../../src/shared/protocol.js';
import type { FileMetaStore, UploadRow } from '../store.js';
import { toUpload, UPLOAD_COLUMNS, type StoredUpload } from '../upload-row.js';
import type { Connection, TransactionQuery } from './connection.js';

export function storeMessageFile(query: TransactionQuery, id: number, file: FileInfo): Promise<unknown> {
  return query(
    'INSERT INTO message_files (message_id, name, size, sha256, mime) VALUES ($1, $2, $3, $4, $5)',
    [id, file.name, file.size, file.sha256, file.mime],
  );
}

async function startUpload(query: TransactionQuery, upload: UploadRow, maxInProgress: number) {
  await query('SELECT pg_advisory_xact_lock(hashtextextended($1, 1))', [upload.owner]);
  const [found] = await query<StoredUpload>(
    `SELECT ${UPLOAD_COLUMNS} FROM uploads
     WHERE owner = $1 AND sha256 = $2 AND size = $3 AND finished IS NULL ORDER BY started LIMIT 1`,
    [upload.owner, upload.sha256, upload.size],
  );
  if (found) return { upload: toUpload(found), resumed: true };
  const [count] = await query<{ count: number }>(
    'SELECT count(*)::integer AS count FROM uploads WHERE owner = $1 AND finished IS NULL',
    [upload.owner],
  );
  if ((count?.count ?? 0) >= maxInProgress) return { refused: 'too_many_uploads' } as const;
  await query(`INSERT INTO uploads (${UPLOAD_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, NULL)`, [
    upload.id,
    upload.owner,
    upload.name,
    upload.size,
    upload.sha256,
    upload.mime,
    upload.started,
  ]);
  return { upload, resumed: false };
}

export function postgresFileMetaStore(connection: Connection): FileMetaStore {
  const rows = <Row>(name: string, text: string, values: unknown[]) =>
    connection.rows<Row>(`files_${name}`, text, values);
  return {
    startUpload: (upload, maxInProgress) =>
      connection.transaction((query) => startUpload(query, upload, maxInProgress)),
    upload: async (id, owner) => {
      const [row] = await rows<StoredUpload>(
        'upload',
        `SELECT ${UPLOAD_COLUMNS} FROM uploads WHERE id = $1 AND owner = $2`,
        [id, owner],
      );
      return row && toUpload(row);
    },
    finishUpload: async (id, at) => {
      await rows('finishUpload', 'UPDATE uploads SET finished = $2 WHERE id = $1', [id, at]);
    },
    removeUpload: async (id) => {
      await rows('removeUpload', 'DELETE FROM uploads WHERE id = $1', [id]);
    },
    markAttached: async (id, attached = true) => {
      await rows('markAttached', 'UPDATE uploads SET attached = $2 WHERE id = $1', [id, attached]);
    },
    expiredUploads: async (before, limit) =>
      (
        await rows<StoredUpload>(
          'expiredUploads',
          `SELECT ${UPLOAD_COLUMNS} FROM uploads WHERE started < $1 ORDER BY started LIMIT $2`,
          [before, limit],
        )
      ).map(toUpload),
    blobInUse: async (sha256) => {
      const [row] = await rows<{ used: boolean }>(
        'blobInUse',
        `SELECT EXISTS (SELECT 1 FROM uploads WHERE sha256 = $1 AND NOT attached)
             OR EXISTS (SELECT 1 FROM message_files f JOIN messages m ON m.id = f.message_id
                        WHERE f.sha256 = $1 AND NOT m.deleted) AS used`,
        [sha256],
      );
      return row?.used === true;
    },
  };
}
