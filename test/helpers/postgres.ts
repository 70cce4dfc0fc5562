/**
 * A private PostgreSQL server for one test file (scripts/lib/private-postgres.ts): a fresh cluster in
 * a temporary folder on a free port of 127.0.0.1. Start it in beforeAll and stop it in afterAll;
 * stop() ends the server and removes the folder.
 */
import {
  postgresBinDir as binDirNeededFor,
  startPrivatePostgres,
  type PrivatePostgres,
} from '../../scripts/lib/private-postgres.js';

export { freePort } from '../../scripts/lib/free-port.js';

export type TestPostgres = PrivatePostgres;

const NEEDED_FOR = 'these tests';

/** The folder of the newest installed server version: /usr/lib/postgresql/<version>/bin. */
export function postgresBinDir(): string {
  return binDirNeededFor(NEEDED_FOR);
}

/** Starts a fresh PostgreSQL cluster with one database, `messenger`. */
export function startPostgres(): Promise<TestPostgres> {
  return startPrivatePostgres({ neededFor: NEEDED_FOR });
}
