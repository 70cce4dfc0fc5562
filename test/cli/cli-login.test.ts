/** The terminal client's login dialogue against the real server (report §2 transcripts). */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { killClients, loggedInClient, startClient } from './cli-harness.js';

let server: TestServer;

beforeEach(async () => {
  server = await startTestServer({ blockDurationSeconds: 30 });
});

afterEach(async () => {
  await killClients();
  await server.close();
});

describe('terminal client: login', () => {
  it('unknown user, three wrong passwords, then the lock holds even with the right password', async () => {
    const first = startClient(server.port);
    first.send('ethan', 'yoda', 'aaa', 'bbb', 'ccc');
    await first.expectLines(
      'Username: ethan',
      'Invalid Username. Please try again',
      'Username: yoda',
      'Password: ',
      'Invalid Password. Please try again',
      'Password: ',
      'Invalid Password. Please try again',
      'Password: ',
      'Invalid Password. Your account has been blocked. Please try again later',
    );
    expect(await first.exitCode()).toBe(1);

    const second = startClient(server.port, ['127.0.0.1', String(server.port)]);
    second.send('yoda', 'wise');
    await second.expectLines(
      'Username: yoda',
      'Password: ',
      'Your account is blocked due to multiple login failures. Please try again later',
    );
    expect(await second.exitCode()).toBe(1);
  });

  it('refuses a second login of the same user and asks for the username again; end of input exits 0', async () => {
    const yoda = await loggedInClient(server.port, 'yoda', 'wise');
    const again = startClient(server.port);
    again.send('yoda', 'wise');
    await again.expectLines('Username: yoda', 'Password: ', 'Error. This user is already logged in');
    again.end();
    expect(await again.exitCode()).toBe(0);
    yoda.end();
    expect(await yoda.exitCode()).toBe(0);
  });

  it('says how long to wait when login attempts are over the limit, and asks for the password again', async () => {
    await server.restart({ loginAttemptsPerAccount: 1 });
    // Read once: the limit is per node, so with several test nodes both clients go to one.
    const port = server.port;
    const yoda = await loggedInClient(port, 'yoda', 'wise');
    const again = startClient(port);
    again.send('yoda', 'wise');
    await again.expectLines('Username: yoda', 'Password: ');
    expect(await again.nextLine()).toMatch(
      /^Error\. Too many login attempts\. Please try again in \d+ seconds$/,
    );
    again.end();
    expect(await again.exitCode()).toBe(0);
    expect(again.output().at(-1)?.trim()).toBe('Password:');
    yoda.end();
    expect(await yoda.exitCode()).toBe(0);
  });

  it('exits with status 1 and a clear message when the server cannot be reached', async () => {
    const port = server.port;
    await server.stop();
    const client = startClient(port);
    await client.expectLines(`Error. Cannot connect to the server at 127.0.0.1:${port}`);
    expect(await client.exitCode()).toBe(1);
  });

  it('rejects bad arguments with exit status 2', async () => {
    const client = startClient(0, ['--port', 'nope']);
    expect(await client.exitCode()).toBe(2);
    expect(client.stderr).toMatch(/port/);
  });

  it('registers an unknown user when the server has open registration', async () => {
    await server.restart({ openRegistration: true });
    const client = startClient(server.port);
    client.send('leia', 'one', 'two', 'rebel', 'rebel', 'whoelse', 'logout');
    await client.expectLines(
      'Username: leia',
      'New password: ',
      'Confirm password: ',
      'Error. The passwords do not match',
      'New password: ',
      'Confirm password: ',
      'Welcome to the greatest messaging application ever!',
      'No other users are online',
    );
    expect(await client.exitCode()).toBe(0);
  });

  it('refuses to register a name that looks like an existing one, and asks again', async () => {
    await server.restart({ openRegistration: true });
    const client = startClient(server.port);
    client.send('YODA', 'force', 'force', 'y0da', 'force', 'force', 'yoda', 'wise', 'logout');
    await client.expectLines(
      'Username: YODA',
      'New password: ',
      'Confirm password: ',
      'Error. This username looks too much like an existing one. Please choose another',
      'Username: y0da',
      'New password: ',
      'Confirm password: ',
      'Error. This username looks too much like an existing one. Please choose another',
      'Username: yoda',
      'Password: ',
      'Welcome to the greatest messaging application ever!',
    );
    expect(await client.exitCode()).toBe(0);
  });
});
