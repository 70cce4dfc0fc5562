/**
 * The Electron shell: thin glue between Electron and the client core. Everything here is wiring;
 * the messenger itself lives in src/main/core and the UI in src/renderer.
 */
import { app, ipcMain, session, shell } from 'electron';
import { join } from 'node:path';
import type { CloseBehaviour } from '../shared/api.js';
import type { CoreLike } from './dispatch.js';
import { openExternalLink } from './external-links.js';
import { registerIpc } from './ipc.js';
import { parseShellOptions, type ShellOptions } from './options.js';
import { saveReceivedFile } from './save-file.js';
import { applySessionSecurity, electronCsp } from './security.js';
import { createUnreadIndicator } from './unread-indicator.js';
import { WindowManager, type RendererSource } from './windows.js';

export interface ElectronShellDeps {
  createCore(options: ShellOptions): CoreLike;
  /** Directory of the built main bundle (out/main). */
  mainDir: string;
  argv?: readonly string[];
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
}

export interface ElectronShell {
  windows: WindowManager;
  core: CoreLike;
}

export function rendererSource(mainDir: string, env: NodeJS.ProcessEnv): RendererSource {
  const devUrl = env['ELECTRON_RENDERER_URL'];
  if (devUrl && !app.isPackaged) return { kind: 'url', url: devUrl };
  return { kind: 'file', indexHtml: join(mainDir, '../renderer/index.html') };
}

/** The built preload: CommonJS, because a sandboxed preload cannot be an ES module (see electron.vite.config.ts). */
export function preloadPath(mainDir: string): string {
  return join(mainDir, '../preload/index.js');
}

/** Ends the private chat with `peer` if it is still open; "not open" is the expected answer otherwise. */
async function endPrivateChat(core: CoreLike, peer: string): Promise<void> {
  await Promise.resolve(core.call('stopPrivate', peer)).catch(() => undefined);
}

/**
 * One instance per profile: Electron's lock is per userData directory, so the directory must be set
 * first. Another profile (`--messenger-user-data`, as `npm start` and the e2e tests give a second
 * instance) takes its own lock and runs beside this one.
 */
function claimProfile(options: ShellOptions): boolean {
  if (options.userDataDir) app.setPath('userData', options.userDataDir);
  if (app.requestSingleInstanceLock()) return true;
  // The running instance gets 'second-instance' and shows its window; this one just leaves.
  app.quit();
  return false;
}

/**
 * Sets everything up; resolves once the main window exists, or with null when this profile is
 * already open in another instance (which is then brought to the front instead).
 */
export async function startElectronShell(deps: ElectronShellDeps): Promise<ElectronShell | null> {
  const argv = deps.argv ?? process.argv;
  const env = deps.env ?? process.env;
  const options = parseShellOptions(argv, env);
  if (!claimProfile(options)) return null;
  app.enableSandbox();

  await app.whenReady();

  const renderer = rendererSource(deps.mainDir, env);
  applySessionSecurity(session.defaultSession, electronCsp({ dev: renderer.kind === 'url' }));

  const core = deps.createCore(options);
  const openExternal = (url: string): void => {
    openExternalLink(shell, url);
  };
  // The user's "when I close the window" setting; quitting (tray Quit, Cmd+Q) always really quits.
  let closeBehaviour: CloseBehaviour = 'quit';
  let quitting = false;
  const windows = new WindowManager({
    renderer,
    preloadPath: preloadPath(deps.mainDir),
    openExternal,
    onMainClosed: () => app.quit(),
    // Hidden only where the tray (or dock) can bring it back; otherwise the app would be lost.
    hideMainOnClose: () => closeBehaviour === 'background' && !quitting && unread.canReopenWindow,
    // The page asks for this too as it goes (pagehide), but a closing frame's call may be refused.
    onPrivateClosed: (peer) => void endPrivateChat(core, peer),
  });
  const unread = createUnreadIndicator({
    platform: deps.platform ?? process.platform,
    showMainWindow: () => windows.createMainWindow(),
    quit: () => app.quit(),
  });
  const ipc = registerIpc(ipcMain, core, windows, {
    showUnread: (count) => unread.show(count),
    openExternal,
    setCloseBehaviour: (behaviour) => {
      closeBehaviour = behaviour;
    },
    saveFile: (id, senderId) => void saveReceivedFile(core, id, senderId).catch(() => undefined),
  });

  windows.createMainWindow();
  app.on('second-instance', () => windows.createMainWindow());
  // A dock click shows the main window, also when it was hidden by closing it (background mode).
  app.on('activate', () => windows.createMainWindow());
  app.on('window-all-closed', () => app.quit());
  let disposed = false;
  app.on('before-quit', () => {
    quitting = true;
    if (disposed) return;
    disposed = true;
    ipc.dispose();
    unread.dispose();
    void Promise.resolve(core.dispose()).catch(() => undefined);
  });
  return { windows, core };
}
