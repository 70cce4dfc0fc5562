#!/usr/bin/env node
/**
 * Electron security lint (`npm run lint:electron`): Doyensec's electronegativity over the Electron
 * shell — the main process (`src/main`), the preload (`src/preload`), the renderer's `index.html`
 * (its CSP meta tag) and `package.json` (Electron flags in npm scripts). Fails on any finding above
 * LOW that is not in the allow-list (`scripts/electronegativity-allow.json`, each entry justified in
 * docs/security.md, "Electronegativity findings").
 *
 * Why not the `electronegativity` CLI: it does not declare its `commander` dependency and breaks on
 * the project's commander 15 (`program.version is not a function`), and it exits 0 whatever it finds.
 * The package's programmatic API returns the findings as objects, so nothing is parsed from CSV.
 *
 * The scan is offline and deterministic: electronegativity fetches translations from S3 on every run
 * and Electron's release list from GitHub (AVAILABLE_SECURITY_FIXES_GLOBAL_CHECK, cached in the
 * system temp directory). Its `got` is replaced by one that always fails, and that check is excluded:
 * whether a newer Electron patch exists is the dependency policy's job (docs/dependencies.md), not a
 * lint that would start failing on its own the day Electron ships a release.
 *
 * Usage: node scripts/lint-electron.mjs [--root DIR] [--allow FILE]
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DEFAULT_ALLOW_FILE = join(REPO_ROOT, 'scripts', 'electronegativity-allow.json');

/** What is scanned, relative to the root: the Electron shell and nothing else. */
export const SHELL_PATHS = ['src/main', 'src/preload', 'src/renderer/index.html', 'package.json'];

/**
 * Checks left out (by class name), for the reason in the file comment above; ElectronVersionJSONCheck
 * only feeds AvailableSecurityFixesGlobalCheck (alone it just reports the version, as INFORMATIONAL).
 */
export const EXCLUDED_CHECKS = ['AvailableSecurityFixesGlobalCheck', 'ElectronVersionJSONCheck'];

/** electronegativity's severities, lowest first; anything above LOW fails unless allowed. */
const SEVERITIES = ['INFORMATIONAL', 'LOW', 'MEDIUM', 'HIGH'];
const GATE = SEVERITIES.indexOf('LOW');

const projectRequire = createRequire(join(REPO_ROOT, 'package.json'));
const ENG_MAIN = projectRequire.resolve('@doyensec/electronegativity');
const engRequire = createRequire(ENG_MAIN);

/** A `got` that never reaches the network (electronegativity then falls back to its bundled data). */
function offlineGot() {
  return Promise.reject(new Error('network disabled by scripts/lint-electron.mjs'));
}
offlineGot.head = offlineGot;
offlineGot.get = offlineGot;

/** electronegativity's run(), loaded with the offline `got` in place. */
function loadElectronegativity() {
  const gotPath = engRequire.resolve('got');
  if (engRequire.cache[ENG_MAIN] === undefined) {
    const stub = new Module(gotPath);
    stub.filename = gotPath;
    stub.loaded = true;
    stub.exports = offlineGot;
    engRequire.cache[gotPath] = stub;
  }
  return engRequire(ENG_MAIN);
}

/** The installed Electron version (electronegativity's own detection reads package.json ranges). */
export function installedElectronVersion() {
  const pkg = JSON.parse(readFileSync(projectRequire.resolve('electron/package.json'), 'utf8'));
  return pkg.version;
}

/**
 * The allow-list: `{ "allow": [{ check, file, code?, reason }] }`, one entry per justified finding.
 * `code`, when given, narrows the entry to findings whose flagged source line contains it, so an
 * entry for one call does not also excuse a new one elsewhere in the same file.
 */
export function loadAllowList(file = DEFAULT_ALLOW_FILE) {
  const entries = JSON.parse(readFileSync(file, 'utf8')).allow;
  if (!Array.isArray(entries)) throw new Error(`${file}: expected { "allow": [...] }`);
  for (const entry of entries) {
    for (const key of ['check', 'file', 'code', 'reason']) {
      const optional = key === 'code' && entry[key] === undefined;
      if (!optional && (typeof entry[key] !== 'string' || entry[key].trim() === '')) {
        throw new Error(`${file}: "${key}" must be a non-empty string: ${JSON.stringify(entry)}`);
      }
    }
  }
  return entries;
}

function allows(entry, finding) {
  if (entry.check !== finding.check || entry.file !== finding.file) return false;
  return entry.code === undefined || finding.code.includes(entry.code);
}

/** Copies the shell paths of `root` into a fresh directory, keeping their relative paths. */
function stage(root) {
  const staged = mkdtempSync(join(tmpdir(), 'lint-electron-'));
  for (const path of SHELL_PATHS) {
    const from = join(root, path);
    if (!existsSync(from)) {
      rmSync(staged, { recursive: true, force: true });
      throw new Error(`${path} not found under ${root}: the scan would silently miss it`);
    }
    mkdirSync(dirname(join(staged, path)), { recursive: true });
    cpSync(from, join(staged, path), { recursive: true });
  }
  return staged;
}

const toPosix = (path) => path.split(sep).join('/');

