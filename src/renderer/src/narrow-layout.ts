/**
 * The main window's narrow-window behaviour (see stores/layout.ts): which column shows, the people
 * drawer, and where keyboard focus goes when either changes, so a keyboard or screen-reader user is
 * never left on something that just disappeared.
 */
import { nextTick, ref, watch } from 'vue';
import { useConversationsStore } from './stores/conversations';
import { useLayoutStore } from './stores/layout';
import { useSessionStore } from './stores/session';

export function useNarrowLayout() {
  const layout = useLayoutStore();
  const conversations = useConversationsStore();
  const session = useSessionStore();
  const sidebar = ref<HTMLElement | null>(null);
  const chatPane = ref<HTMLElement | null>(null);

  async function focusIn(root: HTMLElement | null, selector: string): Promise<void> {
    await nextTick();
    root?.querySelector<HTMLElement>(selector)?.focus();
  }

  // Opening a conversation (list, search, people panel, a notification) shows the chat. The first
  // selection after login is the default one: the list stays in front then.
  watch(
    () => conversations.active,
    (now, before) => {
      if (now !== null && before !== null) layout.showChat();
    },
  );
  watch(
    () => session.loggedIn,
    (loggedIn) => {
      if (!loggedIn) layout.reset();
    },
  );
  // The drawer closed because of something chosen in it (Message bob): focus was inside it and would
  // be lost with it, so it goes to the chat's composer.
  watch(
    () => layout.peopleOpen,
    async (open) => {
      if (open) return;
      await nextTick();
      const focused = document.activeElement;
      if (!(focused instanceof HTMLElement) || focused === document.body || !focused.checkVisibility())
        chatPane.value?.querySelector<HTMLElement>('textarea')?.focus();
    },
  );
  watch(
    () => layout.view,
    (view) => {
      if (view === 'chat') void focusIn(chatPane.value, 'textarea');
      else void focusIn(sidebar.value, '.conversation[aria-current="true"], .conversation');
    },
  );

  /** A click on an entry of the conversation list, even the open one, shows the chat. */
  function onListClick(e: MouseEvent): void {
    if (e.target instanceof Element && e.target.closest('.conversation')) layout.showChat();
  }

  return { layout, sidebar, chatPane, onListClick, closePeople: layout.closePeople };
}
