/**
 * Typing notices: "alice is typing" relayed to the peer's node over the bus like any live frame,
 * and never stored. The only store access is the unknown_user check, and only when the peer is
 * not online (an online peer exists). Both block checks read the block lists held in memory for
 * each node's own users (server/blocks.ts): the typer's on the sending node, the peer's on the
 * receiving one, so a block set a moment ago on another node is honoured.
 */
import { TYPING_BURST, TYPING_PER_SECOND, TYPING_TTL_MS } from '../src/shared/limits.js';
import type { ServerEvent } from '../src/shared/protocol.js';
import type { Accounts } from './accounts.js';
import type { Blocks } from './blocks.js';
import type { Bus } from './bus/bus.js';
import { Allowance } from './limits.js';
import { requireOther, unknownUser } from './messages.js';

/** One connection's allowance of typing notices (TYPING_BURST, refilled at TYPING_PER_SECOND). */
export class TypingAllowance extends Allowance {
  constructor() {
    super(TYPING_PER_SECOND, TYPING_BURST);
  }
}

/**
 * Sends `from`'s notice to `to` if `to` is online. Nothing reaches a user `from` has blocked:
 * typing would tell them `from` is online, which presence hides from them.
 */
export async function relayTyping(
  services: { bus: Pick<Bus, 'deliver'>; blocks: Blocks; accounts: Pick<Accounts, 'exists'> },
  from: string,
  to: string,
  typing: boolean,
): Promise<void> {
  requireOther(from, to);
  // Only an existing user can have been blocked, so this skips the existence check safely.
  if (services.blocks.cachedHas(from, to) === true) return;
  const frame: ServerEvent<'typing'> = { type: 'typing', from, typing, ttlMs: TYPING_TTL_MS };
  if (await services.bus.deliver(to, frame)) return;
  if (!(await services.accounts.exists(to))) throw unknownUser(to);
}

/**
 * On the receiving node: does `to` (a user of this node) take typing notices from `from`? Not
 * when `to` has blocked `from`, nor while `to`'s block list is still loading at login.
 */
export function acceptsTyping(blocks: Blocks, to: string, from: string): boolean {
  return blocks.cachedHas(to, from) === false;
}
