/**
 * Collects received direct-message ids and acknowledges the highest once per tick, so a burst of
 * offline messages costs one `ack` frame.
 */
export class AckBatcher {
  private upTo = 0;
  private timer: NodeJS.Immediate | undefined;

  constructor(private readonly send: (upTo: number) => void) {}

  add(id: number): void {
    if (id > this.upTo) this.upTo = id;
    this.timer ??= setImmediate(() => this.flush());
  }

  /** Sends the pending ack now (if any). */
  flush(): void {
    if (this.timer) clearImmediate(this.timer);
    this.timer = undefined;
    if (this.upTo === 0) return;
    const upTo = this.upTo;
    this.upTo = 0;
    this.send(upTo);
  }

  cancel(): void {
    if (this.timer) clearImmediate(this.timer);
    this.timer = undefined;
    this.upTo = 0;
  }
}
