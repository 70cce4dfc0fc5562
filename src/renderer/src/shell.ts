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
  if (!r.ok) useToastsStore().show(`Could not open the link. ${describeProblem(r.error)}`, 'error');
}

export function bringWindowToFront(): void {
  window.focus();
  void call('focusWindow');
}
