/**
 * Network fuzz (docs/security.md "Malicious clients"): well over 100,000 random and mutated frames
 * from several connections at a live server process — invalid UTF-8, huge numbers, deep nesting,
 * wrong types, partial frames, frames before hello and login, valid frames with mutated fields,
 * oversized frames — while two real clients keep chatting. The server must stay up, its memory
 * bounded, and the two clients must see every one of their messages, in order, and nothing malformed.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MAX_FRAME_BYTES, PROTOCOL_VERSION } from '../../src/shared/limits.js';
import { requestTypes } from '../../src/shared/protocol.js';
import { prng } from '../helpers/random.js';
import { RawClient } from '../helpers/raw-client.js';
import { makeTempDir, spawnServer, stopSpawnedServers, writeCredentials } from '../helpers/server.js';

const TARGET_FRAMES = 100_000;
const FUZZERS = 6;
const BUDGET_MS = 35_000;
/** Resident memory the server may reach under fuzzing (it starts around 100 MB with tsx). */
const MAX_RSS_BYTES = 400 * 1024 * 1024;

const dir = makeTempDir('messenger-fuzz-');
/**
 * The database goes to RAM when possible: this test is about hostile input, not disks, and
 * every commit that frames wait on pays an fsync of the WAL (durability.test.ts covers that).
 */
const dbDir = existsSync('/dev/shm') ? mkdtempSync('/dev/shm/messenger-fuzz-') : dir;
afterAll(async () => {
  await stopSpawnedServers();
  rmSync(dir, { recursive: true, force: true });
  rmSync(dbDir, { recursive: true, force: true });
});

const FUZZ_USERS = Array.from({ length: FUZZERS }, (_, i) => `fuzz${i}`);

class Generator {
  constructor(private readonly random: () => number) {}

  int(n: number): number {
    return Math.floor(this.random() * n);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T;
  }

  /** A JSON-able value of a random kind: the wrong type for almost any field. */
  value(depth = 0): unknown {
    const kinds = depth > 2 ? 7 : 9;
    switch (this.int(kinds)) {
      case 0:
        return this.pick([0, -1, 1.5, 2 ** 31, 2 ** 53 + 1, -(2 ** 63), 1e308, -0, 4e-320]);
      case 1:
        return this.string();
      case 2:
        return this.pick([true, false, null]);
      case 3:
        return this.pick(FUZZ_USERS);
      case 4:
        return '';
      case 5:
        return 'x'.repeat(depth > 0 ? 129 : this.pick([31, 32, 33, 128, 129, 4000, 4001]));
      case 6:
        return this.int(1000);
      case 7:
        return Array.from({ length: this.int(4) }, () => this.value(depth + 1));
      default:
        return Object.fromEntries(
          Array.from({ length: this.int(4) }, () => [this.string(), this.value(depth + 1)]),
        );
    }
  }

  string(): string {
    const alphabet = 'abcXYZ09_.-/ \\"\'\u00e9\u4e2d\ud83d\ude00\u0000\u202e\ud800';
    return Array.from({ length: this.int(12) }, () => alphabet[this.int(alphabet.length)]).join('');
  }

  /** A valid-looking request of a random type with one or more fields mutated. */
  mutated(): string {
    const type = this.pick(requestTypes);
    const frame: Record<string, unknown> = {
      type,
      id: 1 + this.int(1000),
      version: PROTOCOL_VERSION,
      username: this.pick(FUZZ_USERS),
      password: 'pw',
      to: this.pick(FUZZ_USERS),
      user: this.pick(FUZZ_USERS),
      peer: this.pick(FUZZ_USERS),
      text: 'fuzz',
      seconds: this.int(100),
      upTo: this.int(100),
      limit: 1 + this.int(10),
      prefix: 'f',
    };
    const fields = Object.keys(frame);
    for (let n = 1 + this.int(3); n > 0; n--) {
      const field = this.pick(fields);
      const action = this.int(4);
      if (action === 0) delete frame[field];
      else if (action === 1) frame[field] = this.value();
      else if (action === 2) frame[this.string()] = this.value();
      else frame.type = this.pick([type.toUpperCase(), `${type} `, this.string()]);
    }
    return JSON.stringify(frame);
  }

