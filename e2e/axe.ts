/**
 * Accessibility checks with axe-core (Deque's rules, the ones browsers' devtools use) on the page as
 * it is now. A screen passes when axe finds no serious or critical violation; minor and moderate
 * findings are printed but do not fail, so the suite stays about what blocks people.
 */
import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { expect } from './fixtures.js';

const BLOCKING: ReadonlySet<string> = new Set(['serious', 'critical']);

/** Impact, rule id, help text and the offending elements of one violation, one line each. */
function describe(violation: {
  id: string;
  impact?: string | null;
  help: string;
  nodes: { target: unknown; failureSummary?: string }[];
}): string {
  const nodes = violation.nodes.map((n) => `    ${JSON.stringify(n.target)}: ${n.failureSummary ?? ''}`);
  return [`  [${violation.impact ?? '?'}] ${violation.id}: ${violation.help}`, ...nodes].join('\n');
}

/** Runs axe over `page` and fails with a readable list when a serious or critical violation is found. */
export async function expectNoSeriousViolations(page: Page, label: string): Promise<void> {
  const { violations } = await new AxeBuilder({ page }).analyze();
  const minor = violations.filter((v) => !BLOCKING.has(v.impact ?? ''));
  if (minor.length > 0) console.log(`[axe] ${label}: minor findings\n${minor.map(describe).join('\n')}`);
  const blocking = violations.filter((v) => BLOCKING.has(v.impact ?? ''));
  expect(blocking.map(describe).join('\n'), `axe: serious or critical violations on ${label}`).toBe('');
}
