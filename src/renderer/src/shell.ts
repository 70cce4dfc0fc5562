/**
 * Things only the shell can do for the page: open a link outside the app (Electron: the system
 * browser, after main checks the scheme again; browser shell: a new tab) and bring this window to
 * the front (a page alone cannot raise a minimised Electron window).
 */
import { call } from './api';
import { describeProblem } from './errors';
import { useToastsStore } from './stores/toasts';

export async function openLink(href: string): Promise<void> {
  const r = await call('openExternal', href);
  if (r.ok) return;
  // The shell refuses anything but web and e-mail links (the page never offers others as links).
  const advice =
    r.error.code === 'invalid_argument'
      ? 'Only web and e-mail links open from messages: copy it into your browser instead.'
      : describeProblem(r.error);
  useToastsStore().show(`Could not open the link. ${advice}`, 'error');
}

export function bringWindowToFront(): void {
  window.focus();
  void call('focusWindow');
}
