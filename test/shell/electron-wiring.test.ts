/**
 * Wiring of the Electron shell (src/main) with `electron` MOCKED via vi.mock: the Electron binary
 * cannot be downloaded on these machines, so this checks what the shell asks of Electron (window
 * options, IPC registration, sender checks, argument validation, private windows, navigation and
 * window-open handlers, CSP and permissions) rather than running real windows. The desktop
 * behaviours have files of their own: single-instance, unread-tray-and-badge,
 * notification-click-focus and external-links.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import {
  IPC_CALL_CHANNEL,
  IPC_EVENT_CHANNEL,
  type AppEvent,
  type MessengerApi,
} from '../../src/shared/api.js';
import { parseShellOptions } from '../../src/main/options.js';
import { INDEX_URL, startShell as start } from './electron-shell-harness.js';
import { electron, type Listener } from './fake-electron.js';

vi.mock('electron', async () => (await import('./fake-electron.js')).electronModule);

beforeEach(() => electron.reset());

describe('Electron shell windows', () => {
  it('creates the main window with secure webPreferences and loads the built renderer', async () => {
    const { main } = await start();
    expect(electron.app.enableSandbox).toHaveBeenCalled();
    expect(main.options['webPreferences']).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      experimentalFeatures: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      preload: '/opt/messenger/out/preload/index.js',
    });
    expect(main.loadFile).toHaveBeenCalledWith('/opt/messenger/out/renderer/index.html', { query: {} });
  });

  it('sets a strict CSP header and allows only the notifications permission', async () => {
    await start();
    const onHeaders = electron.session.webRequest.onHeadersReceived.mock.calls[0]![0] as Listener;
    const callback = vi.fn();
    onHeaders({ responseHeaders: { 'content-security-policy': ['default-src *'] } }, callback);
    const headers = (callback.mock.calls[0]![0] as { responseHeaders: Record<string, string[]> })
      .responseHeaders;
    expect(headers['content-security-policy']).toBeUndefined();
    expect(headers['Content-Security-Policy']![0]).toMatch(/default-src 'none'; script-src 'self'/);
    expect(headers['Content-Security-Policy']![0]).not.toMatch(/unsafe-eval/);
    // No remote content: no source outside the app itself (no http(s) origins, no wildcards).
    expect(headers['Content-Security-Policy']![0]).not.toMatch(/https?:|\*/);

    const request = electron.session.setPermissionRequestHandler.mock.calls[0]![0] as Listener;
    const answers: boolean[] = [];
    request({}, 'notifications', (allowed: boolean) => answers.push(allowed));
    request({}, 'media', (allowed: boolean) => answers.push(allowed));
    request({}, 'geolocation', (allowed: boolean) => answers.push(allowed));
    expect(answers).toEqual([true, false, false]);
    const check = electron.session.setPermissionCheckHandler.mock.calls[0]![0] as Listener;
    expect(check({}, 'notifications')).toBe(true);
    expect(check({}, 'clipboard-read')).toBe(false);
    expect(check({}, 'clipboard-sanitized-write')).toBe(true);
  });

  it('denies window.open and navigation away from the app', async () => {
    const { main } = await start();
    expect(main.webContents.windowOpenHandler!({ url: 'https://example.com' })).toEqual({ action: 'deny' });
    const navigate = (url: string) => {
      const event = { preventDefault: vi.fn() };
      main.webContents.emit('will-navigate', event, url);
      return event.preventDefault.mock.calls.length > 0;
    };
    expect(navigate('https://example.com/')).toBe(true);
    expect(navigate('file:///etc/passwd')).toBe(true);
    expect(navigate('file:///opt/messenger/out/renderer/other.html')).toBe(true);
    expect(navigate('javascript:alert(1)')).toBe(true);
    expect(navigate(`${INDEX_URL}?window=private&peer=bob`)).toBe(false);
    // Server-side redirects are held to the same rule.
    const redirect = { preventDefault: vi.fn() };
    main.webContents.emit('will-redirect', redirect, 'https://example.com/');
    expect(redirect.preventDefault).toHaveBeenCalled();
    const webview = { preventDefault: vi.fn() };
    main.webContents.emit('will-attach-webview', webview);
    expect(webview.preventDefault).toHaveBeenCalled();
  });

  it('uses a separate user data directory and server when asked', async () => {
    await start({ argv: ['--messenger-user-data=/tmp/second', '--server-port', '4545'] });
    expect(electron.app.setPath).toHaveBeenCalledWith('userData', '/tmp/second');
    expect(parseShellOptions(['--server-host=10.0.0.2', '--server-port=99'], {})).toEqual({
      server: { host: '10.0.0.2', port: 99 },
    });
    expect(parseShellOptions([], { MESSENGER_SERVER_PORT: '70000' })).toEqual({});
  });
});

