/**
 * Browser shell entry: `tsx src/browser-shell/main.ts [--server-host H] [--server-port P] [--port N]
 * [--no-open] [--chromium PATH]`. Opens the app in Chromium's app mode when Chromium is installed
 * (closing that window stops the shell) and prints `app ready at ORIGIN`; otherwise prints
 * `app ready at LINK`, a one-time launch link to open in a browser.
 */
import { Command, InvalidArgumentError } from 'commander';
import { findChromium, launchChromiumApp } from './chromium.js';
import { startBrowserShell } from './shell.js';
import { offerLaunchLinks } from './terminal-link.js';

function portArg(min: number) {
  return (value: string): number => {
    const port = Number(value);
    if (!Number.isInteger(port) || port < min || port > 65535) {
      throw new InvalidArgumentError(`expected a port number ${min}-65535`);
    }
    return port;
  };
}

interface CliOptions {
  serverHost: string;
  serverPort?: number;
  port: number;
  open: boolean;
  chromium?: string;
  rendererDir?: string;
}

async function main(): Promise<void> {
  const program = new Command()
    .name('browser-shell')
    .description(
      'Run the messenger app in a browser: serves the built renderer and bridges it to the client core.',
    )
    .option('--server-host <host>', 'messenger server the login screen offers', '127.0.0.1')
    .option('--server-port <port>', 'messenger server port', portArg(1))
    .option('--port <port>', 'port for the app page on 127.0.0.1 (0 = any free port)', portArg(0), 0)
    .option('--no-open', 'only print a one-time launch link, do not open a browser')
    .option('--chromium <path>', 'Chromium executable (default: /usr/bin/chromium if installed)')
    .option('--renderer-dir <dir>', 'built renderer to serve (default: out/renderer)')
    .showHelpAfterError()
    .parse();
  const options = program.opts<CliOptions>();

  const shell = await startBrowserShell({
    ...(options.serverPort ? { server: { host: options.serverHost, port: options.serverPort } } : {}),
    port: options.port,
    ...(options.rendererDir ? { rendererDir: options.rendererDir } : {}),
    log: (line) => console.error(line),
  });

  let stopping = false;
  const stop = async (code: number): Promise<never> => {
    if (!stopping) {
      stopping = true;
      await shell.close().catch(() => undefined);
    }
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));

  const chromium = options.open ? findChromium(options.chromium) : undefined;
  if (!chromium) {
    if (options.open) {
      console.error(
        options.chromium
          ? `cannot run ${options.chromium}; open the link below in a browser`
          : 'Chromium is not installed (apt-get install chromium); open the link below in a browser',
      );
    }
    // Only once the signal handlers are in place: whoever waits for this line may signal at once.
    offerLaunchLinks(shell);
    return;
  }
  console.log(`app ready at ${shell.origin}`);
  console.error(`opening the app in ${chromium}`);
  const browser = await launchChromiumApp(chromium, shell.launchUrl());
  process.on('exit', () => {
    if (browser.process.exitCode === null) browser.process.kill('SIGTERM');
  });
  await browser.exited;
  console.error('the app window was closed; stopping');
  await stop(0);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
