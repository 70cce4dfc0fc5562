/**
 * What can be done with a person, as menu actions (people panel and chat header): each action's text
 * names the person, so every item has its own accessible name.
 */
import type { MenuAction } from './components/ActionMenu.vue';
import { useBlockedStore } from './stores/blocked';
import { useConversationsStore } from './stores/conversations';
import { useLayoutStore } from './stores/layout';
import { usePrivateStore } from './stores/private';
import { useToastsStore } from './stores/toasts';

/** Blocks or unblocks `user`; a failure is shown as a toast (the Blocked users dialog may be closed). */
export async function setBlockedFromMenu(user: string, block: boolean): Promise<void> {
  const blocked = useBlockedStore();
  const done = block ? await blocked.block(user) : await blocked.unblock(user);
  if (!done && blocked.error) useToastsStore().show(blocked.error, 'error');
}

/** Opens the chat with `user` and shows it (even when it is the open one, behind the people drawer). */
function openChat(user: string): void {
  useConversationsStore().select(user);
  useLayoutStore().showChat();
}

export function personActions(user: string, options: { message: boolean }): MenuAction[] {
  const blocked = useBlockedStore();
  const actions: MenuAction[] = [];
  if (options.message) actions.push({ text: `Message ${user}`, run: () => openChat(user) });
  actions.push({ text: `Start private chat with ${user}`, run: () => void usePrivateStore().start(user) });
  if (blocked.isBlocked(user))
    actions.push({ text: `Unblock ${user}`, run: () => void setBlockedFromMenu(user, false) });
  else actions.push({ text: `Block ${user}`, run: () => void setBlockedFromMenu(user, true), danger: true });
  return actions;
}
