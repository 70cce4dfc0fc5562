/**
 * The durable peer: Debian's ejabberd, started by the bench in a private temp dir (its own
 * ejabberd.yml, Mnesia spool, logs and SQLite file), one c2s listener on a free loopback port and
 * nothing else: no TLS, no s2s/HTTP/STUN/MQTT listeners. Every message is archived (mod_mam,
 * `default: always`), and those for offline users are kept (mod_offline). Two storage
 * configurations: SQL on SQLite (erlang-p1-sqlite3) and ejabberd's default, Mnesia.
 *
 * The bench runs the Erlang VM itself rather than through ejabberdctl or the Debian service: the
 * node is not distributed (no -sname, so no epmd registration, node name or cookie to share with
 * the packaged service), which is why accounts are made by in-band registration over the c2s
 * port instead of `ejabberdctl register`.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { children, tempDirs } from './pool.js';
import { freePort, loopbackServer, waitUntil, type Running } from './servers.js';
import { XmppClient } from './xmpp-client.js';

export const ERL = process.env.ERL_BIN ?? '/usr/bin/erl';
/** Debian's ejabberd installs its Erlang applications (and erlang-p1-sqlite3's) under this ERL_LIBS. */
export const ERL_LIBS = '/usr/lib/x86_64-linux-gnu';
/** Where erlang-p1-sqlite3 puts the SQLite driver, which ejabberd loads for `sql_type: sqlite`. */
const ERLANG_LIBS = '/usr/lib/erlang/lib';
export const XMPP_DOMAIN = 'bench.localhost';

export type EjabberdBackend = 'sqlite' | 'mnesia';

/** Why ejabberd cannot run here (what to install), or undefined when it can. */
export function ejabberdMissing(backend: EjabberdBackend): string | undefined {
  if (!existsSync(ERL) || !appDir(ERL_LIBS, 'ejabberd-')) {
    return `ejabberd not found (no ${ERL_LIBS}/ejabberd-*): apt-get install ejabberd erlang-p1-sqlite3`;
  }
  if (backend === 'sqlite' && !appDir(ERLANG_LIBS, 'p1_sqlite3-')) {
    return `erlang-p1-sqlite3 not found (no ${ERLANG_LIBS}/p1_sqlite3-*): apt-get install erlang-p1-sqlite3`;
  }
  return undefined;
}

function appDir(root: string, prefix: string): string | undefined {
  try {
    return readdirSync(root).find((entry) => entry.startsWith(prefix));
  } catch {
    return undefined;
  }
}

export function ejabberdConfig(options: { port: number; backend: EjabberdBackend; dir: string }): string {
  const storage =
    options.backend === 'sqlite'
      ? ['default_db: sql', 'sql_type: sqlite', `sql_database: "${join(options.dir, 'ejabberd.db')}"`]
      : ['default_db: mnesia'];
  return [
    'hosts:',
    `  - ${XMPP_DOMAIN}`,
    'loglevel: warning',
    'log_rotate_count: 0',
    'listen:',
    '  -',
    `    port: ${options.port}`,
    '    ip: "127.0.0.1"',
    '    module: ejabberd_c2s',
    // Plain XMPP on loopback; no shaper (the default config throttles clients to 1,000 B/s).
    '    starttls: false',
    '    backlog: 1024',
    '    max_stanza_size: 65536',
    // `internal` is ejabberd's Mnesia account table whatever default_db says, and Mnesia drops its
    // last writes on SIGKILL: the SQLite configuration keeps its accounts in SQLite too.
    `auth_method: ${options.backend === 'sqlite' ? 'sql' : 'mnesia'}`,
    // Stored as given: SASL PLAIN checks it without SCRAM's key derivation, as the bench's accounts
    // on this server use a minimal KDF cost.
    'auth_password_format: plain',
    ...storage,
    // In-band registration of a few thousand accounts from one address, without the 600 s wait.
    'registration_timeout: infinity',
    'acl:',
    '  loopback:',
    '    ip:',
    '      - 127.0.0.0/8',
    'access_rules:',
    // mod_register's `access` is matched against the new account's JID, `ip_access` against the
    // address it comes from: anyone may register, from loopback only.
    '  register:',
    '    allow: all',
    '  register_from:',
    '    allow: loopback',
    '  c2s:',
    '    allow: all',
    'shaper_rules:',
    '  max_user_offline_messages: 1000000',
    'modules:',
    '  mod_register:',
    '    access: register',
    '    ip_access: register_from',
    '    password_strength: 0',
    '  mod_offline:',
    '    access_max_user_messages: max_user_offline_messages',
    '  mod_mam:',
    '    default: always',
    '  mod_ping: {}',
    '  mod_roster: {}',
    '  mod_disco: {}',
    '',
  ].join('\n');
}

