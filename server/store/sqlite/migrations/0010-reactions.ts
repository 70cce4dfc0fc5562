/**
 * Schema version 10.
 * Reactions: one row per user, emoji and message (at most one of each emoji per user). A reaction
 * change bumps the message's `revision` like an edit, and either side of the conversation may make
 * one, so next to `seen_revision` (the recipient's) `sender_seen_revision` is the newest revision
 * the sender has: changes the sender has not seen are sent at its next login too
 * (messages_changed_for_sender finds those). The sender had every earlier revision (its own edits).
 */
export const sql = `CREATE TABLE reactions (
     message_id INTEGER NOT NULL,
     emoji TEXT NOT NULL,
     name TEXT NOT NULL,
     at INTEGER NOT NULL,
     PRIMARY KEY (message_id, emoji, name)
   ) WITHOUT ROWID;
   ALTER TABLE messages ADD COLUMN sender_seen_revision INTEGER NOT NULL DEFAULT 0;
   UPDATE messages SET sender_seen_revision = revision WHERE revision > 0;
   CREATE INDEX messages_changed_for_sender ON messages(sender, id) WHERE revision > sender_seen_revision;`;
