/**
 * What closing a window does in the Electron shell: the main window quits the app, or, with the
 * "keep running in the background" setting (`setCloseBehaviour`, validated like every call), hides
 * until the tray icon or the dock brings it back; a private-chat window ends its private chat.
 * `electron` is mocked.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startShell } from './electron-shell-harness.js';
import { electron, FakeTray } from './fake-electron.js';

vi.mock('electron', async () => (await import('./fake-electron.js')).electronModule);

beforeEach(() => electron.reset());
afterEach(() => vi.restoreAllMocks());

describe('closing the main window', () => {
  it('quits the app by default', async () => {
    const { main } = await startShell({ platform: 'linux' });
    main.close();
    expect(main.hide).not.toHaveBeenCalled();
    expect(electron.app.quit).toHaveBeenCalled();
  });

  it('with "background", hides the window; the tray brings it back and its Quit really quits', async () => {
    const { main, callFromMain } = await startShell({ platform: 'linux' });
    expect(await callFromMain('setCloseBehaviour', ['background'])).toEqual({ ok: true, value: {} });

    main.close();
    expect(main.hide).toHaveBeenCalledTimes(1);
    expect(main.isDestroyed()).toBe(false);
    expect(electron.app.quit).not.toHaveBeenCalled();

    electron.trays[0]!.emit('click');
    expect(main.show).toHaveBeenCalled();
    expect(electron.windows).toHaveLength(1);

    electron.trays[0]!.clickMenuItem('Quit');
    expect(electron.app.quit).toHaveBeenCalled();
    // Electron's quit: before-quit, then every window closes, and this time for real.
    electron.app.emit('before-quit');
    main.close();
    expect(main.hide).toHaveBeenCalledTimes(1);
    expect(main.isDestroyed()).toBe(true);
  });

  it('going back to "quit" quits again', async () => {
    const { main, callFromMain } = await startShell({ platform: 'win32' });
    await callFromMain('setCloseBehaviour', ['background']);
    await callFromMain('setCloseBehaviour', ['quit']);
    main.close();
    expect(main.hide).not.toHaveBeenCalled();
    expect(main.isDestroyed()).toBe(true);
  });

  it('still quits on a desktop without a system tray: nothing could bring a hidden window back', async () => {
    FakeTray.unavailable = true;
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const { main, callFromMain } = await startShell({ platform: 'linux' });
    await callFromMain('setCloseBehaviour', ['background']);
    main.close();
    expect(main.hide).not.toHaveBeenCalled();
    expect(electron.app.quit).toHaveBeenCalled();
  });

  it('on macOS, hides the window and a dock click shows it again', async () => {
    const { main, callFromMain } = await startShell({ platform: 'darwin' });
    await callFromMain('setCloseBehaviour', ['background']);
    main.close();
    expect(main.hide).toHaveBeenCalled();
    electron.app.emit('activate');
    expect(main.show).toHaveBeenCalled();
    expect(electron.windows).toHaveLength(1);
  });

  it('accepts only "quit" or "background", and never passes the setting to the core', async () => {
    const { core, main, callFromMain } = await startShell({ platform: 'linux' });
    for (const args of [['tray'], [], [true], ['quit', 'background'], [{ close: 'background' }]]) {
      expect(await callFromMain('setCloseBehaviour', args), JSON.stringify(args)).toMatchObject({
        ok: false,
        error: { code: 'invalid_argument' },
      });
    }
    main.close();
    expect(main.hide).not.toHaveBeenCalled();
    expect(core.call).not.toHaveBeenCalled();
  });
});

describe('closing a private-chat window', () => {
  it('ends that private chat, so the next message cannot open the window again', async () => {
    const { core, main, callFromMain } = await startShell({ platform: 'linux' });
    await callFromMain('openPrivateWindow', ['bob']);
    await callFromMain('openPrivateWindow', ['carol']);
    const bob = electron.windows.find(
      (window) => window !== main && window.options['title'] === 'Private chat with bob',
    )!;
    bob.close();
    expect(core.call.mock.calls).toEqual([['stopPrivate', 'bob']]);
  });
});
