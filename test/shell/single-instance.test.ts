/**
 * One app instance per profile (user-data directory): launching the same profile again brings the
 * running window to the front instead of opening a second copy; another profile (what `npm start`
 * and the e2e tests pass as --messenger-user-data) runs beside it. `electron` is mocked; the fake
 * lock below behaves like Electron's, which is per userData path at the time of the request.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { startElectronShell } from '../../src/main/app.js';
import { MAIN_DIR, fakeCore, startShell } from './electron-shell-harness.js';
import { electron } from './fake-electron.js';

vi.mock('electron', async () => (await import('./fake-electron.js')).electronModule);

const DEFAULT_USER_DATA = '/home/me/.config/greatest-messenger';

/** Electron's lock: one holder per userData path; each launch starts at the default path. */
function lockPerProfile(): void {
  const held = new Set<string>();
  let userData = DEFAULT_USER_DATA;
  electron.app.whenReady.mockImplementation(async () => undefined);
  electron.app.setPath.mockImplementation((name: string, path: string) => {
    if (name === 'userData') userData = path;
  });
  electron.app.requestSingleInstanceLock.mockImplementation(() => {
    const free = !held.has(userData);
    held.add(userData);
    userData = DEFAULT_USER_DATA; // the next launch is another process
    return free;
  });
}

async function launch(argv: string[] = []) {
  const createCore = vi.fn(() => fakeCore() as never);
  const shell = await startElectronShell({ createCore, mainDir: MAIN_DIR, argv, env: {}, platform: 'linux' });
  return { shell, createCore };
}

beforeEach(() => {
  electron.reset();
  lockPerProfile();
});

describe('single instance per profile', () => {
  it('points userData at the profile directory before asking for the lock', async () => {
    await startShell({ argv: ['--messenger-user-data=/tmp/profile-b'] });
    expect(electron.app.setPath).toHaveBeenCalledWith('userData', '/tmp/profile-b');
    const setPathOrder = electron.app.setPath.mock.invocationCallOrder[0]!;
    const lockOrder = electron.app.requestSingleInstanceLock.mock.invocationCallOrder[0]!;
    expect(setPathOrder).toBeLessThan(lockOrder);
  });

  it('a second launch of the same profile quits before opening a window or starting a core', async () => {
    const first = await launch();
    expect(first.shell).not.toBeNull();
    const windowsBefore = electron.windows.length;
    const ipcBefore = electron.ipcMain.handle.mock.calls.length;
    electron.app.quit.mockClear();
    electron.app.whenReady.mockClear();

    const second = await launch();
    expect(second.shell).toBeNull();
    expect(electron.app.quit).toHaveBeenCalledTimes(1);
    expect(second.createCore).not.toHaveBeenCalled();
    expect(electron.app.whenReady).not.toHaveBeenCalled();
    expect(electron.windows).toHaveLength(windowsBefore);
    expect(electron.ipcMain.handle.mock.calls).toHaveLength(ipcBefore);
  });

  it('a launch with another user-data directory runs beside the first', async () => {
    await launch();
    const other = await launch(['--messenger-user-data=/tmp/messenger-electron-bob']);
    expect(other.shell).not.toBeNull();
    expect(other.createCore).toHaveBeenCalledTimes(1);
    // And that profile is then taken too.
    expect((await launch(['--messenger-user-data', '/tmp/messenger-electron-bob'])).shell).toBeNull();
  });

  it('takes the profile from --user-data-dir as well, the name Chromium uses', async () => {
    await launch();
    const other = await launch(['--user-data-dir=/tmp/messenger-electron-carol']);
    expect(other.shell).not.toBeNull();
    expect(electron.app.setPath).toHaveBeenCalledWith('userData', '/tmp/messenger-electron-carol');
    expect((await launch(['--user-data-dir', '/tmp/messenger-electron-carol'])).shell).toBeNull();
  });

  it("the running instance restores, shows and focuses its window on 'second-instance'", async () => {
    const { main } = await startShell();
    main.minimized = true;
    electron.app.emit('second-instance', {}, ['electron', '.'], '/home/me');
    expect(main.restore).toHaveBeenCalled();
    expect(main.show).toHaveBeenCalled();
    expect(main.focus).toHaveBeenCalled();
    expect(electron.windows).toHaveLength(1);
  });

  it("opens the main window again on 'second-instance' if it is gone (macOS keeps running)", async () => {
    const { shell } = await startShell();
    shell!.windows.mainWindow()!.close(); // app.quit is a mock here: the app keeps running
    electron.app.emit('second-instance', {}, [], '/');
    expect(electron.windows).toHaveLength(2);
    expect(shell!.windows.mainWindow()).toBe(electron.windows[1]);
  });
});
