import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

/** Test files that cannot run on two nodes, each with the reason. */
const SINGLE_NODE = [
  // Reads the SQLite file behind the test server to check what was stored.
  'test/server/persistence.test.ts',
  // Seeds a long conversation straight into the SQLite file behind the test server.
  'test/server/output-backpressure.test.ts',
  // Builds a SQLite database as an older server left it, then starts the server on it.
  'test/server/look-alike.test.ts',
  // Counts the gateway processes of one server.
  'test/server/gateways.test.ts',
];

/**
 * Files that start no test server: `vitest run` runs them already, against every adapter (the
 * store and bus conformance suites), and test/server/cluster/ starts its own nodes.
 */
const NO_TEST_SERVER = [
  'test/server/store/**',
  'test/server/bus/**',
  'test/server/cluster/**',
  // The blob stores and their options, each on its own folder or bucket.
  'test/server/files/**',
];

/**
 * `npm run test:cluster`: the server, terminal-client and core suites again, every in-process test
 * server being two nodes on one PostgreSQL database and one Redis (test/helpers/server.ts reads
 * MESSENGER_TEST_CLUSTER; test/helpers/cluster.ts starts the services once per test file), with
 * clients spread over both nodes.
 */
export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: ['test/server/**/*.test.ts', 'test/cli/**/*.test.ts', 'test/core/**/*.test.ts'],
    exclude: [...(base.test?.exclude ?? []), ...SINGLE_NODE, ...NO_TEST_SERVER],
    setupFiles: ['test/helpers/cluster-setup.ts'],
    env: { MESSENGER_TEST_CLUSTER: '2' },
  },
});
