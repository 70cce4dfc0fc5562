/**
 * Files to send from a drop or a paste (and the file picker, FileAttach.vue), for a chat view (the
 * private-chat window, the main window's direct and group chats). Pasted text goes into the
 * composer as usual.
 */
import { ref } from 'vue';

export function useFileDrop(
  /** Whether files can be sent now (the chat is open). */
  enabled: () => boolean,
  /** Sends each file in turn. */
  send: (files: File[]) => Promise<void>,
) {
  /** A drag with files is over the view (it shows where to drop). */
  const dropping = ref(false);

  function sendAll(list: FileList | File[] | null | undefined): void {
    if (list && enabled()) void send(Array.from(list));
  }

  function hasFiles(e: DragEvent): boolean {
    return e.dataTransfer?.types.includes('Files') ?? false;
  }

  function onDragOver(e: DragEvent): void {
    if (!hasFiles(e) || !enabled()) return;
    e.preventDefault();
    dropping.value = true;
  }

  function onDrop(e: DragEvent): void {
    dropping.value = false;
    if (!hasFiles(e)) return;
    e.preventDefault();
    sendAll(e.dataTransfer?.files);
  }

  /** A pasted image (or file) is sent; pasted text goes into the composer as usual. */
  function onPaste(e: ClipboardEvent): void {
    const pasted = Array.from(e.clipboardData?.files ?? []);
    if (pasted.length === 0) return;
    e.preventDefault();
    sendAll(pasted);
  }

  return { dropping, sendAll, onDragOver, onDrop, onPaste };
}
