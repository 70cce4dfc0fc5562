/** A throwaway server for tests, e2e and screenshots: port 0, temporary database, accounts imported. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../../server/app.js';

export interface SeededServer {
  host: string;
  port: number;
  /** name → password of the imported accounts. */
  users: Readonly<Record<string, string>>;
  /** Stops the server and deletes its data. */
  close(): Promise<void>;
}

export async function startSeededServer(users: Readonly<Record<string, string>>): Promise<SeededServer> {
  const dir = await mkdtemp(join(tmpdir(), 'messenger-seeded-'));
  const credentialsFile = join(dir, 'credentials.txt');
  await writeFile(
    credentialsFile,
    Object.entries(users)
      .map(([name, password]) => `${name} ${password}\n`)
      .join(''),
  );
  try {
    const server = await startServer({
      host: '127.0.0.1',
      port: 0,
      dbPath: join(dir, 'server.db'),
      credentialsFile,
      blockDurationSeconds: 60,
      timeoutSeconds: 0,
      openRegistration: true,
      kdfCost: 1024,
    });
    return {
      host: server.host,
      port: server.port,
      users,
      async close() {
        await server.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}
