/**
 * Schema version 1.
 * The first schema: accounts, lockouts, blocks, last-seen times, direct messages and read marks.
 */
export const sql = `CREATE TABLE users (
     name TEXT PRIMARY KEY,
     password_hash TEXT NOT NULL,
     created_at INTEGER NOT NULL
   ) WITHOUT ROWID;
   CREATE TABLE lockouts (
     name TEXT PRIMARY KEY REFERENCES users(name),
     failures INTEGER NOT NULL,
     locked_until INTEGER NOT NULL
   ) WITHOUT ROWID;
   CREATE TABLE blocks (
     blocker TEXT NOT NULL REFERENCES users(name),
     blocked TEXT NOT NULL REFERENCES users(name),
     PRIMARY KEY (blocker, blocked)
   ) WITHOUT ROWID;
   CREATE INDEX blocks_by_blocked ON blocks(blocked, blocker);
   CREATE TABLE last_seen (
     name TEXT PRIMARY KEY REFERENCES users(name),
     at INTEGER NOT NULL
   ) WITHOUT ROWID;
   CREATE INDEX last_seen_by_time ON last_seen(at);
   -- pair is "a\\nb" with a < b: one key for both directions of a conversation, so a history page
   -- is one index range scan even on a 100k-message conversation.
   CREATE TABLE messages (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     sender TEXT NOT NULL,
     recipient TEXT NOT NULL,
     pair TEXT NOT NULL,
     text TEXT NOT NULL,
     sent_at INTEGER NOT NULL,
     acked INTEGER NOT NULL DEFAULT 0
   );
   CREATE INDEX messages_by_pair ON messages(pair, id);
   CREATE INDEX messages_by_sender ON messages(sender, recipient, id);
   CREATE INDEX messages_by_recipient ON messages(recipient, sender, id);
   CREATE INDEX messages_undelivered ON messages(recipient, id) WHERE acked = 0;
   CREATE TABLE read_marks (
     name TEXT NOT NULL,
     peer TEXT NOT NULL,
     up_to INTEGER NOT NULL,
     PRIMARY KEY (name, peer)
   ) WITHOUT ROWID;`;
