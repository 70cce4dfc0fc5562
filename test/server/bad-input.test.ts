import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_FRAME_BYTES, PROTOCOL_VERSION, TEXT_MAX_LENGTH } from '../../src/shared/limits.js';
import type { ServerEvent } from '../../src/shared/protocol.js';
import { RawClient } from '../helpers/raw-client.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
let yoda: RawClient;
let hans: RawClient;
const extra: RawClient[] = [];
let round = 0;

const users: Record<string, string> = { yoda: 'wise', hans: 'falcon' };
for (let i = 0; i < 50; i++) users[`user${i}`] = users[`crowd${i}`] = `pw${i}`;

beforeAll(async () => {
  server = await startTestServer({ users });
  yoda = await RawClient.login(server.port, 'yoda', 'wise');
  hans = await RawClient.login(server.port, 'hans', 'falcon');
});

afterAll(async () => {
  for (const client of [yoda, hans, ...extra]) client.close();
  await server.close();
});

/** The two bystanders can still message each other both ways. */
async function expectStillChatting(): Promise<void> {
  round++;
  const text = `still here ${round}`;
  const isText = (e: ServerEvent) => e.type === 'message' && e.message.text === text;
  await yoda.call('message', { to: 'hans', text });
  await hans.waitFor(isText);
  await hans.call('message', { to: 'yoda', text });
  await yoda.waitFor(isText);
  expect(yoda.closed || hans.closed).toBe(false);
  expect([...yoda.invalidFrames, ...hans.invalidFrames]).toEqual([]);
}

async function attacker(): Promise<RawClient> {
  const client = await RawClient.connect(server.port);
  extra.push(client);
  return client;
}

function errorFrames(client: RawClient) {
  return client.eventsOf('error').map((e) => e.error.code);
}

describe('bad input against a live server', () => {
  it('answers malformed JSON with bad_frame and keeps the connection', async () => {
    const client = await attacker();
    client.sendRaw('{not json\n');
    client.sendRaw('[1,2,3]\n');
    client.sendRaw('"just a string"\n');
    client.sendRaw('{"type":"hello"}\n'); // no id
    client.sendRaw('{"type":"hello","id":-4}\n');
    client.sendRaw(Buffer.from([0xff, 0xfe, 0x00, 0x0a]));
    client.sendRaw('\n');
    await client.waitFor(() => errorFrames(client).length === 7);
    expect(new Set(errorFrames(client))).toEqual(new Set(['bad_frame']));
    await client.call('hello', { version: PROTOCOL_VERSION });
    expect(client.closed).toBe(false);
    await expectStillChatting();
  });

  it('closes only the connection that sends a frame over the limit', async () => {
    const client = await attacker();
    await client.call('hello', { version: PROTOCOL_VERSION });
    await client.call('login', { username: 'user0', password: 'pw0' });
    client.sendRaw(`{"type":"message","id":5,"to":"hans","text":"${'x'.repeat(MAX_FRAME_BYTES)}"}\n`);
    await client.waitFor((e) => e.type === 'error' && e.error.code === 'frame_too_large');
    await client.waitClosed();
    await hans.waitFor((e) => e.type === 'presence' && e.user === 'user0' && !e.online);
    await expectStillChatting();
  });

  it('closes a connection that streams an endless frame without a newline', async () => {
    const client = await attacker();
    const chunk = 'y'.repeat(16 * 1024);
    for (let i = 0; i < 6; i++) client.sendRaw(chunk);
    await client.waitFor((e) => e.type === 'error' && e.error.code === 'frame_too_large');
    await client.waitClosed();
    await expectStillChatting();
  });

  it('rejects unknown types and wrong field types with the request id', async () => {
    const client = await attacker();
    await client.call('hello', { version: PROTOCOL_VERSION });
    await client.call('login', { username: 'user1', password: 'pw1' });
    const reply = (line: string) =>
      new Promise<unknown>((resolve) => {
        client.socket.once('data', (chunk: Buffer) => resolve(JSON.parse(chunk.toString())));
        client.sendRaw(line);
      });
    expect(await reply('{"type":"teleport","id":7}\n')).toMatchObject({
      type: 'reply',
      id: 7,
      ok: false,
      error: { code: 'unknown_type' },
    });
    const cases = [
      '{"type":"message","id":8,"to":42,"text":"x"}',
      '{"type":"message","id":8,"to":"hans","text":""}',
      `{"type":"message","id":8,"to":"hans","text":"${'x'.repeat(TEXT_MAX_LENGTH + 1)}"}`,
      `{"type":"message","id":8,"to":"${'h'.repeat(33)}","text":"x"}`,
      '{"type":"message","id":8,"to":"ha ns","text":"x"}',
      '{"type":"whoelsesince","id":8,"seconds":"ten"}',
      '{"type":"whoelsesince","id":8,"seconds":-1}',
      '{"type":"history","id":8,"peer":"hans","limit":100000}',
      '{"type":"ack","id":8,"upTo":null}',
      '{"type":"block","id":8}',
    ];
    for (const line of cases) {
      expect(await reply(`${line}\n`)).toMatchObject({
        id: 8,
        ok: false,
        error: { code: 'invalid_request' },
      });
    }
    expect(client.closed).toBe(false);
    await client.call('whoelse', {});
    await expectStillChatting();
  });

  it('answers commands before hello and before login, and survives a disconnect mid-frame', async () => {
    const early = await attacker();
    expect((await early.fail('broadcast', { text: 'x' })).code).toBe('hello_required');
    await early.call('hello', { version: PROTOCOL_VERSION });
    expect((await early.fail('broadcast', { text: 'x' })).code).toBe('login_required');

    const quitter = await attacker();
    await quitter.call('hello', { version: PROTOCOL_VERSION });
    await quitter.call('login', { username: 'user2', password: 'pw2' });
    quitter.sendRaw('{"type":"message","id":3,"to":"ha');
    quitter.close();
    await hans.waitFor((e) => e.type === 'presence' && e.user === 'user2' && !e.online);
    await expectStillChatting();
  });

  it('serves 50 clients connecting and logging in at once', async () => {
    const names = Array.from({ length: 50 }, (_, i) => `crowd${i}`);
    const crowd = await Promise.all(names.map((name, i) => RawClient.login(server.port, name, `pw${i}`)));
    extra.push(...crowd);
    const { users: online } = await yoda.call('whoelse', {});
    expect(online).toEqual(expect.arrayContaining(names));
    await Promise.all(crowd.map((client, i) => client.call('message', { to: 'yoda', text: `from ${i}` })));
    await yoda.waitFor(
      () => yoda.eventsOf('message').filter((e) => e.message.text.startsWith('from ')).length === 50,
    );
    const reply = await yoda.call('broadcast', { text: 'hello crowd' });
    expect(reply.delivered).toBe(online.length);
    await Promise.all(crowd.map((client) => client.waitFor((e) => e.type === 'broadcast')));
    for (const client of crowd) client.close();
    await expectStillChatting();
  });
});
