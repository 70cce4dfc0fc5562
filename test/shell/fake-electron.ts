/**
 * A stand-in for the `electron` module, for testing the Electron shell's wiring under plain Node
 * (the Electron binary cannot be downloaded on these machines). It records what the shell asks of
 * Electron: windows and their handlers, IPC handlers, session security, tray, dock, shell.
 *
 * Use it in a test file with
 *   vi.mock('electron', async () => (await import('./fake-electron.js')).electronModule);
 *   import { electron } from './fake-electron.js';
 * and call `electron.reset()` before each test.
 */
import { vi, type Mock } from 'vitest';

export type Listener = (...args: unknown[]) => unknown;

class Emitter {
  readonly listeners = new Map<string, Listener[]>();
  on(name: string, listener: Listener): this {
    this.listeners.set(name, [...(this.listeners.get(name) ?? []), listener]);
    return this;
  }
  once(name: string, listener: Listener): this {
    return this.on(name, listener);
  }
  emit(name: string, ...args: unknown[]): unknown[] {
    return (this.listeners.get(name) ?? []).map((listener) => listener(...args));
  }
}

let nextId = 1;

export class FakeWebContents extends Emitter {
  readonly id = nextId++;
  windowOpenHandler: Listener | undefined;
  readonly send: Mock = vi.fn();
  setWindowOpenHandler(handler: Listener): void {
    this.windowOpenHandler = handler;
  }
  isDestroyed(): boolean {
    return false;
  }
}

const windows: FakeBrowserWindow[] = [];

export class FakeBrowserWindow extends Emitter {
  static getAllWindows(): FakeBrowserWindow[] {
    return windows.filter((window) => !window.destroyed);
  }
  destroyed = false;
  minimized = false;
  readonly webContents = new FakeWebContents();
  readonly loadFile: Mock<() => Promise<undefined>> = vi.fn(async () => undefined);
  readonly loadURL: Mock<() => Promise<undefined>> = vi.fn(async () => undefined);
  readonly show: Mock = vi.fn();
  readonly focus: Mock = vi.fn();
  readonly restore: Mock<() => void> = vi.fn(() => {
    this.minimized = false;
  });
  constructor(readonly options: Record<string, unknown>) {
    super();
    windows.push(this);
  }
  isMinimized(): boolean {
    return this.minimized;
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  readonly hide: Mock = vi.fn();
  /** Like a user closing the window: 'close' (which may be prevented), then 'closed'. */
  close(): void {
    let prevented = false;
    this.emit('close', {
      preventDefault: () => {
        prevented = true;
      },
    });
    if (prevented) return;
    this.destroyed = true;
    this.emit('closed');
  }
}

/** What `nativeImage.createFromBitmap` was given, so tests can tell the tray's images apart. */
export interface FakeImage {
  bitmap: Buffer;
  options: { width: number; height: number };
}

export interface MenuItem {
  label?: string;
  type?: string;
  click?: () => void;
}

const trays: FakeTray[] = [];

export class FakeTray extends Emitter {
  /** Set to make the next trays fail like a desktop without a system tray. */
  static unavailable = false;
  toolTip = '';
  contextMenu: MenuItem[] = [];
  destroyed = false;
  readonly images: FakeImage[] = [];
  constructor(image: FakeImage) {
    super();
    if (FakeTray.unavailable) throw new Error('no system tray');
    this.images.push(image);
    trays.push(this);
  }
  setToolTip(text: string): void {
    this.toolTip = text;
  }
  setImage(image: FakeImage): void {
    this.images.push(image);
  }
  setContextMenu(menu: MenuItem[]): void {
    this.contextMenu = menu;
  }
  destroy(): void {
    this.destroyed = true;
  }
  /** The context menu item with this label, clicked. */
  clickMenuItem(label: string): void {
    const item = this.contextMenu.find((candidate) => candidate.label === label);
    if (!item?.click) throw new Error(`no menu item ${label}`);
    item.click();
  }
}

const handlers = new Map<string, Listener>();
const session = {
  webRequest: { onHeadersReceived: vi.fn() as Mock },
  setPermissionRequestHandler: vi.fn() as Mock,
  setPermissionCheckHandler: vi.fn() as Mock,
};
const app = Object.assign(new Emitter(), {
  isPackaged: false,
  whenReady: vi.fn(async () => undefined) as Mock<() => Promise<undefined>>,
  enableSandbox: vi.fn() as Mock,
  setPath: vi.fn() as Mock<(name: string, path: string) => void>,
  requestSingleInstanceLock: vi.fn(() => true) as Mock<() => boolean>,
  quit: vi.fn() as Mock<() => void>,
  setBadgeCount: vi.fn(() => true) as Mock<(count: number) => boolean>,
  dock: { setBadge: vi.fn() as Mock<(text: string) => void> },
});
const ipcMain = {
  handle: vi.fn((channel: string, handler: Listener) => handlers.set(channel, handler)) as Mock<
    (channel: string, handler: Listener) => unknown
  >,
  removeHandler: vi.fn((channel: string) => handlers.delete(channel)) as Mock<(channel: string) => boolean>,
};
const exposed = new Map<string, unknown>();
const contextBridge = {
  exposeInMainWorld: vi.fn((key: string, api: unknown) => exposed.set(key, api)) as Mock<
    (key: string, api: unknown) => unknown
  >,
};
const ipcRenderer = Object.assign(new Emitter(), {
  invoke: vi.fn(async () => ({ ok: true, value: 'invoked' })) as Mock<() => Promise<unknown>>,
  removeListener: vi.fn() as Mock,
});
const shell = { openExternal: vi.fn(async () => undefined) as Mock<(url: string) => Promise<void>> };
const nativeImage = {
  createFromBitmap: vi.fn((bitmap: Buffer, options: FakeImage['options']): FakeImage => ({
    bitmap,
    options,
  })) as Mock<(bitmap: Buffer, options: FakeImage['options']) => FakeImage>,
};
type SaveDialogResult = { canceled: boolean; filePath?: string };
/** Save dialogs answer what the test put in `dialog.nextSave` (cancelled when unset). */
const dialog = {
  nextSave: undefined as SaveDialogResult | undefined,
  showSaveDialog: vi.fn(async (..._args: unknown[]) => dialog.nextSave ?? { canceled: true }) as Mock<
    (...args: unknown[]) => Promise<SaveDialogResult>
  >,
  showMessageBox: vi.fn(async (..._args: unknown[]) => ({ response: 0 })) as Mock<
    (...args: unknown[]) => Promise<{ response: number }>
  >,
};
const Menu = {
  buildFromTemplate: vi.fn((template: MenuItem[]) => template) as Mock<(template: MenuItem[]) => MenuItem[]>,
};

export const electron = {
  windows,
  trays,
  handlers,
  session,
  app,
  ipcMain,
  exposed,
  contextBridge,
  ipcRenderer,
  shell,
  nativeImage,
  dialog,
  reset(): void {
    dialog.nextSave = undefined;
    windows.length = 0;
    trays.length = 0;
    FakeTray.unavailable = false;
    handlers.clear();
    exposed.clear();
    app.listeners.clear();
    vi.clearAllMocks();
    app.requestSingleInstanceLock.mockImplementation(() => true);
  },
};

/** The module `vi.mock('electron', …)` hands to the code under test. */
export const electronModule = {
  app,
  BrowserWindow: FakeBrowserWindow,
  ipcMain,
  session: { defaultSession: session },
  contextBridge,
  ipcRenderer,
  shell,
  nativeImage,
  dialog,
  Menu,
  Tray: FakeTray,
};
