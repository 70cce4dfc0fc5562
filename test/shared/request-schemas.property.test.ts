import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { requestTypes, requests, type RequestType } from '../../src/shared/protocol.js';
import { parseRequestFrame, parseServerFrame, parsePeerFrame } from '../../src/shared/validate.js';
import { TEXT_MAX_LENGTH, USERNAME_MAX_LENGTH } from '../../src/shared/limits.js';
import { REACTION_EMOJI } from '../../src/shared/reactions.js';

const username = fc.stringMatching(/^[A-Za-z0-9_.-]{1,32}$/);
const text = fc.string({ minLength: 1, maxLength: 200 });
const groupId = fc.integer({ min: 1, max: 2 ** 40 });

/** One valid parameter object per request type, so every schema is exercised. */
const validParams: { [K in RequestType]: fc.Arbitrary<Record<string, unknown>> } = {
  hello: fc.record({ version: fc.integer({ min: 0, max: 10 }) }),
  login: fc.record({ username, password: fc.string({ minLength: 1, maxLength: 128 }) }),
  checkuser: fc.record({ username }),
  register: fc.record({ username, password: fc.string({ minLength: 1, maxLength: 128 }) }),
  message: fc.record(
    { to: username, text, replyTo: fc.integer({ min: 1, max: 2 ** 40 }) },
    { requiredKeys: ['to', 'text'] },
  ),
  edit: fc.record({ messageId: fc.integer({ min: 1, max: 2 ** 40 }), text }),
  delete: fc.record({ messageId: fc.integer({ min: 1, max: 2 ** 40 }) }),
  react: fc.record({
    messageId: fc.integer({ min: 1, max: 2 ** 40 }),
    emoji: fc.constantFrom(...REACTION_EMOJI),
    add: fc.boolean(),
  }),
  broadcast: fc.record({ text }),
  broadcasts: fc.record(
    { before: fc.integer({ min: 1, max: 2 ** 40 }), limit: fc.integer({ min: 1, max: 500 }) },
    { requiredKeys: ['limit'] },
  ),
  whoelse: fc.constant({}),
  whoelsesince: fc.record({ seconds: fc.integer({ min: 0, max: 1_000_000 }) }),
  block: fc.record({ user: username }),
  unblock: fc.record({ user: username }),
  blocked: fc.constant({}),
  startprivate: fc.record({ user: username }),
  activity: fc.constant({}),
  ack: fc.record({ upTo: fc.integer({ min: 1, max: 2 ** 40 }) }),
  history: fc.record(
    { peer: username, before: fc.integer({ min: 1, max: 2 ** 40 }), limit: fc.integer({ min: 1, max: 500 }) },
    { requiredKeys: ['peer', 'limit'] },
  ),
  conversations: fc.constant({}),
  markread: fc.record({ peer: username, upTo: fc.integer({ min: 1, max: 2 ** 40 }) }),
  settings: fc.record({ readReceipts: fc.boolean() }, { requiredKeys: [] }),
  users: fc.record({ prefix: fc.string({ maxLength: 32 }), limit: fc.integer({ min: 1, max: 50 }) }),
  search: fc.record(
    {
      query: fc.stringMatching(/^[a-z]{1,20}( [a-z]{1,20}\*?){0,3}$/),
      peer: username,
      before: fc.integer({ min: 1, max: 2 ** 40 }),
      limit: fc.integer({ min: 1, max: 50 }),
    },
    { requiredKeys: ['query', 'limit'] },
  ),
  logout: fc.constant({}),
  typing: fc.record({ to: username, typing: fc.boolean() }),
  group_create: fc.record({
    name: fc.stringMatching(/^[A-Za-z0-9 ]{0,63}[A-Za-z]$/),
    members: fc.uniqueArray(username, { minLength: 1, maxLength: 20 }),
  }),
  group_add: fc.record({ group: groupId, users: fc.uniqueArray(username, { minLength: 1, maxLength: 20 }) }),
  group_remove: fc.record({ group: groupId, user: username }),
  group_rename: fc.record({ group: groupId, name: fc.stringMatching(/^[a-z]{1,64}$/) }),
  group_admin: fc.record({ group: groupId, user: username, admin: fc.boolean() }),
  group_leave: fc.record({ group: groupId }),
  upload_start: fc.record({
    name: fc.string({ minLength: 1, maxLength: 255 }),
    size: fc.integer({ min: 1, max: 2 ** 40 }),
    sha256: fc.stringMatching(/^[0-9a-f]{64}$/),
    mime: fc.constantFrom('image/png', 'application/pdf', 'text/plain'),
  }),
  upload_chunk: fc.record({
    upload: fc.stringMatching(/^[A-Za-z0-9_-]{22}$/),
    offset: fc.integer({ min: 0, max: 2 ** 40 }),
    data: fc
      .uint8Array({ minLength: 1, maxLength: 1024 })
      .map((bytes) => Buffer.from(bytes).toString('base64')),
  }),
  upload_cancel: fc.record({ upload: fc.stringMatching(/^[A-Za-z0-9_-]{22}$/) }),
  download_chunk: fc.record({
    messageId: fc.integer({ min: 1, max: 2 ** 40 }),
    offset: fc.integer({ min: 0, max: 2 ** 40 }),
    length: fc.integer({ min: 1, max: 46080 }),
  }),
};