export async function startEjabberd(options: {
  backend: EjabberdBackend;
  users: string[];
  password: string;
  readyTimeoutMs?: number;
}): Promise<Running> {
  const missing = ejabberdMissing(options.backend);
  if (missing) throw new Error(missing);
  const dir = mkdtempSync(join(tmpdir(), `bench-ejabberd-${options.backend}-`));
  tempDirs.add(dir);
  const port = await freePort();
  mkdirSync(join(dir, 'spool'));
  mkdirSync(join(dir, 'log'));
  writeFileSync(join(dir, 'ejabberd.yml'), ejabberdConfig({ port, backend: options.backend, dir }));
  const running = await launch(`ejabberd-${options.backend}`, dir, port, options.readyTimeoutMs);
  try {
    await registerAll(running, options.users, options.password);
    return running;
  } catch (error) {
    await running.stop();
    throw error;
  }
}

/**
 * Starts ejabberd again on the spool, config and port of one that has exited (the durability probe
 * SIGKILLs it): the stored state is whatever reached the files.
 */
export function restartEjabberd(previous: Running, readyTimeoutMs?: number): Promise<Running> {
  if (previous.child.exitCode === null && previous.child.signalCode === null) {
    throw new Error('restartEjabberd: the previous instance is still running');
  }
  return launch(previous.name, previous.dir, previous.port, readyTimeoutMs);
}

/** Runs the Erlang VM with ejabberd in the foreground on `dir`'s config, spool and logs. */
async function launch(name: string, dir: string, port: number, readyTimeoutMs = 60_000): Promise<Running> {
  const spool = join(dir, 'spool');
  const child = spawn(
    ERL,
    ['+K', 'true', '+P', '250000', '-noinput', '-noshell', '-mnesia', 'dir', `"${spool}"`, '-s', 'ejabberd'],
    {
      cwd: spool,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        // The VM writes nothing (cookie, crash dump) outside the temp dir.
        HOME: dir,
        ERL_LIBS,
        EJABBERD_CONFIG_PATH: join(dir, 'ejabberd.yml'),
        EJABBERD_LOG_PATH: join(dir, 'log', 'ejabberd.log'),
        ERL_CRASH_DUMP_BYTES: '0',
        ERL_MAX_PORTS: '65536',
      },
    },
  );
  children.add(child);
  child.stdout.resume();
  child.stderr.resume();
  const running = loopbackServer(name, port, child, dir, 10_000);
  try {
    await waitForListener(running, readyTimeoutMs);
    return running;
  } catch (error) {
    await running.stop();
    throw error;
  }
}

/** ejabberd opens its listeners after its storage and modules have started. */
async function waitForListener(server: Running, timeoutMs: number): Promise<void> {
  let open = false;
  const ready = await waitUntil(
    () => {
      if (server.child.exitCode !== null) return true;
      probe(server.port).then(
        (ok) => (open = ok),
        () => undefined,
      );
      return open;
    },
    timeoutMs,
    200,
  );
  if (server.child.exitCode !== null)
    throw new Error(`ejabberd exited with ${server.child.exitCode} at start`);
  if (!ready) throw new Error(`ejabberd did not listen on 127.0.0.1:${server.port} within ${timeoutMs} ms`);
}

function probe(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** In-band registration (XEP-0077), 16 at a time. */
async function registerAll(server: Running, users: string[], password: string): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < users.length) {
      const name = users[next++] as string;
      await XmppClient.register({
        host: server.host,
        port: server.port,
        domain: XMPP_DOMAIN,
        name,
        password,
        hooks: { onReceipt: () => undefined },
        timeoutMs: 30_000,
      });
    }
  };
  await Promise.all(Array.from({ length: 16 }, lane));
}
