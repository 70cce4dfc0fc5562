#!/usr/bin/env node
/**
 * The terminal client (`greatest-messenger` when installed): `npm run --silent client -- --host H
 * --port P` (or `client -- H P`).
 * The report's client.py on top of the client core. It never reconnects: losing the server ends it
 * with a non-zero status.
 */
import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { MessengerCore } from '../main/core/index.js';
import type { AppEvent } from '../shared/api.js';
import { showEvent, type ExitRequest } from './events.js';
import { LineInput } from './input.js';
import { loginDialogue } from './login.js';
import { Output } from './output.js';
import { runLine } from './session.js';
import { texts } from './texts.js';

interface ClientArgs {
  host: string;
  port: number;
  /** Connect over TLS; `ca` is the PEM of the CA to trust instead of the system roots. */
  tls?: { ca?: string };
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port < 1 || port > 65535)
    throw new InvalidArgumentError('expected a port 1-65535');
  return port;
}

export function parseArgs(argv: string[]): ClientArgs {
  const program = new Command('greatest-messenger')
    .description('Terminal client of the greatest messaging application')
    .argument('[host]', 'server host (same as --host)')
    .argument('[port]', 'server port (same as --port)', parsePort)
    .option('--host <host>', 'server host', '127.0.0.1')
    .option('--port <port>', 'server port', parsePort)
    .option('--tls', 'connect over TLS, trusting the system root CAs')
    .option('--tls-ca <file>', 'connect over TLS, trusting this CA certificate (PEM)')
    .addHelpText(
      'after',
      '\nCommands once logged in: message USER TEXT, broadcast TEXT, whoelse, whoelsesince SECONDS,\n' +
        'block USER, unblock USER, startprivate USER, private USER TEXT, stopprivate USER,\n' +
        'search WORDS (your messages holding every word; WORD* for a prefix), logout',
    )
    .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : 2))
    .showHelpAfterError();
  program.parse(argv, { from: 'user' });
  const [hostArg, portArg] = program.processedArgs as [string | undefined, number | undefined];
  const options = program.opts<{ host: string; port?: number; tls?: boolean; tlsCa?: string }>();
  const port = portArg ?? options.port;
  if (port === undefined) return program.error('error: missing the server port (--port P)', { exitCode: 2 });
  const args: ClientArgs = { host: hostArg ?? options.host, port };
  if (options.tlsCa !== undefined) {
    try {
      args.tls = { ca: readFileSync(options.tlsCa, 'utf8') };
    } catch {
      return program.error(`error: cannot read the CA file ${options.tlsCa}`, { exitCode: 2 });
    }
  } else if (options.tls) args.tls = {};
  return args;
}

class TerminalClient {
  private readonly out = new Output(process.stdout);
  private readonly input = new LineInput(process.stdin, process.stdout, process.stdin.isTTY === true);
  private readonly core: MessengerCore;
  private username: string | null = null;
  private exiting = false;

  constructor(private readonly args: ClientArgs) {
    this.core = new MessengerCore({ clientName: 'terminal', reconnect: false, tls: args.tls });
    this.core.onEvent((event) => this.onEvent(event));
  }

  async run(): Promise<void> {
    const address = `${this.args.host}:${this.args.port}`;
    const hello = await this.core.call('connect', { host: this.args.host, port: this.args.port });
    if (!hello.ok) return this.exit({ code: 1, text: texts.cannotConnect(address) });
    const login = await loginDialogue({
      core: this.core,
      input: this.input,
      out: this.out,
      openRegistration: hello.value.openRegistration,
    });
    if (!login.ok) return this.exit({ code: login.exitCode });
    this.username = login.username;
    await this.commandLoop();
  }

  private async commandLoop(): Promise<void> {
    const ctx = { core: this.core, out: this.out, username: this.username ?? '' };
    for (;;) {
      const line = await this.input.next();
      if (this.exiting) return;
      if (line === null) {
        await this.core.call('logout');
        return this.exit({ code: 0 });
      }
      if (await runLine(ctx, line)) return this.exit({ code: 0 });
    }
  }

  private onEvent(event: AppEvent): void {
    if (this.exiting) return;
    const exit = showEvent(event, this.username, this.out);
    if (exit) void this.exit(exit);
  }

  private async exit(request: ExitRequest): Promise<void> {
    if (this.exiting) return;
    this.exiting = true;
    if (request.text !== undefined) this.out.line(request.text);
    await this.out.close();
    this.input.close();
    await this.core.dispose().catch(() => undefined);
    process.exit(request.code);
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  await new TerminalClient(args).run();
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
