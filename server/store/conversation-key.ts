/**
 * A direct conversation's key in both adapters' schemas: "a\nb" with a < b, one key for both
 * directions. A group conversation will get keys of its own kind beside these.
 */
export function pairKey(a: string, b: string): string {
  return a < b ? `${a}\n${b}` : `${b}\n${a}`;
}
