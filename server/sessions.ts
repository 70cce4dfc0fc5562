/**
 * One Session per TCP connection: the frame loop (decode, validate, gate, dispatch, reply), the
 * login flow, the idle timeout and the end of the connection. A session's problems never reach
 * another session: every failure becomes an error frame, or closes this one socket.
 */
import { FrameDecoder, FrameTooLargeError, encodeFrame } from '../src/shared/codec.js';
import {
  preLoginRequests,
  type DirectMessage,
  type RequestFrame,
  type RequestResult,
  type RequestType,
  type ServerFrame,
} from '../src/shared/protocol.js';
import { parseRequestFrame } from '../src/shared/validate.js';
import type { ServerContext } from './context.js';
import { RequestError } from './errors.js';
import { handlers } from './handlers.js';
import { MAX_FRAME_NESTING, TokenBucket, nestingExceeds } from './limits.js';
import { normaliseAddress } from './p2p.js';
import { PacedWriter } from './paced-writer.js';
import type { OnlineUser } from './presence.js';

/**
 * Output backpressure. A connection's queued output is everything the server holds for it: frames
 * waiting for durability (the outbox) and what is on its way to the client (PacedWriter.queued).
 * Above min(OUTPUT_HIGH_WATER, cap / 4) its requests wait and the offline backlog pauses until the
 * socket drains, so a client that reads is slowed down, never cut off; past the cap (fan-out to a
 * client that stopped reading) or after slowReaderTimeoutSeconds without reading anything, the
 * connection is dropped.
 */
const OUTPUT_HIGH_WATER = 1024 * 1024;
/** The offline backlog is read from SQLite this many messages at a time, while output is low. */
const BACKLOG_BATCH = 500;
/** Frames released together are written in pieces of about this many characters, not one string. */
const WRITE_CHUNK_CHARS = 64 * 1024;

/**
 * At most this many frames of one connection are handled per event-loop turn; the rest wait for the
 * next turn (the socket is paused meanwhile), so one busy client cannot hold the loop, and replies
 * committed in this turn go out before more input is taken.
 */
const FRAMES_PER_TURN = 64;

/** How long a closing connection may take to flush and close before it is destroyed. */
const END_GRACE_MS = 5000;

type State = 'greeting' | 'anonymous' | 'authenticated' | 'closed';

interface OutboxGroup {
  /** storage.writeMark() when the group was started. */
  mark: number;
  lines: string[];
  /** UTF-8 bytes of the lines. */
  bytes: number;
}

/**
 * What a Session needs of its connection: a net.Socket (or tls.TLSSocket), or a GatewaySocket when
 * a gateway process holds the real one (server/gateway-link.ts).
 */
export interface ClientSocket {
  readonly remoteAddress?: string | undefined;
  readonly destroyed: boolean;
  readonly writable: boolean;
  /** Bytes written and not yet sent (a GatewaySocket: not yet read by the client, or on their way). */
  readonly writableLength: number;
  readonly writableNeedDrain: boolean;
  setNoDelay(noDelay?: boolean): unknown;
  /** Bytes, not strings: writableLength then counts bytes (a string counts UTF-16 units). */
  write(data: Uint8Array): boolean;
  end(): unknown;
  end(data: string): unknown;
  destroy(): unknown;
  pause(): unknown;
  resume(): unknown;
  on(event: 'data', listener: (chunk: Buffer) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  on(event: 'close' | 'drain', listener: () => void): unknown;
  once(event: 'drain' | 'close', listener: () => void): unknown;
}

export class Session implements OnlineUser {
  private state: State = 'greeting';
  private name: string | undefined;
  private readonly decoder = new FrameDecoder();
  private queue: string[] = [];
  /** Index of the next frame to handle in `queue`. */
  private queueHead = 0;
  private busy = false;
  /** True while the rest of the queue waits for the next turn (FRAMES_PER_TURN reached). */
  private yielded = false;
  /**
   * Encoded frames waiting to be durable, in order, grouped by the storage write mark at which they
   * were queued; each group is written (with every group before it) once everything written up to
   * its mark is committed and synced.
   */
  private outbox: OutboxGroup[] = [];
  private outboxBytes = 0;
  /** Output on its way to the client, fed to the socket piece by piece. */
  private readonly writer: PacedWriter;
  /** Queued output above which requests wait (and the backlog pauses). */
  private readonly highWater: number;
  /** True while requests wait for output to drain (the socket is paused meanwhile). */
  private holdingRequests = false;
  /** While requests are held: checks that the client still reads (slowReaderTimeoutSeconds). */
  private stallTimer: NodeJS.Timeout | undefined;
  /** writer.sent at the last stall check. */
  private sentAtStallCheck = 0;
  /** True while drain() runs: output released meanwhile must not start it again. */
  private draining = false;
  /** True while onDurable is registered with the storage. */
  private awaitingDurable = false;
  private idleTimer: NodeJS.Timeout | undefined;
  /** Armed while a connection that has not logged in holds an unfinished frame (slowloris). */
  private partialFrameTimer: NodeJS.Timeout | undefined;
  private readonly bucket: TokenBucket | undefined;
  /** Id of the last backlog message written while the offline backlog is streaming, else undefined. */
  private backlogCursor: number | undefined;
  /** Work to do once the reply to the current request has been queued (logout, close). */
  private afterReply: (() => void)[] = [];
  p2pPort: number | undefined;
  publicKey: string | undefined;
  watchesPresence = true;
  readonly remoteAddress: string;

