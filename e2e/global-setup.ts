/** Builds the app once before the e2e run when out/ is missing or stale. */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureAppBuilt } from '../scripts/lib/build.js';

export default async function globalSetup(): Promise<void> {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  await ensureAppBuilt(root, (line) => console.log(`[e2e] ${line}`));
}
