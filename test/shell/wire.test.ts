/** The bridge's wire definitions exist twice (Node shell and page); they must not drift. */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';

async function body(path: string): Promise<string> {
  const text = await readFile(new URL(`../../${path}`, import.meta.url), 'utf8');
  return text
    .replace(/^\/\*\*[\s\S]*?\*\/\n/, '') // the header comment differs
    .replace(/from '[./]+shared\/api\.js'/, "from 'shared/api.js'");
}

describe('bridge wire definitions', () => {
  it('are identical in src/browser-shell/wire.ts and src/renderer/src/bridge/wire.ts', async () => {
    const shell = await body('src/browser-shell/wire.ts');
    expect(shell).toContain('BRIDGE_MAX_MESSAGE_BYTES');
    expect(await body('src/renderer/src/bridge/wire.ts')).toBe(shell);
  });
});
