/**
 * The unread total outside the window: a tray icon on Linux and Windows (tooltip with the count, a
 * red dot on the icon, Show/Quit menu, click shows the window), the dock badge on macOS. The count
 * arrives from the renderer through the validated `setUnreadCount` call. `electron` is mocked.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TRAY_ICON_SIZE, trayIconBitmap } from '../../src/main/tray-icon.js';
import { unreadLabel } from '../../src/main/unread-indicator.js';
import { startShell } from './electron-shell-harness.js';
import { electron, FakeTray } from './fake-electron.js';

vi.mock('electron', async () => (await import('./fake-electron.js')).electronModule);

beforeEach(() => electron.reset());
afterEach(() => vi.restoreAllMocks());

/** BGRA of the pixel at (x, y) of a tray bitmap. */
function pixel(bitmap: Buffer, x: number, y: number): number[] {
  const at = (y * TRAY_ICON_SIZE + x) * 4;
  return [...bitmap.subarray(at, at + 4)];
}

const UNREAD_DOT = { x: 25, y: 7 };

describe('tray icon (Linux and Windows)', () => {
  it('shows the unread count from the renderer in the tooltip and as a dot on the icon', async () => {
    const { callFromMain } = await startShell({ platform: 'linux' });
    expect(electron.trays).toHaveLength(1);
    const tray = electron.trays[0]!;
    expect(tray.toolTip).toBe('Greatest Messenger');

    expect(await callFromMain('setUnreadCount', [3])).toEqual({ ok: true, value: {} });
    expect(tray.toolTip).toBe('Greatest Messenger — 3 unread');
    const unreadIcon = tray.images.at(-1)!;
    expect(pixel(unreadIcon.bitmap, UNREAD_DOT.x, UNREAD_DOT.y)).toEqual([0x31, 0x31, 0xe0, 255]);
    // Linux docks with the launcher API show the number as well.
    expect(electron.app.setBadgeCount).toHaveBeenLastCalledWith(3);

    await callFromMain('setUnreadCount', [0]);
    expect(tray.toolTip).toBe('Greatest Messenger');
    expect(pixel(tray.images.at(-1)!.bitmap, UNREAD_DOT.x, UNREAD_DOT.y)).not.toEqual([
      0x31, 0x31, 0xe0, 255,
    ]);
    expect(electron.app.setBadgeCount).toHaveBeenLastCalledWith(0);
  });

  it('a click or the menu’s Show brings the window back; Quit quits', async () => {
    const { main } = await startShell({ platform: 'win32' });
    const tray = electron.trays[0]!;
    expect(tray.contextMenu.map((item) => item.label ?? item.type)).toEqual(['Show', 'separator', 'Quit']);

    main.minimized = true;
    tray.emit('click');
    expect(main.restore).toHaveBeenCalledTimes(1);
    expect(main.show).toHaveBeenCalled();
    expect(main.focus).toHaveBeenCalled();

    main.minimized = true;
    tray.clickMenuItem('Show');
    expect(main.restore).toHaveBeenCalledTimes(2);
    expect(electron.windows).toHaveLength(1);

    expect(electron.app.quit).not.toHaveBeenCalled();
    tray.clickMenuItem('Quit');
    expect(electron.app.quit).toHaveBeenCalled();
  });

  it('on Windows the count goes to the tray only (no launcher badge there)', async () => {
    const { callFromMain } = await startShell({ platform: 'win32' });
    await callFromMain('setUnreadCount', [12]);
    expect(electron.trays[0]!.toolTip).toBe('Greatest Messenger — 12 unread');
    expect(electron.app.setBadgeCount).not.toHaveBeenCalled();
    expect(electron.app.dock.setBadge).not.toHaveBeenCalled();
  });

  it('goes away when the app quits', async () => {
    await startShell({ platform: 'linux' });
    electron.app.emit('before-quit');
    expect(electron.trays[0]!.destroyed).toBe(true);
  });

  it('the app still starts on a desktop without a system tray', async () => {
    FakeTray.unavailable = true;
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const { callFromMain, main } = await startShell({ platform: 'linux' });
    expect(main).toBeDefined();
    expect(await callFromMain('setUnreadCount', [2])).toEqual({ ok: true, value: {} });
    expect(electron.app.setBadgeCount).toHaveBeenLastCalledWith(2);
  });
});

describe('dock badge (macOS)', () => {
  it('shows the count on the dock and clears it at zero; no tray', async () => {
    const { callFromMain } = await startShell({ platform: 'darwin' });
    await callFromMain('setUnreadCount', [5]);
    expect(electron.app.dock.setBadge).toHaveBeenLastCalledWith('5');
    await callFromMain('setUnreadCount', [0]);
    expect(electron.app.dock.setBadge).toHaveBeenLastCalledWith('');
    expect(electron.trays).toHaveLength(0);
  });
});

describe('setUnreadCount validation', () => {
  it('accepts only a whole, non-negative count, and never passes it to the core', async () => {
    const { core, callFromMain } = await startShell({ platform: 'linux' });
    for (const args of [[-1], [1.5], ['3'], [], [3, 4], [Number.NaN], [10_000_000]]) {
      expect(await callFromMain('setUnreadCount', args), JSON.stringify(args)).toMatchObject({
        ok: false,
        error: { code: 'invalid_argument' },
      });
    }
    expect(electron.trays[0]!.toolTip).toBe('Greatest Messenger');
    await callFromMain('setUnreadCount', [1]);
    expect(core.call).not.toHaveBeenCalled();
  });
});

describe('tray icon image', () => {
  it('is a 32×32 BGRA bubble with transparent corners, and the unread one has the red dot', () => {
    const read = trayIconBitmap(false);
    const unread = trayIconBitmap(true);
    expect(read).toHaveLength(TRAY_ICON_SIZE * TRAY_ICON_SIZE * 4);
    expect(pixel(read, 0, 0)).toEqual([0, 0, 0, 0]);
    expect(pixel(read, 16, 28)).toEqual([0xdb, 0x5b, 0x3b, 255]); // the accent colour, as BGRA
    expect(pixel(read, UNREAD_DOT.x, UNREAD_DOT.y)).toEqual([0xdb, 0x5b, 0x3b, 255]);
    expect(pixel(unread, UNREAD_DOT.x, UNREAD_DOT.y)).toEqual([0x31, 0x31, 0xe0, 255]);
  });

  it('labels the tooltip with the count only when there is one', () => {
    expect(unreadLabel(0)).toBe('Greatest Messenger');
    expect(unreadLabel(1)).toBe('Greatest Messenger — 1 unread');
  });
});
