/**
 * Schema version 8.
 * Group conversations. A group message is one row of `messages` with `group_id` set, its `pair` the
 * group's key ("#" and the id, server/store/group-rules.ts) and an empty recipient; each member it
 * was sent to has a row in group_deliveries, acknowledged and kept pending for changes as a direct
 * message's own columns are. Members are listed with the order they joined in (`joined`). Read
 * marks of a group use its key as the peer.
 */
export const sql = `CREATE TABLE groups (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     name TEXT NOT NULL,
     creator TEXT NOT NULL,
     created_at INTEGER NOT NULL
   );
   CREATE INDEX groups_by_creator ON groups(creator);
   CREATE TABLE group_members (
     group_id INTEGER NOT NULL REFERENCES groups(id),
     member TEXT NOT NULL,
     admin INTEGER NOT NULL DEFAULT 0,
     joined INTEGER NOT NULL,
     PRIMARY KEY (group_id, member)
   ) WITHOUT ROWID;
   CREATE INDEX group_members_by_member ON group_members(member, group_id);
   ALTER TABLE messages ADD COLUMN group_id INTEGER;
   CREATE TABLE group_deliveries (
     recipient TEXT NOT NULL,
     message_id INTEGER NOT NULL,
     acked INTEGER NOT NULL DEFAULT 0,
     seen_revision INTEGER NOT NULL DEFAULT 0,
     PRIMARY KEY (recipient, message_id)
   ) WITHOUT ROWID;
   CREATE INDEX group_deliveries_by_message ON group_deliveries(message_id);
   CREATE INDEX group_deliveries_undelivered ON group_deliveries(recipient, message_id) WHERE acked = 0;`;
