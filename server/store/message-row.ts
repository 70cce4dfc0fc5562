/**
 * How both adapters turn a stored direct message, joined with the message it answers, into the
 * wire's DirectMessage, and how they tell why a change was refused.
 */
import { REACTION_USERS_MAX, REPLY_EXCERPT_MAX, excerpt } from '../../src/shared/limits.js';
import type { DirectMessage, FileInfo, Reaction } from '../../src/shared/protocol.js';
import { reactionOrder, type ReactionEmoji } from '../../src/shared/reactions.js';
import type { ChangeRefusal, DirectChange } from './store.js';

/** A message row as both adapters read it (texts already decoded). */
export interface StoredMessageRow {
  id: number;
  from: string;
  to: string;
  /** Set on a group message (whose `to` is empty). */
  groupId: number | null;
  text: string;
  sentAt: number;
  editedAt: number | null;
  deleted: boolean | number;
  replyId: number | null;
  replyFrom: string | null;
  replyText: string | null;
  replyDeleted: boolean | number | null;
  revision: number;
  /** "emoji\tname" lines in the order the users reacted; null without reactions. */
  reactions: string | null;
  /** The file it carries as "sha256 TAB size TAB mime TAB name" (a name has no tab); null without one. */
  file?: string | null;
}

/** Both adapters list a message's reactions as "emoji TAB name" lines (names have no tab or newline). */
function parseReactions(lines: string): Reaction[] {
  const byEmoji = new Map<ReactionEmoji, string[]>();
  for (const line of lines.split('\n')) {
    const [emoji, name] = line.split('\t') as [ReactionEmoji, string];
    const users = byEmoji.get(emoji);
    if (users) users.push(name);
    else byEmoji.set(emoji, [name]);
  }
  return [...byEmoji]
    .sort(([a], [b]) => reactionOrder(a) - reactionOrder(b))
    .map(([emoji, users]) => onWire(emoji, users));
}

/** The first REACTION_USERS_MAX names fit a frame; past them `count` tells how many reacted. */
function onWire(emoji: ReactionEmoji, users: string[]): Reaction {
  if (users.length <= REACTION_USERS_MAX) return { emoji, users };
  return { emoji, users: users.slice(0, REACTION_USERS_MAX), count: users.length };
}

/** Both adapters select a message's file as one "sha256 TAB size TAB mime TAB name" line. */
function parseFile(line: string): FileInfo {
  const [sha256, size, mime, ...name] = line.split('\t') as [string, string, string, ...string[]];
  return { name: name.join('\t'), size: Number(size), mime, sha256 };
}

export function toDirectMessage(row: StoredMessageRow): DirectMessage {
  const message: DirectMessage =
    row.groupId === null
      ? { id: row.id, from: row.from, to: row.to, text: row.text, sentAt: row.sentAt }
      : { id: row.id, from: row.from, group: row.groupId, text: row.text, sentAt: row.sentAt };
  if (row.editedAt !== null) message.editedAt = row.editedAt;
  if (row.deleted) message.deleted = true;
  // A deleted message's file is gone with its text (its row stays: no write on delete).
  else if (row.file) message.file = parseFile(row.file);
  if (row.replyId !== null && row.replyFrom !== null) {
    message.replyTo = row.replyDeleted
      ? { id: row.replyId, from: row.replyFrom, text: '', deleted: true }
      : { id: row.replyId, from: row.replyFrom, text: excerpt(row.replyText ?? '', REPLY_EXCERPT_MAX) };
  }
  if (row.reactions) message.reactions = parseReactions(row.reactions);
  if (row.revision > 0) message.revision = row.revision;
  return message;
}

/**
 * Why a change that matched no row was refused, from the message as it is. A message of a
 * conversation the user is not in is "unknown", like one that does not exist: nothing is revealed.
 */
export function changeRefusal(message: DirectMessage | undefined, change: DirectChange): ChangeRefusal {
  // A group message's members are checked by the caller (server/messages.ts) before the change.
  if (message === undefined || (message.from !== change.sender && message.to !== change.sender))
    return 'unknown_message';
  if (message.from !== change.sender) return 'not_yours';
  if (message.deleted) return 'message_deleted';
  return 'edit_window_passed';
}
