/**
 * Who may change a group, and how: the rules both adapters apply inside the transaction that makes
 * the change, to the group as they read it there (so a check and its write cannot be separated by
 * another change). Pure functions: a refusal, or what to write.
 */
import type { GroupInfo } from '../../src/shared/protocol.js';
import type { GroupLimits, GroupRefusal } from './store.js';

/** A group as stored: its members in the order they joined. */
export interface GroupState {
  id: number;
  name: string;
  creator: string;
  members: { name: string; admin: boolean }[];
}

export type Refused = { refused: GroupRefusal };

export function groupInfo(state: GroupState): GroupInfo {
  const members = [...state.members].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { id: state.id, name: state.name, creator: state.creator, members };
}

const member = (state: GroupState, name: string) => state.members.find((m) => m.name === name);

/** The members of a new group besides its creator, or why it cannot be made. */
export function planCreate(
  creator: string,
  members: readonly string[],
  created: number,
  limits: GroupLimits,
): string[] | Refused {
  if (created >= limits.maxCreated) return { refused: 'too_many_groups' };
  const others = [...new Set(members)].filter((name) => name !== creator);
  if (others.length + 1 > limits.maxMembers) return { refused: 'group_full' };
  return others;
}

/** `by` must be a member (else the group is unknown to it) and an admin. */
function requireAdmin(state: GroupState | undefined, by: string): Refused | undefined {
  const self = state && member(state, by);
  if (!self) return { refused: 'unknown_group' };
  if (!self.admin) return { refused: 'not_admin' };
  return undefined;
}

/** The users to add: those not members yet. */
export function planAdd(
  state: GroupState | undefined,
  by: string,
  users: readonly string[],
  limits: GroupLimits,
): string[] | Refused {
  const refusal = requireAdmin(state, by);
  if (refusal || !state) return refusal ?? { refused: 'unknown_group' };
  const added = [...new Set(users)].filter((name) => !member(state, name));
  if (state.members.length + added.length > limits.maxMembers) return { refused: 'group_full' };
  return added;
}

/** An admin removes a member; the creator cannot be removed. */
export function planRemove(state: GroupState | undefined, by: string, user: string): Refused | undefined {
  const refusal = requireAdmin(state, by);
  if (refusal || !state) return refusal ?? { refused: 'unknown_group' };
  if (!member(state, user)) return { refused: 'not_a_member' };
  if (user === state.creator && user !== by) return { refused: 'not_admin' };
  return undefined;
}

/**
 * A member leaves (or is removed): the member to make admin, when none would be left otherwise
 * (the longest-standing one), so a group never ends up with nobody able to change it.
 */
export function successorAdmin(state: GroupState, leaving: string): string | undefined {
  const rest = state.members.filter((m) => m.name !== leaving);
  if (rest.length === 0 || rest.some((m) => m.admin)) return undefined;
  return rest[0]?.name;
}

export function planRename(state: GroupState | undefined, by: string): Refused | undefined {
  return requireAdmin(state, by);
}

/** Only the creator names admins; the creator stays one. */
export function planSetAdmin(
  state: GroupState | undefined,
  by: string,
  user: string,
  admin: boolean,
): Refused | undefined {
  if (!state || !member(state, by)) return { refused: 'unknown_group' };
  if (by !== state.creator) return { refused: 'not_admin' };
  if (!member(state, user)) return { refused: 'not_a_member' };
  if (user === state.creator && !admin) return { refused: 'not_admin' };
  return undefined;
}

/** The conversation key of a group's messages (a direct pair's key always holds a newline). */
export function groupKey(id: number): string {
  return `#${id}`;
}
