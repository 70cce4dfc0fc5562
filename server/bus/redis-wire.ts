/**
 * What the Redis bus (./redis-bus.ts) writes to Redis and reads back: directory entries (JSON in
 * one hash) and pub/sub messages (JSON). Everything read is validated, because Redis is shared
 * with every node and with whoever else can reach it: a value that does not parse is dropped with
 * a warning, never thrown into the node.
 */
import { z } from 'zod';
import { MAX_FRAME_BYTES } from '../../src/shared/limits.js';
import { portSchema, publicKeySchema, serverFrameSchema, usernameSchema } from '../../src/shared/protocol.js';
import type { BroadcastEvent, DirectoryEntry, PresenceEvent } from './bus.js';

/**
 * The largest pub/sub message, sent or accepted. A frame is at most MAX_FRAME_BYTES; a broadcast
 * or presence event also lists users (blockers), so the bound leaves room for tens of thousands.
 */
export const MAX_BUS_MESSAGE_BYTES = 1024 * 1024;

/** Node ids and key prefixes become parts of Redis key and channel names. */
const NAME_PART = /^[A-Za-z0-9_.:-]*$/;
export const NODE_ID_MAX_LENGTH = 64;
export const KEY_PREFIX_MAX_LENGTH = 64;

export const nodeIdSchema = z.string().min(1).max(NODE_ID_MAX_LENGTH).regex(NAME_PART);
export const keyPrefixSchema = z.string().max(KEY_PREFIX_MAX_LENGTH).regex(NAME_PART);

const usernameListSchema = z.array(usernameSchema).max(MAX_BUS_MESSAGE_BYTES / 4);

export const directoryEntrySchema = z.object({
  username: usernameSchema,
  node: nodeIdSchema,
  address: z.string().max(256),
  p2pPort: portSchema.optional(),
  publicKey: publicKeySchema.optional(),
});

const presenceEventSchema = z.object({
  user: usernameSchema,
  online: z.boolean(),
  at: z.number().int().nonnegative(),
  blocked: usernameListSchema,
});

const broadcastEventSchema = z.object({
  line: z.string().max(MAX_FRAME_BYTES),
  from: usernameSchema,
  excluded: usernameListSchema,
  to: usernameListSchema.optional(),
  tracked: z.boolean().optional(),
  skipBlocked: z.boolean().optional(),
});

/** On a node's own channel: a frame for one of its users. */
const deliveryMessageSchema = z.object({ to: usernameSchema, frame: serverFrameSchema });

/** On the shared events channel, in publish order. */
const eventMessageSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('broadcast'), event: broadcastEventSchema }),
  z.object({ kind: z.literal('presence'), event: presenceEventSchema }),
  z.object({ kind: z.literal('resync') }),
]);

export type DeliveryMessage = z.infer<typeof deliveryMessageSchema>;
export type EventMessage =
  | { readonly kind: 'broadcast'; readonly event: BroadcastEvent }
  | { readonly kind: 'presence'; readonly event: PresenceEvent }
  | { readonly kind: 'resync' };

export class BusMessageTooLargeError extends Error {
  override name = 'BusMessageTooLargeError';
}

/** JSON for Redis; refuses what a receiving node would drop for its size. */
export function encodeMessage(message: DeliveryMessage | EventMessage): string {
  const text = JSON.stringify(message);
  if (Buffer.byteLength(text) > MAX_BUS_MESSAGE_BYTES) {
    throw new BusMessageTooLargeError(`bus message exceeds ${MAX_BUS_MESSAGE_BYTES} bytes`);
  }
  return text;
}

export type Decoded<T> = { ok: true; value: T } | { ok: false; error: string };

function decode<T>(schema: z.ZodType<T>, text: string, what: string): Decoded<T> {
  if (Buffer.byteLength(text) > MAX_BUS_MESSAGE_BYTES) {
    return { ok: false, error: `${what} exceeds ${MAX_BUS_MESSAGE_BYTES} bytes` };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, error: `${what} is not JSON` };
  }
  const parsed = schema.safeParse(json);
  if (parsed.success) return { ok: true, value: parsed.data };
  return { ok: false, error: `${what} is invalid: ${parsed.error.issues[0]?.message ?? 'unknown'}` };
}

export const decodeEntry = (text: string): Decoded<DirectoryEntry> =>
  decode(directoryEntrySchema, text, 'directory entry');
export const decodeDelivery = (text: string): Decoded<DeliveryMessage> =>
  decode(deliveryMessageSchema, text, 'delivery message');
export const decodeEvent = (text: string): Decoded<EventMessage> =>
  decode(eventMessageSchema, text, 'event message');
