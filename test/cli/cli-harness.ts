/**
 * Runs the terminal client (src/cli/main.ts through tsx) as a child process, feeds it stdin lines and
 * reads its stdout line by line, with timeouts instead of fixed sleeps.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/server.js';

const MAIN = join(REPO_ROOT, 'src', 'cli', 'main.ts');
/** Node itself with tsx's loader, so the child's pid is the client (a signal reaches it directly). */
export const NODE_TSX = [process.execPath, '--import', 'tsx'] as const;
/** The client from source; tests of the installed package pass its bin instead. */
export const CLIENT_FROM_SOURCE: readonly string[] = [...NODE_TSX, MAIN];
const running = new Set<CliClient>();

export class CliClient {
  private readonly lines: string[] = [];
  private partial = '';
  private cursor = 0;
  private stderrText = '';
  private wake: (() => void) | undefined;
  readonly exited: Promise<number | null>;

  constructor(private readonly child: ChildProcessWithoutNullStreams) {
    child.stdout.on('data', (chunk: Buffer) => this.onStdout(chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (this.stderrText += chunk.toString('utf8')));
    child.stdin.on('error', () => undefined);
    this.exited = new Promise((resolve) =>
      child.on('exit', (code) => {
        running.delete(this);
        this.wake?.();
        resolve(code);
      }),
    );
  }

  get stderr(): string {
    return this.stderrText;
  }

  /** Everything printed so far, as lines (a trailing unterminated prompt included). */
  output(): string[] {
    return this.partial === '' ? [...this.lines] : [...this.lines, this.partial];
  }

  send(...lines: string[]): void {
    for (const line of lines) this.child.stdin.write(`${line}\n`);
  }

  /** Closes stdin (end of input). */
  end(): void {
    this.child.stdin.end();
  }

  /** The next complete stdout line; rejects after timeoutMs or when the process exits first. */
  async nextLine(timeoutMs = 8_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (this.cursor >= this.lines.length) {
      if (this.child.exitCode !== null || this.child.signalCode !== null) {
        throw new Error(
          `client exited; output so far:\n${this.output().join('\n')}\nstderr: ${this.stderrText}`,
        );
      }
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`no line within ${timeoutMs} ms; output so far:\n${this.output().join('\n')}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    return this.lines[this.cursor++] as string;
  }

  /** Asserts the next stdout lines are exactly these. */
  async expectLines(...expected: string[]): Promise<void> {
    for (const line of expected) {
      const actual = await this.nextLine();
      if (actual !== line) {
        throw new Error(
          `expected line ${JSON.stringify(line)} but got ${JSON.stringify(actual)}\n${this.output().join('\n')}`,
        );
      }
    }
  }

  /** Answers the login prompts and reads up to the welcome line. */
  async logIn(username: string, password: string): Promise<void> {
    this.send(username, password);
    await this.expectLines(
      `Username: ${username}`,
      'Password: ',
      'Welcome to the greatest messaging application ever!',
    );
  }

  /** Waits for the exit status; asserts nothing more was printed than what was already expected. */
  async exitCode(timeoutMs = 8_000): Promise<number | null> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`client did not exit; output:\n${this.output().join('\n')}`)),
        timeoutMs,
      );
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Lines printed after the ones already consumed. */
  rest(): string[] {
    return this.lines.slice(this.cursor);
  }

  kill(): void {
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }

  private onStdout(text: string): void {
    const parts = (this.partial + text).split('\n');
    this.partial = parts.pop() ?? '';
    this.lines.push(...parts);
    this.wake?.();
  }
}

export function startClient(
  port: number,
  args: string[] = ['--host', '127.0.0.1', '--port', String(port)],
  command: readonly string[] = CLIENT_FROM_SOURCE,
): CliClient {
  const [program, ...prefix] = command as [string, ...string[]];
  const child = spawn(program, [...prefix, ...args], { cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  const client = new CliClient(child);
  running.add(client);
  return client;
}

/** Starts a client and logs in; the welcome line has been read when it resolves. */
export async function loggedInClient(port: number, username: string, password: string): Promise<CliClient> {
  const client = startClient(port);
  await client.logIn(username, password);
  return client;
}

export async function killClients(): Promise<void> {
  const all = [...running];
  for (const client of all) client.kill();
  await Promise.all(all.map((client) => client.exited));
}