  /** One frame's bytes (usually ending in a newline). */
  frame(): Buffer {
    switch (this.int(12)) {
      case 0: // random bytes, often invalid UTF-8
        return Buffer.concat([
          Buffer.from(Array.from({ length: this.int(200) }, () => this.int(256)).filter((b) => b !== 10)),
          Buffer.from('\n'),
        ]);
      case 1: // deep nesting
        return Buffer.from(`${'['.repeat(10 + this.int(3000))}\n`);
      case 2: {
        const depth = 10 + this.int(1000);
        return Buffer.from(`{"type":"message","id":1,"to":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}\n`);
      }
      case 3: // huge and odd numbers as ids
        return Buffer.from(
          `{"type":"whoelse","id":${this.pick(['1e400', '-0', '9007199254740993', '1.0000000001', '0x10', '1'.repeat(400), 'NaN'])}}\n`,
        );
      case 4: // JSON that is not an object
        return Buffer.from(`${JSON.stringify(this.value())}\n`);
      case 5: // truncated JSON
        return Buffer.from(`${this.mutated().slice(0, this.int(40))}\n`);
      case 6: // an empty line or whitespace
        return Buffer.from(this.pick(['\n', '   \n', '\r\n', '\t\n']));
      default:
        return Buffer.from(`${this.mutated()}\n`);
    }
  }
}

/** One fuzzing connection: sends frames in randomly split writes, reads and discards replies. */
class Fuzzer {
  sent = 0;
  reconnects = 0;
  /** Frames the server answered (reply or error frame): proof that it parsed what we sent. */
  answers = 0;
  private socket: Socket | undefined;
  /** Frames written on the current connection but not answered yet. */
  private inFlight = 0;

  constructor(
    private readonly port: number,
    private readonly gen: Generator,
    private readonly user: string,
  ) {}

  private open(): Promise<Socket> {
    return new Promise((resolve) => {
      const socket = connect(this.port, '127.0.0.1');
      socket.on('data', (chunk: Buffer) => {
        // Read and drop, counting answers (one line each).
        for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) {
          this.answers++;
          this.inFlight--;
        }
      });
      socket.on('error', () => {});
      socket.once('connect', () => resolve(socket));
      socket.once('close', () => {
        if (this.socket === socket) this.socket = undefined;
        resolve(socket);
      });
    });
  }

  private write(socket: Socket, data: Buffer): Promise<void> {
    return new Promise((resolve) => {
      if (socket.destroyed || !socket.writable) return resolve();
      if (socket.write(data)) resolve();
      else {
        socket.once('drain', resolve);
        socket.once('close', resolve);
      }
    });
  }

  async run(deadline: number, quota: number): Promise<void> {
    while (this.answers < quota && Date.now() < deadline) {
      // Yield to the event loop (replies, 'end' and 'close' must be seen between batches), and keep
      // a few hundred frames in flight at most: a closed connection then wastes little.
      do await new Promise((resolve) => setImmediate(resolve));
      while (this.inFlight > 400 && this.socket?.writable && Date.now() < deadline);
      // The server ends a connection after some frames (oversized, logout, wrong version): reconnect.
      if (!this.socket || this.socket.destroyed || !this.socket.writable) {
        this.socket?.destroy();
        this.inFlight = 0;
        this.reconnects++;
        this.socket = await this.open();
        // Half of the connections log in first, so mutated frames also reach logged-in handlers.
        if (this.gen.int(2) === 0) {
          await this.write(
            this.socket,
            Buffer.from(
              `{"type":"hello","id":1,"version":1}\n{"type":"login","id":2,"username":"${this.user}","password":"pw"}\n`,
            ),
          );
        }
      }
      const socket = this.socket;
      // A batch of frames, concatenated and cut at random points (partial frames across writes).
      const frames: Buffer[] = [];
      for (let i = 0; i < 20; i++) frames.push(this.gen.frame());
      if (this.gen.int(500) === 0) frames.push(Buffer.alloc(MAX_FRAME_BYTES + 10, 'z')); // oversized
      this.sent += frames.length;
      this.inFlight += frames.length;
      const bytes = Buffer.concat(frames);
      let at = 0;
      while (at < bytes.length && socket.writable) {
        const cut = Math.min(bytes.length, at + 1 + this.gen.int(8192));
        await this.write(socket, bytes.subarray(at, cut));
        at = cut;
      }
    }
  }

  close(): void {
    this.socket?.destroy();
  }
}