  constructor(
    private readonly socket: ClientSocket,
    private readonly ctx: ServerContext,
    private readonly onClosed: (session: Session) => void,
  ) {
    this.remoteAddress = normaliseAddress(socket.remoteAddress);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (error) => this.ctx.logger.debug({ err: error }, 'socket error'));
    socket.on('close', () => this.onSocketClosed());
    this.writer = new PacedWriter(socket);
    socket.on('drain', () => {
      this.writer.feed();
      this.releaseIfDrained();
    });
    const { rateLimit, rateBurst, preLoginTimeoutSeconds, maxOutputBytes } = ctx.limits;
    this.highWater = Math.min(OUTPUT_HIGH_WATER, maxOutputBytes / 4);
    if (rateLimit > 0) this.bucket = new TokenBucket(rateLimit, rateBurst);
    this.armIdleTimer(preLoginTimeoutSeconds);
  }

  get username(): string {
    return this.user;
  }

  /** The logged-in user's name; only handlers behind the login gate call it. */
  get user(): string {
    if (this.name === undefined) throw new Error('session is not logged in');
    return this.name;
  }

  online(): OnlineUser {
    return this;
  }

  get authenticated(): boolean {
    return this.state === 'authenticated';
  }

  send(frame: ServerFrame): void {
    if (this.state === 'closed') return;
    // While the backlog streams, a new message is already stored unacked with a higher id than
    // anything sent so far: the stream will send it, in order, so it is not sent live as well.
    if (frame.type === 'message' && this.backlogCursor !== undefined) return;
    this.enqueue(encodeFrame(frame));
  }

  /** An already encoded frame (fan-out: presence, broadcast); never a direct message. */
  sendEncoded(line: string): void {
    if (this.state === 'closed') return;
    this.enqueue(line);
  }

  /**
   * Frames wait until every write made before them is durable, so nothing is announced that a
   * crash could undo. Frames queued with no storage write in between share one wait and leave in
   * one socket.write; a frame queued after a write waits for that write, even if earlier frames of
   * this session are already waiting for an earlier commit (the commits are pipelined).
   */
  private enqueue(line: string): void {
    const mark = this.ctx.storage.writeMark();
    const bytes = Buffer.byteLength(line);
    const last = this.outbox.at(-1);
    if (last?.mark === mark) {
      last.lines.push(line);
      last.bytes += bytes;
    } else this.outbox.push({ mark, lines: [line], bytes });
    this.outboxBytes += bytes;
    if (!this.checkOutput() || this.awaitingDurable) return;
    this.awaitingDurable = true;
    this.ctx.storage.afterCommit(this.onDurable);
  }

  /**
   * Called once per sync that this session waits on (not once per frame): writes every group
   * that sync made durable in one socket.write, and waits again if later groups remain.
   */
  private readonly onDurable = (): void => {
    this.awaitingDurable = false;
    this.writeDurable();
    this.releaseIfDrained();
    if (this.outbox.length === 0 || this.state === 'closed') return;
    this.awaitingDurable = true;
    this.ctx.storage.afterCommit(this.onDurable);
  };

