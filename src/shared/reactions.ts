/**
 * The reactions a message can get: a small fixed set, the same for the server, every client and
 * docs/protocol.md. Each user has at most one of each per message. The names are what the app
 * reads out ("Reacted with thumbs up: alice").
 */
export const REACTIONS = [
  { emoji: '👍', name: 'thumbs up' },
  { emoji: '❤️', name: 'heart' },
  { emoji: '😂', name: 'laughing' },
  { emoji: '😮', name: 'surprised' },
  { emoji: '😢', name: 'sad' },
  { emoji: '🙏', name: 'thank you' },
] as const;

export type ReactionEmoji = (typeof REACTIONS)[number]['emoji'];

export const REACTION_EMOJI = REACTIONS.map((reaction) => reaction.emoji) as [
  ReactionEmoji,
  ...ReactionEmoji[],
];

/** The spoken name of an emoji of the set. */
export function reactionName(emoji: ReactionEmoji): string {
  return REACTIONS.find((reaction) => reaction.emoji === emoji)?.name ?? emoji;
}

/** Where an emoji sits in the set: reactions are listed in this order. */
export function reactionOrder(emoji: string): number {
  return REACTION_EMOJI.indexOf(emoji as ReactionEmoji);
}
