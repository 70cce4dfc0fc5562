/** The terminal client counts the text limit in characters, as the server does; its texts are unchanged. */
import { afterEach, beforeEach, describe, it } from 'vitest';
import { TEXT_MAX_LENGTH } from '../../src/shared/limits.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { killClients, loggedInClient } from './cli-harness.js';

const EMOJI = '😀';
let server: TestServer;

beforeEach(async () => {
  server = await startTestServer();
});

afterEach(async () => {
  await killClients();
  await server.close();
});

describe('terminal client: text limit', () => {
  it(`sends ${TEXT_MAX_LENGTH} emoji and refuses ${TEXT_MAX_LENGTH + 1} with the usual text`, async () => {
    const yoda = await loggedInClient(server.port, 'yoda', 'wise');
    const hans = await loggedInClient(server.port, 'hans', 'falcon');
    await yoda.expectLines('hans logged in');
    const full = EMOJI.repeat(TEXT_MAX_LENGTH);
    yoda.send(`message hans ${full}`);
    await hans.expectLines(`yoda: ${full}`);
    yoda.send(`message hans ${EMOJI.repeat(TEXT_MAX_LENGTH + 1)}`);
    await yoda.expectLines(`Error. The message is too long (at most ${TEXT_MAX_LENGTH} characters)`);
  });
});
