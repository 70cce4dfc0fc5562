/**
 * The browser shell against a real server (server/app.ts on port 0, temp SQLite) and real sockets:
 * static serving (only files under the renderer root, security headers), one-time launch links,
 * WebSocket bridge auth (session secret, Origin, Host), validation, size bounds, and two shells
 * chatting through the bridge.
 */
import { mkdtemp, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startServer, type RunningServer } from '../../server/app.js';
import type { ApiResult, AppEvent } from '../../src/shared/api.js';
import { startBrowserShell, type BrowserShell } from '../../src/browser-shell/shell.js';
import type { CoreLike } from '../../src/main/dispatch.js';
import { BRIDGE_MAX_MESSAGE_BYTES } from '../../src/shared/bridge-wire.js';

let dir: string;
let rendererDir: string;
let server: RunningServer;
const shells: BrowserShell[] = [];
const sockets: WebSocket[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'shell-test-'));
  rendererDir = join(dir, 'renderer');
  await mkdir(join(rendererDir, 'assets'), { recursive: true });
  await writeFile(join(rendererDir, 'index.html'), '<!doctype html><title>Messenger</title>');
  await writeFile(join(rendererDir, 'assets', 'app.js'), 'console.log(1)');
  await writeFile(join(dir, 'secret.txt'), 'TOP SECRET');
  await symlink(join(dir, 'secret.txt'), join(rendererDir, 'link.txt'));
  server = await startServer({
    port: 0,
    host: '127.0.0.1',
    dbPath: join(dir, 'server.db'),
    blockDurationSeconds: 60,
    timeoutSeconds: 0,
    openRegistration: true,
    kdfCost: 2,
  });
});

afterAll(async () => {
  for (const socket of sockets) socket.terminate();
  await Promise.all(shells.map((shell) => shell.close()));
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

async function shell(log?: (line: string) => void): Promise<BrowserShell> {
  const started = await startBrowserShell({
    rendererDir,
    server: { host: server.host, port: server.port },
    ...(log ? { log } : {}),
  });
  shells.push(started);
  return started;
}

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

interface RawRequestOptions {
  method?: string;
  host?: string;
  headers?: Record<string, string>;
  body?: string;
}

/** Raw HTTP (no path normalisation on our side: the shell must handle `..` itself). */
function get(shell: BrowserShell, path: string, options: RawRequestOptions = {}) {
  return new Promise<RawResponse>((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port: shell.port,
        path,
        method: options.method ?? 'GET',
        headers: { host: options.host ?? `127.0.0.1:${shell.port}`, ...options.headers },
        // A connection per request: the shell may close one whose request body it did not read.
        agent: false,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** The token of a new launch link, as the page finds it in its address. */
function launchToken(shell: BrowserShell, ttlMs?: number): string {
  const token = new URL(shell.launchUrl(ttlMs)).hash.replace(/^#launch=/, '');
  expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
  return token;
}

/** What the page does with its launch link: POST /session from its own origin. */
function redeem(shell: BrowserShell, token: string, options: RawRequestOptions = {}): Promise<RawResponse> {
  return get(shell, '/session', {
    method: 'POST',
    body: JSON.stringify({ token }),
    ...options,
    headers: { origin: shell.origin, 'content-type': 'application/json', ...options.headers },
  });
}

/** Opens a session with a new launch link; its secret. */
async function sessionSecret(shell: BrowserShell): Promise<string> {
  const response = await redeem(shell, launchToken(shell));
  expect(response.status).toBe(200);
  expect(response.headers['cache-control']).toBe('no-store');
  const { secret } = JSON.parse(response.body) as { secret: string };
  expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
  return secret;
}

function bridgeUrl(shell: BrowserShell, secret: string | null): string {
  return `ws://127.0.0.1:${shell.port}/bridge${secret === null ? '' : `?secret=${encodeURIComponent(secret)}`}`;
}

/** Opens a bridge socket; resolves with it, or with the HTTP status the upgrade was refused with. */
function openSocket(url: string, origin?: string): Promise<WebSocket | number> {
  return new Promise((resolve) => {
    const socket = new WebSocket(url, origin === undefined ? {} : { origin });
    sockets.push(socket);
    socket.once('open', () => resolve(socket));
    socket.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    socket.once('error', () => resolve(-1));
  });
}

class Page {
  private nextId = 1;
  private readonly waiting = new Map<number, (result: ApiResult<unknown>) => void>();
  readonly events: AppEvent[] = [];
  readonly errors: string[] = [];

  constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as
        | { type: 'reply'; id: number; result: ApiResult<unknown> }
        | { type: 'event'; event: AppEvent }
        | { type: 'error'; message: string };
      if (message.type === 'reply') this.waiting.get(message.id)?.(message.result);
      else if (message.type === 'event') this.events.push(message.event);
      else this.errors.push(message.message);
    });
  }

  /** A page of the session `secret` (default: a new session, which ends the one before). */
  static async open(shell: BrowserShell, secret?: string): Promise<Page> {
    const socket = await openSocket(bridgeUrl(shell, secret ?? (await sessionSecret(shell))), shell.origin);
    if (typeof socket === 'number') throw new Error(`bridge refused: ${socket}`);
    return new Page(socket);
  }

  call(method: string, ...args: unknown[]): Promise<ApiResult<unknown>> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      this.socket.send(JSON.stringify({ id, method, args }));
    });
  }

  async waitFor(predicate: (event: AppEvent) => boolean, timeoutMs = 5_000): Promise<AppEvent> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const found = this.events.find(predicate);
      if (found) return found;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error('event did not arrive');
  }
}

