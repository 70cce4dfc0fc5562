/** The report's transcripts replayed through the terminal client against the real server. */
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_USERS,
  REPO_ROOT,
  makeTempDir,
  startTestServer,
  writeCredentials,
  type TestServer,
} from '../helpers/server.js';
import { NODE_TSX, killClients, loggedInClient } from './cli-harness.js';

const SERVER_MAIN = join(REPO_ROOT, 'server', 'main.ts');

let server: TestServer;

beforeEach(async () => {
  server = await startTestServer();
});

afterEach(async () => {
  await killClients();
  await server.close();
});

describe('terminal client: commands', () => {
  it('two users message, block, unblock and broadcast (report transcript)', async () => {
    const yoda = await loggedInClient(server.port, 'yoda', 'wise');
    const hans = await loggedInClient(server.port, 'hans', 'falcon');
    await yoda.expectLines('hans logged in');
    hans.send('message yoda hello, yoda');
    await yoda.expectLines('hans: hello, yoda');
    hans.send('block yoda');
    await hans.expectLines('yoda has been blocked');
    yoda.send('message hans hello, hans', 'broadcast hi');
    await yoda.expectLines(
      'Your message could not be delivered as the recipient has blocked you',
      'Your message could not be delivered to some recipients',
    );
    hans.send('unblock yoda');
    await hans.expectLines('Has unblocked yoda');
    yoda.send('message hans hello, hans', 'broadcast hi', 'whoelse');
    await hans.expectLines('yoda: hello, hans', 'yoda: hi');
    await yoda.expectLines('hans');
    hans.send('logout');
    expect(await hans.exitCode()).toBe(0);
    await yoda.expectLines('hans logged out');
    yoda.send('logout');
    expect(await yoda.exitCode()).toBe(0);
    expect(yoda.rest()).toEqual([]);
    expect(hans.rest()).toEqual([]);
  });

  it('invalid commands, whoelse/whoelsesince and offline delivery', async () => {
    const yoda = await loggedInClient(server.port, 'yoda', 'wise');
    const commands: [string, string][] = [
      ['whoelse', 'No other users are online'],
      ['whoelsesince 100', 'No other users has logged in with the past 100 seconds'],
      ['message yoda', 'Error. Invalid command'],
      ['message yoda hello', 'The receiver can not be yourself.'],
      ['message bbb', 'Error. Invalid command'],
      ['message bbb hello', 'The receiver is an invalid user.'],
      ['block yoda', 'Error. Cannot block self'],
      ['block bbb', 'Error. Cannot find the person'],
      ['unlock yoda', 'Error. Cannot unblock self'],
      ['unlock hans', 'Error. This user was not already blocked'],
      ['unlock bbb', 'Error. Cannot find this user'],
      ['hello there', 'Error. Invalid command'],
      ['whoelsesince x', 'Error. Invalid command'],
      ['private hans hi', 'Error. Private messaging to hans not enabled'],
      ['stopprivate hans', 'Error. Private messaging to hans not enabled'],
      ['startprivate yoda', 'Error. Cannot start private messaging with yourself'],
      ['startprivate hans', 'Error. hans is offline'],
      ['startprivate bbb', 'Error. Cannot find this user'],
    ];
    for (const [command, answer] of commands) {
      yoda.send(command);
      await yoda.expectLines(answer);
    }
    yoda.send('message hans hello, hans', 'message hans how are you going');
    const hans = await loggedInClient(server.port, 'hans', 'falcon');
    await hans.expectLines('yoda: hello, hans', 'yoda: how are you going');
    await yoda.expectLines('hans logged in');
    hans.send('whoelse', 'whoelsesince 10');
    await hans.expectLines('yoda', 'yoda');
    yoda.send('logout');
    expect(await yoda.exitCode()).toBe(0);
    await hans.expectLines('yoda logged out');
    hans.send('whoelsesince 10', 'whoelse');
    await hans.expectLines('yoda', 'No other users are online');
    hans.end();
    expect(await hans.exitCode()).toBe(0);
  });

  it('private messaging both ways, stop from either side and on logout', async () => {
    const yoda = await loggedInClient(server.port, 'yoda', 'wise');
    const hans = await loggedInClient(server.port, 'hans', 'falcon');
    await yoda.expectLines('hans logged in');
    yoda.send('startprivate hans');
    await yoda.expectLines('Start private messaging with hans');
    // Private texts and server messages travel on different sockets: wait for each before the next.
    yoda.send('private hans hi, hans');
    await hans.expectLines('yoda (private): hi, hans');
    yoda.send('message hans hi, hans');
    await hans.expectLines('yoda: hi, hans');
    hans.send('private yoda hi, yoda');
    await yoda.expectLines('hans (private): hi, yoda');
    hans.send('message yoda hi, yoda', 'broadcast hi, everyone');
    await yoda.expectLines('hans: hi, yoda', 'hans: hi, everyone');
    yoda.send('stopprivate hans');
    await hans.expectLines('close the p2p connection with yoda');
    hans.send('private yoda still there?');
    await hans.expectLines('Error. Private messaging to yoda not enabled');

    hans.send('startprivate yoda');
    await hans.expectLines('Start private messaging with yoda');
    hans.send('stopprivate yoda');
    await yoda.expectLines('close the p2p connection with hans');

    yoda.send('startprivate hans');
    await yoda.expectLines('Start private messaging with hans');
    yoda.send('logout');
    expect(await yoda.exitCode()).toBe(0);
    await hans.expectLines('close the p2p connection with yoda', 'yoda logged out');
    hans.send('logout');
    expect(await hans.exitCode()).toBe(0);
  });
});

describe('terminal client: endings', () => {
  it('an inactivity timeout prints the text and exits 0', async () => {
    await server.restart({ timeoutSeconds: 1 });
    const yoda = await loggedInClient(server.port, 'yoda', 'wise');
    await yoda.expectLines('You have been logged out due to inactivity');
    expect(await yoda.exitCode()).toBe(0);
  });

  it('a server that shuts down ends the client with a clear message and status 1', async () => {
    const yoda = await loggedInClient(server.port, 'yoda', 'wise');
    await server.stop();
    await yoda.expectLines('Error. The server shut down');
    expect(await yoda.exitCode()).toBe(1);
  });

  it('a killed server ends the client with a clear message and status 1', async () => {
    const dir = makeTempDir();
    const credentials = writeCredentials(dir, DEFAULT_USERS);
    const [node, ...flags] = NODE_TSX;
    const args = ['--port', '0', '--block-duration', '10', '--timeout', '60', '--kdf-cost', '1024'];
    const child = spawn(
      node,
      [...flags, SERVER_MAIN, ...args, '--credentials', credentials, '--db', join(dir, 'db')],
      {
        cwd: REPO_ROOT,
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const exited = new Promise((resolve) => child.on('exit', resolve));
    try {
      const port = await new Promise<number>((resolve, reject) => {
        child.stdout.on('data', (chunk: Buffer) => {
          const match = /listening on .+:(\d+)/.exec(chunk.toString());
          if (match) resolve(Number(match[1]));
        });
        child.on('exit', () => reject(new Error('server exited')));
      });
      const yoda = await loggedInClient(port, 'yoda', 'wise');
      child.kill('SIGKILL');
      await yoda.expectLines('Error. The connection to the server was lost');
      expect(await yoda.exitCode()).toBe(1);
    } finally {
      child.kill('SIGKILL');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
