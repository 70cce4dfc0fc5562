/**
 * Fuzz target for nestingExceeds (server/limits.ts), the scan that refuses deeply nested frames
 * before JSON.parse. Invariants: it returns a boolean for any text; it never passes JSON whose
 * parsed value nests deeper than the limit; on canonical JSON text it finds the exact depth.
 */
import { MAX_FRAME_NESTING, nestingExceeds } from '../../server/limits.js';
import { invariant, type FuzzTarget } from '../engine/target.js';
import { JSON_TOKENS } from '../shared/json-dictionary.js';
import { exampleRequests } from '../shared/request-examples.js';

const CANONICAL_MAX_DEPTH = 1000;

/** Depth of a parsed JSON value ([] is 1, [[]] is 2), without recursion: inputs nest deeply. */
function jsonDepth(root: unknown): number {
  let deepest = 0;
  const stack: Array<[unknown, number]> = [[root, 0]];
  while (stack.length > 0) {
    const [value, depth] = stack.pop()!;
    if (typeof value !== 'object' || value === null) continue;
    deepest = Math.max(deepest, depth + 1);
    for (const child of Object.values(value)) stack.push([child, depth + 1]);
  }
  return deepest;
}

function run(data: Buffer): void {
  const text = data.toString('utf8');
  const verdict = nestingExceeds(text);
  invariant(typeof verdict === 'boolean', 'nestingExceeds returned a non-boolean');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return;
  }
  const depth = jsonDepth(value);
  // Never lets a value nested deeper than the limit through; the text can nest deeper than the
  // value (a repeated key keeps only its last value), so only this direction holds for any JSON.
  if (depth > MAX_FRAME_NESTING) invariant(verdict, `depth ${depth} passed the default limit`);
  if (depth > 0) invariant(nestingExceeds(text, depth - 1), `depth ${depth} within a limit of ${depth - 1}`);
  checkExactOnCanonical(value, depth);
}

/** On JSON.stringify's own text (no repeated keys) the scan gives the exact depth. */
function checkExactOnCanonical(value: unknown, depth: number): void {
  if (depth > CANONICAL_MAX_DEPTH) return; // JSON.stringify recursion
  const canonical = JSON.stringify(value);
  invariant(!nestingExceeds(canonical, depth), `depth ${depth} exceeds a limit of ${depth}`);
  if (depth > 0)
    invariant(nestingExceeds(canonical, depth - 1), `depth ${depth} within a limit of ${depth - 1}`);
}

export const nestingTarget: FuzzTarget = {
  name: 'nesting',
  run,
  seeds: () => [
    ...exampleRequests()
      .slice(0, 3)
      .map((frame) => Buffer.from(JSON.stringify(frame))),
    Buffer.from('{"a":[{"b":"[[\\"]]"}],"c":"\\\\"}'),
    Buffer.from(`${'['.repeat(17)}${']'.repeat(17)}`),
  ],
  maxLength: 16 * 1024,
  timeWeight: 1,
  dictionary: JSON_TOKENS,
  fieldNames: ['a', 'type', 'id'],
};
