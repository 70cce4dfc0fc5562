/**
 * Finds Debian's Chromium and opens the app in it, in app mode, with a throwaway profile.
 *
 * A process's command line is readable by every local user (/proc/PID/cmdline), so the launch link
 * never goes there: Chromium is told to open a small page in its profile directory (mkdtemp: only
 * this user may enter it) that forwards to the link.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

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

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '"': '&quot;', '<': '&lt;', '>': '&gt;' };

/**
 * Writes, readable by this user only, a page that forwards at once to `launchUrl`, and returns its
 * file: URL (the only thing that appears on Chromium's command line).
 */
export async function writeLaunchPage(dir: string, launchUrl: string): Promise<string> {
  const target = launchUrl.replace(/[&"<>]/g, (c) => HTML_ESCAPES[c] ?? c);
  const file = join(dir, 'launch.html');
  await writeFile(
    file,
    `<!doctype html><meta charset="utf-8"><meta name="referrer" content="no-referrer">` +
      `<meta http-equiv="refresh" content="0;url=${target}"><title>Messenger</title>\n`,
    { mode: 0o600, flag: 'wx' },
  );
  return pathToFileURL(file).href;
}

export interface ChromiumLaunch {
  /** The throwaway profile (mode 0700), which also holds the launch page. */
  userDataDir: string;
  args: string[];
}

/** The profile, launch page and flags for opening `launchUrl` in Chromium's app mode. */
export async function prepareChromiumLaunch(launchUrl: string): Promise<ChromiumLaunch> {
  const userDataDir = await mkdtemp(join(tmpdir(), 'messenger-chromium-'));
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  try {
    const page = await writeLaunchPage(userDataDir, launchUrl);
    return { userDataDir, args: chromiumArgs(page, userDataDir, isRoot) };
  } catch (error) {
    await rm(userDataDir, { recursive: true, force: true });
    throw error;
  }
}

/**
 * Removes a Chromium profile once the browser has exited. Its helper processes (renderer, GPU,
 * crash handler) can still be writing into it for a moment after the browser process is gone, so
 * a removal can meet a folder that filled again (ENOTEMPTY): it is retried for up to a second.
 */
export function removeProfile(userDataDir: string): Promise<void> {
  return rm(userDataDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 20 }).catch(
    () => undefined,
  );
}

/** Opens the one-time `launchUrl` (BrowserShell.launchUrl) in a new Chromium app window. */
export async function launchChromiumApp(executable: string, launchUrl: string): Promise<LaunchedChromium> {
  const { userDataDir, args } = await prepareChromiumLaunch(launchUrl);
  const child = spawn(executable, args, { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', () => resolve());
  }).then(() => removeProfile(userDataDir));
  return {
    process: child,
    exited,
    async close() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
