/**
 * Electron's "Save as…" for a received file: the save dialog (attached to the asking window) picks
 * the path, main copies the core's verified temp file there. The page only ever names the transfer;
 * no path from the renderer is used. A copy that fails (a full disk, a folder the user may not write
 * to) is said in an error box attached to the same window, with what to do.
 */
import { BrowserWindow, dialog } from 'electron';
import { copyFile } from 'node:fs/promises';
import type { CoreLike } from './dispatch.js';

export async function saveReceivedFile(core: CoreLike, transferId: string, senderId: number): Promise<void> {
  const file = core.receivedFile?.(transferId);
  if (!file) return;
  const owner = BrowserWindow.getAllWindows().find((window) => window.webContents.id === senderId);
  const options = { defaultPath: file.name, title: `Save ${file.name}` };
  const choice = owner ? await dialog.showSaveDialog(owner, options) : await dialog.showSaveDialog(options);
  if (choice.canceled || !choice.filePath) return;
  try {
    await copyFile(file.path, choice.filePath);
  } catch (error) {
    const box = {
      type: 'error' as const,
      message: `Could not save ${file.name}`,
      detail: `${saveProblem(error)} Choose another folder and try Save as… again.`,
    };
    await (owner ? dialog.showMessageBox(owner, box) : dialog.showMessageBox(box));
  }
}

/** What went wrong, in the app's words (the system's message for anything unexpected). */
function saveProblem(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOSPC') return 'The disk is full.';
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS')
    return 'The app may not write to that folder.';
  if (code === 'ENOENT') return 'That folder no longer exists, or the received file was removed.';
  return error instanceof Error ? `${error.message}.` : 'The file could not be written.';
}
