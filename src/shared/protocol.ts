/**
 * The wire protocol between clients and the server: newline-delimited JSON frames over TCP.
 * This module is the single source of truth for every frame; docs/protocol.md describes it in prose.
 *
 * Client → server: requests `{ type, id, ...params }`; each gets exactly one `reply` with the same id.
 * Server → client: `reply` frames, `error` frames (for input that has no usable id) and pushed events.
 */
import { z } from 'zod';
import {
  FILE_CHUNK_MAX_BYTES,
  FILE_NAME_MAX_LENGTH,
  GROUP_MEMBERS_MAX,
  GROUP_NAME_MAX_LENGTH,
  HISTORY_PAGE_MAX,
  MAX_REQUEST_ID,
  PASSWORD_MAX_LENGTH,
  REACTION_USERS_MAX,
  REPLY_EXCERPT_MAX,
  SEARCH_PAGE_MAX,
  SEARCH_QUERY_MAX_LENGTH,
  TEXT_MAX_LENGTH,
  textLength,
  TYPING_TTL_MAX_MS,
  USERNAME_MAX_LENGTH,
  USERNAME_PATTERN,
  USER_SEARCH_MAX_RESULTS,
  WHOELSESINCE_MAX_SECONDS,
} from './limits.js';
import {
  base64Schema,
  fileFailReasonSchema,
  fileMimeSchema,
  fileOfferSchema,
  sha256HexSchema,
  transferIdSchema,
} from './files.js';
import { REACTION_EMOJI } from './reactions.js';
import { searchQueryProblem } from './search-query.js';

// ---------------------------------------------------------------------------------------------
// Field schemas shared by requests, replies and the app API.

export const usernameSchema = z
  .string()
  .min(1, 'username must not be empty')
  .max(USERNAME_MAX_LENGTH, `username must be at most ${USERNAME_MAX_LENGTH} characters`)
  .regex(USERNAME_PATTERN, 'username may contain only letters, digits, "_", "." and "-"');

export const passwordSchema = z
  .string()
  .min(1, 'password must not be empty')
  .max(PASSWORD_MAX_LENGTH, `password must be at most ${PASSWORD_MAX_LENGTH} characters`);

const textTooLong = `text must be at most ${TEXT_MAX_LENGTH} characters`;
/**
 * Counted in characters (code points, see limits.ts). The `max` in UTF-16 units first refuses
 * anything that cannot fit (a code point is at most two units) before the exact count runs.
 */
export const textSchema = z
  .string()
  .min(1, 'text must not be empty')
  .max(TEXT_MAX_LENGTH * 2, textTooLong)
  .refine((text) => textLength(text) <= TEXT_MAX_LENGTH, textTooLong);

export const requestIdSchema = z.number().int().min(1).max(MAX_REQUEST_ID);
export const portSchema = z.number().int().min(1).max(65535);
/** Milliseconds since the Unix epoch. */
export const timestampSchema = z.number().int().nonnegative();
/** Server-assigned message id: increasing in the order the server accepted the messages. */
export const messageIdSchema = z.number().int().positive();
/** A raw 32-byte X25519 public key, base64 encoded (used to encrypt private chats end to end). */
export const publicKeySchema = z.string().regex(/^[A-Za-z0-9+/]{43}=$/, 'expected a base64 X25519 key');
/** A one-time private-chat credential: 32 random bytes, base64url. */
export const credentialSchema = z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'expected a 43-character credential');

/** A sender-chosen message key: 8 to 64 characters of base64url. */
export const clientIdSchema = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, 'expected 8-64 base64url characters');

/** What a reply shows of the message it answers: enough to render the quote and find the original. */
export const replyQuoteSchema = z.object({
  id: messageIdSchema,
  from: usernameSchema,
  /** The original's text, cut to REPLY_EXCERPT_MAX characters; empty when it was deleted. */
  text: z.string().max(REPLY_EXCERPT_MAX * 2),
  deleted: z.literal(true).optional(),
});
export type ReplyQuote = z.infer<typeof replyQuoteSchema>;

/** One of the fixed set of reactions (src/shared/reactions.ts). */
export const reactionEmojiSchema = z.enum(REACTION_EMOJI);

/**
 * Who reacted to a message with one emoji, in the order they reacted: the first REACTION_USERS_MAX
 * of them, and `count` (how many in all) when there are more (a large group).
 */
export const reactionSchema = z.object({
  emoji: reactionEmojiSchema,
  users: z.array(usernameSchema).min(1).max(REACTION_USERS_MAX),
  count: z
    .number()
    .int()
    .min(REACTION_USERS_MAX + 1)
    .optional(),
});
export type Reaction = z.infer<typeof reactionSchema>;

/** A file's size in bytes (the server's own maximum is checked by the server: file_too_large). */
export const uploadSizeSchema = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER);
/**
 * A file's name as the sender gives it. Only its length is a schema rule: the rest
 * (fileNameProblem in ./files.ts) is refused as invalid_file_name, a code of its own.
 */
