import { terminalLine } from './terminal-text.js';

/**
 * Line output of the terminal client. While held (during login) lines wait, so the welcome line
 * comes before the messages the server delivers right after login. After `close`, nothing prints.
 * Every line goes through terminalLine, since names, texts and error messages come from others.
 */
export class Output {
  private held: string[] | undefined;
  private closed = false;

  constructor(private readonly stream: NodeJS.WritableStream) {}

  line(text: string): void {
    if (this.closed) return;
    if (this.held) this.held.push(text);
    else this.stream.write(`${terminalLine(text)}\n`);
  }

  hold(): void {
    this.held ??= [];
  }

  /** Prints `first` (if given), then the held lines. */
  release(first?: string): void {
    const held = this.held ?? [];
    this.held = undefined;
    if (first !== undefined) this.line(first);
    for (const text of held) this.line(text);
  }

  /** Drops held lines and stays open. */
  discard(): void {
    this.held = undefined;
  }

  /** Stops all further output; resolves once what was written is flushed. */
  close(): Promise<void> {
    this.closed = true;
    return new Promise((resolve) => this.stream.write('', () => resolve()));
  }
}
