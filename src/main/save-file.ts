/**
 * Electron's "Save as…" for a received private file: the save dialog (attached to the asking window)
 * picks the path, main copies the core's verified temp file there. The page only ever names the
 * transfer; no path from the renderer is used.
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
  await copyFile(file.path, choice.filePath);
}
