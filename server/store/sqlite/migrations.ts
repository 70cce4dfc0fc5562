/**
 * The SQLite schema's versions, one file per version in ./migrations: migration i brings the schema
 * from PRAGMA user_version i to i + 1, in one transaction.
 */
import type Database from 'better-sqlite3';
import { lookAlikeKeys } from '../../look-alike.js';
import { sql as v1 } from './migrations/0001-initial.js';
import { sql as v2 } from './migrations/0002-client-ids.js';
import { sql as v3 } from './migrations/0003-pairs.js';
import { sql as v4 } from './migrations/0004-broadcasts.js';
import { sql as v5 } from './migrations/0005-look-alike.js';
import { sql as v6 } from './migrations/0006-changes-and-replies.js';
import { sql as v7 } from './migrations/0007-receipts.js';
import { sql as v8 } from './migrations/0008-groups.js';
import { sql as v9 } from './migrations/0009-message-search.js';
import { sql as v10 } from './migrations/0010-reactions.js';
import { sql as v11 } from './migrations/0011-group-receipts.js';
import { sql as v12 } from './migrations/0012-files.js';
import { sql as v13 } from './migrations/0013-group-search.js';

const MIGRATIONS: readonly string[] = [v1, v2, v3, v4, v5, v6, v7, v8, v9, v10, v11, v12, v13];

export const SCHEMA_VERSION = MIGRATIONS.length;

/** The SQL functions the migrations call to compute values only JavaScript can. */
function registerMigrationFunctions(db: Database.Database): void {
  const options = { deterministic: true };
  db.function('look_alike_as_written', options, (name) => lookAlikeKeys(String(name)).asWritten);
  db.function('look_alike_folded', options, (name) => lookAlikeKeys(String(name)).folded);
}

export function migrate(db: Database.Database): void {
  registerMigrationFunctions(db);
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > MIGRATIONS.length) {
    throw new Error(`database schema version ${version} is newer than this server (${MIGRATIONS.length})`);
  }
  for (let v = version; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v] as string);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}
