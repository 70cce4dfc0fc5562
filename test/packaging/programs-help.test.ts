/**
 * Every program of the repository answers `--help` with its usage on stdout and exit status 0,
 * without starting anything (a server, a browser, a benchmark).
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/server.js';

const run = promisify(execFile);

const PROGRAMS: Record<string, { entry: string; usage: RegExp }> = {
  server: { entry: 'server/main.ts', usage: /^Usage: greatest-messenger-server / },
  'terminal client': { entry: 'src/cli/main.ts', usage: /^Usage: greatest-messenger / },
  'browser shell': { entry: 'src/browser-shell/main.ts', usage: /^Usage: browser-shell / },
  'npm start': { entry: 'scripts/start.ts', usage: /^Usage: npm start / },
  'npm run screenshots': { entry: 'scripts/screenshots.ts', usage: /^Usage: npm run screenshots / },
  'npm run bench': { entry: 'bench/run.ts', usage: /^Usage: / },
};

describe('--help', () => {
  for (const [name, { entry, usage }] of Object.entries(PROGRAMS)) {
    it(`prints the usage of the ${name} and exits 0`, async () => {
      const { stdout, stderr } = await run(
        process.execPath,
        ['--import', 'tsx', join(REPO_ROOT, entry), '--help'],
        {
          cwd: REPO_ROOT,
          timeout: 20_000,
        },
      );
      expect(stdout).toMatch(usage);
      expect(stdout).toMatch(/--help/);
      expect(stderr).toBe('');
    });
  }
});
