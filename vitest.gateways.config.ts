import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

/**
 * `npm run test:gateways`: the server suite again, every in-process test server running with two
 * gateway processes (test/helpers/server.ts reads MESSENGER_TEST_GATEWAYS), so that both ways of
 * holding client connections keep the same behaviour.
 */
export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: ['test/server/**/*.test.ts'],
    env: { MESSENGER_TEST_GATEWAYS: '2' },
  },
});
