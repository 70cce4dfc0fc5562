/**
 * Desktop notifications, only while the window is not focused, only where the API exists, and only
 * as the settings allow (on or off, with or without sound, muted conversations stay quiet).
 */
import { bringWindowToFront } from './shell';
import { windowHasFocus } from './stores/conversations';
import { useSettingsStore } from './stores/settings';

export function notificationsAvailable(): boolean {
  return typeof window !== 'undefined' && 'Notification' in window && typeof Notification === 'function';
}

export function requestNotificationPermission(): void {
  if (!useSettingsStore().settings.notifications) return;
  if (!notificationsAvailable() || Notification.permission !== 'default') return;
  try {
    void Notification.requestPermission().catch(() => undefined);
  } catch {
    // some environments throw instead of rejecting
  }
}

/**
 * Shows a notification when this window is not focused. Clicking it brings the window to the front
 * (through the shell: a page alone cannot raise a minimised window) and then runs `open`, which
 * shows what the notification was about. `conversation` (a peer, or Everyone) is checked against the
 * muted conversations.
 */
export function notifyIfUnfocused(
  title: string,
  body: string,
  open: () => void = () => undefined,
  conversation?: string,
): void {
  if (windowHasFocus() || !notificationsAvailable() || Notification.permission !== 'granted') return;
  const settings = useSettingsStore();
  if (!settings.notificationsAllowed(conversation)) return;
  try {
    const n = new Notification(title, { body, dir: 'auto', silent: !settings.settings.sound });
    n.onclick = () => {
      n.close();
      bringWindowToFront();
      open();
    };
  } catch {
    // a notification is a convenience; never let it break message handling
  }
}
