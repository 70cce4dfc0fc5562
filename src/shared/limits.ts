/**
 * Every size and count limit the protocol promises. Server, clients and docs/protocol.md all read
 * these constants, so a limit is changed in exactly one place.
 */
export const PROTOCOL_VERSION = 1;

/** Largest frame, in bytes of UTF-8 including the trailing newline. Longer input closes the connection. */
export const MAX_FRAME_BYTES = 64 * 1024;

/** Usernames: 1 to 32 characters from this set (case-sensitive, as in the report). */
export const USERNAME_MAX_LENGTH = 32;
export const USERNAME_PATTERN = /^[A-Za-z0-9_.-]+$/;

/** Passwords: 1 to 128 characters, no whitespace at either end is stripped; any character allowed. */
export const PASSWORD_MAX_LENGTH = 128;

/**
 * Message text (direct, broadcast and private): 1 to 4000 characters, counted as Unicode code points
 * (`textLength`), so an emoji is one character like a letter. Server, app and terminal client count
 * the same way; the frame limit above stays in bytes.
 */
export const TEXT_MAX_LENGTH = 4000;

/** A text's length in characters (Unicode code points), the unit of TEXT_MAX_LENGTH. */
export function textLength(text: string): number {
  let length = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    // A high surrogate followed by a low one is one code point: count it once.
    if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
    }
    length++;
  }
  return length;
}

/** A reply's quote of the original: at most this many characters of its text (see `replyTo`). */
export const REPLY_EXCERPT_MAX = 200;

/** Edits are allowed this long after a message was sent unless the server sets `--edit-window`: 48 hours. */
export const DEFAULT_EDIT_WINDOW_SECONDS = 48 * 60 * 60;

/** The first `max` characters (code points, as textLength counts) of text. */
export function excerpt(text: string, max: number): string {
  if (text.length <= max) return text;
  return Array.from(text).slice(0, max).join('');
}

/** whoelsesince window: 0 to one year, in whole seconds. */
export const WHOELSESINCE_MAX_SECONDS = 365 * 24 * 60 * 60;

/** History page size. */
export const HISTORY_PAGE_MAX = 500;

/** User search: prefix length and result count. */
export const USER_SEARCH_MAX_RESULTS = 50;

/** Request ids are positive integers up to this value (fits in 32 bits on every client). */
export const MAX_REQUEST_ID = 2 ** 31 - 1;

/** How long a private-chat introduction credential stays valid before the peer must have used it. */
export const P2P_CREDENTIAL_TTL_MS = 60_000;

/**
 * Receipts (delivered, read) for one conversation reach the sender at most once per this many
 * milliseconds: every change within it travels as one `receipt` frame, never one per message.
 */
export const RECEIPT_INTERVAL_MS = 100;

/** Conversations whose receipts wait for the next interval, per server node; past it they are dropped (the sender sees them at its next history or conversations request). */
export const MAX_PENDING_RECEIPTS = 100_000;

/**
 * Typing notices (`typing` request and event, docs/protocol.md). A receiving client shows "… is
 * typing" for TYPING_TTL_MS after the last notice unless a refresh, a stop or a message from the
 * typer comes first; a typing client refreshes every TYPING_REFRESH_MS while the person types, so
 * one lost or late refresh does not make the indicator flicker.
 */
export const TYPING_TTL_MS = 6_000;
export const TYPING_REFRESH_MS = 3_000;
/** The longest `ttlMs` a client accepts from a server: a bad value cannot pin the indicator. */
export const TYPING_TTL_MAX_MS = 60_000;
/**
 * Typing notices a connection may send: a burst of TYPING_BURST, refilled at TYPING_PER_SECOND.
 * A client that refreshes every TYPING_REFRESH_MS and says stop when the person stops sends far
 * fewer, even while switching between chats; past it the server answers `rate_limited`.
 */
export const TYPING_BURST = 5;
export const TYPING_PER_SECOND = 1;

/**
 * Reaction changes (`react`) a connection may send: a burst of REACTION_BURST, refilled at
 * REACTION_PER_SECOND; past it the server answers `rate_limited` with `retryAfterMs`. A person
 * clicking reactions stays far below it.
 */
