/**
 * Line input for the terminal client. On a terminal, readline edits the line and a password is not
 * echoed. When stdin is not a terminal, lines are read plainly and each prompt is completed with the
 * answer (or, for a secret, just a newline) so the output reads line by line like a transcript.
 */
import readline from 'node:readline';
import { Writable, type Readable } from 'node:stream';

export class LineInput {
  private readonly lines: string[] = [];
  private waiter: ((line: string | null) => void) | undefined;
  private ended = false;
  private muted = false;
  private readonly rl: readline.Interface;

  constructor(
    input: Readable,
    private readonly output: NodeJS.WritableStream,
    private readonly tty: boolean,
  ) {
    const echo = new Writable({
      write: (chunk: Buffer, _encoding, done) => {
        if (!this.muted) output.write(chunk);
        done();
      },
    });
    this.rl = readline.createInterface({ input, output: echo, terminal: tty });
    this.rl.on('line', (line) => this.push(line));
    this.rl.on('close', () => this.end());
  }

  /** Writes the prompt and reads the answer; null at end of input. */
  async prompt(label: string, secret = false): Promise<string | null> {
    this.output.write(label);
    this.muted = secret && this.tty;
    const answer = await this.next();
    this.muted = false;
    if (secret || !this.tty) this.output.write(secret || answer === null ? '\n' : `${answer}\n`);
    return answer;
  }

  /** The next line; null at end of input. */
  next(): Promise<string | null> {
    const line = this.lines.shift();
    if (line !== undefined) return Promise.resolve(line);
    if (this.ended) return Promise.resolve(null);
    return new Promise((resolve) => {
      this.waiter = resolve;
    });
  }

  close(): void {
    this.rl.close();
  }

  private push(line: string): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    if (waiter) waiter(line);
    else this.lines.push(line);
  }

  private end(): void {
    this.ended = true;
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.(null);
  }
}
