/**
 * The tests' private PostgreSQL (scripts/lib/private-postgres.ts) cannot listen on port 0, so it
 * picks a port that was free a moment before; another program may take that port first. Here one
 * really is taken: the first port it is handed has a listener on it, and the server must start
 * anyway, on another. `freePort` is wrapped (not replaced) to hand out the taken port once.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { PrivatePostgres } from '../../scripts/lib/private-postgres.js';

const taken = vi.hoisted(() => ({ port: 0 }));

vi.mock('../../scripts/lib/free-port.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../scripts/lib/free-port.js')>();
  return {
    freePort: async () => {
      const port = taken.port;
      taken.port = 0;
      return port !== 0 ? port : real.freePort();
    },
  };
});

const { startPrivatePostgres } = await import('../../scripts/lib/private-postgres.js');

let blocker: Server | undefined;
/** What connected to the taken port (the start's readiness probe): closed with it. */
const probes = new Set<Socket>();
let postgres: PrivatePostgres | undefined;

afterEach(async () => {
  await postgres?.stop();
  for (const socket of probes) socket.destroy();
  await new Promise((resolve) => (blocker ? blocker.close(resolve) : resolve(undefined)));
});

describe('the private PostgreSQL of the tests', () => {
  it('starts on another port when the one it picked was taken before it could bind', async () => {
    blocker = createServer((socket) => probes.add(socket));
    await new Promise<void>((resolve) => blocker?.listen(0, '127.0.0.1', resolve));
    const address = blocker.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    taken.port = address.port;

    postgres = await startPrivatePostgres({ neededFor: 'this test' });
    expect(postgres.port).not.toBe(address.port);
    expect(postgres.url).toContain(`:${postgres.port}/`);
  }, 60_000);
});
