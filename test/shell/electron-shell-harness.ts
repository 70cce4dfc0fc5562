/**
 * Starts the Electron shell against the fake `electron` (fake-electron.ts) and a fake core, and
 * gives tests the IPC entry point as a window would reach it. The test file must mock `electron`
 * first: vi.mock('electron', async () => (await import('./fake-electron.js')).electronModule).
 */
import { vi, type Mock } from 'vitest';
import { IPC_CALL_CHANNEL, type AppEvent } from '../../src/shared/api.js';
import { startElectronShell, type ElectronShell } from '../../src/main/app.js';
import { electron, type FakeBrowserWindow } from './fake-electron.js';

export const MAIN_DIR = '/opt/messenger/out/main';
export const INDEX_URL = 'file:///opt/messenger/out/renderer/index.html';

export interface FakeCore {
  call: Mock<(method: string) => Promise<{ ok: true; value: string }>>;
  onEvent: Mock<(listener: (event: AppEvent) => void) => () => void>;
  dispose: Mock;
  /** Pushes an event as the core would. */
  emit(event: AppEvent): void;
}

export function fakeCore(): FakeCore {
  const listeners = new Set<(event: AppEvent) => void>();
  return {
    call: vi.fn(async (method: string) => ({ ok: true as const, value: `core:${method}` })),
    onEvent: vi.fn((listener: (event: AppEvent) => void) => {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    }),
    dispose: vi.fn(),
    emit: (event: AppEvent) => listeners.forEach((listener) => listener(event)),
  };
}

export interface FakeInvokeEvent {
  sender: { id: number };
  senderFrame: { url: string; parent: unknown };
}

/** The IPC event of a call from `window`'s top frame showing `url`. */
export function fromWindow(
  window: FakeBrowserWindow,
  url = INDEX_URL,
  parent: unknown = null,
): FakeInvokeEvent {
  return { sender: { id: window.webContents.id }, senderFrame: { url, parent } };
}

export interface StartOptions {
  argv?: string[];
  platform?: NodeJS.Platform;
}

export interface ShellUnderTest {
  core: FakeCore;
  shell: ElectronShell | null;
  main: FakeBrowserWindow;
  /** The registered `messenger:call` handler. */
  invoke: (event: unknown, method: unknown, args: unknown) => unknown;
  fromWindow: typeof fromWindow;
  /** Calls `method` as the main window's renderer would. */
  callFromMain(method: string, args: unknown[]): Promise<{ ok: boolean; error?: { code: string } }>;
}

export async function startShell(options: StartOptions = {}): Promise<ShellUnderTest> {
  const core = fakeCore();
  const shell = await startElectronShell({
    createCore: () => core as never,
    mainDir: MAIN_DIR,
    argv: options.argv ?? [],
    env: {},
    platform: options.platform ?? 'linux',
  });
  const main = electron.windows[0]!;
  const invoke = electron.handlers.get(IPC_CALL_CHANNEL)!;
  const callFromMain = (method: string, args: unknown[]) =>
    invoke(fromWindow(main), method, args) as Promise<{ ok: boolean; error?: { code: string } }>;
  return { core, shell, main, invoke, fromWindow, callFromMain };
}
