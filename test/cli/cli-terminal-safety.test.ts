/**
 * What the terminal client prints of text that others control: control characters, invisible
 * characters and line breaks arrive from a real server and the exact printed lines are checked.
 */
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { showEvent } from '../../src/cli/events.js';
import { Output } from '../../src/cli/output.js';
import { RawClient } from '../helpers/raw-client.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { killClients, loggedInClient } from './cli-harness.js';

let server: TestServer;
let hans: RawClient | undefined;

beforeEach(async () => {
  server = await startTestServer();
});

afterEach(async () => {
  await killClients();
  hans?.socket.destroy();
  hans = undefined;
  await server.close();
});

/** yoda in the terminal client, hans on a raw connection that can send any text. */
async function yodaAndHans() {
  const yoda = await loggedInClient(server.port, 'yoda', 'wise');
  hans = await RawClient.login(server.port, 'hans', 'falcon');
  await yoda.expectLines('hans logged in');
  return { yoda, hans };
}

describe('terminal client: text from others', () => {
  it('indents the continuation lines of a multi-line message so they cannot pass for messages', async () => {
    const { yoda, hans } = await yodaAndHans();
    await hans.call('message', { to: 'yoda', text: 'see you\nyoda: …reply with your password' });
    await hans.call('broadcast', { text: 'one\r\ntwo\n\nthree' });
    await yoda.expectLines(
      'hans: see you',
      '  | yoda: …reply with your password',
      'hans: one',
      '  | two',
      '  | ',
      '  | three',
    );
  });

  it('shows escape, bell, carriage return, DEL and C1 controls as visible escapes', async () => {
    const { yoda, hans } = await yodaAndHans();
    const attacks = [
      '\u001b[2J\u001b[H cleared',
      '\u001b]0;owned\u0007 titled',
      'shown \u001b[8mhidden\u001b[0m',
      'harmless\rhans: evil',
      'tab\there, del\u007f, csi\u009b31m, nul\u0000',
    ];
    for (const text of attacks) await hans.call('message', { to: 'yoda', text });
    await yoda.expectLines(
      'hans: \\x1b[2J\\x1b[H cleared',
      'hans: \\x1b]0;owned\\x07 titled',
      'hans: shown \\x1b[8mhidden\\x1b[0m',
      'hans: harmless\\x0dhans: evil',
      'hans: tab\\x09here, del\\x7f, csi\\x9b31m, nul\\x00',
    );
  });

  it('shows bidi overrides, isolates and invisible characters as visible escapes', async () => {
    const { yoda, hans } = await yodaAndHans();
    await hans.call('message', { to: 'yoda', text: 'invoice\u202efdp.exe \u2066x\u2069' });
    await hans.call('broadcast', { text: 'pay\u200bpal\u00ad \ufeff\u3164 \u{e0041}\u2028' });
    await yoda.expectLines(
      'hans: invoice\\u202efdp.exe \\u2066x\\u2069',
      'hans: pay\\u200bpal\\xad \\ufeff\\u3164 \\u{e0041}\\u2028',
    );
  });

  it('prints ordinary texts exactly as they are, emoji, accents and backslashes included', async () => {
    const { yoda, hans } = await yodaAndHans();
    const ordinary = ['hello, yoda', 'héllo wörld — ça va? 你好', 'coder 👩🏽‍💻, family 👨‍👩‍👧, ❤️', 'C:\\path\\x1b'];
    for (const text of ordinary) await hans.call('message', { to: 'yoda', text });
    await yoda.expectLines(...ordinary.map((text) => `hans: ${text}`));
    yoda.send('logout');
    expect(await yoda.exitCode()).toBe(0);
    expect(yoda.rest()).toEqual([]);
  });
});

describe('terminal client: names and server errors (defensive)', () => {
  function printed(run: (out: Output) => void): string {
    const stream = new PassThrough();
    const chunks: string[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk.toString('utf8')));
    run(new Output(stream));
    return chunks.join('');
  }

  it('escapes names and server error messages the same way as texts', () => {
    const output = printed((out) => {
      showEvent({ kind: 'presence', user: 'e\u001b[2Jvil', online: true, at: 0 }, 'yoda', out);
      const peer = 'ha\u202ens';
      showEvent({ kind: 'private_message', peer, from: peer, text: 'a\nb', at: 0 }, 'yoda', out);
      showEvent(
        {
          kind: 'queued_failed',
          clientId: 'c1',
          to: 'hans',
          text: 'hi',
          error: { code: 'internal_error', message: 'bad\u0007\nyoda: hi' },
        },
        'yoda',
        out,
      );
    });
    expect(output).toBe(
      [
        'e\\x1b[2Jvil logged in',
        'ha\\u202ens (private): a',
        '  | b',
        'Error. bad\\x07',
        '  | yoda: hi',
        '',
      ].join('\n'),
    );
  });
});