const anyRequest = fc.oneof(
  ...requestTypes.map((type) =>
    fc.record({
      type: fc.constant(type),
      id: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
      params: validParams[type],
    }),
  ),
);

/** Hostile JSON values: wrong types, huge numbers, deep nesting, odd strings. */
const hostile = fc.oneof(
  fc.jsonValue({ maxDepth: 6 }),
  fc.constantFrom(1e308, -1e308, 2 ** 53 + 1, -0, 0.5, '', '\u0000', 'a'.repeat(TEXT_MAX_LENGTH + 1), [], {}),
  fc.string({ unit: 'binary', maxLength: 64 }),
);

describe('request schemas', () => {
  it('covers every request type with a valid-params generator', () => {
    expect(Object.keys(validParams).sort()).toEqual([...requestTypes].sort());
  });

  it('accepts every well-formed request and returns exactly its fields', () => {
    fc.assert(
      fc.property(anyRequest, ({ type, id, params }) => {
        const parsed = parseRequestFrame(JSON.stringify({ ...params, type, id }));
        expect(parsed).toEqual({ ok: true, value: { ...params, type, id } });
      }),
    );
  });

  it('answers a corrupted field with invalid_request carrying the id, never a throw', () => {
    fc.assert(
      fc.property(anyRequest, hostile, ({ type, id, params }, junk) => {
        const keys = Object.keys(requests[type].params.shape);
        fc.pre(keys.length > 0);
        const field = keys[id % keys.length]!;
        const frame = { ...params, [field]: junk, type, id };
        const parsed = parseRequestFrame(JSON.stringify(frame));
        const stillValid = requests[type].params.safeParse(frame).success;
        if (stillValid) {
          expect(parsed.ok).toBe(true);
        } else {
          expect(parsed).toMatchObject({ ok: false, id, error: { code: 'invalid_request' } });
        }
      }),
    );
  });

  it('rejects arbitrary text and arbitrary JSON with an error result, never a throw', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ unit: 'binary', maxLength: 300 }), fc.json({ maxDepth: 8 })),
        (line) => {
          for (const parse of [parseRequestFrame, parseServerFrame, parsePeerFrame]) {
            const parsed = parse(line);
            if (!parsed.ok) expect(parsed.error.message.length).toBeGreaterThan(0);
          }
        },
      ),
    );
  });

  it('survives pathological nesting without a stack overflow escaping', () => {
    const deep = `${'['.repeat(50_000)}${']'.repeat(50_000)}`;
    expect(parseRequestFrame(deep)).toMatchObject({ ok: false, error: { code: 'bad_frame' } });
    const deepObject = `{"type":"message","id":1,"to":${'{"a":'.repeat(5000)}1${'}'.repeat(5000)},"text":"x"}`;
    expect(parseRequestFrame(deepObject)).toMatchObject({
      ok: false,
      id: 1,
      error: { code: 'invalid_request' },
    });
  });

  it('rejects usernames past the length limit or with characters outside the allowed set', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ minLength: USERNAME_MAX_LENGTH + 1, maxLength: 80 }),
          fc.stringMatching(/[ /\\:@]/),
        ),
        (name) => {
          const parsed = parseRequestFrame(JSON.stringify({ type: 'block', id: 7, user: name }));
          expect(parsed).toMatchObject({ ok: false, id: 7, error: { code: 'invalid_request' } });
        },
      ),
    );
  });
});
