/**
 * scripts/setup/lib.sh, which the README's two commands and CI use: what it does when a system
 * dependency is missing on a machine without apt-get, and which Node.js it picks.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, makeTempDir } from '../helpers/server.js';

const run = promisify(execFile);
const dir = makeTempDir('messenger-setup-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A PATH holding only these commands (as links to the real ones): no apt-get, no sudo. */
function pathWith(name: string, commands: Record<string, string>): string {
  const bin = join(dir, name);
  mkdirSync(bin);
  for (const [command, target] of Object.entries(commands)) symlinkSync(target, join(bin, command));
  return bin;
}

async function lib(script: string, path: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('/bin/bash', ['-c', `. scripts/setup/lib.sh; ${script}`], {
      cwd: REPO_ROOT,
      env: { PATH: path, HOME: dir },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('setup scripts', () => {
  it('name the missing packages and stop where apt-get cannot install them', async () => {
    const path = pathWith('no-apt', { id: '/usr/bin/id' });
    const result = await lib(
      'require_tools chromium:no-such-chromium ngircd:/no/such/ngircd; echo went on',
      path,
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /missing: chromium ngircd; install them with your system's package manager/,
    );
    expect(result.stdout).not.toContain('went on');
  });

  it('install nothing when every tool is there', async () => {
    const path = pathWith('all-there', { node: process.execPath });
    const result = await lib('require_tools nodejs:node; echo ok', path);
    expect(result).toMatchObject({ code: 0, stdout: expect.stringContaining('ok') });
  });

  it("use the machine's Node.js when it is 22.12 or newer", async () => {
    const path = pathWith('node-ok', { node: process.execPath, npm: '/bin/false' });
    const result = await lib('ensure_node; node --version', path);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Node.js ${process.version} (the machine's)`);
    expect(result.stdout.trim().split('\n').at(-1)).toBe(process.version);
  });
});