export const uploadNameSchema = z.string().max(FILE_NAME_MAX_LENGTH * 2, 'name is too long');
/** A server-assigned upload id: 22 characters of base64url (random, 128 bits). */
export const uploadIdSchema = z.string().regex(/^[A-Za-z0-9_-]{22}$/, 'expected a 22-character upload id');
/** A chunk of a file: base64 of 1 to FILE_CHUNK_MAX_BYTES bytes. */
const chunkDataSchema = base64Schema(FILE_CHUNK_MAX_BYTES).min(4);

/** The file a message carries: downloaded by the message's id (`download_chunk`), checked by its hash. */
export const fileInfoSchema = z.object({
  name: uploadNameSchema,
  size: uploadSizeSchema,
  mime: fileMimeSchema,
  sha256: sha256HexSchema,
});
export type FileInfo = z.infer<typeof fileInfoSchema>;

/** Server-assigned group id: increasing in the order groups were created. */
export const groupIdSchema = z.number().int().positive();

const groupNameTooLong = `name must be at most ${GROUP_NAME_MAX_LENGTH} characters`;
/** A group's name: 1 to GROUP_NAME_MAX_LENGTH characters, not blank, no control characters. */
export const groupNameSchema = z
  .string()
  .max(GROUP_NAME_MAX_LENGTH * 2, groupNameTooLong)
  .refine((name) => textLength(name) <= GROUP_NAME_MAX_LENGTH, groupNameTooLong)
  .refine((name) => name.trim().length > 0, 'name must not be blank')
  // eslint-disable-next-line no-control-regex
  .refine((name) => !/[\u0000-\u001f\u007f]/.test(name), 'name must not contain control characters');

export const groupMemberSchema = z.object({ name: usernameSchema, admin: z.boolean() });
export type GroupMember = z.infer<typeof groupMemberSchema>;

/** A group as its members see it: members sorted by name; admins may change it, its creator always is one. */
export const groupInfoSchema = z.object({
  id: groupIdSchema,
  name: groupNameSchema,
  creator: usernameSchema,
  members: z.array(groupMemberSchema).max(GROUP_MEMBERS_MAX),
});
export type GroupInfo = z.infer<typeof groupInfoSchema>;

/** Users named in one request: at most a full group's worth, no repeats. */
const userListSchema = z
  .array(usernameSchema)
  .min(1, 'name at least one user')
  .max(GROUP_MEMBERS_MAX, `at most ${GROUP_MEMBERS_MAX} users`)
  .refine((users) => new Set(users).size === users.length, 'users must not repeat');

export const directMessageSchema = z
  .object({
    id: messageIdSchema,
    from: usernameSchema,
    /** The recipient of a direct message; absent on a group message. */
    to: usernameSchema.optional(),
    /** The group of a group message; absent on a direct message. */
    group: groupIdSchema.optional(),
    /** Empty when the message was deleted (its text is erased from the server), or a file without a caption. */
    text: z.union([textSchema, z.literal('')]),
    /** The file it carries; gone once the message is deleted. */
    file: fileInfoSchema.optional(),
    sentAt: timestampSchema,
    /** When the sender last edited it; absent when never edited. Increases with every edit. */
    editedAt: timestampSchema.optional(),
    /** The sender deleted it: only its id, sender, recipient and time remain. */
    deleted: z.literal(true).optional(),
    /** The message this one answers, as it is now. */
    replyTo: replyQuoteSchema.optional(),
    /** Its reactions now, in the set's order; absent when it has none. */
    reactions: z.array(reactionSchema).max(REACTION_EMOJI.length).optional(),
    /**
     * How many times it changed (edits, delete, reactions); absent while it never did. Of two states
     * of one message the one with the higher revision is newer (src/shared/message-state.ts).
     */
    revision: z.number().int().positive().optional(),
  })
  .refine(
    (message) =>
      message.text === '' ? message.deleted === true || message.file !== undefined : message.deleted !== true,
    {
      message: 'text must be empty exactly when the message is deleted, or a file without a caption',
      path: ['text'],
    },
  )
  .refine((message) => message.deleted !== true || message.file === undefined, {
    message: 'a deleted message has no file',
    path: ['file'],
  })
  .refine((message) => (message.to === undefined) !== (message.group === undefined), {
    message: 'a message has either a recipient (to) or a group',
    path: ['to'],
  });
/** A direct message (`to`) or a group message (`group`): the one message shape of the protocol. */
export type DirectMessage = z.infer<typeof directMessageSchema>;

/** A broadcast as stored: `id` increases in the order the server accepted broadcasts (its own sequence). */
export const broadcastMessageSchema = z.object({
  id: messageIdSchema,
  from: usernameSchema,
  text: textSchema,
  sentAt: timestampSchema,
});
export type BroadcastMessage = z.infer<typeof broadcastMessageSchema>;

