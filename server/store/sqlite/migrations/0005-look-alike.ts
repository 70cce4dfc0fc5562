/**
 * Schema version 5.
 * Look-alike keys of each name (server/look-alike.ts), so registration can refuse a name that looks
 * like an existing one with two index lookups. Not unique: look-alike accounts made before this
 * migration stay as they are.
 */
export const sql = `ALTER TABLE users ADD COLUMN look_alike TEXT;
   ALTER TABLE users ADD COLUMN look_alike_folded TEXT;
   UPDATE users SET look_alike = look_alike_as_written(name), look_alike_folded = look_alike_folded(name);
   CREATE INDEX users_by_look_alike ON users(look_alike);
   CREATE INDEX users_by_look_alike_folded ON users(look_alike_folded);`;
