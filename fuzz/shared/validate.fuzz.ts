/**
 * Fuzz target for request parsing (src/shared/validate.ts, the schemas in src/shared/protocol.ts).
 * The input is one frame's text. Invariants: parseRequestFrame (and the server- and peer-frame
 * parsers) never throw; an error has a known code, a short message, and the id whenever it got past
 * the id check; an accepted request has a known type, a valid id, only its schema's fields, and
 * parses again to itself.
 */
import { requests, requestTypes, type RequestType } from '../../src/shared/protocol.js';
import { MAX_REQUEST_ID } from '../../src/shared/limits.js';
import {
  parsePeerFrame,
  parseRequestFrame,
  parseServerFrame,
  type Parsed,
} from '../../src/shared/validate.js';
import { invariant, type FuzzTarget } from '../engine/target.js';
import { JSON_TOKENS } from './json-dictionary.js';
import { exampleRequests, protocolWords } from './request-examples.js';

/** Error replies go back on the wire: they must not echo a frame's worth of input. */
export const MAX_ERROR_MESSAGE_LENGTH = 512;

const REQUEST_ERROR_CODES = new Set(['bad_frame', 'unknown_type', 'invalid_request']);

function checkError(parsed: Parsed<unknown>, codes: Set<string>): void {
  if (parsed.ok) return;
  invariant(codes.has(parsed.error.code), `unexpected error code ${parsed.error.code}`);
  invariant(parsed.error.message.length > 0, 'empty error message');
  invariant(
    parsed.error.message.length <= MAX_ERROR_MESSAGE_LENGTH,
    `error message of ${parsed.error.message.length} characters`,
  );
}

function checkAccepted(value: Record<string, unknown>): void {
  const type = value.type as RequestType;
  invariant(requestTypes.includes(type), `accepted unknown type ${String(type)}`);
  invariant(
    Number.isInteger(value.id) && (value.id as number) >= 1 && (value.id as number) <= MAX_REQUEST_ID,
    'bad id',
  );
  const allowed = new Set(['type', 'id', ...Object.keys(requests[type].params.shape)]);
  for (const key of Object.keys(value)) invariant(allowed.has(key), `accepted a stray field ${key}`);
  // Compared as JSON text: JSON itself does not keep -0 apart from 0.
  const again = parseRequestFrame(JSON.stringify(value));
  invariant(
    again.ok && JSON.stringify(again.value) === JSON.stringify(value),
    'an accepted request does not parse to itself',
  );
}

function run(data: Buffer): void {
  const line = data.toString('utf8');
  const parsed = parseRequestFrame(line);
  if (parsed.ok) checkAccepted(parsed.value as unknown as Record<string, unknown>);
  else {
    checkError(parsed, REQUEST_ERROR_CODES);
    invariant(parsed.error.code === 'bad_frame' || parsed.id !== undefined, 'error without the frame id');
  }
  checkError(parseServerFrame(line), new Set(['bad_frame']));
  checkError(parsePeerFrame(line), new Set(['bad_frame']));
}

export const requestFrameTarget: FuzzTarget = {
  name: 'request-frame',
  run,
  seeds: () => exampleRequests().map((frame) => Buffer.from(JSON.stringify(frame))),
  maxLength: 16 * 1024,
  timeWeight: 4,
  dictionary: [...JSON_TOKENS, ...protocolWords().map((word) => `"${word}"`)],
  fieldNames: protocolWords(),
};
