/**
 * The Electron shell: thin glue between Electron and the client core. Everything here is wiring;
 * the messenger itself lives in src/main/core and the UI in src/renderer.
 */
import { app, BrowserWindow, ipcMain, session } from 'electron';
import { join } from 'node:path';
import type { CoreLike } from './dispatch.js';
import { registerIpc, unreadFromTitle } from './ipc.js';
import { parseShellOptions, type ShellOptions } from './options.js';
import { applySessionSecurity, electronCsp } from './security.js';
import { WindowManager, type RendererSource } from './windows.js';

export interface ElectronShellDeps {
  createCore(options: ShellOptions): CoreLike;
  /** Directory of the built main bundle (out/main). */
  mainDir: string;
  argv?: readonly string[];
  env?: NodeJS.ProcessEnv;
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

/** Sets everything up; resolves once the main window exists. */
export async function startElectronShell(deps: ElectronShellDeps): Promise<ElectronShell> {
  const argv = deps.argv ?? process.argv;
  const env = deps.env ?? process.env;
  const options = parseShellOptions(argv, env);
  if (options.userDataDir) app.setPath('userData', options.userDataDir);
  app.enableSandbox();

  await app.whenReady();

  const renderer = rendererSource(deps.mainDir, env);
  applySessionSecurity(session.defaultSession, electronCsp({ dev: renderer.kind === 'url' }));

  const core = deps.createCore(options);
  const windows = new WindowManager({
    renderer,
    preloadPath: preloadPath(deps.mainDir),
    onMainClosed: () => app.quit(),
  });
  const ipc = registerIpc(ipcMain, core, windows);

  const main = windows.createMainWindow();
  // The renderer keeps the unread total in its title ("(3) Greatest Messenger"); mirror it on the badge.
  main.on('page-title-updated', (_event, title) => {
    app.setBadgeCount(unreadFromTitle(title));
  });

  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) windows.createMainWindow();
  });
  app.on('window-all-closed', () => app.quit());
  let disposed = false;
  app.on('before-quit', () => {
    if (disposed) return;
    disposed = true;
    ipc.dispose();
    void Promise.resolve(core.dispose()).catch(() => undefined);
  });
  return { windows, core };
}
