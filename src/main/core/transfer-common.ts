/** What private-chat files (private-files.ts) and chat files (server-files.ts) do alike. */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';

/** Progress events per transfer at most this often (state changes always go out). */
export const PROGRESS_INTERVAL_MS = 100;

/** Whether a transfer's change is reported now (always for state changes); stamps it when so. */
export function progressDue(entry: { lastEmit: number }, always: boolean): boolean {
  const now = Date.now();
  if (!always && now - entry.lastEmit < PROGRESS_INTERVAL_MS) return false;
  entry.lastEmit = now;
  return true;
}

/** A folder of this run's own inside the core's data folder (made synchronously: data may follow at once). */
export function makeRunFolder(dataDir: string, prefix: string): string {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  return mkdtempSync(join(dataDir, prefix));
}

/** Keeps at most `max` files in `kept` (oldest first): the oldest goes, its file removed too. */
export function keepAtMost(kept: Map<string, { path: string }>, max: number): void {
  if (kept.size <= max) return;
  const [oldest, file] = kept.entries().next().value as [string, { path: string }];
  kept.delete(oldest);
  void rm(file.path, { force: true }).catch(() => undefined);
}

/** Remembers an ended transfer, the oldest forgotten past `max`. */
export function remember<T extends { id: string }>(ended: Map<string, T>, transfer: T, max: number): void {
  ended.set(transfer.id, transfer);
  if (ended.size > max) ended.delete(ended.keys().next().value as string);
}
