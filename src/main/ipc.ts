/**
 * IPC between the app's windows and the client core: one invoke channel for every API call, one
 * event channel for everything the core pushes. Calls are accepted only from the app's own windows
 * and are validated by `dispatchCall` before the core sees them.
 */
import type { IpcMain, IpcMainInvokeEvent } from 'electron';
import {
  IPC_CALL_CHANNEL,
  IPC_EVENT_CHANNEL,
  type ApiResult,
  type AppEvent,
  type CloseBehaviour,
} from '../shared/api.js';
import { dispatchCall, type CoreLike } from './dispatch.js';
import type { WindowManager } from './windows.js';

type Windows = Pick<
  WindowManager,
  'all' | 'isAppUrl' | 'ownsWebContents' | 'openPrivateWindow' | 'focusWindowOf'
>;

/** What the shell does for the shell methods that are not about windows. */
export interface ShellActions {
  showUnread(count: number): void;
  openExternal(url: string): void;
  setCloseBehaviour(behaviour: CloseBehaviour): void;
  /** "Save as…" for a received file, asked from the window with this webContents id. */
  saveFile(transferId: string, senderId: number): void;
}

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

export function registerIpc(
  ipcMain: IpcMain,
  core: CoreLike,
  windows: Windows,
  actions: ShellActions,
): IpcBinding {
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
        setUnreadCount: (count) => actions.showUnread(count),
        focusWindow: () => {
          windows.focusWindowOf(event.sender.id);
        },
        openExternal: (url) => actions.openExternal(url),
        setCloseBehaviour: (behaviour) => actions.setCloseBehaviour(behaviour),
        saveFile: (id) => actions.saveFile(id, event.sender.id),
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
