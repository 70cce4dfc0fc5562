/** Key of the broadcast conversation. `*` is not allowed in usernames, so it never collides with a peer. */
export const EVERYONE = '*everyone';
export const EVERYONE_LABEL = 'Everyone';

/**
 * Key of a group's conversation: "#" and the group's id. `#` is not allowed in usernames either,
 * so it never collides with a peer (the client core keys group typing the same way).
 */
export function groupKey(id: number): string {
  return `#${id}`;
}

/** The group id of a conversation key, or undefined for a direct chat and Everyone. */
export function groupIdOf(key: string): number | undefined {
  return key.startsWith('#') ? Number(key.slice(1)) : undefined;
}

/** The conversation a message belongs to, as this user sees it: its group, or the other person. */
export function conversationKeyOf(
  message: { from: string; to?: string; group?: number },
  me: string | null,
): string {
  if (message.group !== undefined) return groupKey(message.group);
  return message.from === me ? (message.to ?? '') : message.from;
}