function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /VmRSS:\s+(\d+) kB/.exec(status);
  return match ? Number(match[1]) * 1024 : 0;
}

describe('network fuzz against a live server', () => {
  it(`survives ${TARGET_FRAMES} hostile frames while two clients chat undisturbed`, async () => {
    const seed = Date.now() % 1_000_000;
    const users: Record<string, string> = { yoda: 'wise', hans: 'falcon', spare: 'pw' };
    for (const name of FUZZ_USERS) users[name] = 'pw';
    const credentials = writeCredentials(dir, users);
    const server = await spawnServer(
      [
        ...['0', '60', '0', '--db', join(dbDir, 'fuzz.db'), '--credentials', credentials],
        ...['--kdf-cost', '1024', '--rate-limit', '0', '--partial-frame-timeout', '5'],
        // The fuzzers log in thousands of times from one address; the late login comes from it too.
        ...['--login-attempts-per-address', '0'],
      ],
      15_000,
    );
    const pid = server.child.pid as number;
    const yoda = await RawClient.login(server.port, 'yoda', 'wise');
    const hans = await RawClient.login(server.port, 'hans', 'falcon');
    const fuzzers = FUZZ_USERS.map((name, i) => new Fuzzer(server.port, new Generator(prng(seed + i)), name));
    let peakRss = rssBytes(pid);
    try {
      const deadline = Date.now() + BUDGET_MS;
      let fuzzing = true;
      const fuzzDone = Promise.all(
        fuzzers.map((f) => f.run(deadline, Math.ceil(TARGET_FRAMES / FUZZERS))),
      ).finally(() => (fuzzing = false));
      // The two real clients chat for as long as the fuzzing lasts.
      let rounds = 0;
      while (fuzzing) {
        await yoda.call('message', { to: 'hans', text: `y${rounds}` });
        await hans.call('message', { to: 'yoda', text: `h${rounds}` });
        rounds++;
        if (rounds % 20 === 0) peakRss = Math.max(peakRss, rssBytes(pid));
      }
      await fuzzDone;
      peakRss = Math.max(peakRss, rssBytes(pid));
      const sent = fuzzers.reduce((sum, f) => sum + f.sent, 0);
      const answers = fuzzers.reduce((sum, f) => sum + f.answers, 0);
      expect(
        answers,
        `seed ${seed}: ${sent} frames sent, only ${answers} answered in the time budget`,
      ).toBeGreaterThanOrEqual(TARGET_FRAMES);
      // The server is up and serves a new client normally.
      const late = await RawClient.login(server.port, 'spare', 'pw');
      expect((await late.call('whoelse', {})).users).toEqual(expect.arrayContaining(['hans', 'yoda']));
      late.close();
      // Every chat message arrived, in order, and nothing malformed reached the real clients.
      const texts = (client: RawClient, from: string) =>
        client
          .eventsOf('message')
          .filter((e) => e.message.from === from)
          .map((e) => e.message.text);
      await expect.poll(() => texts(hans, 'yoda').length, { timeout: 10_000 }).toBe(rounds);
      await expect.poll(() => texts(yoda, 'hans').length, { timeout: 10_000 }).toBe(rounds);
      expect(texts(hans, 'yoda')).toEqual(Array.from({ length: rounds }, (_, i) => `y${i}`));
      expect(texts(yoda, 'hans')).toEqual(Array.from({ length: rounds }, (_, i) => `h${i}`));
      expect([...yoda.invalidFrames, ...hans.invalidFrames]).toEqual([]);
      expect(yoda.closed || hans.closed).toBe(false);
      expect(rounds).toBeGreaterThan(0);
      expect(server.child.exitCode).toBeNull();
      expect(peakRss, `seed ${seed}: server RSS peaked at ${peakRss} bytes`).toBeLessThan(MAX_RSS_BYTES);
    } finally {
      for (const f of fuzzers) f.close();
      yoda.close();
      hans.close();
      await server.stop('SIGTERM');
    }
  }, 60_000);
});
