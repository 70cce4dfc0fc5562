/** Whether a real Electron binary is installed (the npm package's download often is not, here). */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

/** Path of the Electron executable, or undefined when only the JavaScript package is installed. */
export function electronBinary(): string | undefined {
  try {
    const path = createRequire(import.meta.url)('electron') as unknown;
    return typeof path === 'string' && existsSync(path) ? path : undefined;
  } catch {
    return undefined;
  }
}