  /**
   * Writes every group whose writes are durable by now: small frames together, in pieces of about
   * WRITE_CHUNK_CHARS, so that many released replies never become one huge string.
   */
  private writeDurable(): void {
    const durable = this.ctx.storage.durableMark();
    let end = 0;
    while (end < this.outbox.length && (this.outbox[end] as OutboxGroup).mark <= durable) end++;
    if (end === 0) return;
    let piece = '';
    for (const group of this.outbox.splice(0, end)) {
      this.outboxBytes -= group.bytes;
      for (const line of group.lines) {
        if (piece.length > 0 && piece.length + line.length > WRITE_CHUNK_CHARS) {
          this.write(piece);
          piece = '';
        }
        piece += line;
      }
    }
    this.write(piece);
  }

  private write(data: string): void {
    if (this.socket.destroyed || !this.socket.writable) return;
    this.writer.write(data);
    this.checkOutput();
  }

  /** Everything the server holds for this connection, in bytes. */
  private queuedBytes(): number {
    return this.outboxBytes + this.writer.queued;
  }

  /**
   * After output was queued: drops the connection when it is over the cap, holds its requests when
   * it is over the high-water mark. False when the connection was dropped.
   */
  private checkOutput(): boolean {
    const queued = this.queuedBytes();
    if (queued > this.ctx.limits.maxOutputBytes) {
      this.dropSlowReader('client does not read its frames; disconnecting it');
      return false;
    }
    if (queued > this.highWater && !this.holdingRequests) this.holdRequests();
    return true;
  }

  /** Requests wait (the socket is paused) until the output drains; see releaseIfDrained. */
  private holdRequests(): void {
    this.holdingRequests = true;
    this.socket.pause();
    const seconds = this.ctx.limits.slowReaderTimeoutSeconds;
    if (seconds <= 0 || this.stallTimer !== undefined) return;
    this.sentAtStallCheck = this.writer.sent;
    this.stallTimer = setInterval(this.checkStall, seconds * 1000);
    this.stallTimer.unref();
  }

  /**
   * Called when output may have gone down (socket drain, frames released): below the low-water
   * mark (half the high-water mark, and a socket that needs no drain) requests flow again.
   */
  private releaseIfDrained(): void {
    if (!this.holdingRequests) return;
    if (this.outboxBytes > this.highWater / 2 || this.socket.writableNeedDrain) return;
    this.holdingRequests = false;
    this.clearStallTimer();
    this.resumeReading();
    if (!this.yielded && !this.draining) this.drain();
  }

  /** Every slowReaderTimeoutSeconds while requests are held: the client must have read something. */
  private readonly checkStall = (): void => {
    // Decided after this turn's I/O: a loop that was busy runs timers before the 'drain' events and
    // gateway reports that arrived meanwhile.
    setImmediate(() => {
      if (!this.holdingRequests || this.socket.destroyed) return;
      const sent = this.writer.sent;
      // Output still in the outbox waits for the disk, not for the client.
      if (sent === this.sentAtStallCheck && this.writer.queued > 0) {
        this.dropSlowReader('client has read nothing while its output is backed up; disconnecting it');
      }
      this.sentAtStallCheck = sent;
    });
  };

  private clearStallTimer(): void {
    if (this.stallTimer) clearInterval(this.stallTimer);
    this.stallTimer = undefined;
  }

  /** Drops the connection and what was queued for it; its direct messages wait for its next login. */
  private dropSlowReader(why: string): void {
    this.ctx.logger.warn({ user: this.name, address: this.remoteAddress, queued: this.queuedBytes() }, why);
    this.outbox = [];
    this.outboxBytes = 0;
    this.writer.clear();
    this.clearStallTimer();
    this.socket.destroy();
  }

  /** Streams every unacknowledged message to the user, oldest first, with backpressure. */
  private startBacklog(): void {
    // Nothing waiting: every later message goes live. (Streaming would also cost a blocking commit
    // and sync at each login, and flush every session's pending frames per login.)
    if (this.name === undefined || this.ctx.messages.pendingCount(this.name) === 0) return;
    this.backlogCursor = 0;
    this.pumpBacklog();
  }