/**
 * Delivery state of the messages this user sent to a peer, as two watermarks (docs/protocol.md,
 * "Receipts"): every message to the peer with id ≤ `deliveredUpTo` reached the peer's app, every
 * one with id ≤ `readUpTo` was read there. Absent: nothing known, or withheld (this user's read
 * receipts are off, or the peer has blocked this user).
 */
export const receiptMarksSchema = z.object({
  deliveredUpTo: messageIdSchema.optional(),
  readUpTo: messageIdSchema.optional(),
});
export type ReceiptMarks = z.infer<typeof receiptMarksSchema>;

export const conversationSummarySchema = z
  .object({
    peer: usernameSchema,
    last: directMessageSchema,
    /** Messages from `peer` newer than what this user marked read. */
    unread: z.number().int().nonnegative(),
  })
  .extend(receiptMarksSchema.shape);
export type ConversationSummary = z.infer<typeof conversationSummarySchema>;

/**
 * One member's receipts on this user's messages in a group (docs/protocol.md, "Group receipts"):
 * every message of this user's with an id from `since` on was sent to `name`; of those, the ones
 * up to `deliveredUpTo` reached its app and the ones up to `readUpTo` were read there. Absent marks:
 * nothing known yet, or withheld (this user's read receipts are off).
 */
export const groupReceiptMemberSchema = z.object({
  name: usernameSchema,
  since: messageIdSchema,
  deliveredUpTo: messageIdSchema.optional(),
  readUpTo: messageIdSchema.optional(),
});
export type GroupReceiptMember = z.infer<typeof groupReceiptMemberSchema>;

/** The members' receipts on this user's messages in a group: at most one entry per member. */
export const groupReceiptsSchema = z.array(groupReceiptMemberSchema).max(GROUP_MEMBERS_MAX);

/** A group in the conversation list: listed from its creation on, `last` once it has a message. */
export const groupSummarySchema = z.object({
  group: groupInfoSchema,
  last: directMessageSchema.optional(),
  /** Messages from other members newer than what this user marked read (blocked senders not counted). */
  unread: z.number().int().nonnegative(),
  /** The members' receipts on this user's messages in the group; absent before it sent any. */
  receipts: groupReceiptsSchema.optional(),
});
export type GroupSummary = z.infer<typeof groupSummarySchema>;

/** A request names a direct conversation (`to`/`peer`) or a group: exactly one of the two. */
function oneConversation(key: 'to' | 'peer') {
  return {
    check: (params: Record<string, unknown>) =>
      (params[key] === undefined) !== (params['group'] === undefined),
    message: { message: `name either ${key} or group`, path: [key] },
  };
}
const oneTo = oneConversation('to');
const onePeer = oneConversation('peer');
/**
 * A message search query (see search-query.ts): 1 to SEARCH_QUERY_MAX_LENGTH characters holding 1 to
 * SEARCH_MAX_TERMS words. Checked in UTF-16 units first, so a huge string is refused before it is read.
 */
export const searchQuerySchema = z
  .string()
  .min(1, 'query must not be empty')
  .max(SEARCH_QUERY_MAX_LENGTH, `query must be at most ${SEARCH_QUERY_MAX_LENGTH} characters`)
  .superRefine((query, context) => {
    const problem = searchQueryProblem(query);
    if (problem !== undefined) context.addIssue({ code: 'custom', message: problem });
  });

/** One message that matched a search, in the conversation with `peer`, in `group`, or a broadcast (`everyone`). */
export const searchHitSchema = z
  .object({
    /** The message's id: open its chat and find it there (history pages before id + 1). */
    id: messageIdSchema,
    /** The direct conversation's other user; absent on a group message and a broadcast. */
    peer: usernameSchema.optional(),
    /** The group of a group message, with its name now; absent on a direct message. */
    group: groupIdSchema.optional(),
    groupName: groupNameSchema.optional(),
    /** A broadcast (the Everyone conversation): `id` is the broadcast's, of its own sequence. */
    everyone: z.literal(true).optional(),
    from: usernameSchema,
    sentAt: timestampSchema,
    /** A stretch of the message's text around the match (the whole text when short), plain text. */
    snippet: z.string().max(TEXT_MAX_LENGTH * 2),
    /** The matched words in `snippet`: [start, end) in UTF-16 code units, in order, not overlapping. */
    marks: z
      .array(z.tuple([z.number().int().nonnegative(), z.number().int().positive()]))
      .max(TEXT_MAX_LENGTH),
  })
  .refine((hit) => [hit.peer, hit.group, hit.everyone].filter((c) => c !== undefined).length === 1, {
    message: 'a search hit is in a direct conversation (peer), a group or the broadcasts (everyone)',
    path: ['peer'],
  })
  .refine((hit) => (hit.group === undefined) === (hit.groupName === undefined), {
    message: 'a group hit names its group',
    path: ['groupName'],
  });