describe('Electron shell IPC', () => {
  it('registers exactly one call channel and forwards validated calls to the core', async () => {
    const { core, main, invoke, fromWindow } = await start();
    expect(electron.ipcMain.handle).toHaveBeenCalledTimes(1);
    expect(electron.ipcMain.handle).toHaveBeenCalledWith(IPC_CALL_CHANNEL, expect.any(Function));
    const result = await invoke(fromWindow(main), 'sendMessage', ['bob', 'hello']);
    expect(result).toEqual({ ok: true, value: 'core:sendMessage' });
    expect(core.call).toHaveBeenCalledWith('sendMessage', 'bob', 'hello');
  });

  it('rejects calls from frames that are not the app', async () => {
    const { core, main, invoke, fromWindow } = await start();
    const rejected = [
      { sender: { id: 9999 }, senderFrame: { url: INDEX_URL, parent: null } }, // not one of our windows
      fromWindow(main, 'https://evil.example/'), // our window, navigated elsewhere
      fromWindow(main, INDEX_URL, { url: INDEX_URL }), // a subframe
      { sender: { id: main.webContents.id }, senderFrame: null }, // frame gone
    ];
    for (const event of rejected) {
      const result = (await invoke(event, 'getState', [])) as { ok: boolean };
      expect(result.ok).toBe(false);
    }
    expect(core.call).not.toHaveBeenCalled();
  });

  it('validates method names and arguments before the core sees them', async () => {
    const { core, main, invoke, fromWindow } = await start();
    const bad: [unknown, unknown][] = [
      ['constructor', []],
      ['__proto__', []],
      [42, []],
      ['sendMessage', ['bob']],
      ['sendMessage', ['bad name!', 'hi']],
      ['sendMessage', ['bob', 'x'.repeat(4001)]],
      ['login', 'alice'],
      ['whoElseSince', [-1]],
      ['history', [{ peer: 'bob', limit: 100_000 }]],
      ['openPrivateWindow', ['../../etc']],
    ];
    for (const [method, args] of bad) {
      const result = (await invoke(fromWindow(main), method, args)) as {
        ok: boolean;
        error?: { code: string };
      };
      expect(result, JSON.stringify(method)).toMatchObject({
        ok: false,
        error: { code: 'invalid_argument' },
      });
    }
    expect(core.call).not.toHaveBeenCalled();
    expect(electron.windows).toHaveLength(1);
  });

  it('opens one private window per peer, reuses it, and never passes openPrivateWindow to the core', async () => {
    const { core, main, invoke, fromWindow } = await start();
    expect(await invoke(fromWindow(main), 'openPrivateWindow', ['bob'])).toEqual({ ok: true, value: {} });
    expect(electron.windows).toHaveLength(2);
    const bob = electron.windows[1]!;
    expect(bob.options['webPreferences']).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webviewTag: false,
    });
    expect(bob.webContents.windowOpenHandler!({ url: 'https://example.com' })).toEqual({ action: 'deny' });
    expect(bob.loadFile).toHaveBeenCalledWith('/opt/messenger/out/renderer/index.html', {
      query: { window: 'private', peer: 'bob' },
    });
    // The private window may call too (its URL carries the query).
    await invoke(fromWindow(bob, `${INDEX_URL}?window=private&peer=bob`), 'openPrivateWindow', ['bob']);
    expect(electron.windows).toHaveLength(2);
    expect(bob.focus).toHaveBeenCalled();
    await invoke(fromWindow(main), 'openPrivateWindow', ['carol']);
    expect(electron.windows).toHaveLength(3);
    bob.close();
    await invoke(fromWindow(main), 'openPrivateWindow', ['bob']);
    expect(electron.windows).toHaveLength(4);
    // Only closing bob's window reached the core: it ends that private chat.
    expect(core.call.mock.calls).toEqual([['stopPrivate', 'bob']]);
    // A closed window's frame can no longer call.
    expect(((await invoke(fromWindow(bob), 'getState', [])) as { ok: boolean }).ok).toBe(false);
  });

  it('sends core events to every open app window and quits with the main window', async () => {
    const { core, main, invoke, fromWindow } = await start();
    await invoke(fromWindow(main), 'openPrivateWindow', ['bob']);
    const event: AppEvent = { kind: 'presence', user: 'bob', online: true, at: 1 };
    core.emit(event);
    for (const window of electron.windows) {
      expect(window.webContents.send).toHaveBeenCalledWith(IPC_EVENT_CHANNEL, event);
    }
    main.close();
    expect(electron.windows[1]!.isDestroyed()).toBe(true);
    expect(electron.app.quit).toHaveBeenCalled();
    electron.app.emit('before-quit');
    expect(core.dispose).toHaveBeenCalledTimes(1);
    expect(electron.ipcMain.removeHandler).toHaveBeenCalledWith(IPC_CALL_CHANNEL);
  });
});

describe('preload', () => {
  it('exposes exactly window.messenger, mapped onto the two IPC channels', async () => {
    await import('../../src/preload/index.js');
    expect(electron.contextBridge.exposeInMainWorld).toHaveBeenCalledTimes(1);
    const api = electron.exposed.get('messenger') as MessengerApi;
    expect(Object.keys(api).sort()).toEqual(['call', 'onEvent']);
    await expect(api.call('sendMessage', 'bob', 'hi')).resolves.toEqual({ ok: true, value: 'invoked' });
    expect(electron.ipcRenderer.invoke).toHaveBeenCalledWith(IPC_CALL_CHANNEL, 'sendMessage', ['bob', 'hi']);
    const seen: AppEvent[] = [];
    const stop = api.onEvent((event) => seen.push(event));
    const event: AppEvent = { kind: 'logged_out', reason: 'timeout' };
    electron.ipcRenderer.emit(IPC_EVENT_CHANNEL, {}, event);
    expect(seen).toEqual([event]);
    stop();
    expect(electron.ipcRenderer.removeListener).toHaveBeenCalledWith(IPC_EVENT_CHANNEL, expect.any(Function));
  });
});
