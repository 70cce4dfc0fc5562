/** Private chats through the core against the real server: both ways, stop from either side, logout, E2E. */
import net from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { idleStranger } from '../helpers/idle-stranger.js';
import { Relay } from '../helpers/relay.js';
import { disposeCores, loggedIn, until } from './support.js';

let server: TestServer;
const relays: Relay[] = [];

beforeEach(async () => {
  server = await startTestServer();
});

afterEach(async () => {
  await disposeCores();
  await Promise.all(relays.splice(0).map((relay) => relay.close()));
  await server.close();
});

async function pair(port = server.port) {
  const yoda = await loggedIn(port, 'yoda', 'wise');
  const hans = await loggedIn(port, 'hans', 'falcon');
  return { yoda, hans };
}

describe('core: private chats', () => {
  it('opens a session and carries texts both ways; the peer stopping closes it on both sides', async () => {
    const { yoda, hans } = await pair();
    expect(await yoda.core.call('startPrivate', 'hans')).toEqual({ ok: true, value: { peer: 'hans' } });
    await hans.log.waitFor('private_opened', (e) => e.peer === 'yoda' && !e.initiatedByMe);
    await yoda.core.call('sendPrivate', 'hans', 'hi, hans');
    expect((await hans.log.waitFor('private_message', (e) => e.from === 'yoda')).text).toBe('hi, hans');
    await hans.core.call('sendPrivate', 'yoda', 'hi, yoda');
    expect((await yoda.log.waitFor('private_message', (e) => e.from === 'hans')).text).toBe('hi, yoda');
    const transcript = await yoda.core.call('privateTranscript', 'hans');
    expect(transcript.ok && transcript.value.messages.map((m) => m.text)).toEqual(['hi, hans', 'hi, yoda']);

    await hans.core.call('stopPrivate', 'yoda');
    expect(await yoda.log.waitFor('private_closed')).toEqual({
      kind: 'private_closed',
      peer: 'hans',
      reason: 'peer',
    });
    expect(hans.log.of('private_closed')).toEqual([{ kind: 'private_closed', peer: 'yoda', reason: 'me' }]);
    expect(await yoda.core.call('sendPrivate', 'hans', 'gone?')).toMatchObject({
      ok: false,
      error: { code: 'private_not_enabled' },
    });
  });

  it('the initiator can stop too, and a logout ends the session for the other side', async () => {
    const { yoda, hans } = await pair();
    await yoda.core.call('startPrivate', 'hans');
    await hans.log.waitFor('private_opened');
    await yoda.core.call('stopPrivate', 'hans');
    await hans.log.waitFor('private_closed', (e) => e.reason === 'peer');

    await hans.core.call('startPrivate', 'yoda');
    await yoda.log.waitFor('private_opened', (e) => !e.initiatedByMe);
    expect(yoda.core.getState().privateSessions).toEqual(['hans']);
    await hans.core.call('logout');
    await until(() => yoda.log.of('private_closed').length === 2);
    expect(yoda.log.of('private_closed').at(-1)).toMatchObject({ peer: 'hans', reason: 'peer' });
    expect(hans.log.of('private_closed').at(-1)).toMatchObject({ peer: 'yoda', reason: 'logout' });
  });

  it('private actions count as activity for the server idle timer', async () => {
    await server.restart({ timeoutSeconds: 1 });
    const { yoda, hans } = await pair();
    await yoda.core.call('startPrivate', 'hans');
    await hans.log.waitFor('private_opened');
    const started = Date.now();
    // hans keeps alive with server commands; yoda only chats privately.
    while (Date.now() - started < 1_800) {
      await yoda.core.call('sendPrivate', 'hans', 'still here');
      await hans.core.call('whoElse');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(yoda.log.of('logged_out')).toEqual([]);
    expect(yoda.core.getState().username).toBe('yoda');
    expect(hans.log.of('private_message')).toHaveLength(yoda.log.of('private_message').length);
  });

  it('reports server refusals for startprivate', async () => {
    const { yoda } = await pair();
    expect(await yoda.core.call('startPrivate', 'yoda')).toMatchObject({ error: { code: 'self_target' } });
    expect(await yoda.core.call('startPrivate', 'luke')).toMatchObject({ error: { code: 'peer_offline' } });
    expect(await yoda.core.call('startPrivate', 'bbb')).toMatchObject({ error: { code: 'unknown_user' } });
  });

  it('a stranger, or a replay of a used credential, is refused by the private-chat listener', async () => {
    let intro: { port: number; credential: string; publicKey?: string } | undefined;
    const serverRelay = new Relay(server.port, (line) => {
      const frame = JSON.parse(line) as { result?: { port?: number; credential?: string } };
      if (frame.result?.credential) intro = frame.result as typeof intro;
      return line;
    });
    relays.push(serverRelay);
    const { yoda, hans } = await pair(await serverRelay.start());
    await yoda.core.call('startPrivate', 'hans');
    await hans.log.waitFor('private_opened');
    if (!intro) throw new Error('no introduction seen');
    const attempts = [
      { from: 'yoda', credential: 'x'.repeat(43), publicKey: 'A'.repeat(43) + '=' },
      { from: 'yoda', credential: intro.credential, publicKey: 'A'.repeat(43) + '=' },
      { from: 'luke', credential: intro.credential, publicKey: 'A'.repeat(43) + '=' },
    ];
    for (const hello of attempts) {
      const socket = net.connect({ host: '127.0.0.1', port: intro.port });
      socket.on('error', () => undefined);
      socket.write(`${JSON.stringify({ type: 'p2p_hello', ...hello })}\n`);
      await new Promise((resolve) => socket.on('close', resolve));
    }
    expect(hans.core.getState().privateSessions).toEqual(['yoda']);
    expect(hans.log.of('private_opened')).toHaveLength(1);
  });

  it('a stranger holding more idle connections than there are handshake slots does not lock out an introduced peer', async () => {
    const hansRelay = new Relay(server.port);
    relays.push(hansRelay);
    const yoda = await loggedIn(server.port, 'yoda', 'wise');
    const hans = await loggedIn(await hansRelay.start(), 'hans', 'falcon');
    const p2pPort = Number(/"p2pPort":(\d+)/.exec(hansRelay.text())?.[1]);
    const stranger = idleStranger(p2pPort, 40);
    try {
      await until(() => stranger.stats.closed >= 8);
      expect(await yoda.core.call('startPrivate', 'hans')).toEqual({ ok: true, value: { peer: 'hans' } });
      await hans.log.waitFor('private_opened', (e) => e.peer === 'yoda');
      await yoda.core.call('sendPrivate', 'hans', 'past the crowd');
      expect((await hans.log.waitFor('private_message', (e) => e.from === 'yoda')).text).toBe(
        'past the crowd',
      );
      await hans.core.call('sendPrivate', 'yoda', 'got it');
      expect((await yoda.log.waitFor('private_message', (e) => e.from === 'hans')).text).toBe('got it');
    } finally {
      stranger.stop();
    }
  });

  it('private text never crosses the server socket, and the P2P bytes are not the plaintext', async () => {
    const secret = 'the-plans-are-in-R2D2';
    const p2pRelays: Relay[] = [];
    // Route the startprivate introduction through a relay of its own, so the P2P bytes are captured.
    const serverRelay = new Relay(server.port, async (line) => {
      const frame = JSON.parse(line) as { result?: { port?: number; credential?: string } };
      if (frame.result?.credential && frame.result.port) {
        const p2pRelay = new Relay(frame.result.port);
        p2pRelays.push(p2pRelay);
        relays.push(p2pRelay);
        frame.result.port = await p2pRelay.start();
        return JSON.stringify(frame);
      }
      return line;
    });
    relays.push(serverRelay);
    const { yoda, hans } = await pair(await serverRelay.start());
    await yoda.core.call('startPrivate', 'hans');
    await hans.log.waitFor('private_opened');
    await yoda.core.call('sendPrivate', 'hans', `${secret} (to hans)`);
    await hans.core.call('sendPrivate', 'yoda', `${secret} (to yoda)`);
    await hans.log.waitFor('private_message', (e) => e.from === 'yoda');
    await yoda.log.waitFor('private_message', (e) => e.from === 'hans');

    expect(p2pRelays).toHaveLength(1);
    const wire = p2pRelays[0]?.text() ?? '';
    expect(wire).toContain('private_sealed');
    expect(wire).toContain('p2p_hello');
    expect(wire).not.toContain(secret);
    expect(wire).not.toContain(Buffer.from(secret).toString('base64').slice(0, 12));
    expect(serverRelay.text()).toContain('startprivate');
    expect(serverRelay.text()).not.toContain(secret);
  });
});