  private pumpBacklog(): void {
    const user = this.name;
    // Stay well below the slow-reader cap: the backlog alone never gets a client disconnected.
    const highWater = this.highWater;
    while (this.backlogCursor !== undefined && user !== undefined && this.state === 'authenticated') {
      if (this.socket.destroyed) return;
      // Commit first: everything read below is then durable, and frames queued for this session
      // (the login reply) go out before the backlog.
      this.ctx.storage.flush();
      this.writeDurable();
      const batch = this.ctx.storage.undeliveredAfter(user, this.backlogCursor, BACKLOG_BATCH);
      if (batch.length === 0) {
        this.backlogCursor = undefined;
        return;
      }
      // One write per batch, or per highWater/2 characters of it (≤ 1.5 × highWater bytes of UTF-8),
      // so a batch of long messages stays far below the slow-reader cap.
      let data = '';
      let i = 0;
      while (i < batch.length) {
        const message = batch[i++] as DirectMessage;
        data += encodeFrame({ type: 'message', message, offline: true });
        if (data.length < highWater / 2 && i < batch.length) continue;
        this.write(data);
        data = '';
        this.backlogCursor = message.id;
        if (this.queuedBytes() > highWater) {
          if (this.socket.writableNeedDrain) this.socket.once('drain', () => this.pumpBacklog());
          else setImmediate(() => this.pumpBacklog());
          return;
        }
      }
    }
  }

  greeted(): void {
    if (this.state === 'greeting') this.state = 'anonymous';
  }

  closeAfterReply(): void {
    this.afterReply.push(() => this.end());
  }

  logout(): void {
    this.afterReply.push(() => {
      this.release(true);
      this.end();
    });
  }

  /** Server-initiated end of a session (timeout or shutdown). */
  kick(reason: 'timeout' | 'shutdown'): void {
    if (this.state === 'closed') return;
    this.send({ type: 'logged_out', reason });
    this.release(reason !== 'shutdown');
    this.end();
  }

  async login(request: RequestFrame<'login'>): Promise<RequestResult<'login'>> {
    const { username, password } = request;
    const { accounts, lockout, presence, messages } = this.ctx;
    if (this.state === 'authenticated') {
      throw new RequestError('already_authenticated', `this connection is already logged in`);
    }
    if (!accounts.exists(username)) throw new RequestError('unknown_user', `no user named ${username}`);
    this.throwIfLocked(username);
    this.ctx.loginThrottle.takeLogin(this.remoteAddress, username);
    // Waits its turn for the KDF (server/kdf-gate.ts); a lock set or a close meanwhile skips scrypt.
    const correct = await this.ctx.kdf.run(() => {
      this.throwIfClosed();
      this.throwIfLocked(username);
      return accounts.verify(username, password);
    });
    this.throwIfClosed();
    // Re-check: concurrent attempts may have locked the account while scrypt ran.
    this.throwIfLocked(username);
    if (!correct) this.throwWrongPassword(username);
    lockout.recordSuccess(username);
    // Login is async: another login on this connection may have finished meanwhile.
    if (this.authenticated) {
      throw new RequestError('already_authenticated', `this connection is already logged in`);
    }
    this.name = username;
    this.watchesPresence = request.presence ?? true;
    if (!presence.claim(this)) {
      this.name = undefined;
      throw new RequestError('already_logged_in', `${username} is already logged in elsewhere`);
    }
    this.state = 'authenticated';
    this.p2pPort = request.p2pPort;
    this.publicKey = request.publicKey;
    this.armIdleTimer(this.ctx.timeoutSeconds);
    this.clearPartialFrameTimer();
    this.ctx.logger.info({ user: username, address: this.remoteAddress }, 'login');
    this.afterReply.push(() => {
      presence.announce(this, true);
      this.startBacklog();
    });
    return { username, pendingOffline: messages.pendingCount(username) };
  }

  private throwIfClosed(): void {
    if (this.state === 'closed') throw new RequestError('internal_error', 'connection closed');
  }

  private throwIfLocked(username: string): void {
    const retryAfterMs = this.ctx.lockout.remainingMs(username);
    if (retryAfterMs > 0) {
      throw new RequestError('account_locked', `${username} is locked after repeated login failures`, {
        retryAfterMs,
      });
    }
  }

