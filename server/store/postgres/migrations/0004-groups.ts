/**
 * Schema version 4 of the PostgreSQL store: group conversations, as version 8 of the SQLite store
 * (server/store/sqlite/migrations/0008-groups.ts). A group message's conversation is the group's
 * key ("#" and its id), its recipient empty, and each member it was sent to has a delivery row.
 * Group changes run in one transaction each that locks the group's row (./../postgres-groups.ts).
 */
export const sql = `
CREATE TABLE groups (
  id bigserial PRIMARY KEY,
  name text NOT NULL,
  creator text COLLATE "C" NOT NULL,
  created_at bigint NOT NULL
);
CREATE INDEX groups_by_creator ON groups (creator);

CREATE TABLE group_members (
  group_id bigint NOT NULL REFERENCES groups (id),
  member text COLLATE "C" NOT NULL,
  admin boolean NOT NULL DEFAULT false,
  -- The order members joined in: the longest-standing one succeeds the last admin.
  joined bigserial,
  PRIMARY KEY (group_id, member)
);
CREATE INDEX group_members_by_member ON group_members (member, group_id);

ALTER TABLE messages ADD COLUMN group_id bigint;

CREATE TABLE group_deliveries (
  recipient text COLLATE "C" NOT NULL,
  message_id bigint NOT NULL,
  acked boolean NOT NULL DEFAULT false,
  seen_revision integer NOT NULL DEFAULT 0,
  PRIMARY KEY (recipient, message_id)
);
CREATE INDEX group_deliveries_by_message ON group_deliveries (message_id);
CREATE INDEX group_deliveries_undelivered ON group_deliveries (recipient, message_id) WHERE NOT acked;
`;
