/** Electron main process entry (built by electron-vite to out/main/index.js). */
import { app } from 'electron';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCore } from './create-core.js';
import { startElectronShell } from './app.js';

startElectronShell({
  createCore: (options) =>
    createCore({ ...(options.server ? { server: options.server } : {}), clientName: 'electron' }),
  mainDir: dirname(fileURLToPath(import.meta.url)),
}).catch((error: unknown) => {
  console.error('the app could not start:', error);
  app.exit(1);
});