export const REACTION_BURST = 10;
export const REACTION_PER_SECOND = 2;
/**
 * Users listed per emoji of one message on the wire. A direct message has at most two; a group
 * message may have more, and then lists the first REACTION_USERS_MAX with the total in `count`. The
 * bound keeps a message with every emoji and the longest text inside one frame.
 */
export const REACTION_USERS_MAX = 64;
/**
 * Group conversations (docs/protocol.md, "Groups"): at most GROUP_MEMBERS_MAX members, the creator
 * included; a name of 1 to GROUP_NAME_MAX_LENGTH characters (code points, as `textLength` counts);
 * each user may have created at most GROUPS_CREATED_MAX groups (those it left still count), so one
 * account cannot fill the database with groups.
 */
export const GROUP_MEMBERS_MAX = 256;
export const GROUP_NAME_MAX_LENGTH = 64;
export const GROUPS_CREATED_MAX = 100;

/**
 * Message search (`search` request): the query's length in characters, how many words it may hold
 * (each word costs the engine one index lookup) and the page size.
 */
export const SEARCH_QUERY_MAX_LENGTH = 200;
export const SEARCH_MAX_TERMS = 8;
export const SEARCH_PAGE_MAX = 50;
/** A result's snippet: at most this many words of the message around the match (the engine cuts it). */
export const SEARCH_SNIPPET_WORDS = 16;

/**
 * Files (private chats now, server files later): at most FILE_MAX_BYTES each (25 MiB); names of 1
 * to FILE_NAME_MAX_LENGTH characters without path separators or control characters. The renderer
 * hands a file to the core in pieces of at most FILE_API_CHUNK_BYTES (base64 on the API), one call
 * at a time; at most FILE_TRANSFERS_MAX transfers run at once in each direction.
 */
export const FILE_MAX_BYTES = 25 * 1024 * 1024;
export const FILE_NAME_MAX_LENGTH = 255;
export const FILE_API_CHUNK_BYTES = 48 * 1024;
export const FILE_TRANSFERS_MAX = 4;
/** A MIME type as the sender says it (informative only: the receiver never runs or renders files by it). */
export const FILE_MIME_MAX_LENGTH = 127;
/** An image's inline thumbnail, made by the sending app: a small JPEG or WebP of at most this many bytes. */
export const FILE_THUMBNAIL_MAX_BYTES = 24 * 1024;
/**
 * File bytes per sealed peer frame: its base64 ciphertext stays well inside MAX_FRAME_BYTES
 * (32 KiB become about 43.7 KB of base64).
 */
export const P2P_FILE_CHUNK_BYTES = 32 * 1024;
/**
 * Server files (docs/protocol.md, "Files"): the server's own maximum is `--max-file-bytes` (default
 * FILE_MAX_BYTES; hello's `limits.maxFileBytes` says which). A file travels in chunks of at most
 * FILE_CHUNK_MAX_BYTES, base64 in one frame each: 45 KiB is 61,440 base64 characters, which leaves
 * room for the rest of the frame under MAX_FRAME_BYTES.
 */
export const FILE_CHUNK_MAX_BYTES = 45 * 1024;
/**
 * The flow-control window: a client keeps at most this many chunk requests (upload or download)
 * unanswered on one connection. The server handles one request of a connection at a time and
 * stops reading the socket meanwhile, so a larger window only fills kernel buffers.
 */
export const FILE_WINDOW_CHUNKS = 8;
/** Chunk requests a connection may send per second (a burst of as many): about 45 MiB/s each way. */
export const FILE_CHUNKS_PER_SECOND = 1000;
/** Unfinished uploads one user may have at once (on every device together). */
export const UPLOADS_IN_PROGRESS_MAX = 4;
/**
 * The app downloads images in direct and group chats up to this size by itself, to show them inline
 * (their thumbnail is made from the downloaded bytes); larger images and other files on a click.
 */
export const FILE_IMAGE_AUTO_DOWNLOAD_BYTES = 5 * 1024 * 1024;
/**
 * An upload not finished this long after it started is removed with its partial data, and a
 * finished one can be attached to messages until then (the server's `--upload-expiry`): 24 hours.
 */
export const UPLOAD_EXPIRY_SECONDS = 24 * 60 * 60;
