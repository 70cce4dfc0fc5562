/** Group membership: create, add, remove, leave, rename, admins (server/groups.ts). */
import { loggedIn } from './connection.js';

export const groupCreate = loggedIn<'group_create'>((connection, { name, members }, ctx) =>
  ctx.groups.create(connection.user, name, members),
);

export const groupAdd = loggedIn<'group_add'>((connection, { group, users }, ctx) =>
  ctx.groups.add(connection.user, group, users),
);

export const groupRemove = loggedIn<'group_remove'>((connection, { group, user }, ctx) =>
  ctx.groups.remove(connection.user, group, user),
);

export const groupRename = loggedIn<'group_rename'>((connection, { group, name }, ctx) =>
  ctx.groups.rename(connection.user, group, name),
);

export const groupAdmin = loggedIn<'group_admin'>((connection, { group, user, admin }, ctx) =>
  ctx.groups.setAdmin(connection.user, group, user, admin),
);

export const groupLeave = loggedIn<'group_leave'>((connection, { group }, ctx) =>
  ctx.groups.leave(connection.user, group),
);
