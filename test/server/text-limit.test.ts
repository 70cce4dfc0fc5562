/** The server counts the text limit in characters (code points), the unit the app's counter shows. */
import { describe, expect, it } from 'vitest';
import { TEXT_MAX_LENGTH } from '../../src/shared/limits.js';
import type { ServerEvent } from '../../src/shared/protocol.js';
import { RawClient } from '../helpers/raw-client.js';
import { useServerFixture } from '../helpers/server-fixture.js';
import { startTestServer } from '../helpers/server.js';

const fixture = useServerFixture({ checkFrames: true });
const { track } = fixture;
const EMOJI = '😀';

describe('text limit in characters', () => {
  it(`stores and delivers ${TEXT_MAX_LENGTH} emoji, refuses ${TEXT_MAX_LENGTH + 1}`, async () => {
    fixture.server = await startTestServer();
    const yoda = track(await RawClient.login(fixture.server.port, 'yoda', 'wise'));
    const hans = track(await RawClient.login(fixture.server.port, 'hans', 'falcon'));
    const full = EMOJI.repeat(TEXT_MAX_LENGTH);

    const sent = await yoda.call('message', { to: 'hans', text: full });
    expect(sent.message.text).toBe(full);
    await hans.waitFor((e: ServerEvent) => e.type === 'message' && e.message.text === full);
    expect((await yoda.call('broadcast', { text: full })).delivered).toBe(1);

    const tooLong = EMOJI.repeat(TEXT_MAX_LENGTH + 1);
    expect(await yoda.fail('message', { to: 'hans', text: tooLong })).toMatchObject({
      code: 'invalid_request',
    });
    expect(await yoda.fail('broadcast', { text: tooLong })).toMatchObject({ code: 'invalid_request' });
  });
});
