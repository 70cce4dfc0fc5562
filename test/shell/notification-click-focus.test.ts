/**
 * The main-process half of "clicking a notification opens that conversation": the renderer asks
 * with `focusWindow()` and the shell brings the calling window to the front, restored if it was
 * minimised (a page cannot do that itself). The renderer half (which conversation opens) is in
 * src/renderer/src/__tests__/notification-click.test.ts. `electron` is mocked.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { INDEX_URL, startShell } from './electron-shell-harness.js';
import { electron } from './fake-electron.js';

vi.mock('electron', async () => (await import('./fake-electron.js')).electronModule);

beforeEach(() => electron.reset());

describe('focusWindow', () => {
  it('restores, shows and focuses the main window when it asks', async () => {
    const { core, main, callFromMain } = await startShell();
    main.minimized = true;
    expect(await callFromMain('focusWindow', [])).toEqual({ ok: true, value: {} });
    expect(main.restore).toHaveBeenCalled();
    expect(main.show).toHaveBeenCalled();
    expect(main.focus).toHaveBeenCalled();
    expect(core.call).not.toHaveBeenCalled();
  });

  it('raises the window that asked: a private-chat window, not the main one', async () => {
    const { main, invoke, fromWindow, callFromMain } = await startShell();
    await callFromMain('openPrivateWindow', ['bob']);
    const bob = electron.windows[1]!;
    main.focus.mockClear();
    bob.focus.mockClear();
    bob.minimized = true;
    const result = await invoke(fromWindow(bob, `${INDEX_URL}?window=private&peer=bob`), 'focusWindow', []);
    expect(result).toEqual({ ok: true, value: {} });
    expect(bob.restore).toHaveBeenCalled();
    expect(bob.focus).toHaveBeenCalled();
    expect(main.focus).not.toHaveBeenCalled();
  });

  it('takes no arguments and is refused to frames that are not the app', async () => {
    const { main, invoke, fromWindow, callFromMain } = await startShell();
    expect(await callFromMain('focusWindow', ['bob'])).toMatchObject({
      ok: false,
      error: { code: 'invalid_argument' },
    });
    const foreign = (await invoke(fromWindow(main, 'https://evil.example/'), 'focusWindow', [])) as {
      ok: boolean;
    };
    expect(foreign.ok).toBe(false);
    expect(main.focus).not.toHaveBeenCalled();
  });
});