  private throwWrongPassword(username: string): never {
    const outcome = this.ctx.lockout.recordFailure(username);
    if (outcome.locked) {
      throw new RequestError('wrong_password_locked', 'wrong password; the account is now locked', {
        retryAfterMs: outcome.retryAfterMs,
      });
    }
    throw new RequestError('wrong_password', 'wrong password', { attemptsLeft: outcome.attemptsLeft });
  }

  // -------------------------------------------------------------------------------------------
  // Frame loop

  private onData(chunk: Buffer): void {
    if (this.state === 'closed') return;
    try {
      for (const frame of this.decoder.push(chunk)) this.queue.push(frame);
      this.watchPartialFrame();
      // Frames that arrive while the queue waits for the next turn wait with it.
      if (!this.yielded) this.drain();
    } catch (error) {
      if (error instanceof FrameTooLargeError) {
        this.send({ type: 'error', error: { code: 'frame_too_large', message: error.message } });
      } else {
        this.ctx.logger.error({ err: error, user: this.name }, 'unexpected failure; closing connection');
      }
      this.kickForProtocolError();
    }
  }

  /**
   * Handles queued frames in order; an async handler (login) pauses the queue until it settles.
   * After FRAMES_PER_TURN frames the rest waits for the next event-loop turn, with the socket paused.
   */
  private drain(): void {
    this.draining = true;
    try {
      this.handleQueued();
    } finally {
      this.draining = false;
    }
  }

  private handleQueued(): void {
    let budget = FRAMES_PER_TURN;
    while (this.mayHandleRequests() && this.queueHead < this.queue.length) {
      if (budget-- === 0) {
        this.yieldTurn();
        return;
      }
      const line = this.queue[this.queueHead++] as string;
      if (this.queueHead === this.queue.length) {
        this.queue = [];
        this.queueHead = 0;
      }
      const pending = this.handleLine(line);
      if (pending) {
        this.busy = true;
        this.socket.pause();
        void pending.finally(() => {
          this.busy = false;
          this.resumeReading();
          if (!this.yielded) this.drain();
        });
      }
    }
  }

  private yieldTurn(): void {
    this.yielded = true;
    this.socket.pause();
    setImmediate(() => {
      this.yielded = false;
      this.resumeReading();
      this.drain();
    });
  }

  /** False while a request is in progress (login), output is backed up, or the connection is over. */
  private mayHandleRequests(): boolean {
    return !this.busy && !this.holdingRequests && this.state !== 'closed' && !this.socket.destroyed;
  }

  private resumeReading(): void {
    if (this.mayHandleRequests() && !this.yielded) this.socket.resume();
  }

  /**
   * Slowloris: before login, a started frame must be finished within partialFrameTimeoutSeconds.
   * The timer starts with the first byte of a frame and is not reset by more bytes of it.
   */
  private watchPartialFrame(): void {
    const seconds = this.ctx.limits.partialFrameTimeoutSeconds;
    if (this.decoder.bufferedBytes === 0 || this.state === 'authenticated' || seconds <= 0) {
      this.clearPartialFrameTimer();
    } else if (this.partialFrameTimer === undefined) {
      this.partialFrameTimer = setTimeout(() => {
        this.ctx.logger.info({ address: this.remoteAddress }, 'unfinished frame before login; closing');
        this.kick('timeout');
      }, seconds * 1000);
      this.partialFrameTimer.unref();
    }
  }

  private clearPartialFrameTimer(): void {
    if (this.partialFrameTimer) clearTimeout(this.partialFrameTimer);
    this.partialFrameTimer = undefined;
  }

  private handleLine(line: string): Promise<void> | undefined {
    const parsed = nestingExceeds(line)
      ? ({
          ok: false,
          id: undefined,
          error: { code: 'bad_frame', message: `frame nests deeper than ${MAX_FRAME_NESTING} levels` },
        } as const)
      : parseRequestFrame(line);
    const verdict = this.bucket?.take() ?? 'ok';
    if (verdict !== 'ok' && this.bucket) {
      const error = {
        code: 'rate_limited' as const,
        message:
          verdict === 'abusive'
            ? 'far too many requests; closing the connection'
            : 'too many requests; slow down',
        retryAfterMs: this.bucket.retryAfterMs(),
      };
      const id = parsed.ok ? parsed.value.id : parsed.id;
      if (id === undefined) this.send({ type: 'error', error: { code: error.code, message: error.message } });
      else this.send({ type: 'reply', id, ok: false, error });
      if (verdict === 'abusive') {
        this.ctx.logger.warn({ user: this.name, address: this.remoteAddress }, 'request flood; closing');
        this.kickForProtocolError();
      }
      return undefined;
    }
    if (!parsed.ok) {
      if (parsed.id === undefined) this.send({ type: 'error', error: parsed.error });
      else this.send({ type: 'reply', id: parsed.id, ok: false, error: parsed.error });
      return undefined;
    }
    const request = parsed.value;
    const gate = this.gate(request.type);
    if (gate) {
      this.replyError(request.id, gate);
      return undefined;
    }
    if (request.type !== 'ack') this.idleTimer?.refresh();
    return this.dispatch(request);
  }

