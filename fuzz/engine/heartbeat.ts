/**
 * Hang detection across threads: the fuzzing worker stamps every input into shared memory before
 * running it; the main thread sees the count stop moving, ends the worker, and still has the input.
 */
const HEADER_INTS = 2; // [inputs started, length of the current input]

export class Heartbeat {
  private readonly header: Int32Array;
  private readonly bytes: Uint8Array;

  constructor(readonly buffer: SharedArrayBuffer) {
    this.header = new Int32Array(buffer, 0, HEADER_INTS);
    this.bytes = new Uint8Array(buffer, HEADER_INTS * 4);
  }

  static create(maxLength: number): Heartbeat {
    return new Heartbeat(new SharedArrayBuffer(HEADER_INTS * 4 + maxLength));
  }

  beat(data: Buffer): void {
    const length = Math.min(data.length, this.bytes.length);
    this.bytes.set(data.subarray(0, length));
    Atomics.store(this.header, 1, length);
    Atomics.add(this.header, 0, 1);
  }

  get beats(): number {
    return Atomics.load(this.header, 0);
  }

  currentInput(): Buffer {
    return Buffer.from(this.bytes.subarray(0, Atomics.load(this.header, 1)));
  }
}
