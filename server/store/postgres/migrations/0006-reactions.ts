/**
 * Schema version 6 of the PostgreSQL store: reactions, as version 10 of the SQLite store
 * (server/store/sqlite/migrations/0010-reactions.ts). react() makes a change atomically with its
 * checks: it locks the message's row, so a concurrent delete, edit or reaction waits for it.
 */
export const sql = `
CREATE TABLE reactions (
  message_id bigint NOT NULL,
  emoji text COLLATE "C" NOT NULL,
  name text COLLATE "C" NOT NULL,
  at bigint NOT NULL,
  PRIMARY KEY (message_id, emoji, name)
);
ALTER TABLE messages ADD COLUMN sender_seen_revision integer NOT NULL DEFAULT 0;
UPDATE messages SET sender_seen_revision = revision WHERE revision > 0;
CREATE INDEX messages_changed_for_sender ON messages (sender, id) WHERE revision > sender_seen_revision;

-- outcome: unknown_message (no such message, a group message: those take no reactions yet, or not
-- p_user's conversation), message_deleted,
-- blocked_by_recipient (the other side blocked p_user), unchanged (already so) or changed; with
-- the message's revision after it.
CREATE FUNCTION react(p_id bigint, p_user text, p_emoji text, p_add boolean, p_at bigint)
RETURNS TABLE (outcome text, revision integer)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
  target record;
  peer text;
  affected integer;
BEGIN
  SELECT m.sender, m.recipient, m.group_id, m.deleted, m.revision INTO target FROM messages m WHERE m.id = p_id FOR UPDATE;
  IF NOT FOUND OR target.group_id IS NOT NULL OR (target.sender <> p_user AND target.recipient <> p_user) THEN
    RETURN QUERY SELECT 'unknown_message'::text, NULL::integer;
    RETURN;
  END IF;
  IF target.deleted THEN
    RETURN QUERY SELECT 'message_deleted'::text, NULL::integer;
    RETURN;
  END IF;
  peer := CASE WHEN target.sender = p_user THEN target.recipient ELSE target.sender END;
  IF EXISTS (SELECT 1 FROM blocks b WHERE b.blocker = peer AND b.blocked = p_user) THEN
    RETURN QUERY SELECT 'blocked_by_recipient'::text, NULL::integer;
    RETURN;
  END IF;
  IF p_add THEN
    INSERT INTO reactions (message_id, emoji, name, at) VALUES (p_id, p_emoji, p_user, p_at)
      ON CONFLICT DO NOTHING;
  ELSE
    DELETE FROM reactions r WHERE r.message_id = p_id AND r.emoji = p_emoji AND r.name = p_user;
  END IF;
  GET DIAGNOSTICS affected = ROW_COUNT;
  IF affected = 0 THEN
    RETURN QUERY SELECT 'unchanged'::text, target.revision;
    RETURN;
  END IF;
  -- The reactor has the new state from its reply: only the other side has it pending.
  RETURN QUERY UPDATE messages m SET revision = m.revision + 1,
      seen_revision = CASE WHEN m.recipient = p_user THEN m.revision + 1 ELSE m.seen_revision END,
      sender_seen_revision = CASE WHEN m.sender = p_user THEN m.revision + 1 ELSE m.sender_seen_revision END
    WHERE m.id = p_id
    RETURNING 'changed'::text, m.revision;
END
$$;
`;
