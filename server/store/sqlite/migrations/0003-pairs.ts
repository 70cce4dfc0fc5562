/**
 * Schema version 3.
 * Who talked with whom, one row per pair (a < b, as in messages.pair), in place of two indexes on
 * every message: each index on messages costs a random B-tree page write per message, while an
 * existing pair row costs a lookup. Conversation lists find the pairs here and their last message
 * through messages_by_pair.
 */
export const sql = `CREATE TABLE pairs (
     a TEXT NOT NULL,
     b TEXT NOT NULL,
     PRIMARY KEY (a, b)
   ) WITHOUT ROWID;
   CREATE INDEX pairs_by_b ON pairs(b, a);
   INSERT OR IGNORE INTO pairs (a, b)
     SELECT substr(pair, 1, instr(pair, char(10)) - 1), substr(pair, instr(pair, char(10)) + 1)
     FROM messages GROUP BY pair;
   DROP INDEX messages_by_sender;
   DROP INDEX messages_by_recipient;`;
