/**
 * Schema version 7 of the PostgreSQL store: group receipts, as version 11 of the SQLite store
 * (server/store/sqlite/migrations/0011-group-receipts.ts): per group, sender and member, the run
 * of the sender's messages the member was sent, written with each group message in the same
 * transaction (./../postgres-groups.ts), so a sender's receipts are a few index probes per member.
 */
export const sql = `
CREATE TABLE group_receipts (
  group_id bigint NOT NULL,
  sender text COLLATE "C" NOT NULL,
  member text COLLATE "C" NOT NULL,
  since bigint NOT NULL,
  newest bigint NOT NULL,
  PRIMARY KEY (group_id, sender, member)
);
CREATE INDEX group_receipts_by_member ON group_receipts (group_id, member);
INSERT INTO group_receipts (group_id, sender, member, since, newest)
  SELECT m.group_id, m.sender, d.recipient, min(d.message_id), max(d.message_id)
  FROM group_deliveries d JOIN messages m ON m.id = d.message_id
  WHERE m.group_id IS NOT NULL
  GROUP BY m.group_id, m.sender, d.recipient;
`;
