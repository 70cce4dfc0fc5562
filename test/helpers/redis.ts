/**
 * A private Redis for one test file (scripts/lib/private-redis.ts): redis-server on a free port of
 * 127.0.0.1, in a temp dir, persistence off; restart() loses the data, pause()/resume() freeze it.
 * Each test file starts its own in beforeAll and stops it in afterAll.
 */
import {
  redisMissingError as missingFor,
  startPrivateRedis,
  type PrivateRedis,
} from '../../scripts/lib/private-redis.js';

export type TestRedis = PrivateRedis;

const NEEDED_FOR = 'these tests';

export function redisMissingError(): Error {
  return missingFor(NEEDED_FOR);
}

export function startTestRedis(): Promise<TestRedis> {
  return startPrivateRedis({ neededFor: NEEDED_FOR });
}
