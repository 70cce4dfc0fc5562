/** Every fuzz target, by name (also its corpus folder under fuzz/corpus/). */
import type { FuzzTarget } from './engine/target.js';
import { nestingTarget } from './server/limits.fuzz.js';
import { frameDecoderTarget } from './shared/codec.fuzz.js';
import { requestFrameTarget } from './shared/validate.fuzz.js';

export const targets: ReadonlyMap<string, FuzzTarget> = new Map(
  [frameDecoderTarget, requestFrameTarget, nestingTarget].map((target) => [target.name, target]),
);
