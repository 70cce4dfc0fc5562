#!/usr/bin/env node
/**
 * CLI entry (`greatest-messenger-server` when installed): `npm run --silent server -- --port P --block-duration B --timeout T ...` or `-- P B T`.
 * Prints exactly one stdout line, `listening on HOST:PORT`, when ready. Bad arguments: one stderr
 * line and exit status 2. SIGINT/SIGTERM: clients get logged_out (shutdown), then exit 0.
 */
import { startServer } from './app.js';
import { CredentialsFormatError } from './accounts.js';
import { ConfigError, HelpRequested, parseCommandLine } from './config.js';

function fail(message: string): never {
  process.stderr.write(`server: ${message}\n`);
  process.exit(2);
}

async function main(): Promise<void> {
  let options;
  try {
    options = parseCommandLine(process.argv.slice(2));
  } catch (error) {
    if (error instanceof HelpRequested) {
      process.stdout.write(error.usage);
      return;
    }
    if (error instanceof ConfigError) fail(error.message);
    throw error;
  }
  let server;
  try {
    server = await startServer(options);
  } catch (error) {
    if (error instanceof CredentialsFormatError) fail(error.message);
    fail(`cannot start: ${error instanceof Error ? error.message : String(error)}`);
  }
  const stop = () => {
    void server.close().then(() => process.exit(0));
  };
  // Before the listening line: whoever waits for it may signal at once, and an unhandled SIGINT
  // would kill the server without telling its clients or closing the database.
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  process.stdout.write(`listening on ${server.host}:${server.port}\n`);
}

void main();
