/** Desktop notifications, only while the window is not focused, and only where the API exists. */
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

export function notifyIfUnfocused(title: string, body: string): void {
  if (windowHasFocus() || !notificationsAvailable() || Notification.permission !== 'granted') return;
  try {
    const n = new Notification(title, { body });
    n.onclick = () => window.focus();
  } catch {
    // a notification is a convenience; never let it break message handling
  }
}
