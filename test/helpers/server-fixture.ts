/**
 * The per-test cleanup that server test files share. useServerFixture() registers, once per file,
 * an afterEach that closes every tracked client and then the test's server, and returns the
 * handle a test works with: set `server` to the server it starts, pass clients through `track`.
 * With `checkFrames`, the afterEach also expects that no client received an invalid frame. With
 * `dirPrefix`, the file gets a temp directory `dir` (for spawned servers' databases and credentials)
 * and an afterAll that stops the servers it spawned and then removes the directory.
 */
import { rmSync } from 'node:fs';
import { afterAll, afterEach, expect } from 'vitest';
import type { RawClient } from './raw-client.js';
import { makeTempDir, stopSpawnedServers, type TestServer } from './server.js';

export interface ServerFixtureOptions {
  /** After each test, expect that no tracked client received a frame that failed validation. */
  checkFrames?: boolean;
  /** Makes a temp directory with this prefix for the file, removed after all its tests. */
  dirPrefix?: string;
}

export interface ServerFixture {
  /** The current test's server, closed after the test. Reading it when none is set throws. */
  get server(): TestServer;
  set server(value: TestServer | undefined);
  /** Clients closed after each test. */
  readonly clients: RawClient[];
  /** Adds a client to `clients` and returns it. */
  readonly track: (client: RawClient) => RawClient;
  /** Closes every tracked client now (the afterEach does the same). */
  readonly closeClients: () => void;
}

export function useServerFixture(
  options: ServerFixtureOptions & { dirPrefix: string },
): ServerFixture & { readonly dir: string };
export function useServerFixture(options?: ServerFixtureOptions): ServerFixture;
export function useServerFixture(
  options: ServerFixtureOptions = {},
): ServerFixture & { readonly dir?: string } {
  let current: TestServer | undefined;
  const clients: RawClient[] = [];
  const closeClients = () => {
    for (const client of clients.splice(0)) client.close();
  };
  const dir = options.dirPrefix === undefined ? undefined : makeTempDir(options.dirPrefix);

  afterEach(async () => {
    const invalid = clients.flatMap((client) => client.invalidFrames);
    closeClients();
    await current?.close();
    current = undefined;
    if (options.checkFrames) expect(invalid).toEqual([]);
  });
  if (dir !== undefined) {
    afterAll(async () => {
      await stopSpawnedServers();
      rmSync(dir, { recursive: true, force: true });
    });
  }

  return {
    get server(): TestServer {
      if (!current) throw new Error('no server: the test has not set fixture.server');
      return current;
    },
    set server(value: TestServer | undefined) {
      current = value;
    },
    clients,
    track: (client) => (clients.push(client), client),
    closeClients,
    dir,
  };
}
