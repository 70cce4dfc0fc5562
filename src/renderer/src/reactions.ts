/**
 * A message's reactions as this user is shown them: without the users it blocked (in a group the
 * server sends every member the same list, docs/protocol.md "`react`"), each with how many reacted
 * (`count` when the server lists only the first of many). An emoji left with nobody is not shown.
 */
import type { Reaction } from '../../shared/protocol';
import { reactionName } from '../../shared/reactions';

export interface ShownReaction extends Reaction {
  /** How many users the chip counts: the listed ones, and those past the list. */
  total: number;
}

export function shownReactions(
  reactions: readonly Reaction[] | undefined,
  isBlocked: (name: string) => boolean,
): ShownReaction[] {
  const shown: ShownReaction[] = [];
  for (const reaction of reactions ?? []) {
    const users = reaction.users.filter((name) => !isBlocked(name));
    const total = (reaction.count ?? reaction.users.length) - (reaction.users.length - users.length);
    if (total > 0) shown.push({ emoji: reaction.emoji, users, total });
  }
  return shown;
}

/** What a screen reader hears for a chip: the emoji's name and who reacted (and how many more). */
export function reactionLabel(reaction: ShownReaction): string {
  const more = reaction.total - reaction.users.length;
  const names = reaction.users.join(', ') + (more > 0 ? ` and ${more} more` : '');
  return `Reacted with ${reactionName(reaction.emoji)}: ${names}`;
}
