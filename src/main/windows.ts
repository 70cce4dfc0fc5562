/**
 * The app's windows: one main window and one window per private chat, all loading the same
 * renderer (`index.html`, with `?window=private&peer=NAME` for a private chat).
 */
import { BrowserWindow } from 'electron';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { PRIVATE_WINDOW_QUERY } from '../shared/api.js';
import { hardenWebContents, secureWebPreferences } from './security.js';

/** Where the renderer comes from: the built files, or electron-vite's dev server. */
export type RendererSource = { kind: 'file'; indexHtml: string } | { kind: 'url'; url: string };

export interface WindowManagerOptions {
  renderer: RendererSource;
  preloadPath: string;
  /** Opens a link outside the app (http, https and mailto only; see external-links.ts). */
  openExternal(url: string): void;
  /** Called when the main window is gone (the app then quits). */
  onMainClosed?: () => void;
  /**
   * Asked when the user closes the main window: true hides it instead (the app keeps running in
   * the background, reachable from the tray or dock); false lets it close and the app quit.
   */
  hideMainOnClose?: () => boolean;
  /** Called when the private-chat window for `peer` is gone: closing it ends that chat. */
  onPrivateClosed?: (peer: string) => void;
}

function withoutQueryAndHash(url: URL): string {
  const copy = new URL(url.href);
  copy.search = '';
  copy.hash = '';
  return copy.href;
}

export class WindowManager {
  private main: BrowserWindow | null = null;
  private readonly privateWindows = new Map<string, BrowserWindow>();
  private readonly appUrl: URL;

  constructor(private readonly options: WindowManagerOptions) {
    this.appUrl =
      options.renderer.kind === 'file'
        ? pathToFileURL(options.renderer.indexHtml)
        : new URL(options.renderer.url);
  }

  /** True for the app's own pages only: the built index.html (any query), or the dev server's origin. */
  isAppUrl(raw: string): boolean {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      return false;
    }
    if (this.options.renderer.kind === 'url') return url.origin === this.appUrl.origin;
    if (url.protocol !== 'file:' || url.host !== '') return false;
    try {
      return fileURLToPath(withoutQueryAndHash(url)) === fileURLToPath(this.appUrl);
    } catch {
      return false;
    }
  }

  /** Every open app window (main first). */
  all(): BrowserWindow[] {
    const windows = this.main
      ? [this.main, ...this.privateWindows.values()]
      : [...this.privateWindows.values()];
    return windows.filter((window) => !window.isDestroyed());
  }

  /** True when `webContentsId` belongs to one of the app's own windows. */
  ownsWebContents(webContentsId: number): boolean {
    return this.all().some((window) => window.webContents.id === webContentsId);
  }

  mainWindow(): BrowserWindow | null {
    return this.main && !this.main.isDestroyed() ? this.main : null;
  }

  /** Brings the app window showing `webContentsId` to the front; false when it is not one of ours. */
  focusWindowOf(webContentsId: number): boolean {
    const window = this.all().find((candidate) => candidate.webContents.id === webContentsId);
    if (!window) return false;
    this.reveal(window);
    return true;
  }

  /** The main window, created if needed, restored and focused (tray, second launch, dock click). */
  createMainWindow(): BrowserWindow {
    const existing = this.mainWindow();
    if (existing) {
      this.reveal(existing);
      return existing;
    }
    const window = this.create({ width: 1100, height: 760, minWidth: 720, minHeight: 480 });
    this.main = window;
    window.on('close', (event: Electron.Event) => {
      if (!this.options.hideMainOnClose?.()) return;
      event.preventDefault();
      window.hide();
    });
    window.on('closed', () => {
      this.main = null;
      for (const privateWindow of this.privateWindows.values()) {
        if (!privateWindow.isDestroyed()) privateWindow.close();
      }
      this.options.onMainClosed?.();
    });
    this.load(window, {});
    return window;
  }

  /** Opens the private-chat window for `peer`, or focuses it when it is already open. */
  openPrivateWindow(peer: string): BrowserWindow {
    const existing = this.privateWindows.get(peer);
    if (existing && !existing.isDestroyed()) {
      this.reveal(existing);
      return existing;
    }
    const window = this.create({
      width: 520,
      height: 640,
      minWidth: 360,
      minHeight: 400,
      title: `Private chat with ${peer}`,
    });
    this.privateWindows.set(peer, window);
    window.on('closed', () => {
      if (this.privateWindows.get(peer) !== window) return;
      this.privateWindows.delete(peer);
      this.options.onPrivateClosed?.(peer);
    });
    this.load(window, { [PRIVATE_WINDOW_QUERY.peerParam]: peer, window: PRIVATE_WINDOW_QUERY.window });
    return window;
  }

  private create(size: Electron.BrowserWindowConstructorOptions): BrowserWindow {
    const window = new BrowserWindow({
      ...size,
      show: false,
      autoHideMenuBar: true,
      backgroundColor: '#1e1f22',
      webPreferences: {
        ...secureWebPreferences(this.options.preloadPath),
        // Repeated where the window is made so electronegativity can check them (docs/security.md).
        contextIsolation: true,
        sandbox: true,
      },
    });
    hardenWebContents(window.webContents, {
      isAppUrl: (url) => this.isAppUrl(url),
      openExternal: (url) => this.options.openExternal(url),
    });
    window.once('ready-to-show', () => window.show());
    return window;
  }

  private load(window: BrowserWindow, query: Record<string, string>): void {
    const loading =
      this.options.renderer.kind === 'file'
        ? window.loadFile(this.options.renderer.indexHtml, { query })
        : window.loadURL(this.urlWithQuery(query));
    loading.catch((error: unknown) => {
      console.error('failed to load the app window:', error);
    });
  }

  private urlWithQuery(query: Record<string, string>): string {
    const url = new URL(this.appUrl.href);
    for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
    return url.href;
  }

  private reveal(window: BrowserWindow): void {
    if (window.isMinimized()) window.restore();
    window.show();
    window.focus();
  }
}
