/**
 * Setup file of vitest.cluster.config.ts: after each test file, stop the PostgreSQL and Redis that
 * its cluster test servers shared (test/helpers/cluster.ts starts them on first use).
 */
import { afterAll } from 'vitest';
import { stopSharedClusterServices } from './cluster.js';

afterAll(stopSharedClusterServices, 60_000);
