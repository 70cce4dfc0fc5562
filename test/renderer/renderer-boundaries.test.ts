/**
 * Static checks of the renderer's boundaries (architecture.md): it talks only to `window.messenger`,
 * never to Node or Electron; components leave API calls to the stores; the page has a strict CSP.
 * The renderer's behaviour is tested by the component/store tests in src/renderer/src/__tests__.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../../src/renderer');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

const sources = files(join(root, 'src')).filter((f) => /\.(ts|vue)$/.test(f) && !f.includes('__tests__'));
const imports = (file: string) =>
  [...readFileSync(file, 'utf8').matchAll(/(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)].map(
    (m) => m[1] ?? '',
  );

describe('renderer boundaries', () => {
  it('imports neither Node, Electron nor the main process', () => {
    for (const file of sources) {
      for (const spec of imports(file)) {
        const where = `${relative(root, file)} imports ${spec}`;
        expect(spec.startsWith('node:'), where).toBe(false);
        expect(spec === 'electron' || spec.startsWith('electron/'), where).toBe(false);
        expect(/(^|\/)main\//.test(spec), where).toBe(false);
        if (spec.startsWith('.') && spec.includes('../../')) expect(spec, where).toMatch(/\/shared\//);
      }
    }
  });

  it('never renders raw HTML (no v-html, innerHTML or insertAdjacentHTML), so message text stays text', () => {
    for (const file of sources) {
      expect(readFileSync(file, 'utf8'), relative(root, file)).not.toMatch(
        /v-html|innerHTML|outerHTML|insertAdjacentHTML/,
      );
    }
  });

  it('keeps API calls out of components', () => {
    const components = sources.filter((f) => f.endsWith('.vue'));
    expect(components.length).toBeGreaterThan(5);
    for (const file of components) {
      const text = readFileSync(file, 'utf8');
      expect(text, relative(root, file)).not.toMatch(/window\.messenger|from '\.\.\/api'/);
    }
  });

  it('serves the page with a strict Content-Security-Policy', () => {
    const html = readFileSync(join(root, 'index.html'), 'utf8');
    const csp = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html)?.[1] ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain('connect-src');
    expect(csp).toContain('ws://127.0.0.1:*');
    expect(csp).not.toContain('unsafe-eval');
    expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
    expect(html).toContain('<div id="app"></div>');
  });
});
