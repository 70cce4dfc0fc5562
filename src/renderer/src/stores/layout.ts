import { defineStore } from 'pinia';
import { ref } from 'vue';

/**
 * What the main window shows when it is too narrow for everything at once (styles.css decides the
 * sizes): at 900 px and less the people panel is a drawer opened from the People button; at 640 px and
 * less there is one column, the conversation list or the open chat. In a wide window the panels are
 * side by side and this state is ignored.
 */
export type NarrowView = 'list' | 'chat';

export const useLayoutStore = defineStore('layout', () => {
  /** The column shown in a one-column window. */
  const view = ref<NarrowView>('list');
  /** Whether the people drawer is open (a narrow window). */
  const peopleOpen = ref(false);

  function showChat(): void {
    view.value = 'chat';
    peopleOpen.value = false;
  }

  function showList(): void {
    view.value = 'list';
  }

  /** The button that opened the drawer (sidebar or chat header): focus returns to it on close. */
  let opener: HTMLElement | null = null;

  function togglePeople(from: HTMLElement | null): void {
    opener = from;
    peopleOpen.value = !peopleOpen.value;
  }

  /** Closes the drawer from inside it (Escape, its Close button, the backdrop). */
  function closePeople(): void {
    peopleOpen.value = false;
    opener?.focus();
  }

  function reset(): void {
    view.value = 'list';
    peopleOpen.value = false;
  }

  return { view, peopleOpen, showChat, showList, togglePeople, closePeople, reset };
});
