/**
 * The Electron security lint (`npm run lint:electron`, scripts/lint-electron.mjs) is a working gate:
 * the real shell passes, an insecure window fails with the checks it breaks, and the allow-list
 * excuses only the finding it names. Every allow-list entry is explained in docs/security.md.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/server.js';

const run = promisify(execFile);
const SCRIPT = join(REPO_ROOT, 'scripts', 'lint-electron.mjs');

interface LintRun {
  code: number;
  stdout: string;
  stderr: string;
}

async function lint(args: string[]): Promise<LintRun> {
  try {
    const { stdout, stderr } = await run(process.execPath, [SCRIPT, ...args], {
      cwd: REPO_ROOT,
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: unknown; stdout?: string; stderr?: string };
    if (typeof failed.code !== 'number') throw error;
    return { code: failed.code, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

/** `file:line  CHECK_ID  SEVERITY/CONFIDENCE  description` lines of the report. */
function findings(stdout: string): { where: string; check: string; severity: string; allowed: boolean }[] {
  return stdout
    .split('\n')
    .filter((line) => /^\S+:\d+ {2}[A-Z_]+ {2}[A-Z]+\/[A-Z]+ {2}/.test(line))
    .map((line) => {
      const [where = '', check = '', level = ''] = line.split('  ');
      return { where, check, severity: level.split('/')[0] ?? '', allowed: line.endsWith('[allowed]') };
    });
}

function aboveLow(stdout: string): ReturnType<typeof findings> {
  return findings(stdout).filter((f) => f.severity === 'MEDIUM' || f.severity === 'HIGH');
}

const temps: string[] = [];

/** Writes a shell (the paths the lint scans) into a temp directory and returns that directory. */
async function fixture(files: Record<string, string>): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'eng-fixture-'));
  temps.push(root);
  const shell: Record<string, string> = {
    'package.json': JSON.stringify({ name: 'fixture', devDependencies: { electron: '45.5.0' } }),
    'src/preload/index.ts':
      "import { contextBridge } from 'electron';\ncontextBridge.exposeInMainWorld('x', {});\n",
    'src/renderer/index.html':
      '<!doctype html><html><head><meta http-equiv="Content-Security-Policy" ' +
      "content=\"default-src 'none'; script-src 'self'\" /></head><body></body></html>\n",
    ...files,
  };
  for (const [path, text] of Object.entries(shell)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), text);
  }
  return root;
}

async function allowFile(entries: object[]): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'eng-allow-'));
  temps.push(dir);
  await writeFile(join(dir, 'allow.json'), JSON.stringify({ allow: entries }));
  return join(dir, 'allow.json');
}

const INSECURE_MAIN = `import { app, BrowserWindow } from 'electron';

app.whenReady().then(() => {
  const window = new BrowserWindow({
    width: 800,
    webPreferences: {
      nodeIntegration: true,
      contextIsolation: false,
      webSecurity: false,
    },
  });
  void window.loadURL('https://example.com/');
});
`;

/** A window the scanner has nothing against, plus one shell.openExternal of a variable. */
const OPENS_LINKS_MAIN = `import { app, BrowserWindow, session, shell } from 'electron';

app.whenReady().then(() => {
  session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  const window = new BrowserWindow({
    webPreferences: { contextIsolation: true, sandbox: true, disableBlinkFeatures: 'Auxclick' },
  });
  window.webContents.setWindowOpenHandler(({ url }) => {
    void shell.openExternal(url);
    return { action: 'deny' };
  });
  window.webContents.on('will-navigate', (event) => event.preventDefault());
  void window.loadFile('index.html');
});
`;

