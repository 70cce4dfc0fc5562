/** Command-line options of the Electron shell (no Electron import: tested under plain Node). */
export interface ShellOptions {
  server?: { host: string; port: number };
  userDataDir?: string;
}

function valueOf(argv: readonly string[], name: string): string | undefined {
  const prefix = `--${name}=`;
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index]!;
    if (arg.startsWith(prefix)) return arg.slice(prefix.length);
    if (arg === `--${name}` && index + 1 < argv.length) return argv[index + 1];
  }
  return undefined;
}

/**
 * `--server-host H --server-port P` (or MESSENGER_SERVER_HOST/PORT): the server the login screen
 * offers; `--messenger-user-data DIR` (or `--user-data-dir DIR`, or MESSENGER_USER_DATA): this
 * instance's own data directory,
 * so a second instance can run beside the first as another user.
 */
export function parseShellOptions(argv: readonly string[], env: NodeJS.ProcessEnv): ShellOptions {
  const options: ShellOptions = {};
  const host = valueOf(argv, 'server-host') ?? env['MESSENGER_SERVER_HOST'];
  const portText = valueOf(argv, 'server-port') ?? env['MESSENGER_SERVER_PORT'];
  const port = portText === undefined ? NaN : Number(portText);
  if (Number.isInteger(port) && port >= 1 && port <= 65535)
    options.server = { host: host || '127.0.0.1', port };
  // --user-data-dir is the name Chromium and other Electron apps use for the same thing.
  const userData =
    valueOf(argv, 'messenger-user-data') ?? valueOf(argv, 'user-data-dir') ?? env['MESSENGER_USER_DATA'];
  if (userData) options.userDataDir = userData;
  return options;
}
