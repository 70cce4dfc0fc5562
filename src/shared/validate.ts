/**
 * Runtime validation of inbound frames. Both ends use these: the server for requests, clients for
 * server frames and peer frames. Failures come back as an ErrorInfo, never as a thrown exception.
 */
import type { z } from 'zod';
import {
  peerFrameSchema,
  requestIdSchema,
  requests,
  serverFrameSchema,
  type ErrorInfo,
  type PeerFrame,
  type RequestFrame,
  type RequestType,
  type ServerFrame,
} from './protocol.js';

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: ErrorInfo; id?: number };

function parseJsonObject(line: string): Record<string, unknown> | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** "to: username must not be empty; text: ..." */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => (issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message))
    .join('; ');
}

function isRequestType(type: unknown): type is RequestType {
  return typeof type === 'string' && Object.hasOwn(requests, type);
}

const TYPE_ECHO_MAX_LENGTH = 32;

/**
 * Names an unknown type in the error without echoing a frame's worth of the client's input, and
 * without JSON.stringify on a value that can nest past the stack (found by fuzz/shared/validate.fuzz.ts).
 */
function describeType(type: unknown): string {
  if (typeof type === 'string') {
    return JSON.stringify(
      type.length > TYPE_ECHO_MAX_LENGTH ? `${type.slice(0, TYPE_ECHO_MAX_LENGTH)}…` : type,
    );
  }
  if (Array.isArray(type)) return '(an array)';
  return type === null || typeof type !== 'object' ? String(type) : '(an object)';
}

/** Parses one client → server frame. An error carries `id` when the frame had a usable one. */
export function parseRequestFrame(line: string): Parsed<RequestFrame> {
  const object = parseJsonObject(line);
  if (!object) return { ok: false, error: { code: 'bad_frame', message: 'frame is not a JSON object' } };
  const idResult = requestIdSchema.safeParse(object.id);
  if (!idResult.success) {
    return {
      ok: false,
      error: { code: 'bad_frame', message: 'frame needs an integer "id" between 1 and 2147483647' },
    };
  }
  const id = idResult.data;
  if (!isRequestType(object.type)) {
    return {
      ok: false,
      id,
      error: { code: 'unknown_type', message: `unknown request type ${describeType(object.type)}` },
    };
  }
  const params = requests[object.type].params.safeParse(object);
  if (!params.success) {
    return { ok: false, id, error: { code: 'invalid_request', message: describeIssues(params.error) } };
  }
  return { ok: true, value: { ...params.data, type: object.type, id } as RequestFrame };
}

export function parseServerFrame(line: string): Parsed<ServerFrame> {
  const object = parseJsonObject(line);
  if (!object) return { ok: false, error: { code: 'bad_frame', message: 'frame is not a JSON object' } };
  const result = serverFrameSchema.safeParse(object);
  if (!result.success)
    return { ok: false, error: { code: 'bad_frame', message: describeIssues(result.error) } };
  return { ok: true, value: result.data as ServerFrame };
}

export function parsePeerFrame(line: string): Parsed<PeerFrame> {
  const object = parseJsonObject(line);
  if (!object) return { ok: false, error: { code: 'bad_frame', message: 'frame is not a JSON object' } };
  const result = peerFrameSchema.safeParse(object);
  if (!result.success)
    return { ok: false, error: { code: 'bad_frame', message: describeIssues(result.error) } };
  return { ok: true, value: result.data as PeerFrame };
}

/** Validates a successful reply's result against the schema of the request it answers. */
export function parseResult<T extends RequestType>(
  type: T,
  result: unknown,
): Parsed<z.infer<(typeof requests)[T]['result']>> {
  const parsed = requests[type].result.safeParse(result);
  if (!parsed.success)
    return { ok: false, error: { code: 'bad_frame', message: describeIssues(parsed.error) } };
  return { ok: true, value: parsed.data as z.infer<(typeof requests)[T]['result']> };
}
