/**
 * Makes a line safe for a terminal. Message texts, names and server error messages come from other
 * people, and a terminal obeys what it is sent: ESC and BEL sequences clear the screen, set the
 * window title or hide text, a bare carriage return overwrites the start of the line, bidi
 * overrides reorder what is shown, and a newline starts a line that could pass for a new message.
 */

/**
 * Starts each continuation line of a multi-line text. Every other line the client prints starts with
 * a username (letters, digits, "_", "." or "-", see USERNAME_PATTERN in src/shared/limits.ts) or one
 * of the client's own texts, never with a space, so a continuation cannot pass for a new message.
 */
export const CONTINUATION = '  | ';

/**
 * Control characters (C0, DEL, C1), format characters (bidi overrides and isolates, zero-width
 * characters, tag characters), line and paragraph separators, lone surrogates and the other
 * default-ignorable (invisible) code points. Kept as they are: variation selectors (they pick an
 * emoji's or a CJK character's look and cannot hide or move text) and a zero-width joiner between two
 * pictographs, which is how emoji such as 👩‍💻 are written.
 */
const UNSAFE =
  /(?!(?<=\p{Extended_Pictographic}[\uFE0F\p{Emoji_Modifier}]?)\u200D(?=\p{Extended_Pictographic}))[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}\p{Default_Ignorable_Code_Point}](?<!\p{Variation_Selector})/gu;

/** "\x1b" up to U+00FF, "\u202e" up to U+FFFF, "\u{e0041}" beyond. */
function visibleEscape(char: string): string {
  const code = char.codePointAt(0) ?? 0;
  const hex = code.toString(16);
  if (code <= 0xff) return `\\x${hex.padStart(2, '0')}`;
  return code <= 0xffff ? `\\u${hex.padStart(4, '0')}` : `\\u{${hex}}`;
}

/** The text with every unsafe character shown as a visible escape; a newline included. */
export function escapeUnsafe(text: string): string {
  return text.replace(UNSAFE, visibleEscape);
}

/**
 * One printed line, ready for the terminal: unsafe characters escaped, and each line break (LF or
 * CRLF) followed by the continuation marker. Text without such characters comes back unchanged, so
 * the report's texts print exactly as they are.
 */
export function terminalLine(text: string): string {
  return text.split(/\r?\n/).map(escapeUnsafe).join(`\n${CONTINUATION}`);
}