describe('browser shell HTTP', () => {
  it('serves the renderer with security headers', async () => {
    const app = await shell();
    expect(app.launchUrl()).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/#launch=[A-Za-z0-9_-]{43}$/);
    const index = await get(app, '/');
    expect(index.status).toBe(200);
    expect(index.body).toContain('<title>Messenger</title>');
    expect(index.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(index.headers['x-content-type-options']).toBe('nosniff');
    expect(index.headers['content-security-policy']).toContain("script-src 'self'");
    expect(index.headers['content-security-policy']).toContain(
      `connect-src 'self' ws://127.0.0.1:${app.port}`,
    );
    expect(index.headers['x-frame-options']).toBe('DENY');
    const script = await get(app, '/assets/app.js?v=1');
    expect(script.status).toBe(200);
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect((await get(app, '/index.html?window=private&peer=bob')).status).toBe(200);
  });

  it('serves nothing outside the renderer directory', async () => {
    const app = await shell();
    for (const path of [
      '/../secret.txt',
      '/%2e%2e/secret.txt',
      '/assets/../../secret.txt',
      '/assets/%2e%2e%2f%2e%2e%2fsecret.txt',
      '/..%5csecret.txt',
      '/link.txt',
      '/assets',
      '/assets/',
      '/%00index.html',
      '/%E0%A4%A',
      '/missing.js',
    ]) {
      const response = await get(app, path);
      expect(response.status, path).toBe(404);
      expect(response.body, path).not.toContain('TOP SECRET');
    }
    expect((await get(app, '/', { method: 'POST' })).status).toBe(405);
    expect((await get(app, '/', { method: 'PUT' })).status).toBe(405);
    // DNS rebinding: a page at evil.example resolved to 127.0.0.1 sends its own Host.
    expect((await get(app, '/', { host: `evil.example:${app.port}` })).status).toBe(403);
  });
});

describe('browser shell launch links', () => {
  it('opens one session per launch link, and only once', async () => {
    const lines: string[] = [];
    const app = await shell((line) => lines.push(line));
    const token = launchToken(app);
    const first = await redeem(app, token);
    expect(first.status).toBe(200);
    const { secret } = JSON.parse(first.body) as { secret: string };
    expect(secret).not.toBe(token);
    const again = await redeem(app, token);
    expect(again.status).toBe(401);
    expect(JSON.parse(again.body)).toEqual({ error: expect.stringContaining('already been used') });
    // Said on the shell's terminal too: whoever presented it first may not have been the user.
    expect(lines).toContainEqual(expect.stringContaining('a used launch link was presented again'));
    // The failed second try leaves the session the first one opened alone.
    expect(await openSocket(bridgeUrl(app, secret), app.origin)).toBeInstanceOf(WebSocket);
  });

  it('refuses the bridge without the session secret, even with the launch token and the right Origin', async () => {
    const app = await shell();
    const token = launchToken(app);
    expect(await openSocket(bridgeUrl(app, token), app.origin)).toBe(401);
    expect(await openSocket(bridgeUrl(app, null), app.origin)).toBe(401);
    expect((await redeem(app, token)).status).toBe(200);
    expect(await openSocket(bridgeUrl(app, token), app.origin)).toBe(401);
    expect(await openSocket(bridgeUrl(app, null), app.origin)).toBe(401);
  });

  it("takes a launch token only from the shell's own page, as small JSON, within its lifetime", async () => {
    const app = await shell();
    const token = launchToken(app);
    const refusedWith = async (options: RawRequestOptions) => (await redeem(app, token, options)).status;
    expect(await refusedWith({ headers: { origin: 'http://evil.example' } })).toBe(403);
    expect(await refusedWith({ headers: { origin: `http://localhost:${app.port}` } })).toBe(403);
    expect(await refusedWith({ host: `evil.example:${app.port}` })).toBe(403);
    expect(await refusedWith({ headers: { 'content-type': 'text/plain' } })).toBe(415);
    expect(await refusedWith({ method: 'GET' })).toBe(405);
    expect(await refusedWith({ body: '{"token":' })).toBe(400);
    expect(await refusedWith({ body: JSON.stringify({ token, more: 1 }) })).toBe(400);
    expect(await refusedWith({ body: JSON.stringify({ token: 'x'.repeat(2_000) }) })).toBe(413);
    const noOrigin = await get(app, '/session', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token }),
    });
    expect(noOrigin.status).toBe(403);

    const unknown = await redeem(app, 'x'.repeat(43));
    expect(unknown.status).toBe(401);
    expect(unknown.body).toContain('not a launch link of this app');
    const shortLived = launchToken(app, 1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const expired = await redeem(app, shortLived);
    expect(expired.status).toBe(401);
    expect(expired.body).toContain('has expired');
    // None of the refused tries used the token up.
    expect((await redeem(app, token)).status).toBe(200);
  });

  it("ends the older session's pages when a newer launch link opens a session", async () => {
    const app = await shell();
    const oldSecret = await sessionSecret(app);
    const oldPage = await Page.open(app, oldSecret);
    const closed = new Promise<void>((resolve) => oldPage.socket.once('close', () => resolve()));
    const newPage = await Page.open(app, await sessionSecret(app));
    await closed;
    expect(await openSocket(bridgeUrl(app, oldSecret), app.origin)).toBe(401);
    expect((await newPage.call('getState')).ok).toBe(true);
  });
});

