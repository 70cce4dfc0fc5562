/**
 * Schema version 6.
 * Edits, deletes and replies. A change bumps `revision`; `seen_revision` is the newest revision the
 * recipient acknowledged, so changes to messages it already had are sent again at its next login
 * until it has them (messages_changed finds those). `reply_to` is the id of the message answered.
 */
export const sql = `ALTER TABLE messages ADD COLUMN edited_at INTEGER;
   ALTER TABLE messages ADD COLUMN deleted INTEGER NOT NULL DEFAULT 0;
   ALTER TABLE messages ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;
   ALTER TABLE messages ADD COLUMN seen_revision INTEGER NOT NULL DEFAULT 0;
   ALTER TABLE messages ADD COLUMN reply_to INTEGER;
   CREATE INDEX messages_changed ON messages(recipient, id) WHERE revision > seen_revision;`;
