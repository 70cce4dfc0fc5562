/**
 * One well-formed request of every type (and the optional fields), the seeds the request and frame
 * fuzz targets start from. The mapped type makes a new request type a compile error here.
 */
import { requests, type RequestType } from '../../src/shared/protocol.js';

const KEY = `${'A'.repeat(43)}=`;
const SHA256 = 'ab'.repeat(32);

const examples: { [K in RequestType]: Array<Record<string, unknown>> } = {
  hello: [{ version: 1 }, { version: 1, client: 'fuzz 1.0' }],
  login: [
    { username: 'alice', password: 'secret' },
    { username: 'alice', password: 'secret', p2pPort: 40000, publicKey: KEY, presence: false },
  ],
  checkuser: [{ username: 'bob' }],
  register: [{ username: 'carol.c-1_', password: 'pw' }],
  message: [
    { to: 'bob', text: 'hello 😀' },
    { to: 'bob', text: 'again', clientId: 'abcdEFGH_-12' },
    { to: 'bob', text: 'yes', replyTo: 7 },
    { group: 1, text: 'to the group', replyTo: 7 },
    { to: 'bob', file: 'AAAAAAAAAAAAAAAAAAAAAA' },
    { group: 1, text: 'a caption', file: 'AAAAAAAAAAAAAAAAAAAAAA' },
  ],
  edit: [{ messageId: 7, text: 'fixed' }],
  delete: [{ messageId: 7 }],
  react: [
    { messageId: 7, emoji: '👍', add: true },
    { messageId: 7, emoji: '❤️', add: false },
  ],
  broadcast: [{ text: 'hi all' }],
  broadcasts: [{ limit: 50 }, { limit: 500, before: 1234 }],
  whoelse: [{}],
  whoelsesince: [{ seconds: 60 }],
  block: [{ user: 'eve' }],
  unblock: [{ user: 'eve' }],
  blocked: [{}],
  startprivate: [{ user: 'bob' }],
  activity: [{}],
  ack: [{ upTo: 42 }],
  history: [
    { peer: 'bob', limit: 100 },
    { peer: 'bob', limit: 1, before: 99 },
    { group: 1, limit: 50 },
  ],
  conversations: [{}],
  markread: [
    { peer: 'bob', upTo: 7 },
    { group: 1, upTo: 7 },
  ],
  settings: [{}, { readReceipts: false }],
  users: [{ prefix: 'a', limit: 10 }],
  search: [
    { query: 'hello', limit: 20 },
    { query: 'meet* tomorrow', peer: 'bob', before: 10, limit: 50 },
  ],
  logout: [{}],
  typing: [
    { to: 'bob', typing: true },
    { to: 'bob', typing: false },
    { group: 1, typing: true },
  ],
  group_create: [{ name: 'Rebels', members: ['bob', 'carol'] }],
  group_add: [{ group: 1, users: ['dave'] }],
  group_remove: [{ group: 1, user: 'dave' }],
  group_rename: [{ group: 1, name: 'Rebel Alliance' }],
  group_admin: [{ group: 1, user: 'bob', admin: true }],
  group_leave: [{ group: 1 }],
  upload_start: [{ name: 'photo.png', size: 1234, sha256: SHA256, mime: 'image/png' }],
  upload_chunk: [{ upload: 'AAAAAAAAAAAAAAAAAAAAAA', offset: 0, data: 'aGVsbG8=' }],
  upload_cancel: [{ upload: 'AAAAAAAAAAAAAAAAAAAAAA' }],
  download_chunk: [{ messageId: 7, offset: 0, length: 46080 }],
};

/** Every example as a request frame object, ids counting up from 1. */
export function exampleRequests(): Array<Record<string, unknown>> {
  return Object.entries(examples)
    .flatMap(([type, list]) => list.map((params) => ({ type, ...params })))
    .map((frame, index) => ({ ...frame, id: index + 1 }));
}

/** Request type names and every parameter name: the fuzzers' dictionary. */
export function protocolWords(): string[] {
  const words = new Set<string>(['type', 'id']);
  for (const [type, { params }] of Object.entries(requests)) {
    words.add(type);
    for (const key of Object.keys(params.shape)) words.add(key);
  }
  return [...words];
}
