/** Whether a real Electron binary is installed (the npm package's download often is not, here). */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * Path of the Electron executable, or undefined when only the JavaScript package is installed.
 * It reads what the electron package's install step recorded (path.txt) instead of calling
 * require('electron'): since Electron 45 that call downloads the binary when it is missing, which
 * would stall on a machine that cannot reach the download host.
 */
export function electronBinary(): string | undefined {
  try {
    const packageDir = dirname(createRequire(import.meta.url).resolve('electron/package.json'));
    const override = process.env['ELECTRON_OVERRIDE_DIST_PATH'];
    const pathFile = join(packageDir, 'path.txt');
    const relative = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : 'electron';
    const binary = join(override || join(packageDir, 'dist'), relative);
    return existsSync(binary) ? binary : undefined;
  } catch {
    return undefined;
  }
}
