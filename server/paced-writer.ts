/**
 * Feeds a connection's socket its output in pieces, the next piece only once the socket has room
 * (no 'drain' pending). Why: a socket counts a write in its writableLength until all of it is sent,
 * so after one 2 MB write nothing shows whether the client reads at all until the last byte has
 * gone. Fed piece by piece, the socket holds about one piece, and what it has sent on
 * (`sent`) grows as the client reads. Output is kept as UTF-8 bytes, so `queued` counts bytes
 * exactly (a string would count UTF-16 units in writableLength).
 */
import type { ClientSocket } from './sessions.js';

/** Largest piece handed to the socket at once. */
const PIECE_BYTES = 64 * 1024;

type Socket = Pick<
  ClientSocket,
  'writableLength' | 'writableNeedDrain' | 'write' | 'end' | 'cork' | 'uncork'
>;

/**
 * Writers that wrote during this turn of the event loop, their sockets corked until it ends: a
 * connection that gets several frames in one turn (the presence of a burst of logins, a broadcast
 * and a message) sends them in one system call, not one each. Uncorked in one process.nextTick:
 * it runs when the code that wrote returns, and a write from a promise continuation (where a
 * group commit's replies and deliveries are made) waits for every continuation queued with it.
 */
const corkedThisTurn: PacedWriter[] = [];

function uncorkTurn(): void {
  for (const writer of corkedThisTurn) writer.uncork();
  corkedThisTurn.length = 0;
}

export class PacedWriter {
  /** Output not yet handed to the socket, oldest first, from `head` on. */
  private waiting: (Buffer | undefined)[] = [];
  private head = 0;
  private waitingBytes = 0;
  /** Every byte handed to the socket. */
  private handed = 0;
  private ending = false;
  /** In corkedThisTurn, its socket corked. */
  private corked = false;

  constructor(private readonly socket: Socket) {}

  /** Bytes held for the client: here and in the socket. */
  get queued(): number {
    return this.waitingBytes + this.socket.writableLength;
  }

  /** Bytes the socket has sent on; grows only while the client reads. */
  get sent(): number {
    return this.handed - this.socket.writableLength;
  }

  /** A Buffer is kept as is, not copied: a fan-out hands every recipient the same one. */
  write(data: string | Buffer): void {
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    this.waiting.push(bytes);
    this.waitingBytes += bytes.length;
    this.feed();
  }

  /** Ends the socket once everything written so far has been handed to it. */
  end(): void {
    this.ending = true;
    this.feed();
  }

  /** Hands the socket pieces until it asks to wait; call it again on the socket's 'drain'. */
  feed(): void {
    while (this.head < this.waiting.length && !this.socket.writableNeedDrain) {
      const next = this.waiting[this.head] as Buffer;
      const piece = next.length > PIECE_BYTES ? next.subarray(0, PIECE_BYTES) : next;
      if (piece === next) this.waiting[this.head++] = undefined;
      else this.waiting[this.head] = next.subarray(PIECE_BYTES);
      this.waitingBytes -= piece.length;
      this.handed += piece.length;
      if (!this.corked) this.corkForTurn();
      this.socket.write(piece);
    }
    if (this.head < this.waiting.length) return;
    this.waiting = [];
    this.head = 0;
    if (this.ending) {
      this.ending = false;
      this.socket.end();
    }
  }

  private corkForTurn(): void {
    if (corkedThisTurn.length === 0) process.nextTick(uncorkTurn);
    corkedThisTurn.push(this);
    this.corked = true;
    this.socket.cork();
  }

  /** Sends what this turn wrote (uncorkTurn). */
  uncork(): void {
    this.corked = false;
    this.socket.uncork();
  }

  /** Forgets the output not yet handed to the socket (the connection is being dropped). */
  clear(): void {
    this.waiting = [];
    this.head = 0;
    this.waitingBytes = 0;
  }
}
