/**
 * Schema version 2 of the PostgreSQL store: edits, deletes and replies, as version 6 of the SQLite
 * store (server/store/sqlite/migrations/0006-changes-and-replies.ts). insert_direct gains the id of
 * the message answered.
 */
export const sql = `
ALTER TABLE messages
  ADD COLUMN edited_at bigint,
  ADD COLUMN deleted boolean NOT NULL DEFAULT false,
  ADD COLUMN revision integer NOT NULL DEFAULT 0,
  ADD COLUMN seen_revision integer NOT NULL DEFAULT 0,
  ADD COLUMN reply_to bigint;
CREATE INDEX messages_changed ON messages (recipient, id) WHERE revision > seen_revision;

DROP FUNCTION insert_direct(text, text, text, bytea, bigint, text);
-- As in version 1, with the id of the message answered (p_reply_to, checked by the caller).
CREATE FUNCTION insert_direct(
  p_sender text, p_recipient text, p_conversation text, p_text bytea, p_sent_at bigint, p_client_id text,
  p_reply_to bigint
) RETURNS TABLE (outcome text, id bigint, recipient text, text bytea, sent_at bigint)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
  new_id bigint;
BEGIN
  -- Per recipient, messages commit in id order (see version 1).
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
  INSERT INTO messages AS m (conversation, sender, recipient, text, sent_at, client_id, reply_to)
    VALUES (p_conversation, p_sender, p_recipient, p_text, p_sent_at, p_client_id, p_reply_to)
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
`;
