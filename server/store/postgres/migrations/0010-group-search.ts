/**
 * Schema version 10 of the PostgreSQL store: group messages in the message search, as version 13
 * of the SQLite store (server/store/sqlite/migrations/0013-group-search.ts).
 *
 * The index's vector (./0005-message-search.ts) gets the message's group: a group message holds
 * the lexeme '#' and its group's id instead of '~sender', so a search asks for the groups the user
 * is a member of at that moment (a member sees the group's messages from before it joined too, as
 * its history does). No '~name' lexeme starts with '#', and no word of a text holds either. The
 * function takes the group id, so it is a new one (the old one's index goes with it); not STRICT,
 * since a direct message has no group. Building the new index reads every message once.
 * Broadcasts get a GIN index of their own on their text's words (who received one follows from the
 * online spans, which an index cannot hold).
 */
export const sql = `
DROP INDEX messages_search;
DROP FUNCTION message_search_vector(bytea, text, text);
CREATE FUNCTION message_search_vector(body bytea, sender text, recipient text, group_id bigint) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT to_tsvector('simple'::regconfig, message_search_text(body))
    || CASE WHEN group_id IS NULL THEN array_to_tsvector(ARRAY['~' || sender, '~' || recipient])
       ELSE array_to_tsvector(ARRAY['#' || group_id]) END
$$;
CREATE INDEX messages_search ON messages USING gin (message_search_vector(text, sender, recipient, group_id));
CREATE INDEX broadcasts_search ON broadcasts USING gin (to_tsvector('simple'::regconfig, message_search_text(text)));
`;
