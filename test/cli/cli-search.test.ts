/** The terminal client's `search WORDS` against the real server. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RawClient } from '../helpers/raw-client.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { killClients, loggedInClient } from './cli-harness.js';

let server: TestServer;

beforeEach(async () => {
  server = await startTestServer();
});

afterEach(async () => {
  await killClients();
  await server.close();
});

/** "yoda to hans (YYYY-MM-DD HH:MM): text" with the time left out. */
const withoutTime = (line: string) => line.replace(/ \(\d{4}-\d\d-\d\d \d\d:\d\d\): /, ': ');

describe('terminal client: search', () => {
  it('prints your matching messages, newest first, the matched words in brackets', async () => {
    const yoda = await loggedInClient(server.port, 'yoda', 'wise');
    const hans = await loggedInClient(server.port, 'hans', 'falcon');
    await yoda.expectLines('hans logged in');
    yoda.send('message hans the falcon needs repair');
    await hans.expectLines('yoda: the falcon needs repair');
    hans.send('message yoda Falcon fixed, falconer paid');
    await yoda.expectLines('hans: Falcon fixed, falconer paid');

    yoda.send('search falcon*');
    expect(withoutTime(await yoda.nextLine())).toBe('hans to yoda: [Falcon] fixed, [falconer] paid');
    expect(withoutTime(await yoda.nextLine())).toBe('yoda to hans: the [falcon] needs repair');
    yoda.send('search repair falcon');
    expect(withoutTime(await yoda.nextLine())).toBe('yoda to hans: the [falcon] needs [repair]');
    yoda.send('search tatooine', 'search "*"', 'search');
    await yoda.expectLines(
      'No messages match',
      'Error. The search needs at least one word of letters or digits',
      'Error. Invalid command',
    );
    yoda.send('whoelse');
    await yoda.expectLines('hans');
    expect(yoda.rest()).toEqual([]);
  });

  it('prints a group message with its group and a broadcast to everyone, a direct one as before, newest first', async () => {
    const luke = await RawClient.login(server.port, 'luke', 'skywalker');
    try {
      const yoda = await loggedInClient(server.port, 'yoda', 'wise');
      const { group } = await luke.call('group_create', { name: 'Jedi Council', members: ['yoda'] });
      await luke.call('message', { group: group.id, text: 'the council meets at noon' });
      await yoda.expectLines('luke: the council meets at noon');
      await luke.call('message', { to: 'yoda', text: 'council later?' });
      await yoda.expectLines('luke: council later?');
      await luke.call('broadcast', { text: 'the council is open to all' });
      await yoda.expectLines('luke: the council is open to all');
      yoda.send('search council');
      expect(withoutTime(await yoda.nextLine())).toBe('luke to everyone: the [council] is open to all');
      expect(withoutTime(await yoda.nextLine())).toBe('luke to yoda: [council] later?');
      expect(withoutTime(await yoda.nextLine())).toBe(
        'luke to group Jedi Council: the [council] meets at noon',
      );
    } finally {
      luke.close();
    }
  });
});
