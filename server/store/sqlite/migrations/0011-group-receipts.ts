/**
 * Schema version 11.
 * Group receipts: per group, sender and member, the run of the sender's messages the member was
 * sent (`since`: the first of the run; `newest`: its last), so that a sender's receipts in a group
 * are read per member with a few index probes, never by scanning its messages' delivery rows. A
 * message the member is not sent (it blocked the sender) deletes the row, and so does leaving the
 * group; the next message sent to it starts a new run. Existing runs are taken from the delivery
 * rows as they are (their first and last message per sender and member).
 */
export const sql = `CREATE TABLE group_receipts (
     group_id INTEGER NOT NULL,
     sender TEXT NOT NULL,
     member TEXT NOT NULL,
     since INTEGER NOT NULL,
     newest INTEGER NOT NULL,
     PRIMARY KEY (group_id, sender, member)
   ) WITHOUT ROWID;
   CREATE INDEX group_receipts_by_member ON group_receipts(group_id, member);
   INSERT INTO group_receipts (group_id, sender, member, since, newest)
     SELECT m.group_id, m.sender, d.recipient, min(d.message_id), max(d.message_id)
     FROM group_deliveries d JOIN messages m ON m.id = d.message_id
     WHERE m.group_id IS NOT NULL
     GROUP BY m.group_id, m.sender, d.recipient;`;