export type SearchHit = z.infer<typeof searchHitSchema>;

export const userEntrySchema = z.object({ name: usernameSchema, online: z.boolean() });
export type UserEntry = z.infer<typeof userEntrySchema>;

export const limitsSchema = z.object({
  maxFrameBytes: z.number().int(),
  usernameMaxLength: z.number().int(),
  passwordMaxLength: z.number().int(),
  textMaxLength: z.number().int(),
  /** Seconds after sending during which a message may be edited (the server's `--edit-window`). */
  editWindowSeconds: z.number().int().nonnegative().optional(),
  /** The largest file the server takes (`--max-file-bytes`); absent from servers without files. */
  maxFileBytes: z.number().int().positive().optional(),
});

// ---------------------------------------------------------------------------------------------
// Requests: for every request type, the schema of its parameters and of its successful result.

const empty = z.object({});

export const requests = {
  /** Must be the first frame on a connection. */
  hello: {
    params: z.object({ version: z.number().int(), client: z.string().max(64).optional() }),
    result: z.object({
      version: z.number().int(),
      server: z.string(),
      openRegistration: z.boolean(),
      /** Seconds without a command after which the server logs a user out. */
      timeoutSeconds: z.number().nonnegative(),
      limits: limitsSchema,
    }),
  },
  login: {
    params: z.object({
      username: usernameSchema,
      password: passwordSchema,
      /** Port of this client's private-chat listener, if it has one. */
      p2pPort: portSchema.optional(),
      /** This client's X25519 public key for end-to-end encrypted private chats. */
      publicKey: publicKeySchema.optional(),
      /**
       * False: this session is sent no `presence` events (a headless client that never shows
       * them: a bot, a load generator). Default true. Its own logins and logouts are still
       * announced to the others.
       */
      presence: z.boolean().optional(),
    }),
    result: z.object({ username: usernameSchema, pendingOffline: z.number().int().nonnegative() }),
  },
  /**
   * Whether an account exists, so a client can say "Invalid Username" before asking for a password
   * (as the report's terminal client does). Login's `unknown_user` reveals the same fact.
   */
  checkuser: {
    params: z.object({ username: usernameSchema }),
    result: z.object({ exists: z.boolean() }),
  },
  register: {
    params: z.object({ username: usernameSchema, password: passwordSchema }),
    result: z.object({ username: usernameSchema }),
  },
  message: {
    params: z
      .object({
        to: usernameSchema.optional(),
        /** A group this user is a member of, instead of `to`. */
        group: groupIdSchema.optional(),
        /** Optional only with a file (its caption); a message has text, a file, or both. */
        text: textSchema.optional(),
        /** A finished upload of this user's (`upload_chunk` said `complete`): the message carries its file. */
        file: uploadIdSchema.optional(),
        /**
         * Idempotency key chosen by the sender: a retry with the same key returns the stored message
         * instead of storing it twice, so a client can resend after losing the reply.
         */
        clientId: clientIdSchema.optional(),
        /** The id of a message of this conversation that this one answers (quoted with it). */
        replyTo: messageIdSchema.optional(),
      })
      .refine(oneTo.check, oneTo.message)
      .refine((params) => params.text !== undefined || params.file !== undefined, {
        message: 'a message needs text, a file, or both',
        path: ['text'],
      }),
    /**
     * `online`: the recipient (of a group: some other member) was online. `recipients`: for a group
     * message, the members it was sent to (those who blocked the sender are not).
     */
    result: z.object({
      message: directMessageSchema,
      online: z.boolean(),
      recipients: z.array(usernameSchema).max(GROUP_MEMBERS_MAX).optional(),
    }),
  },
  /** Changes the text of a direct message this user sent, within the server's edit window. */
  edit: {
    /** `messageId`, not `id`: `id` is the request's own id. */
    params: z.object({ messageId: messageIdSchema, text: textSchema }),
    result: z.object({ message: directMessageSchema }),
  },
  /** Deletes a direct message this user sent, for both sides: its text is erased. */
  delete: {
    params: z.object({ messageId: messageIdSchema }),
    result: z.object({ message: directMessageSchema }),
  },
  /**
   * Adds (`add: true`) or removes this user's reaction `emoji` on a message of a conversation of
   * theirs, whoever sent it. Adding one already there or removing one not there changes nothing.
   */
  react: {
    params: z.object({ messageId: messageIdSchema, emoji: reactionEmojiSchema, add: z.boolean() }),
    result: z.object({ message: directMessageSchema }),
  },
  broadcast: {
    params: z.object({ text: textSchema }),
    result: z.object({
      delivered: z.number().int().nonnegative(),
      /** Online users who did not get it because they blocked the sender. */
      blockedBy: z.number().int().nonnegative(),
      sentAt: timestampSchema,
      /** The stored broadcast's id, as `broadcasts` pages will list it. */
      id: messageIdSchema,
    }),
  },
  /**
   * The broadcasts this user sent, or received while online (not those from senders it had blocked
   * then), newest page first; offline users never receive broadcasts, so none are listed for them.
   */
  broadcasts: {
    params: z.object({
      /** Only broadcasts with a smaller id; omit for the newest page. */
      before: messageIdSchema.optional(),
      limit: z.number().int().min(1).max(HISTORY_PAGE_MAX),
    }),
    /** Oldest first. */
    result: z.object({ broadcasts: z.array(broadcastMessageSchema), hasMore: z.boolean() }),
  },
  whoelse: { params: empty, result: z.object({ users: z.array(usernameSchema) }) },
  whoelsesince: {
    params: z.object({ seconds: z.number().int().min(0).max(WHOELSESINCE_MAX_SECONDS) }),
    result: z.object({ users: z.array(usernameSchema) }),
  },
  block: { params: z.object({ user: usernameSchema }), result: empty },
  unblock: { params: z.object({ user: usernameSchema }), result: empty },
  blocked: { params: empty, result: z.object({ users: z.array(usernameSchema) }) },
  startprivate: {
    params: z.object({ user: usernameSchema }),
    result: z.object({
      user: usernameSchema,
      host: z.string().max(255),
      port: portSchema,
      credential: credentialSchema,
      /** The peer's public key as the server knows it from the peer's login. */
      publicKey: publicKeySchema.optional(),
      expiresAt: timestampSchema,
    }),
  },
  /** Tells the server the user did something it does not see (a private message): resets the idle timer. */
  activity: { params: empty, result: empty },
  /** Acknowledges every direct message to this user with id ≤ upTo; unacknowledged ones are redelivered at next login. */
  ack: { params: z.object({ upTo: messageIdSchema }), result: empty },
  history: {
    params: z
      .object({
        peer: usernameSchema.optional(),
        group: groupIdSchema.optional(),
        /** Only messages with a smaller id; omit for the newest page. */
        before: messageIdSchema.optional(),
        limit: z.number().int().min(1).max(HISTORY_PAGE_MAX),
      })
      .refine(onePeer.check, onePeer.message),
    /**
     * Oldest first; the receipt marks are the peer's on this user's messages; of a group, the
     * members' receipts on them (`receipts`, absent before this user sent any).
     */
    result: z
      .object({
        messages: z.array(directMessageSchema),
        hasMore: z.boolean(),
        receipts: groupReceiptsSchema.optional(),
      })
      .extend(receiptMarksSchema.shape),
  },
  conversations: {
    params: empty,
    /** `groups`: the groups this user is a member of (absent from servers without groups). */
    result: z.object({
      conversations: z.array(conversationSummarySchema),
      groups: z.array(groupSummarySchema).optional(),
    }),
  },
  markread: {
    params: z
      .object({ peer: usernameSchema.optional(), group: groupIdSchema.optional(), upTo: messageIdSchema })
      .refine(onePeer.check, onePeer.message),
    result: empty,
  },
  /** Creates a group with this user as its creator and first admin; `members` are the others. */
  group_create: {
    params: z.object({ name: groupNameSchema, members: userListSchema }),
    result: z.object({ group: groupInfoSchema }),
  },
  /** An admin adds users to the group. */
  group_add: {
    params: z.object({ group: groupIdSchema, users: userListSchema }),
    result: z.object({ group: groupInfoSchema }),
  },
  /** An admin removes a member (not the creator). */
  group_remove: {
    params: z.object({ group: groupIdSchema, user: usernameSchema }),
    result: z.object({ group: groupInfoSchema }),
  },
  /** An admin renames the group. */
  group_rename: {
    params: z.object({ group: groupIdSchema, name: groupNameSchema }),
    result: z.object({ group: groupInfoSchema }),
  },
  /** The creator makes a member an admin, or an admin a member again. */
  group_admin: {
    params: z.object({ group: groupIdSchema, user: usernameSchema, admin: z.boolean() }),
    result: z.object({ group: groupInfoSchema }),
  },
  /** This user leaves the group. */
  group_leave: {
    params: z.object({ group: groupIdSchema }),
    result: empty,
  },
  /**
   * The account's settings, stored by the server (they hold on every device). Each parameter given
   * changes that setting first; the result is the settings after it.
   */
  settings: {
    params: z.object({
      /** "Send read receipts": off, others are not told when this user reads, nor is this user told. */
      readReceipts: z.boolean().optional(),
    }),
    result: z.object({ readReceipts: z.boolean() }),
  },
  /**
   * Full-text search of the direct messages this user sent or received and of its groups' messages
   * (docs/protocol.md, "search"), newest first; `peer` or `group` limits it to one conversation;
   * `everyone` searches the broadcasts instead.
   */
  search: {
    params: z
      .object({
        query: searchQuerySchema,
        peer: usernameSchema.optional(),
        group: groupIdSchema.optional(),
        /** Only the broadcasts this user sent or received (their ids are of their own sequence). */
        everyone: z.literal(true).optional(),
        /** Only messages with a smaller id: the last id of the previous page. Omit for the newest. */
        before: messageIdSchema.optional(),
        limit: z.number().int().min(1).max(SEARCH_PAGE_MAX),
      })
      .refine(
        (params) => [params.peer, params.group, params.everyone].filter((c) => c !== undefined).length <= 1,
        {
          message: 'name at most one of peer, group and everyone',
          path: ['group'],
        },
      ),
    result: z.object({ results: z.array(searchHitSchema), hasMore: z.boolean() }),
  },
  users: {
    params: z.object({
      prefix: z.string().max(USERNAME_MAX_LENGTH),
      limit: z.number().int().min(1).max(USER_SEARCH_MAX_RESULTS),
    }),
    result: z.object({ users: z.array(userEntrySchema) }),
  },
  logout: { params: empty, result: empty },
  /**
   * Starts uploading a file (docs/protocol.md, "Files"), or resumes this user's unfinished upload
   * of the same content (same sha256 and size): `offset` is where to go on, 0 for a new one.
   */
  upload_start: {
    params: z.object({
      name: uploadNameSchema,
      size: uploadSizeSchema,
      sha256: sha256HexSchema,
      mime: fileMimeSchema,
    }),
    result: z.object({ upload: uploadIdSchema, offset: z.number().int().nonnegative() }),
  },
  /**
   * The bytes of an upload at `offset`, which must be where it stands (`wrong_offset` otherwise).
   * The chunk that completes it is answered once the whole file matched its sha256 (`complete`):
   * then the upload id can be attached to messages (`message`'s `file`) until it expires.
   */
  upload_chunk: {
    params: z.object({
      upload: uploadIdSchema,
      offset: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
      data: chunkDataSchema,
    }),
    result: z.object({ received: z.number().int().nonnegative(), complete: z.boolean() }),
  },
  /**
   * Drops an upload of yours, finished or not (the app's Cancel): its partial file goes, and it no
   * longer counts against the unfinished uploads you may have. A message that carries it keeps its file.
   */
  upload_cancel: {
    params: z.object({ upload: uploadIdSchema }),
    result: empty,
  },
  /**
   * Up to `length` bytes of the file of message `messageId` from `offset` (fewer only at its end),
   * for a user who may see that message and has not blocked its sender.
   */
  download_chunk: {
    params: z.object({
      messageId: messageIdSchema,
      offset: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
      length: z.number().int().min(1).max(FILE_CHUNK_MAX_BYTES),
    }),
    result: z.object({ data: base64Schema(FILE_CHUNK_MAX_BYTES) }),
  },
  /**
   * "I am typing to `to`" (or stopped: `typing: false`). Relayed to `to` if online, never stored.
   * A group chat will name its conversation in a field of its own instead of `to`.
   */
  typing: {
    params: z
      .object({ to: usernameSchema.optional(), group: groupIdSchema.optional(), typing: z.boolean() })
      .refine(oneTo.check, oneTo.message),
    result: empty,
  },
} as const;