/** Runs `fn` with electronegativity's chatter captured, in English whatever the user's locale. */
async function quietly(fn) {
  const log = console.log;
  const lang = process.env.LANG;
  const notes = [];
  console.log = (...args) => notes.push(args.join(' '));
  process.env.LANG = 'en-US';
  try {
    return { value: await fn(), notes };
  } finally {
    console.log = log;
    if (lang === undefined) delete process.env.LANG;
    else process.env.LANG = lang;
  }
}

/**
 * Scans the Electron shell under `root` and applies the allow-list. Returns every finding (sorted),
 * the failures (above LOW and not allowed), files electronegativity could not parse (also failures:
 * they were not scanned), allow-list entries that matched nothing, and `ok`.
 */
export async function lintElectron({
  root = REPO_ROOT,
  allowList = loadAllowList(),
  electronVersion = installedElectronVersion(),
} = {}) {
  const run = loadElectronegativity();
  const staged = stage(resolve(root));
  let result;
  let notes;
  try {
    ({ value: result, notes } = await quietly(() =>
      run({
        input: staged,
        isRelative: true,
        electronVersionOverride: electronVersion,
        excludeFromScan: EXCLUDED_CHECKS,
      }),
    ));
  } finally {
    rmSync(staged, { recursive: true, force: true });
  }

  const used = new Set();
  const findings = result.issues
    .map((issue) => {
      const finding = {
        file: toPosix(issue.file),
        line: issue.location.line,
        column: issue.location.column,
        check: issue.id,
        severity: issue.severity.name,
        confidence: issue.confidence.name,
        description: issue.description,
        code: issue.sample ?? '',
        allowed: null,
      };
      const entry = allowList.find((candidate) => allows(candidate, finding));
      if (entry) {
        used.add(entry);
        finding.allowed = entry.reason;
      }
      return finding;
    })
    .sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.check.localeCompare(b.check));
  const failures = findings.filter((f) => SEVERITIES.indexOf(f.severity) > GATE && f.allowed === null);
  const unparsed = result.errors
    .filter((error) => !error.tolerable)
    .map((error) => ({ file: toPosix(relative(staged, error.file)), message: error.message }));
  const warnings = result.errors
    .filter((error) => error.tolerable)
    .map((error) => ({ file: toPosix(relative(staged, error.file)), message: error.message }));
  const unusedAllows = allowList.filter((entry) => !used.has(entry));
  const engineNotes = notes.filter((note) => !note.startsWith('Could not retrieve updated translations'));
  return {
    checks: result.globalChecks + result.atomicChecks,
    electronVersion,
    findings,
    failures,
    unparsed,
    warnings,
    unusedAllows,
    notes: engineNotes,
    ok: failures.length === 0 && unparsed.length === 0,
  };
}

/** One line per finding: `file:line  CHECK_ID  severity/confidence  description`. */
export function formatFinding(finding) {
  const where = `${finding.file}:${finding.line}`;
  const line = `${where}  ${finding.check}  ${finding.severity}/${finding.confidence}  ${finding.description}`;
  return finding.allowed ? `${line}  [allowed]` : line;
}

export function formatReport(report, { seconds } = {}) {
  const took = seconds === undefined ? '' : `, ${seconds.toFixed(1)} s`;
  const lines = [
    `electronegativity (${report.checks} checks, Electron ${report.electronVersion}) over ${SHELL_PATHS.join(', ')}${took}`,
  ];
  for (const note of report.notes) lines.push(`note: ${note}`);
  for (const finding of report.findings) lines.push(formatFinding(finding));
  for (const warning of report.warnings) lines.push(`warning: ${warning.file}: ${warning.message}`);
  for (const entry of report.unusedAllows) {
    lines.push(`warning: allow-list entry ${entry.check} ${entry.file} matched nothing; remove it`);
  }
  for (const error of report.unparsed) {
    lines.push(`FAIL: ${error.file} could not be parsed, so it was not scanned: ${error.message}`);
  }
  if (report.failures.length > 0) {
    lines.push(
      `FAIL: ${report.failures.length} finding(s) above LOW not in scripts/electronegativity-allow.json: ` +
        'fix them, or justify them there and in docs/security.md ("Electronegativity findings")',
    );
  }
  if (report.ok) {
    const allowed = report.findings.filter((f) => f.allowed !== null).length;
    lines.push(`ok: nothing above LOW outside the allow-list (${allowed} allowed)`);
  }
  return lines.join('\n');
}

async function main() {
  const { values } = parseArgs({
    options: {
      root: { type: 'string' },
      allow: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(
      'Usage: node scripts/lint-electron.mjs [--root DIR] [--allow FILE]\n\n' +
        `Runs electronegativity over ${SHELL_PATHS.join(', ')} under DIR (default: the repository)\n` +
        'and exits 1 on a finding above LOW that FILE (default: scripts/electronegativity-allow.json)\n' +
        'does not allow, or on a file it cannot parse.',
    );
    return 0;
  }
  const started = performance.now();
  const report = await lintElectron({
    root: values.root ?? REPO_ROOT,
    allowList: loadAllowList(values.allow ?? DEFAULT_ALLOW_FILE),
  });
  console.log(formatReport(report, { seconds: (performance.now() - started) / 1000 }));
  return report.ok ? 0 : 1;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (error) => {
      console.error(`lint-electron: ${error instanceof Error ? error.message : String(error)}`);
      process.exitCode = 1;
    },
  );
}
