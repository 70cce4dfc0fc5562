/**
 * Schema version 2.
 * Idempotent sends: a sender's retry with the same client id finds the stored message.
 */
export const sql = `ALTER TABLE messages ADD COLUMN client_id TEXT;
   CREATE UNIQUE INDEX messages_by_client_id ON messages(sender, client_id) WHERE client_id IS NOT NULL;`;
