/**
 * Schema version 9.
 * Full-text search of direct messages (FTS5). message_search indexes each message's text and, in
 * `people`, its sender and recipient as hex tokens (one token each, whatever characters a name
 * has), so "alice's messages with this word" is one intersection inside the index rather than a
 * walk over every message with the word. It keeps no copy of the text: snippets read it through
 * message_search_source, which also blanks the two control characters the snippet markers use
 * (server/store/search-snippet.ts), so a message cannot forge a mark. Triggers keep the index in
 * step with inserts, edits and deletes (a delete erases the text, so nothing of it matches), in the
 * same transaction as the write.
 */
const people = (row: 'new' | 'old') => `hex(${row}.sender) || ' ' || hex(${row}.recipient)`;

export const sql = `CREATE VIEW message_search_source AS
     SELECT id, replace(replace(text, char(2), ' '), char(3), ' ') AS text,
       hex(sender) || ' ' || hex(recipient) AS people
     FROM messages;
   CREATE VIRTUAL TABLE message_search USING fts5(
     text, people, content = 'message_search_source', content_rowid = 'id'
   );
   CREATE TRIGGER message_search_insert AFTER INSERT ON messages BEGIN
     INSERT INTO message_search (rowid, text, people) VALUES (new.id, new.text, ${people('new')});
   END;
   CREATE TRIGGER message_search_change AFTER UPDATE OF text ON messages BEGIN
     INSERT INTO message_search (message_search, rowid, text, people)
       VALUES ('delete', old.id, old.text, ${people('old')});
     INSERT INTO message_search (rowid, text, people) VALUES (new.id, new.text, ${people('new')});
   END;
   CREATE TRIGGER message_search_remove AFTER DELETE ON messages BEGIN
     INSERT INTO message_search (message_search, rowid, text, people)
       VALUES ('delete', old.id, old.text, ${people('old')});
   END;
   INSERT INTO message_search (message_search) VALUES ('rebuild');`;
