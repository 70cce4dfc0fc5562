/**
 * The PostgreSQL schema's versions, one file per version in ./migrations. schema_version holds a row
 * per version applied. Every node runs migrate() when it opens the store; the missing versions are
 * applied in one transaction under a transaction-level advisory lock, so of several nodes starting
 * at once one migrates and the others, once it has committed, find nothing left to do.
 */
import type pg from 'pg';
import { sql as v1 } from './migrations/0001-initial.js';
import { sql as v2 } from './migrations/0002-changes-and-replies.js';
import { sql as v3 } from './migrations/0003-receipts.js';
import { sql as v4 } from './migrations/0004-groups.js';
import { sql as v5 } from './migrations/0005-message-search.js';
import { sql as v6 } from './migrations/0006-reactions.js';
import { sql as v7 } from './migrations/0007-group-receipts.js';
import { sql as v8 } from './migrations/0008-group-reactions.js';
import { sql as v9 } from './migrations/0009-files.js';
import { sql as v10 } from './migrations/0010-group-search.js';

const MIGRATIONS: readonly string[] = [v1, v2, v3, v4, v5, v6, v7, v8, v9, v10];

export const SCHEMA_VERSION = MIGRATIONS.length;

/** The advisory lock (two-key form, key 1 = 1) that serialises migrations across nodes. */
const MIGRATION_LOCK = 1;

export async function migrate(client: pg.ClientBase): Promise<void> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1, 0)', [MIGRATION_LOCK]);
    await client.query(
      `CREATE TABLE IF NOT EXISTS schema_version (
         version integer PRIMARY KEY,
         applied_at timestamptz NOT NULL DEFAULT now()
       )`,
    );
    const { rows } = await client.query<{ version: number }>(
      'SELECT coalesce(max(version), 0)::integer AS version FROM schema_version',
    );
    const version = rows[0]?.version ?? 0;
    if (version > MIGRATIONS.length) {
      throw new Error(`database schema version ${version} is newer than this server (${MIGRATIONS.length})`);
    }
    for (let v = version; v < MIGRATIONS.length; v++) {
      await client.query(MIGRATIONS[v] as string);
      await client.query('INSERT INTO schema_version (version) VALUES ($1)', [v + 1]);
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  }
}
