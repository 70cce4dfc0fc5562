/** Desktop notifications, only while the window is not focused, and only where the API exists. */
import { bringWindowToFront } from './shell';
import { windowHasFocus } from './stores/conversations';

export function notificationsAvailable(): boolean {
  return typeof window !== 'undefined' && 'Notification' in window && typeof Notification === 'function';
}

export function requestNotificationPermission(): void {
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
 * shows what the notification was about.
 */
export function notifyIfUnfocused(title: string, body: string, open: () => void = () => undefined): void {
  if (windowHasFocus() || !notificationsAvailable() || Notification.permission !== 'granted') return;
  try {
    const n = new Notification(title, { body });
    n.onclick = () => {
      n.close();
      bringWindowToFront();
      open();
    };
  } catch {
    // a notification is a convenience; never let it break message handling
  }
}