export type RequestType = keyof typeof requests;
export const requestTypes = Object.keys(requests) as RequestType[];
export type RequestParams<T extends RequestType> = z.infer<(typeof requests)[T]['params']>;
export type RequestResult<T extends RequestType> = z.infer<(typeof requests)[T]['result']>;
export type RequestFrame<T extends RequestType = RequestType> = {
  [K in T]: { type: K; id: number } & RequestParams<K>;
}[T];

/** Requests accepted before login (after hello). Everything else needs a logged-in session. */
export const preLoginRequests: ReadonlySet<RequestType> = new Set([
  'hello',
  'checkuser',
  'login',
  'register',
]);

/**
 * Requests a client sends on its own, not as something the person did: they do not reset the idle
 * timeout (docs/protocol.md, "Idle timeout"). Server and client core both read this list.
 */
export const passiveRequests: ReadonlySet<RequestType> = new Set(['ack', 'typing']);

// ---------------------------------------------------------------------------------------------
// Error codes: machine-readable; every client renders its own text.

export const errorCodes = [
  // framing and protocol
  'bad_frame', // not JSON, not an object, or missing type/id
  'frame_too_large', // over MAX_FRAME_BYTES; the connection is closed after this frame
  'unknown_type',
  'invalid_request', // parameters fail the schema; `message` names the field
  'hello_required',
  'unsupported_version',
  'login_required',
  'already_authenticated',
  'rate_limited',
  'internal_error',
  'unavailable', // the server cannot reach its database or its peers for now; retry in a moment
  'busy', // overloaded: nothing was stored; send the same frame again after `retryAfterMs` (required)
  // login and registration
  'unknown_user',
  'wrong_password', // `attemptsLeft` says how many tries remain before the account locks
  'wrong_password_locked', // this wrong password locked the account; `retryAfterMs` says for how long
  'account_locked', // locked by earlier failures; `retryAfterMs`
  'already_logged_in',
  'registration_closed',
  'username_taken',
  'username_look_alike', // confusable with an existing name (case-folded or the Unicode skeleton)
  // commands
  'self_target',
  'blocked_by_recipient',
  'not_blocked',
  'peer_offline',
  // edit, delete, reply and markread
  'unknown_message', // no such message in a conversation of this user (whether it exists is not told); markread: past the newest of that conversation
  'not_yours', // only the sender may edit or delete a message
  'message_deleted', // the message was deleted: it cannot be edited, deleted or reacted to
  'edit_window_passed', // edits are allowed only within the server's edit window after sending
  // groups
  'unknown_group', // no such group, or this user is not a member (whether it exists is not told)
  'not_admin', // only an admin may change the group (only its creator may name admins)
  'not_a_member', // group_remove/group_admin: the user named is not a member
  'group_full', // the group would have more than GROUP_MEMBERS_MAX members
  'too_many_groups', // this user created GROUPS_CREATED_MAX groups already
  // files
  'file_too_large', // upload_start: over the server's maxFileBytes (hello's limits)
  'invalid_file_name', // empty, too long, a path separator, a control character or ".."
  'too_many_uploads', // this user has UPLOADS_IN_PROGRESS_MAX unfinished uploads already
  'unknown_upload', // no such upload of this user's (expired, failed, or someone else's)
  'wrong_offset', // a chunk not at the upload's current offset; upload_start tells where it is
  'hash_mismatch', // the bytes received do not have the announced sha256: the upload is discarded
  'storage_full', // the server's disk is full: nothing of the chunk was kept; try later
  'unknown_file', // download: no file on a message this user may see
] as const;
export type ErrorCode = (typeof errorCodes)[number];