describe('browser shell WebSocket bridge', () => {
  it('refuses upgrades without the secret, with a wrong secret, or from another origin', async () => {
    const app = await shell();
    const secret = await sessionSecret(app);
    expect(await openSocket(bridgeUrl(app, null), app.origin)).toBe(401);
    expect(await openSocket(bridgeUrl(app, 'x'.repeat(43)), app.origin)).toBe(401);
    expect(await openSocket(bridgeUrl(app, `${secret}x`), app.origin)).toBe(401);
    expect(await openSocket(bridgeUrl(app, secret), 'http://evil.example')).toBe(403);
    expect(await openSocket(bridgeUrl(app, secret), `http://localhost:${app.port}`)).toBe(403);
    expect(await openSocket(bridgeUrl(app, secret))).toBe(403); // no Origin at all
    expect(await openSocket(`ws://127.0.0.1:${app.port}/other?secret=${secret}`, app.origin)).toBe(404);
    const other = await shell();
    expect(await openSocket(bridgeUrl(app, await sessionSecret(other)), app.origin)).toBe(401);
    expect(await openSocket(bridgeUrl(app, secret), app.origin)).toBeInstanceOf(WebSocket);
  });

  it('validates every message and survives bad pages', async () => {
    const app = await shell();
    const secret = await sessionSecret(app);
    const page = await Page.open(app, secret);
    const state = await page.call('getState');
    expect(state).toMatchObject({ ok: true, value: { server: { host: server.host, port: server.port } } });
    for (const [method, args] of [
      ['sendMessage', ['bob']],
      ['sendMessage', ['bad name', 'hi']],
      ['login', ['', 'pw']],
      ['whoElseSince', ['10']],
      ['toString', []],
      ['__proto__', []],
      ['openExternal', ['javascript:alert(1)']],
      ['openExternal', ['file:///etc/passwd']],
      ['setUnreadCount', [-1]],
      ['focusWindow', ['x']],
    ] as const) {
      const result = await page.call(method, ...args);
      expect(result, method).toMatchObject({ ok: false, error: { code: 'invalid_argument' } });
    }
    // Malformed frames get an error message; the socket stays usable.
    page.socket.send('not json');
    page.socket.send(JSON.stringify({ id: 'x', method: 'getState', args: [] }));
    page.socket.send(JSON.stringify({ id: 1, method: 'getState', args: new Array(100).fill(0) }));
    page.socket.send(Buffer.from([1, 2, 3]), { binary: true });
    expect((await page.call('getState')).ok).toBe(true);
    expect(page.errors.length).toBe(4);

    // An oversized message closes that page's socket only.
    const big = await Page.open(app, secret);
    const closed = new Promise<number>((resolve) => big.socket.once('close', (code) => resolve(code)));
    big.socket.send('x'.repeat(BRIDGE_MAX_MESSAGE_BYTES + 1));
    expect(await closed).toBe(1009);
    expect((await page.call('getState')).ok).toBe(true);
    expect((await get(app, '/')).status).toBe(200);
  });

  it('carries a conversation between two shells, events included', async () => {
    const aliceShell = await shell();
    const bobShell = await shell();
    const alice = await Page.open(aliceShell);
    const bobSecret = await sessionSecret(bobShell);
    const bob = await Page.open(bobShell, bobSecret);
    // A second page of the same session (a private-chat window) gets the events too.
    const bobPrivateWindow = await Page.open(bobShell, bobSecret);
    expect(await alice.call('register', 'alice', 'pw-alice')).toMatchObject({ ok: true });
    expect(await bob.call('register', 'bob', 'pw-bob')).toMatchObject({ ok: true });
    expect(await alice.call('login', 'alice', 'pw-alice')).toMatchObject({ ok: true });
    expect(await bob.call('login', 'bob', 'pw-bob')).toMatchObject({ ok: true });
    expect(await alice.call('sendMessage', 'bob', 'hello bob')).toMatchObject({
      ok: true,
      value: { online: true },
    });
    for (const page of [bob, bobPrivateWindow]) {
      const event = await page.waitFor((e) => e.kind === 'message');
      expect(event).toMatchObject({
        kind: 'message',
        message: { from: 'alice', to: 'bob', text: 'hello bob' },
      });
    }
    // Shell methods are the page's business in the browser shell; the shell accepts them as no-ops
    // (in particular it never opens a link on the host for a page).
    expect(await alice.call('openPrivateWindow', 'bob')).toEqual({ ok: true, value: {} });
    expect(await alice.call('openExternal', 'https://example.com/')).toEqual({ ok: true, value: {} });
    expect(await alice.call('setUnreadCount', 2)).toEqual({ ok: true, value: {} });
    expect(await alice.call('focusWindow')).toEqual({ ok: true, value: {} });
    expect(await alice.call('logout')).toMatchObject({ ok: true });
  });
});

