/** Takes a current database back to older schema versions, for migration tests. */
import type Database from 'better-sqlite3';
import { sql as messageSearchV9 } from '../../server/store/sqlite/migrations/0009-message-search.js';

/** Undoes schema version 5: the users' look-alike keys (server/look-alike.ts) and their indexes. */
export function dropLookAlikeKeys(db: Database.Database): void {
  db.exec(`DROP INDEX users_by_look_alike;
    DROP INDEX users_by_look_alike_folded;
    ALTER TABLE users DROP COLUMN look_alike;
    ALTER TABLE users DROP COLUMN look_alike_folded;`);
}

/** Undoes schema version 12: uploads and the files of messages. */
export function dropFiles(db: Database.Database): void {
  db.exec(`DROP TABLE uploads;
    DROP TABLE message_files;`);
}

/** Undoes schema version 11: the runs of group receipts. */
export function dropGroupReceipts(db: Database.Database): void {
  db.exec('DROP TABLE group_receipts;');
}

/** Undoes schema version 10: reactions, and the sender's acknowledged revision. */
export function dropReactions(db: Database.Database): void {
  db.exec(`DROP TABLE reactions;
    DROP INDEX messages_changed_for_sender;
    ALTER TABLE messages DROP COLUMN sender_seen_revision;`);
}

/** Undoes schema version 7: the read-receipts setting and the shared read marks. */
export function dropReceipts(db: Database.Database): void {
  db.exec(`ALTER TABLE users DROP COLUMN read_receipts;
    ALTER TABLE read_marks DROP COLUMN shared_up_to;`);
}

/** Undoes schema version 6: edits, deletes and replies (the columns and index on messages). */
export function dropChangesAndReplies(db: Database.Database): void {
  db.exec(`DROP INDEX messages_changed;
    ALTER TABLE messages DROP COLUMN edited_at;
    ALTER TABLE messages DROP COLUMN deleted;
    ALTER TABLE messages DROP COLUMN revision;
    ALTER TABLE messages DROP COLUMN seen_revision;
    ALTER TABLE messages DROP COLUMN reply_to;`);
}

/** Undoes schema version 8: groups, their members and deliveries, and messages' group column. */
export function dropGroups(db: Database.Database): void {
  db.exec(`DROP TABLE group_deliveries;
    DROP TABLE group_members;
    DROP TABLE groups;
    ALTER TABLE messages DROP COLUMN group_id;`);
}

/** Undoes schema version 9: message search (the FTS5 index, its source view and triggers). */
export function dropMessageSearch(db: Database.Database): void {
  db.exec(`DROP TRIGGER message_search_insert;
    DROP TRIGGER message_search_change;
    DROP TRIGGER message_search_remove;
    DROP TABLE message_search;
    DROP VIEW message_search_source;`);
}

/**
 * Undoes schema version 13: the search index as version 9 made it, group messages under their
 * sender, and no index of broadcasts.
 */
export function undoGroupSearch(db: Database.Database): void {
  db.exec(`DROP TRIGGER broadcast_search_insert;
    DROP TABLE broadcast_search;
    DROP VIEW broadcast_search_source;`);
  dropMessageSearch(db);
  db.exec(messageSearchV9);
}