export const errorInfoSchema = z
  .object({
    code: z.enum(errorCodes),
    message: z.string(),
    attemptsLeft: z.number().int().nonnegative().optional(),
    retryAfterMs: z.number().int().nonnegative().optional(),
  })
  // A client can only honour `busy` knowing when to resend.
  .refine((info) => info.code !== 'busy' || (info.retryAfterMs ?? 0) > 0, {
    message: 'a busy error needs a positive retryAfterMs',
    path: ['retryAfterMs'],
  });
export type ErrorInfo = z.infer<typeof errorInfoSchema>;

// ---------------------------------------------------------------------------------------------
// Server → client frames.

export const replyFrameSchema = z.discriminatedUnion('ok', [
  z.object({ type: z.literal('reply'), id: requestIdSchema, ok: z.literal(true), result: z.unknown() }),
  z.object({ type: z.literal('reply'), id: requestIdSchema, ok: z.literal(false), error: errorInfoSchema }),
]);

export const serverEventSchemas = {
  /** Input that could not be tied to a request id. */
  error: z.object({ type: z.literal('error'), error: errorInfoSchema }),
  presence: z.object({
    type: z.literal('presence'),
    user: usernameSchema,
    online: z.boolean(),
    at: timestampSchema,
  }),
  /** A direct message to this user. `offline` is true when it was stored while the user was away. */
  message: z.object({ type: z.literal('message'), message: directMessageSchema, offline: z.boolean() }),
  /**
   * A message of this user's changed (edited, deleted, or its peer or a group member reacted):
   * `message` is its state now.
   * `revision` increases with every change of one message. Acknowledged like a message (`ack`
   * with `upTo` ≥ its id); unacknowledged changes to messages already delivered come again at the
   * next login, after the offline messages.
   */
  message_update: z.object({
    type: z.literal('message_update'),
    message: directMessageSchema,
    revision: z.number().int().positive(),
  }),
  broadcast: z.object({
    type: z.literal('broadcast'),
    /** The stored broadcast's id (see the `broadcasts` request). */
    id: messageIdSchema,
    from: usernameSchema,
    text: textSchema,
    sentAt: timestampSchema,
  }),
  /**
   * The delivery state of this user's messages to `peer` moved (coalesced: at most one frame per
   * conversation per RECEIPT_INTERVAL_MS). Watermarks only grow; a missing one did not change.
   */
  receipt: z.object({ type: z.literal('receipt'), peer: usernameSchema }).extend(receiptMarksSchema.shape),
  /**
   * The receipts of some members on this user's messages in `group` moved: each entry replaces that
   * member's (coalesced: at most one frame per group per RECEIPT_INTERVAL_MS, listing only the
   * members whose marks changed).
   */
  group_receipt: z.object({
    type: z.literal('group_receipt'),
    group: groupIdSchema,
    members: groupReceiptsSchema,
  }),
  /** Someone asked to open a private chat with this user: accept one connection presenting `credential`. */
  p2p_offer: z.object({
    type: z.literal('p2p_offer'),
    from: usernameSchema,
    credential: credentialSchema,
    publicKey: publicKeySchema.optional(),
    expiresAt: timestampSchema,
  }),
  /**
   * `from` is typing to this user (or stopped). Show it for `ttlMs` unless a refresh, a stop or a
   * message from `from` comes first. A relative time, so the clocks of server and client need not agree.
   */
  typing: z
    .object({
      type: z.literal('typing'),
      from: usernameSchema,
      typing: z.boolean(),
      ttlMs: z.number().int().min(1).max(TYPING_TTL_MAX_MS),
      /** Typing in this group (to its members), not to this user directly. */
      group: groupIdSchema.optional(),
    })
    // Strict: a group's notice carries `group`, and a client that predates groups must drop it,
    // not show it in the direct chat with `from`; a later field must be dropped likewise.
    .strict(),
  /**
   * A group of this user changed: created with this user in it, members added, removed or left,
   * renamed, admins named. `group` is the group as it is now; absent for a user who is no longer
   * a member (removed, or left on another device). `users` are the members the change concerns.
   */
  group: z.object({
    type: z.literal('group'),
    id: groupIdSchema,
    action: z.enum(['created', 'added', 'removed', 'left', 'renamed', 'admin']),
    by: usernameSchema,
    users: z.array(usernameSchema).max(GROUP_MEMBERS_MAX),
    group: groupInfoSchema.optional(),
  }),
  /** The server ended this session; the connection closes after this frame. */
  logged_out: z.object({ type: z.literal('logged_out'), reason: z.enum(['timeout', 'shutdown']) }),
} as const;

