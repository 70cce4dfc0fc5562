/**
 * Schema version 3 of the PostgreSQL store: read receipts, as version 7 of the SQLite store
 * (server/store/sqlite/migrations/0007-receipts.ts).
 */
export const sql = `
ALTER TABLE users ADD COLUMN read_receipts boolean NOT NULL DEFAULT true;
ALTER TABLE read_marks ADD COLUMN shared_up_to bigint NOT NULL DEFAULT 0;
UPDATE read_marks SET shared_up_to = up_to;
`;
