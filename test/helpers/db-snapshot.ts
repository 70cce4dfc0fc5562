/**
 * Every row of every table of a test server's database, as one string: two snapshots are equal
 * exactly when nothing was inserted, updated or deleted in between. Takes a TestServer's dbPath:
 * a SQLite file, or in cluster mode a PostgreSQL URL.
 */
import Database from 'better-sqlite3';
import pg from 'pg';

export async function snapshotDatabase(dbPath: string): Promise<string> {
  return dbPath.startsWith('postgres') ? snapshotPostgres(dbPath) : snapshotSqlite(dbPath);
}

function snapshotSqlite(path: string): string {
  const db = new Database(path, { readonly: true });
  try {
    const tables = db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
      .pluck()
      .all() as string[];
    return JSON.stringify(
      tables.map((table) => [table, sortedRows(db.prepare(`SELECT * FROM "${table}"`).all())]),
    );
  } finally {
    db.close();
  }
}

async function snapshotPostgres(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const tables = await client.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables
       WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`,
    );
    const snapshot: [string, string[]][] = [];
    for (const { table_name: table } of tables.rows) {
      snapshot.push([table, sortedRows((await client.query(`SELECT * FROM "${table}"`)).rows)]);
    }
    return JSON.stringify(snapshot);
  } finally {
    await client.end();
  }
}

function sortedRows(rows: unknown[]): string[] {
  return rows
    .map((row) =>
      JSON.stringify(row, (_key, value: unknown) => (typeof value === 'bigint' ? String(value) : value)),
    )
    .sort();
}