export type ServerEventType = keyof typeof serverEventSchemas;
export type ServerEvent<T extends ServerEventType = ServerEventType> = z.infer<
  (typeof serverEventSchemas)[T]
>;

export const serverFrameSchema = z.union([replyFrameSchema, ...Object.values(serverEventSchemas)]);
export type ReplyFrame = z.infer<typeof replyFrameSchema>;
export type ServerFrame = ReplyFrame | ServerEvent;

// ---------------------------------------------------------------------------------------------
// Peer-to-peer frames (client ↔ client, never through the server).

export const peerFrameSchemas = {
  /** First frame from the connecting side. */
  p2p_hello: z.object({
    type: z.literal('p2p_hello'),
    from: usernameSchema,
    credential: credentialSchema,
    publicKey: publicKeySchema.optional(),
  }),
  p2p_welcome: z.object({ type: z.literal('p2p_welcome'), publicKey: publicKeySchema.optional() }),
  /**
   * End-to-end encrypted private text: AES-256-GCM, base64 fields. There is no plaintext private
   * frame: clients refuse private text that is not sealed (see src/main/core/p2p-crypto.ts).
   */
  private_sealed: z.object({
    type: z.literal('private_sealed'),
    nonce: z.string().max(64),
    ciphertext: z.string().max(TEXT_MAX_LENGTH * 8),
    tag: z.string().max(64),
  }),
  /**
   * A sealed file message (same channel and nonce counter as private_sealed, its own AAD). The
   * plaintext is one kind byte, then: 1 = a PeerFileControl as UTF-8 JSON; 2 = a chunk: the
   * 22-character transfer id in ASCII, then at most P2P_FILE_CHUNK_BYTES of the file.
   */
  file_sealed: z.object({
    type: z.literal('file_sealed'),
    nonce: z.string().max(64),
    ciphertext: z.string().max(56 * 1024),
    tag: z.string().max(64),
  }),
  stop: z.object({ type: z.literal('stop') }),
} as const;

/**
 * The control messages inside file_sealed: the sender offers a file (then sends its chunks in
 * order), ends it with the SHA-256 of what it sent, the receiver confirms with `received` after
 * checking size and hash; either side may cancel (`reason` set: it failed, absent: a person cancelled).
 */
export const peerFileControlSchema = z.discriminatedUnion('t', [
  fileOfferSchema.extend({ t: z.literal('offer'), id: transferIdSchema }),
  z.object({ t: z.literal('end'), id: transferIdSchema, sha256: sha256HexSchema }),
  z.object({ t: z.literal('received'), id: transferIdSchema }),
  z.object({ t: z.literal('cancel'), id: transferIdSchema, reason: fileFailReasonSchema.optional() }),
]);
export type PeerFileControl = z.infer<typeof peerFileControlSchema>;

export const peerFrameSchema = z.discriminatedUnion('type', Object.values(peerFrameSchemas) as never);
export type PeerFrame = {
  [K in keyof typeof peerFrameSchemas]: z.infer<(typeof peerFrameSchemas)[K]>;
}[keyof typeof peerFrameSchemas];
