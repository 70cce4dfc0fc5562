/**
 * Links in messages open in the system browser or mail app through `shell.openExternal`, for
 * http, https and mailto only. Main checks the scheme itself, whichever way a link arrives: the
 * validated `openExternal` call (a click) or the window-open handler (a middle click, target=_blank).
 * `electron` is mocked.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { openExternalLink } from '../../src/main/external-links.js';
import { startShell } from './electron-shell-harness.js';
import { electron } from './fake-electron.js';

vi.mock('electron', async () => (await import('./fake-electron.js')).electronModule);

beforeEach(() => electron.reset());

const OPENED = [
  ['https://example.com/a?b=c#d', 'https://example.com/a?b=c#d'],
  ['http://example.com', 'http://example.com/'],
  ['HTTPS://Example.COM/Path', 'https://example.com/Path'],
  ['mailto:alice@example.com', 'mailto:alice@example.com'],
  ['mailto:alice@example.com?subject=Hi', 'mailto:alice@example.com?subject=Hi'],
] as const;

const REFUSED = [
  'javascript:alert(1)',
  'JavaScript:alert(document.cookie)',
  'file:///etc/passwd',
  'file://server/share/evil.exe',
  'data:text/html,<script>alert(1)</script>',
  'vbscript:msgbox(1)',
  'ms-settings:privacy',
  'slack://open',
  'smb://attacker.example/share',
  'ftp://example.com/file',
  'blob:https://example.com/1234',
  'mailto:', // no address
  'https://', // no host
  '/relative/path',
  'example.com',
  '',
  `https://example.com/${'a'.repeat(3000)}`,
];

describe('openExternalLink (the scheme check in main)', () => {
  it.each(OPENED)('opens %s', (raw, href) => {
    expect(openExternalLink(electron.shell, raw)).toBe(true);
    expect(electron.shell.openExternal).toHaveBeenCalledWith(href);
  });

  it.each(REFUSED)('refuses %s', (raw) => {
    expect(openExternalLink(electron.shell, raw)).toBe(false);
    expect(electron.shell.openExternal).not.toHaveBeenCalled();
  });

  it('a failure to open is logged, not thrown', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    electron.shell.openExternal.mockRejectedValueOnce(new Error('no browser'));
    expect(openExternalLink(electron.shell, 'https://example.com')).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(logged).toHaveBeenCalled();
    logged.mockRestore();
  });
});

describe('openExternal API call', () => {
  it('opens http, https and mailto links from the app’s windows, never through the core', async () => {
    const { core, callFromMain } = await startShell();
    for (const [raw, href] of OPENED) {
      expect(await callFromMain('openExternal', [raw])).toEqual({ ok: true, value: {} });
      expect(electron.shell.openExternal).toHaveBeenLastCalledWith(href);
    }
    expect(core.call).not.toHaveBeenCalled();
  });

  it('refuses every other scheme with invalid_argument and opens nothing', async () => {
    const { core, callFromMain } = await startShell();
    for (const raw of REFUSED) {
      expect(await callFromMain('openExternal', [raw]), raw).toMatchObject({
        ok: false,
        error: { code: 'invalid_argument' },
      });
    }
    for (const args of [[], [42], [{ href: 'https://example.com' }], ['https://a.example', 'x']]) {
      expect((await callFromMain('openExternal', args)).ok, JSON.stringify(args)).toBe(false);
    }
    expect(electron.shell.openExternal).not.toHaveBeenCalled();
    expect(core.call).not.toHaveBeenCalled();
  });

  it('is refused to a window navigated away from the app', async () => {
    const { main, invoke, fromWindow } = await startShell();
    const result = (await invoke(fromWindow(main, 'https://evil.example/'), 'openExternal', [
      'https://example.com',
    ])) as { ok: boolean };
    expect(result.ok).toBe(false);
    expect(electron.shell.openExternal).not.toHaveBeenCalled();
  });
});

describe('window-open handler (middle click, target=_blank)', () => {
  it('sends http(s)/mailto links to the system browser and never opens a window', async () => {
    const { main } = await startShell();
    const windowOpen = main.webContents.windowOpenHandler!;
    expect(windowOpen({ url: 'https://example.com/x' })).toEqual({ action: 'deny' });
    expect(electron.shell.openExternal).toHaveBeenCalledWith('https://example.com/x');
    expect(windowOpen({ url: 'mailto:bob@example.com' })).toEqual({ action: 'deny' });
    expect(electron.shell.openExternal).toHaveBeenLastCalledWith('mailto:bob@example.com');
    expect(electron.windows).toHaveLength(1);
  });

  it('opens nothing for other schemes', async () => {
    const { main } = await startShell();
    for (const url of REFUSED) {
      expect(main.webContents.windowOpenHandler!({ url })).toEqual({ action: 'deny' });
    }
    expect(electron.shell.openExternal).not.toHaveBeenCalled();
  });

  it('navigation away from the app is still only prevented, not opened', async () => {
    const { main } = await startShell();
    const event = { preventDefault: vi.fn() };
    main.webContents.emit('will-navigate', event, 'https://example.com/');
    expect(event.preventDefault).toHaveBeenCalled();
    expect(electron.shell.openExternal).not.toHaveBeenCalled();
  });
});
