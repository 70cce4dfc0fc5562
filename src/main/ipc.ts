/**
 * IPC between the app's windows and the client core: one invoke channel for every API call, one
 * event channel for everything the core pushes. Calls are accepted only from the app's own windows
 * and are validated by `dispatchCall` before the core sees them.
 */
import type { IpcMain, IpcMainInvokeEvent } from 'electron';
import { IPC_CALL_CHANNEL, IPC_EVENT_CHANNEL, type ApiResult, type AppEvent } from '../shared/api.js';
import { dispatchCall, type CoreLike } from './dispatch.js';
import type { WindowManager } from './windows.js';

type Windows = Pick<WindowManager, 'all' | 'isAppUrl' | 'ownsWebContents' | 'openPrivateWindow'>;

/** Only the top frame of one of the app's own windows, showing one of the app's own pages, may call. */
export function isTrustedSender(event: IpcMainInvokeEvent, windows: Windows): boolean {
  const frame = event.senderFrame;
  if (!frame) return false;
  if (!windows.ownsWebContents(event.sender.id)) return false;
  if (frame.parent !== null) return false;
  return windows.isAppUrl(frame.url);
}

export interface IpcBinding {
  dispose(): void;
}

export function registerIpc(ipcMain: IpcMain, core: CoreLike, windows: Windows): IpcBinding {
  ipcMain.handle(
    IPC_CALL_CHANNEL,
    async (event, method: unknown, args: unknown): Promise<ApiResult<unknown>> => {
      if (!isTrustedSender(event, windows)) {
        return {
          ok: false,
          error: { code: 'invalid_argument', message: 'calls are accepted only from the app' },
        };
      }
      return dispatchCall(core, method, args, {
        openPrivateWindow: (peer) => {
          windows.openPrivateWindow(peer);
        },
      });
    },
  );
  const stopEvents = core.onEvent((event: AppEvent) => {
    for (const window of windows.all()) {
      if (!window.webContents.isDestroyed()) window.webContents.send(IPC_EVENT_CHANNEL, event);
    }
  });
  return {
    dispose() {
      stopEvents();
      ipcMain.removeHandler(IPC_CALL_CHANNEL);
    },
  };
}

/** "(3) Greatest Messenger" → 3: the renderer keeps the unread total at the start of its title. */
export function unreadFromTitle(title: string): number {
  const match = /^\((\d{1,6})\)/.exec(title.trim());
  return match ? Number(match[1]) : 0;
}
