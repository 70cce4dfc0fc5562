/**
 * Schema version 8 of the PostgreSQL store: reactions on group messages (the SQLite store needs no
 * new schema for them: its checks run in server/store/sqlite/sqlite-store.ts). react() is replaced:
 * a group message takes reactions from its group's current members, except on messages from a
 * member the reactor blocked (those it cannot see, so they are unknown to it); there is no
 * blocked_by_recipient in a group. The reactor's own delivery row is moved to the new revision, as
 * its reply carries the new state. It still locks the message's row first.
 */
export const sql = `
CREATE OR REPLACE FUNCTION react(p_id bigint, p_user text, p_emoji text, p_add boolean, p_at bigint)
RETURNS TABLE (outcome text, revision integer)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
  target record;
  peer text;
  affected integer;
  bumped integer;
BEGIN
  SELECT m.sender, m.recipient, m.group_id, m.deleted, m.revision INTO target FROM messages m WHERE m.id = p_id FOR UPDATE;
  IF NOT FOUND
    OR (target.group_id IS NULL AND target.sender <> p_user AND target.recipient <> p_user)
    OR (target.group_id IS NOT NULL AND (
      NOT EXISTS (SELECT 1 FROM group_members g WHERE g.group_id = target.group_id AND g.member = p_user)
      OR EXISTS (SELECT 1 FROM blocks b WHERE b.blocker = p_user AND b.blocked = target.sender))) THEN
    RETURN QUERY SELECT 'unknown_message'::text, NULL::integer;
    RETURN;
  END IF;
  IF target.deleted THEN
    RETURN QUERY SELECT 'message_deleted'::text, NULL::integer;
    RETURN;
  END IF;
  IF target.group_id IS NULL THEN
    peer := CASE WHEN target.sender = p_user THEN target.recipient ELSE target.sender END;
    IF EXISTS (SELECT 1 FROM blocks b WHERE b.blocker = peer AND b.blocked = p_user) THEN
      RETURN QUERY SELECT 'blocked_by_recipient'::text, NULL::integer;
      RETURN;
    END IF;
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
  -- The reactor has the new state from its reply: only the others have it pending.
  UPDATE messages m SET revision = m.revision + 1,
      seen_revision = CASE WHEN m.recipient = p_user THEN m.revision + 1 ELSE m.seen_revision END,
      sender_seen_revision = CASE WHEN m.sender = p_user THEN m.revision + 1 ELSE m.sender_seen_revision END
    WHERE m.id = p_id
    RETURNING m.revision INTO bumped;
  UPDATE group_deliveries d SET seen_revision = greatest(d.seen_revision, bumped)
    WHERE d.message_id = p_id AND d.recipient = p_user;
  RETURN QUERY SELECT 'changed'::text, bumped;
END
$$;
`;
