/**
 * Where a desktop user looks for unread messages outside the window: the dock badge on macOS, a
 * tray icon elsewhere (tooltip "Greatest Messenger — 3 unread", a red dot on the icon, Show and Quit
 * in its menu, a click shows the window). Linux docks that implement the launcher API also show
 * the number (`app.setBadgeCount`). The count comes from the renderer's `setUnreadCount` call.
 */
import { app, Menu, nativeImage, Tray, type NativeImage } from 'electron';
import { TRAY_ICON_SIZE, trayIconBitmap } from './tray-icon.js';

export const APP_NAME = 'Greatest Messenger';

export interface UnreadIndicator {
  /** True when a hidden window can be brought back from here (a tray icon, or the macOS dock). */
  readonly canReopenWindow: boolean;
  show(count: number): void;
  dispose(): void;
}

export interface UnreadIndicatorOptions {
  platform: NodeJS.Platform;
  showMainWindow(): void;
  quit(): void;
}

/** The tray tooltip: the app's name, and the unread total when there is one. */
export function unreadLabel(count: number): string {
  return count > 0 ? `${APP_NAME} — ${count} unread` : APP_NAME;
}

export function createUnreadIndicator(options: UnreadIndicatorOptions): UnreadIndicator {
  if (options.platform === 'darwin') return dockBadge();
  try {
    return trayIndicator(options);
  } catch (error) {
    // A desktop without a system tray is no reason to stop the app; the window title still counts.
    console.error('no tray icon:', error);
    return {
      canReopenWindow: false,
      show: (count) => launcherBadge(options.platform, count),
      dispose: () => undefined,
    };
  }
}

function dockBadge(): UnreadIndicator {
  return {
    canReopenWindow: true,
    show: (count) => app.dock?.setBadge(count > 0 ? String(count) : ''),
    dispose: () => app.dock?.setBadge(''),
  };
}

function launcherBadge(platform: NodeJS.Platform, count: number): void {
  // setBadgeCount exists only for Linux (launcher entry) and macOS; Windows has the tray instead.
  if (platform === 'linux') app.setBadgeCount(count);
}

function trayImage(unread: boolean): NativeImage {
  return nativeImage.createFromBitmap(trayIconBitmap(unread), {
    width: TRAY_ICON_SIZE,
    height: TRAY_ICON_SIZE,
  });
}

function trayIndicator(options: UnreadIndicatorOptions): UnreadIndicator {
  const images = { read: trayImage(false), unread: trayImage(true) };
  const tray = new Tray(images.read);
  tray.setToolTip(unreadLabel(0));
  // Some Linux trays (AppIndicator) never report clicks: the menu's Show is the way in there.
  tray.setContextMenu(
    Menu.buildFromTemplate([
      { label: 'Show', click: () => options.showMainWindow() },
      { type: 'separator' },
      { label: 'Quit', click: () => options.quit() },
    ]),
  );
  tray.on('click', () => options.showMainWindow());
  let shown = 0;
  return {
    canReopenWindow: true,
    show(count) {
      if (count === shown) return;
      shown = count;
      tray.setToolTip(unreadLabel(count));
      tray.setImage(count > 0 ? images.unread : images.read);
      launcherBadge(options.platform, count);
    },
    dispose: () => tray.destroy(),
  };
}