describe('browser shell received files (Save as…)', () => {
  const ID = 'AbCdEfGhIjKlMnOpQrStUv';

  /** A shell whose core holds one received file, `ré"sumé;.txt`, under ID. */
  async function shellWithFile(): Promise<BrowserShell> {
    const path = join(dir, 'received.part');
    await writeFile(path, 'file bytes');
    const core = {
      call: async () => ({ ok: true, value: {} }),
      onEvent: () => () => undefined,
      dispose: () => undefined,
      receivedFile: (id: string) =>
        id === ID ? { path, name: 'ré"sumé;.txt', size: 10, mime: 'text/plain' } : undefined,
    } as unknown as CoreLike;
    const started = await startBrowserShell({ rendererDir, core });
    shells.push(started);
    return started;
  }

  it('answers a received file as a download, only under the session secret and for a known id', async () => {
    const app = await shellWithFile();
    expect((await get(app, `/files/${ID}`)).status).toBe(403);
    const secret = await sessionSecret(app);
    expect((await get(app, `/files/${ID}?secret=${secret}x`)).status).toBe(403);
    expect((await get(app, `/files/${'B'.repeat(22)}?secret=${secret}`)).status).toBe(404);
    expect((await get(app, `/files/..%2F..%2Fsecret.txt?secret=${secret}`)).status).toBe(404);
    expect((await get(app, `/files/${ID}?secret=${secret}`, { method: 'POST' })).status).toBe(405);

    const file = await get(app, `/files/${ID}?secret=${secret}`);
    expect(file.status).toBe(200);
    expect(file.body).toBe('file bytes');
    expect(file.headers['content-type']).toBe('application/octet-stream');
    expect(file.headers['cache-control']).toBe('no-store');
    expect(file.headers['content-disposition']).toBe(
      `attachment; filename="r__sum_;.txt"; filename*=UTF-8''r%C3%A9%22sum%C3%A9%3B.txt`,
    );
  });
});
