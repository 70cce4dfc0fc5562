/**
 * Schema version 4.
 * Broadcasts kept: one row per broadcast, whatever the number of receivers. Who received one is
 * derived from online_spans: a user's span covers the broadcast ids stored while it was online,
 * (after_broadcast, until_broadcast], open-ended (NULL) while it still is. `excluded` lists the
 * online users who had blocked the sender then (newline-separated; NULL when none).
 */
export const sql = `CREATE TABLE broadcasts (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     sender TEXT NOT NULL,
     text TEXT NOT NULL,
     sent_at INTEGER NOT NULL,
     excluded TEXT
   );
   CREATE TABLE online_spans (
     name TEXT NOT NULL,
     after_broadcast INTEGER NOT NULL,
     until_broadcast INTEGER
   );
   CREATE INDEX online_spans_by_name ON online_spans(name, after_broadcast);
   CREATE INDEX online_spans_open ON online_spans(name) WHERE until_broadcast IS NULL;`;
