/**
 * `npm start`: builds the app when needed, makes sure a local server is running on 127.0.0.1:4545
 * (starts one, registration open, data in $MESSENGER_DATA_DIR or ~/.local/share/greatest-messenger,
 * unless one already answers there), then opens the app pointed at it: real Electron when its
 * binary is installed, else the browser shell in Chromium's app mode (or just its address).
 * Run it again in a second terminal to open another instance and chat as another user.
 */
import { spawn } from 'node:child_process';
import { Command } from 'commander';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, type RunningServer } from '../server/app.js';
import { defaultDataDir } from '../server/config.js';
import { findChromium, launchChromiumApp } from '../src/browser-shell/chromium.js';
import { startBrowserShell } from '../src/browser-shell/shell.js';
import { offerLaunchLinks } from '../src/browser-shell/terminal-link.js';
import { ensureAppBuilt } from './lib/build.js';
import { electronBinary } from './lib/electron.js';
import { probeServer } from './lib/probe.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const HOST = '127.0.0.1';
const PORT = Number(process.env['MESSENGER_PORT'] ?? 4545);

const say = (line: string): void => console.log(`[start] ${line}`);

async function ensureServer(): Promise<RunningServer | null> {
  const found = await probeServer(HOST, PORT);
  if (found === 'messenger') {
    say(`a messenger server is already running at ${HOST}:${PORT}; opening another app instance`);
    return null;
  }
  if (found === 'other') {
    throw new Error(`something else is listening on ${HOST}:${PORT}; set MESSENGER_PORT to use another port`);
  }
  const dataDir = defaultDataDir();
  const server = await startServer({
    host: HOST,
    port: PORT,
    dbPath: join(dataDir, 'server.db'),
    blockDurationSeconds: 60,
    timeoutSeconds: 30 * 60,
    openRegistration: true,
  });
  say(`started a server at ${server.host}:${server.port} (registration open, data in ${dataDir})`);
  return server;
}

/** Runs real Electron; resolves when its windows are closed. */
async function runElectron(binary: string, secondInstance: boolean): Promise<void> {
  const args = [ROOT, `--server-host=${HOST}`, `--server-port=${PORT}`];
  let userData: string | undefined;
  if (secondInstance) {
    userData = await mkdtemp(join(tmpdir(), 'messenger-electron-'));
    args.push(`--messenger-user-data=${userData}`);
  }
  say(`opening the app in Electron (${binary})`);
  const child = spawn(binary, args, { stdio: 'inherit' });
  await new Promise<void>((done) => {
    child.once('exit', () => done());
    child.once('error', (error) => {
      say(`Electron failed to start: ${error.message}`);
      done();
    });
  });
  if (userData) await rm(userData, { recursive: true, force: true });
}

/** Runs the browser shell; resolves when the Chromium window is closed (never, without Chromium). */
async function runBrowserShell(): Promise<void> {
  const shell = await startBrowserShell({ server: { host: HOST, port: PORT } });
  const chromium = findChromium(process.env['CHROMIUM']);
  const display = process.env['DISPLAY'] || process.env['WAYLAND_DISPLAY'];
  if (!chromium || !display) {
    say(
      !chromium
        ? 'no Electron binary and no Chromium (apt-get install chromium): open this link in a browser:'
        : 'no display to open a window on: open this link in a browser on this machine:',
    );
    offerLaunchLinks(shell);
    say('press Ctrl+C to stop');
    await new Promise<void>(() => undefined);
    return;
  }
  say(`no Electron binary installed; opening the app in Chromium (${chromium}) through the browser shell`);
  console.log(`app ready at ${shell.origin}`);
  const browser = await launchChromiumApp(chromium, shell.launchUrl());
  process.once('exit', () => {
    if (browser.process.exitCode === null) browser.process.kill('SIGTERM');
  });
  await browser.exited;
  await shell.close();
}

/** Only --help: what npm start does is configured through the environment, as the README says. */
function parseArgs(): void {
  new Command('npm start')
    .description(
      'Build the app if needed, start a local server on 127.0.0.1:4545 unless one answers there, and open the app.',
    )
    .addHelpText(
      'after',
      '\nEnvironment:\n  MESSENGER_PORT      server port (default 4545)\n  MESSENGER_DATA_DIR  server data folder (default ~/.local/share/greatest-messenger)\n  CHROMIUM            Chromium executable for the browser shell',
    )
    .parse();
}

async function main(): Promise<void> {
  parseArgs();
  await ensureAppBuilt(ROOT, say);
  const server = await ensureServer();
  const stop = async (): Promise<void> => {
    say('stopping');
    await server?.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());

  const binary = electronBinary();
  if (binary) await runElectron(binary, server === null);
  else await runBrowserShell();
  say('the app window was closed');
  if (server) {
    say(`the server at ${HOST}:${PORT} keeps running for other app instances; press Ctrl+C to stop it`);
    return;
  }
  process.exit(0);
}

main().catch((error: unknown) => {
  console.error(`[start] ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
