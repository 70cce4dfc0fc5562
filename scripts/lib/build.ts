/** Builds the app (electron-vite: main, preload, renderer into out/) when out/ is missing or older than its sources. */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const SOURCES = [
  'src/renderer',
  'src/shared',
  'src/main',
  'src/preload',
  'electron.vite.config.ts',
  'package.json',
];
const OUTPUTS = ['out/renderer/index.html', 'out/main/index.js'];

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const info = statSync(path);
  if (!info.isDirectory()) return info.mtimeMs;
  let newest = info.mtimeMs;
  for (const entry of readdirSync(path)) {
    if (entry === 'node_modules' || entry.startsWith('.')) continue;
    newest = Math.max(newest, newestMtime(join(path, entry)));
  }
  return newest;
}

/** Why a build is needed, or null when out/ is up to date. */
export function buildReason(root: string): string | null {
  const outputs = OUTPUTS.map((file) => join(root, file));
  if (outputs.some((file) => !existsSync(file))) return 'the app has not been built yet';
  const built = Math.min(...outputs.map((file) => statSync(file).mtimeMs));
  const changed = SOURCES.find((source) => newestMtime(join(root, source)) > built);
  return changed ? `${changed} changed since the last build` : null;
}

/** Runs `electron-vite build` with its progress on stderr; rejects when it fails. */
export function buildApp(root: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [join(root, 'node_modules/electron-vite/bin/electron-vite.js'), 'build'],
      {
        cwd: root,
        stdio: ['ignore', 'inherit', 'inherit'],
      },
    );
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`electron-vite build failed (exit code ${code})`)),
    );
  });
}

/** Builds when needed; `log` gets one line saying what happens. */
export async function ensureAppBuilt(root: string, log: (line: string) => void): Promise<void> {
  const reason = buildReason(root);
  if (!reason) return;
  log(`building the app (${reason})…`);
  const started = Date.now();
  await buildApp(root);
  log(`built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