afterAll(async () => {
  await Promise.all(temps.map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('npm run lint:electron', () => {
  it('passes on the real Electron shell, scanning main, preload, the renderer page and package.json', async () => {
    const result = await lint([]);
    expect(result.stderr).toBe('');
    expect(result.code, result.stdout).toBe(0);
    expect(result.stdout).toMatch(
      /^electronegativity \(\d+ checks, Electron \d+\.\d+\.\d+\) over src\/main, src\/preload, src\/renderer\/index\.html, package\.json/,
    );
    expect(result.stdout).toMatch(/^ok: nothing above LOW outside the allow-list/m);
    expect(aboveLow(result.stdout).filter((f) => !f.allowed)).toEqual([]);
  });

  it('fails on a window with nodeIntegration, without contextIsolation and without webSecurity', async () => {
    const root = await fixture({ 'src/main/index.ts': INSECURE_MAIN });
    const result = await lint(['--root', root]);
    expect(result.code, result.stdout).toBe(1);
    const found = findings(result.stdout);
    // electronegativity grades an explicit `nodeIntegration: true` INFORMATIONAL (it assumes a
    // sandbox would disable it); the missing sandbox is the MEDIUM finding that fails the gate.
    const expected = [
      { where: 'src/main/index.ts:4', check: 'SANDBOX_JS_CHECK', severity: 'MEDIUM' },
      { where: 'src/main/index.ts:7', check: 'NODE_INTEGRATION_JS_CHECK', severity: 'INFORMATIONAL' },
      { where: 'src/main/index.ts:8', check: 'CONTEXT_ISOLATION_JS_CHECK', severity: 'HIGH' },
      { where: 'src/main/index.ts:9', check: 'WEB_SECURITY_JS_CHECK', severity: 'MEDIUM' },
      // Nothing limits navigation or permissions in this shell either.
      { where: 'N/A:0', check: 'LIMIT_NAVIGATION_GLOBAL_CHECK', severity: 'HIGH' },
      { where: 'N/A:0', check: 'PERMISSION_REQUEST_HANDLER_GLOBAL_CHECK', severity: 'MEDIUM' },
    ];
    for (const finding of expected) {
      expect(found, result.stdout).toContainEqual({ ...finding, allowed: false });
    }
    expect(result.stdout).toMatch(
      /^FAIL: \d+ finding\(s\) above LOW not in scripts\/electronegativity-allow\.json/m,
    );
  });

  it('fails on a file it cannot parse, since that file was not scanned', async () => {
    const root = await fixture({
      'src/main/index.ts': OPENS_LINKS_MAIN,
      'src/main/broken.ts': 'export const options = { nodeIntegration: true,, };\n',
    });
    const result = await lint(['--root', root]);
    expect(result.code, result.stdout).toBe(1);
    expect(result.stdout).toMatch(
      /^FAIL: src\/main\/broken\.ts could not be parsed, so it was not scanned: /m,
    );
  });

  it('accepts a finding only with an allow-list entry for its check, file and line', async () => {
    const root = await fixture({ 'src/main/index.ts': OPENS_LINKS_MAIN });
    const openExternal = { check: 'OPEN_EXTERNAL_JS_CHECK', file: 'src/main/index.ts' };

    const unlisted = await lint(['--root', root, '--allow', await allowFile([])]);
    expect(unlisted.code, unlisted.stdout).toBe(1);
    expect(aboveLow(unlisted.stdout)).toEqual([
      { where: 'src/main/index.ts:9', check: 'OPEN_EXTERNAL_JS_CHECK', severity: 'MEDIUM', allowed: false },
    ]);

    const otherLine = await allowFile([{ ...openExternal, code: 'somethingElse(url)', reason: 'test' }]);
    const mismatched = await lint(['--root', root, '--allow', otherLine]);
    expect(mismatched.code, mismatched.stdout).toBe(1);
    expect(mismatched.stdout).toContain(
      'warning: allow-list entry OPEN_EXTERNAL_JS_CHECK src/main/index.ts matched nothing',
    );

    const listed = await allowFile([{ ...openExternal, code: 'shell.openExternal(url)', reason: 'test' }]);
    const allowed = await lint(['--root', root, '--allow', listed]);
    expect(allowed.code, allowed.stdout).toBe(0);
    expect(aboveLow(allowed.stdout)).toEqual([
      { where: 'src/main/index.ts:9', check: 'OPEN_EXTERNAL_JS_CHECK', severity: 'MEDIUM', allowed: true },
    ]);
  });

  it('explains every allow-list entry in docs/security.md', async () => {
    const allow = JSON.parse(
      await readFile(join(REPO_ROOT, 'scripts', 'electronegativity-allow.json'), 'utf8'),
    ) as { allow: { check: string; file: string; reason: string }[] };
    const docs = await readFile(join(REPO_ROOT, 'docs', 'security.md'), 'utf8');
    const section = /^## Electronegativity findings\n([\s\S]*?)(?=^## |(?![\s\S]))/m.exec(docs)?.[1] ?? '';
    expect(section, 'docs/security.md has a section "Electronegativity findings"').not.toBe('');
    for (const entry of allow.allow) {
      expect(section, `${entry.check} in ${entry.file}`).toContain(`\`${entry.check}\``);
      expect(section, `${entry.check} in ${entry.file}`).toContain(`\`${entry.file}\``);
    }
  });
});