  private gate(type: RequestType): RequestError | undefined {
    if (this.state === 'greeting' && type !== 'hello') {
      return new RequestError('hello_required', 'the first request must be hello');
    }
    if (this.state !== 'greeting' && type === 'hello') {
      return new RequestError('invalid_request', 'hello was already received on this connection');
    }
    if (this.state === 'anonymous' && !preLoginRequests.has(type)) {
      return new RequestError('login_required', `log in before ${type}`);
    }
    if (this.state === 'authenticated' && type === 'register') {
      return new RequestError('already_authenticated', 'log out before registering another account');
    }
    return undefined;
  }

  private dispatch(request: RequestFrame): Promise<void> | undefined {
    try {
      const handler = handlers[request.type] as (
        session: Session,
        request: RequestFrame,
        ctx: ServerContext,
      ) => unknown;
      const result = handler(this, request, this.ctx);
      if (result instanceof Promise) {
        return result.then(
          (value) => this.replyOk(request.id, value),
          (error: unknown) => this.replyFailure(request, error),
        );
      }
      this.replyOk(request.id, result);
    } catch (error) {
      this.replyFailure(request, error);
    }
    return undefined;
  }

  private replyOk(id: number, result: unknown): void {
    this.send({ type: 'reply', id, ok: true, result });
    this.runAfterReply();
  }

  private replyFailure(request: RequestFrame, error: unknown): void {
    if (error instanceof RequestError) {
      this.replyError(request.id, error);
    } else {
      this.ctx.logger.error({ err: error, type: request.type }, 'request failed');
      this.replyError(request.id, new RequestError('internal_error', 'the server failed to handle this'));
    }
    this.runAfterReply();
  }

  private replyError(id: number, error: RequestError): void {
    this.send({ type: 'reply', id, ok: false, error: error.toInfo() });
  }

  private runAfterReply(): void {
    const work = this.afterReply;
    this.afterReply = [];
    for (const task of work) task();
  }

  // -------------------------------------------------------------------------------------------
  // Timeout and the end of the connection

  private armIdleTimer(seconds: number): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    if (seconds <= 0) return;
    this.idleTimer = setTimeout(() => this.kick('timeout'), seconds * 1000);
    this.idleTimer.unref();
  }

  private kickForProtocolError(): void {
    this.release(true);
    this.end();
  }

  /** Takes the user offline (once); `announce` sends presence frames to the others. */
  private release(announce: boolean): void {
    if (this.state === 'authenticated') {
      this.ctx.presence.release(this, announce);
      this.ctx.logger.info({ user: this.name }, 'logout');
    }
    if (this.state !== 'closed') this.state = 'anonymous';
  }

  /** Closes the socket once every frame queued so far has been written. */
  private end(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.clearPartialFrameTimer();
    this.clearStallTimer();
    this.ctx.storage.afterCommit(() => {
      // The frames released by this same sync go first.
      this.writeDurable();
      this.writer.end();
    });
    // Keep reading (and discarding) so the peer's FIN arrives; a peer that never closes is cut off.
    this.socket.resume();
    setTimeout(() => this.socket.destroy(), END_GRACE_MS).unref();
  }

  /** Drops the connection at once (end of shutdown). */
  destroy(): void {
    this.socket.destroy();
  }

  private onSocketClosed(): void {
    this.release(true);
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.clearPartialFrameTimer();
    this.clearStallTimer();
    this.outbox = [];
    this.outboxBytes = 0;
    this.writer.clear();
    this.state = 'closed';
    this.onClosed(this);
  }
}
