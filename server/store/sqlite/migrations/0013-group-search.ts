/**
 * Schema version 13.
 * Group messages in the message search (./0009-message-search.ts). A group message's `people` is
 * now one token for its group, 'g' and the group's id, instead of its sender's hex name: whoever
 * may search it follows from the group's membership at search time (a member sees the group's
 * messages from before it joined too, as its history does), so the index holds the group and the
 * search asks for the groups the user is in. No hex name starts with 'g', so the two kinds of
 * token never meet. The view and the triggers are made again with the new `people`; the group
 * messages already indexed are taken out with what they were indexed with and put back with
 * their group's token, so the migration touches only them (FTS5's integrity-check agrees after
 * it: test/server/store/sqlite/sqlite-store.test.ts).
 * Broadcasts get an index of their own, broadcast_search, on their text only (who received one
 * follows from the online spans, which the index cannot hold), fed by a trigger on insert (a
 * broadcast never changes) and built for the broadcasts already kept.
 */
const people = (row: 'new' | 'old' | 'messages') => {
  const p = row === 'messages' ? '' : `${row}.`;
  return `CASE WHEN ${p}group_id IS NULL THEN hex(${p}sender) || ' ' || hex(${p}recipient) ELSE 'g' || ${p}group_id END`;
};
/** The text as the index reads it: the two snippet markers blanked (see ./0009-message-search.ts). */
const searchText = `replace(replace(text, char(2), ' '), char(3), ' ')`;

export const sql = `DROP TRIGGER message_search_insert;
   DROP TRIGGER message_search_change;
   DROP TRIGGER message_search_remove;
   DROP VIEW message_search_source;
   INSERT INTO message_search (message_search, rowid, text, people)
     SELECT 'delete', id, ${searchText}, hex(sender) || ' ' || hex(recipient) FROM messages WHERE group_id IS NOT NULL;
   INSERT INTO message_search (rowid, text, people)
     SELECT id, ${searchText}, ${people('messages')} FROM messages WHERE group_id IS NOT NULL;
   CREATE VIEW message_search_source AS
     SELECT id, ${searchText} AS text, ${people('messages')} AS people FROM messages;
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
   CREATE VIEW broadcast_search_source AS SELECT id, ${searchText} AS text FROM broadcasts;
   CREATE VIRTUAL TABLE broadcast_search USING fts5(
     text, content = 'broadcast_search_source', content_rowid = 'id'
   );
   CREATE TRIGGER broadcast_search_insert AFTER INSERT ON broadcasts BEGIN
     INSERT INTO broadcast_search (rowid, text) VALUES (new.id, new.text);
   END;
   INSERT INTO broadcast_search (broadcast_search) VALUES ('rebuild');`;
