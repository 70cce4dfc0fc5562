/** Every request type's handler, with its rules (see ./connection.ts). */
import { checkuser, hello, login, logout, register } from './account-handlers.js';
import type { Handlers } from './connection.js';
import { downloadChunk, uploadCancel, uploadChunk, uploadStart } from './file-handlers.js';
import { groupAdd, groupAdmin, groupCreate, groupLeave, groupRemove, groupRename } from './group-handlers.js';
import {
  ack,
  broadcast,
  broadcasts,
  conversations,
  edit,
  history,
  markread,
  message,
  react,
  remove,
  search,
  settings,
  typing,
} from './message-handlers.js';
import {
  activity,
  block,
  blocked,
  startprivate,
  unblock,
  users,
  whoelse,
  whoelsesince,
} from './people-handlers.js';

export { SERVER_NAME } from './account-handlers.js';
export type { Connection, Handler, Handlers } from './connection.js';

export const handlers: Handlers = {
  hello,
  checkuser,
  login,
  register,
  logout,
  message,
  edit,
  delete: remove,
  react,
  broadcast,
  broadcasts,
  ack,
  history,
  conversations,
  markread,
  search,
  settings,
  whoelse,
  whoelsesince,
  block,
  unblock,
  blocked,
  startprivate,
  users,
  activity,
  typing,
  group_create: groupCreate,
  group_add: groupAdd,
  group_remove: groupRemove,
  group_rename: groupRename,
  group_admin: groupAdmin,
  group_leave: groupLeave,
  upload_start: uploadStart,
  upload_chunk: uploadChunk,
  upload_cancel: uploadCancel,
  download_chunk: downloadChunk,
};
