/**
 * Schema version 1 of the PostgreSQL store: the logical schema of the SQLite store
 * (server/store/sqlite/migrations/), with a conversation key on every message.
 *
 * - Every name column collates as "C" (byte order), so names sort in code-unit order and a prefix
 *   search is an index range scan whatever the database's locale.
 * - Texts are bytea holding UTF-8: a message may contain U+0000, which a PostgreSQL text value
 *   cannot hold.
 * - messages.conversation is the conversation's key: for a direct pair "a\nb" with a < b. A group
 *   conversation would be another kind of key, with its members in conversation_members and a
 *   delivery row per member; nothing here changes for it.
 */
export const sql = `
CREATE TABLE users (
  name text COLLATE "C" PRIMARY KEY,
  password_hash text NOT NULL,
  created_at bigint NOT NULL,
  -- server/look-alike.ts's two keys: registration refuses a name whose keys match another's.
  look_alike text COLLATE "C" NOT NULL,
  look_alike_folded text COLLATE "C" NOT NULL
);
CREATE INDEX users_by_look_alike ON users (look_alike);
CREATE INDEX users_by_look_alike_folded ON users (look_alike_folded);

CREATE TABLE lockouts (
  name text COLLATE "C" PRIMARY KEY REFERENCES users (name),
  failures integer NOT NULL,
  locked_until bigint NOT NULL
);

CREATE TABLE blocks (
  blocker text COLLATE "C" NOT NULL REFERENCES users (name),
  blocked text COLLATE "C" NOT NULL REFERENCES users (name),
  PRIMARY KEY (blocker, blocked)
);
CREATE INDEX blocks_by_blocked ON blocks (blocked, blocker);

CREATE TABLE last_seen (
  name text COLLATE "C" PRIMARY KEY REFERENCES users (name),
  at bigint NOT NULL
);
CREATE INDEX last_seen_by_time ON last_seen (at);

CREATE TABLE messages (
  id bigserial PRIMARY KEY,
  conversation text COLLATE "C" NOT NULL,
  sender text COLLATE "C" NOT NULL,
  recipient text COLLATE "C" NOT NULL,
  text bytea NOT NULL,
  sent_at bigint NOT NULL,
  acked boolean NOT NULL DEFAULT false,
  -- The sender's id for the message: a retry with the same one finds the stored message.
  client_id text COLLATE "C"
);
CREATE INDEX messages_by_conversation ON messages (conversation, id);
CREATE INDEX messages_undelivered ON messages (recipient, id) WHERE NOT acked;
CREATE UNIQUE INDEX messages_by_client_id ON messages (sender, client_id) WHERE client_id IS NOT NULL;

-- The conversations of each user, for the conversation list: written with a conversation's first
-- message, so the list never scans messages to find them.
CREATE TABLE conversation_members (
  member text COLLATE "C" NOT NULL,
  conversation text COLLATE "C" NOT NULL,
  PRIMARY KEY (member, conversation)
);

-- How far each member has read a conversation (a message id).
CREATE TABLE read_marks (
  name text COLLATE "C" NOT NULL,
  conversation text COLLATE "C" NOT NULL,
  up_to bigint NOT NULL,
  PRIMARY KEY (name, conversation)
);

-- One row per broadcast, whatever the number of receivers. Who received one follows from
-- online_spans: a span covers the broadcast ids drawn while its user was online,
-- (after_broadcast, until_broadcast], open-ended (NULL) while it still is. excluded lists the
-- online users who had blocked the sender then.
CREATE TABLE broadcasts (
  id bigserial PRIMARY KEY,
  sender text COLLATE "C" NOT NULL,
  text bytea NOT NULL,
  sent_at bigint NOT NULL,
  excluded text[] COLLATE "C" NOT NULL
);
CREATE TABLE online_spans (
  name text COLLATE "C" NOT NULL,
  after_broadcast bigint NOT NULL,
  until_broadcast bigint
);
CREATE INDEX online_spans_by_name ON online_spans (name, after_broadcast);
CREATE INDEX online_spans_open ON online_spans (name) WHERE until_broadcast IS NULL;

-- The last broadcast id drawn so far, by any node, committed or not: a span opened now covers the
-- broadcasts that draw their id later, which are the ones sent while its user is online.
CREATE FUNCTION last_broadcast_drawn() RETURNS bigint LANGUAGE sql VOLATILE AS $$
  SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM broadcasts_id_seq
$$;

-- Stores a direct message unless the recipient does not exist or has blocked the sender; a retry
-- whose client id the sender used before returns the stored message. Outcome: 'stored',
-- 'duplicate', 'unknown_user' or 'blocked_by_recipient'.
CREATE FUNCTION insert_direct(
  p_sender text, p_recipient text, p_conversation text, p_text bytea, p_sent_at bigint, p_client_id text
) RETURNS TABLE (outcome text, id bigint, recipient text, text bytea, sent_at bigint)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
  new_id bigint;
BEGIN
  -- Per recipient, messages must commit in id order: a reader streaming a recipient's backlog by
  -- id (undeliveredAfter) moves its cursor past every id it has seen, so a lower id committing
  -- after a higher one would be skipped for good. This transaction-level lock on the recipient is
  -- taken before the id is drawn and held until after COMMIT, so the next message to the same
  -- recipient draws a higher id and commits later. Other recipients are not held up.
  PERFORM pg_advisory_xact_lock(hashtextextended(p_recipient, 0));
  IF p_client_id IS NOT NULL THEN
    RETURN QUERY SELECT 'duplicate', m.id, m.recipient::text, m.text, m.sent_at FROM messages m
      WHERE m.sender = p_sender AND m.client_id = p_client_id;
    IF FOUND THEN RETURN; END IF;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM users WHERE name = p_recipient) THEN
    RETURN QUERY SELECT 'unknown_user', NULL::bigint, NULL::text, NULL::bytea, NULL::bigint;
    RETURN;
  END IF;
  IF EXISTS (SELECT 1 FROM blocks WHERE blocker = p_recipient AND blocked = p_sender) THEN
    RETURN QUERY SELECT 'blocked_by_recipient', NULL::bigint, NULL::text, NULL::bytea, NULL::bigint;
    RETURN;
  END IF;
  -- ON CONFLICT: a retry racing under another recipient's lock (a client reusing its id).
  INSERT INTO messages AS m (conversation, sender, recipient, text, sent_at, client_id)
    VALUES (p_conversation, p_sender, p_recipient, p_text, p_sent_at, p_client_id)
    ON CONFLICT (sender, client_id) WHERE client_id IS NOT NULL DO NOTHING
    RETURNING m.id INTO new_id;
  IF new_id IS NULL THEN
    RETURN QUERY SELECT 'duplicate', m.id, m.recipient::text, m.text, m.sent_at FROM messages m
      WHERE m.sender = p_sender AND m.client_id = p_client_id;
    RETURN;
  END IF;
  INSERT INTO conversation_members (member, conversation)
    VALUES (p_sender, p_conversation), (p_recipient, p_conversation)
    ON CONFLICT DO NOTHING;
  RETURN QUERY SELECT 'stored', new_id, p_recipient, p_text, p_sent_at;
END
$$;

-- Creates the account unless the name is taken or (unless allowed) looks like another's:
-- 'created', 'taken' or 'look_alike'. Two registrations whose names share a look-alike key wait
-- for each other on a lock of that key (both keys, smaller hash first, so no two wait crosswise),
-- so of two racing look-alikes one is created and the other sees it.
CREATE FUNCTION register_user(
  p_name text, p_hash text, p_created_at bigint, p_look_alike text, p_folded text, p_allow_look_alike boolean
) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(2, least(hashtext(p_look_alike), hashtext(p_folded)));
  PERFORM pg_advisory_xact_lock(2, greatest(hashtext(p_look_alike), hashtext(p_folded)));
  IF EXISTS (SELECT 1 FROM users WHERE name = p_name) THEN RETURN 'taken'; END IF;
  IF NOT p_allow_look_alike
     AND EXISTS (SELECT 1 FROM users WHERE look_alike = p_look_alike OR look_alike_folded = p_folded) THEN
    RETURN 'look_alike';
  END IF;
  INSERT INTO users (name, password_hash, created_at, look_alike, look_alike_folded)
    VALUES (p_name, p_hash, p_created_at, p_look_alike, p_folded)
    ON CONFLICT (name) DO NOTHING;
  RETURN CASE WHEN FOUND THEN 'created' ELSE 'taken' END;
END
$$;
`;
