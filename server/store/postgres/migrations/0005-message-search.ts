/**
 * Schema version 5 of the PostgreSQL store: full-text search of direct messages, as version 9 of the
 * SQLite store (server/store/sqlite/migrations/0009-message-search.ts).
 *
 * message_search_vector() is what the GIN index holds for each message: the words of its text
 * (config 'simple': lower-cased, no stemming, no stop words, so every word can be found as
 * written) and its sender and recipient as lexemes '~name', which no word of a text can be (the
 * parser never keeps a '~'), so "alice's messages with this word" is one intersection inside the
 * index. ASCII punctuation becomes spaces first, so "example.com" or "e-mail" hold the words a
 * person types, as FTS5 splits them. Texts are UTF-8 bytes (0001-initial.ts), which may hold U+0000
 * (a PostgreSQL text value cannot): message_search_decoded makes those spaces, then decodes. The
 * functions are declared IMMUTABLE, which they are for a fixed database encoding, so an index can
 * use them.
 * An expression index, not a generated column: that keeps PostgreSQL 11 supported and the table as
 * it is. Edits and deletes update the index with the row.
 */
export const sql = `
CREATE FUNCTION message_search_decoded(body bytea) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
  nul integer := position('\\x00'::bytea IN body);
BEGIN
  WHILE nul > 0 LOOP
    body := overlay(body PLACING '\\x20'::bytea FROM nul FOR 1);
    nul := position('\\x00'::bytea IN body);
  END LOOP;
  RETURN convert_from(body, 'UTF8');
END
$$;
CREATE FUNCTION message_search_text(body bytea) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT translate(message_search_decoded(body),
    '!"#$%&''()*+,-./:;<=>?@[\\]^_\`{|}~' || chr(2) || chr(3), repeat(' ', 34))
$$;
CREATE FUNCTION message_search_vector(body bytea, sender text, recipient text) RETURNS tsvector
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT to_tsvector('simple'::regconfig, message_search_text(body))
    || array_to_tsvector(ARRAY['~' || sender, '~' || recipient])
$$;
CREATE INDEX messages_search ON messages USING gin (message_search_vector(text, sender, recipient));
`;
