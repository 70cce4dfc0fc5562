/**
 * Preload (sandboxed, context-isolated): exposes exactly `window.messenger`, the typed MessengerApi,
 * over two IPC channels. No Node or Electron object reaches the page; the main process validates
 * every call again. Only type imports from src/shared: a sandboxed preload may require nothing but
 * 'electron', so no runtime dependency (zod) may be bundled.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type {
  ApiArgs,
  ApiMethod,
  ApiResult,
  ApiValues,
  AppEvent,
  IPC_CALL_CHANNEL as SharedCallChannel,
  IPC_EVENT_CHANNEL as SharedEventChannel,
  MessengerApi,
} from '../shared/api.js';

// The channel names are src/shared/api.ts's constants; the literal types make the compiler check
// that these copies never drift (importing the values would bundle zod into the preload).
const IPC_CALL_CHANNEL: typeof SharedCallChannel = 'messenger:call';
const IPC_EVENT_CHANNEL: typeof SharedEventChannel = 'messenger:event';

const messenger: MessengerApi = {
  call<M extends ApiMethod>(method: M, ...args: ApiArgs<M>): Promise<ApiResult<ApiValues[M]>> {
    return ipcRenderer.invoke(IPC_CALL_CHANNEL, method, args) as Promise<ApiResult<ApiValues[M]>>;
  },
  onEvent(listener: (event: AppEvent) => void): () => void {
    const handler = (_event: IpcRendererEvent, appEvent: AppEvent): void => listener(appEvent);
    ipcRenderer.on(IPC_EVENT_CHANNEL, handler);
    return () => {
      ipcRenderer.removeListener(IPC_EVENT_CHANNEL, handler);
    };
  },
};

contextBridge.exposeInMainWorld('messenger', messenger);
