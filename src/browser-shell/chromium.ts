/** Finds Debian's Chromium and opens the app in it, in app mode, with a throwaway profile. */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The Chromium to use: `explicit` if given (and executable), else the first installed candidate. */
export function findChromium(explicit?: string): string | undefined {
  if (explicit) return isExecutable(explicit) ? explicit : undefined;
  return CANDIDATES.find(isExecutable);
}

/** Flags for a quiet, self-contained app window (the sandbox is disabled only when running as root). */
export function chromiumArgs(url: string, userDataDir: string, isRoot: boolean): string[] {
  return [
    `--app=${url}`,
    `--user-data-dir=${userDataDir}`,
    // As root Chromium refuses to start sandboxed; --test-type hides its "unsupported flag" bar.
    ...(isRoot ? ['--no-sandbox', '--test-type'] : []),
    '--window-size=1100,760',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--no-first-run',
    '--no-default-browser-check',
    '--disable-popup-blocking',
  ];
}

export interface LaunchedChromium {
  process: ChildProcess;
  /** Resolves when the browser has exited and its profile is removed. */
  exited: Promise<void>;
  close(): Promise<void>;
}

export async function launchChromiumApp(executable: string, url: string): Promise<LaunchedChromium> {
  const userDataDir = await mkdtemp(join(tmpdir(), 'messenger-chromium-'));
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const child = spawn(executable, chromiumArgs(url, userDataDir, isRoot), { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', () => resolve());
  }).then(() => rm(userDataDir, { recursive: true, force: true }).catch(() => undefined));
  return {
    process: child,
    exited,
    async close() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
