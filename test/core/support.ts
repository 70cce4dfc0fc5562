/** Helpers for core tests: cores that clean up after themselves, event logs with waits. */
import { afterEach, beforeEach } from 'vitest';
import { MessengerCore, type MessengerCoreOptions } from '../../src/main/core/index.js';
import type { AppEvent } from '../../src/shared/api.js';
import { MAX_FRAME_BYTES } from '../../src/shared/limits.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/** A frame as a scripted fake server records it. */
export interface Received {
  type: string;
  id: number;
  [key: string]: unknown;
}

/** What a scripted fake server answers to hello. */
export const fakeHelloResult = {
  version: 1,
  server: 'fake',
  openRegistration: false,
  timeoutSeconds: 60,
  limits: {
    maxFrameBytes: MAX_FRAME_BYTES,
    usernameMaxLength: 32,
    passwordMaxLength: 128,
    textMaxLength: 4000,
  },
};

export const FAST_RECONNECT = { initialDelayMs: 20, maxDelayMs: 200 };

const cores: MessengerCore[] = [];

export function makeCore(
  port: number,
  options: MessengerCoreOptions = {},
): { core: MessengerCore; log: EventLog } {
  const core = new MessengerCore({
    server: { host: '127.0.0.1', port },
    reconnect: FAST_RECONNECT,
    ...options,
  });
  cores.push(core);
  return { core, log: new EventLog(core) };
}

export async function disposeCores(): Promise<void> {
  await Promise.all(cores.splice(0).map((core) => core.dispose()));
}

/** Logs a core in and fails the test if it cannot. */
export async function loggedIn(
  port: number,
  username: string,
  password: string,
  options: MessengerCoreOptions = {},
) {
  const made = makeCore(port, options);
  const result = await made.core.call('login', username, password);
  if (!result.ok) throw new Error(`login ${username} failed: ${result.error.code}`);
  return made;
}

export class EventLog {
  readonly events: AppEvent[] = [];
  private readonly waiters = new Set<() => void>();

  constructor(core: MessengerCore) {
    core.onEvent((event) => {
      this.events.push(event);
      for (const waiter of [...this.waiters]) waiter();
    });
  }

  of<K extends AppEvent['kind']>(kind: K): Extract<AppEvent, { kind: K }>[] {
    return this.events.filter((event): event is Extract<AppEvent, { kind: K }> => event.kind === kind);
  }

  /** Resolves with the first logged event (past or future) matching; rejects after timeoutMs. */
  waitFor<K extends AppEvent['kind']>(
    kind: K,
    match: (event: Extract<AppEvent, { kind: K }>) => boolean = () => true,
    timeoutMs = 10_000,
  ): Promise<Extract<AppEvent, { kind: K }>> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const found = this.of(kind).find(match);
        if (!found) return false;
        cleanup();
        resolve(found);
        return true;
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`no ${kind} event within ${timeoutMs} ms`));
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      if (!check()) this.waiters.add(check);
    });
  }
}

/** Waits until `condition` holds, polling briefly. */
export async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * For core test files: a real server (in-process, port 0) started before each test; after it, the
 * cores the test made are disposed, then the server closes. Read `server` inside a test.
 */
export function useServerPerTest(): { readonly server: TestServer } {
  let current: TestServer | undefined;
  beforeEach(async () => {
    current = await startTestServer();
  });
  afterEach(async () => {
    await disposeCores();
    await current?.close();
    current = undefined;
  });
  return {
    get server(): TestServer {
      if (current === undefined) throw new Error('no server: read it inside a test');
      return current;
    },
  };
}
