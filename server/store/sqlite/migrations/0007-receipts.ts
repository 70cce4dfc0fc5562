/**
 * Schema version 7.
 * Read receipts: each account's "Send read receipts" setting (on by default), and next to each read
 * mark the mark as shared with the peer, which moves only while the reader's setting is on (so
 * turning it on later never reveals what was read while it was off). Existing marks were made with
 * receipts on.
 */
export const sql = `ALTER TABLE users ADD COLUMN read_receipts INTEGER NOT NULL DEFAULT 1;
   ALTER TABLE read_marks ADD COLUMN shared_up_to INTEGER NOT NULL DEFAULT 0;
   UPDATE read_marks SET shared_up_to = up_to;`;
