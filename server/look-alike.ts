/**
 * Look-alike usernames. Names are case-sensitive and shown as written, so `Ieia` (capital i) next to
 * `leia`, or `YODA` next to `yoda`, would let one user pass for another. Registration refuses a
 * name whose keys equal an existing user's (server/accounts.ts); names themselves stay as written.
 */
import unhomoglyph from 'unhomoglyph';

/**
 * The UTS #39 skeleton: NFD, each character replaced by its prototype from the Unicode confusables
 * data, NFD again. Two strings with the same skeleton are confusable. Not for display.
 */
export function skeleton(text: string): string {
  return unhomoglyph(text.normalize('NFD')).normalize('NFD');
}

/**
 * Two keys, because case folding and the skeleton do not commute: the skeleton maps capital `I` to
 * `l`, folding maps it to `i`, and a case-sensitive name written `Ieia` looks like `leia` while
 * differing from `ieia` only in case. So a name is a look-alike of another when either key matches:
 * - asWritten, the skeleton of the name as written, then lower-cased: `Ieia` ≈ `leia`, `Y0DA` ≈ `yoda`;
 * - folded, the skeleton of the lower-cased name, lower-cased: `YODA` ≈ `yoda`, `Ieia` ≈ `ieia`.
 */
export interface LookAlikeKeys {
  asWritten: string;
  folded: string;
}

export function lookAlikeKeys(name: string): LookAlikeKeys {
  return {
    asWritten: skeleton(name).toLowerCase(),
    folded: skeleton(name.toLowerCase()).toLowerCase(),
  };
}
