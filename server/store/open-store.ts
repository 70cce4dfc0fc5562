/** Picks the Store adapter the options ask for. PostgreSQL's client is loaded only when it is used. */
import type { Logger } from 'pino';
import { defaultDbPath, type ServerOptions } from '../config.js';
import { openSqliteStore } from './sqlite/sqlite-store.js';
import type { Store } from './store.js';

export async function openStore(options: ServerOptions, logger: Logger): Promise<Store> {
  const onWarning = (message: string) => logger.warn(message);
  if (options.storeUrl !== undefined) {
    const { openPostgresStore } = await import('./postgres/postgres-store.js');
    return openPostgresStore(options.storeUrl, { onWarning });
  }
  return openSqliteStore(options.dbPath ?? defaultDbPath(), { onWarning });
}
