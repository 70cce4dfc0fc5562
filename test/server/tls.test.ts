/**
 * Transport security: the server with --tls-cert/--tls-key serves TLS 1.2+ only; the client core
 * verifies the server's certificate against a given CA (or the system roots). The CA and the
 * server certificate are created at run time with openssl.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CoreError, MessengerCore, ServerConnection } from '../../src/main/core/index.js';
import { PROTOCOL_VERSION } from '../../src/shared/limits.js';
import type { ServerEvent } from '../../src/shared/protocol.js';
import { parseCommandLine } from '../../server/config.js';
import { killClients, startClient } from '../cli/cli-harness.js';
import { RawClient } from '../helpers/raw-client.js';
import { hasOpenssl, makePki, type Pki } from '../helpers/pki.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const OPENSSL = hasOpenssl();
if (!OPENSSL)
  console.warn('tls.test.ts: SKIPPED — the openssl command is not installed (apt-get install openssl)');

let pki: Pki;
let server: TestServer;

describe.skipIf(!OPENSSL)('TLS between clients and server', () => {
  beforeAll(async () => {
    pki = makePki();
    server = await startTestServer({ tlsCertFile: pki.cert, tlsKeyFile: pki.key });
  });
  afterAll(async () => {
    await killClients();
    await server?.close();
  });

  it('lets clients that trust the CA log in and chat, and verifies the certificate', async () => {
    const tls = { ca: pki.caPem };
    const yoda = await ServerConnection.connect({ host: '127.0.0.1', port: server.port, tls });
    const hans = await ServerConnection.connect({ host: '127.0.0.1', port: server.port, tls });
    try {
      const got: ServerEvent[] = [];
      hans.onEvent((event) => got.push(event));
      for (const [conn, name, password] of [
        [yoda, 'yoda', 'wise'],
        [hans, 'hans', 'falcon'],
      ] as const) {
        await conn.request('hello', { version: PROTOCOL_VERSION });
        await conn.request('login', { username: name, password });
      }
      await yoda.request('message', { to: 'hans', text: 'over TLS' });
      await expect
        .poll(() => got.some((e) => e.type === 'message' && e.message.text === 'over TLS'))
        .toBe(true);
    } finally {
      yoda.close();
      hans.close();
    }
    // The whole client core too, as the terminal client and the app use it.
    const core = new MessengerCore({ reconnect: false, tls });
    try {
      expect((await core.call('connect', { host: '127.0.0.1', port: server.port })).ok).toBe(true);
      expect((await core.call('login', 'luke', 'skywalker')).ok).toBe(true);
    } finally {
      await core.dispose();
    }
  });

  it('refuses a server whose certificate is not signed by a trusted CA', async () => {
    for (const tls of [{}, { ca: pki.otherCaPem }]) {
      const attempt = ServerConnection.connect({ host: '127.0.0.1', port: server.port, tls });
      await expect(attempt).rejects.toBeInstanceOf(CoreError);
      await expect(attempt).rejects.toThrow(/certificate/);
    }
    // The name must match too.
    const wrongName = ServerConnection.connect({
      host: '127.0.0.1',
      port: server.port,
      tls: { ca: pki.caPem, servername: 'example.org' },
    });
    await expect(wrongName).rejects.toBeInstanceOf(CoreError);
  });

  it('closes a plaintext client cleanly and keeps serving TLS clients', async () => {
    const plain = await RawClient.connect(server.port);
    plain.sendRaw(`{"type":"hello","id":1,"version":${PROTOCOL_VERSION}}\n`);
    await plain.waitClosed();
    expect(plain.events).toEqual([]);
    const again = await ServerConnection.connect({
      host: '127.0.0.1',
      port: server.port,
      tls: { ca: pki.caPem },
    });
    try {
      expect((await again.request('hello', { version: PROTOCOL_VERSION })).version).toBe(PROTOCOL_VERSION);
    } finally {
      again.close();
    }
  });

  it('is configured by --tls-cert/--tls-key on the server and --tls/--tls-ca on the terminal client', async () => {
    expect(parseCommandLine(['0', '1', '1', '--tls-cert', pki.cert, '--tls-key', pki.key])).toMatchObject({
      tlsCertFile: pki.cert,
      tlsKeyFile: pki.key,
    });
    expect(() => parseCommandLine(['0', '1', '1', '--tls-cert', pki.cert])).toThrow(/together/);
    const port = String(server.port);
    const trusting = startClient(server.port, ['--tls-ca', join(pki.dir, 'ca.pem'), '--port', port]);
    await trusting.logIn('hans', 'falcon');
    trusting.send('logout');
    expect(await trusting.exitCode()).toBe(0);
    // --tls alone trusts only the system roots, which did not sign this server's certificate.
    const untrusting = startClient(server.port, ['--tls', '--port', port]);
    expect(await untrusting.exitCode()).toBe(1);
  });
});
