/**
 * The app in a browser of the user's choice: its one-time launch link goes to the terminal that
 * started the shell, which other local users cannot read (a command line they can; chromium.ts).
 */
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { PRINTED_LAUNCH_TTL_MS } from './launch-tokens.js';
import type { BrowserShell } from './shell.js';

/**
 * Prints `app ready at LINK` on stdout and how to use it on stderr. When `input` is a terminal, each
 * Enter there prints a new link (a used or expired one opens nothing).
 */
export function offerLaunchLinks(
  shell: Pick<BrowserShell, 'launchUrl'>,
  input: Readable & { isTTY?: boolean } = process.stdin,
): void {
  console.log(`app ready at ${shell.launchUrl(PRINTED_LAUNCH_TTL_MS)}`);
  const minutes = PRINTED_LAUNCH_TTL_MS / 60_000;
  console.error(
    `open that link in a browser on this computer within ${minutes} minutes; it works once` +
      (input.isTTY ? ' (press Enter here for a new one, which ends the session of the old one)' : ''),
  );
  if (!input.isTTY) return;
  // terminal: false leaves Ctrl+C to the terminal, so it still stops the shell.
  createInterface({ input, terminal: false }).on('line', () => {
    console.log(`new launch link: ${shell.launchUrl(PRINTED_LAUNCH_TTL_MS)}`);
  });
}
