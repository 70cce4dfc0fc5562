import { defineConfig } from '@playwright/test';
import base from './playwright.config.js';

// Every test server is two nodes on one PostgreSQL database and one Redis (test/helpers/server.ts),
// and each app connects to the next node in turn. Set here so that the workers inherit it.
process.env.MESSENGER_TEST_CLUSTER = '2';

/**
 * `npm run test:e2e:cluster`: the main flows again with the apps spread over two nodes: presence,
 * direct messages live and offline, broadcast with its notice (messaging), blocking, a private
 * chat (smoke), typing indicators (typing), a restart of every node, edits, deletes and replies
 * seen from the other node, delivered/read receipts across nodes, a group of three (groups) and
 * its receipts ("Read by 2 of 2", group-receipts), and
 * message search (the searcher on one node, the sender on the other), and reactions, on direct
 * and group messages, and files in direct and group chats (uploaded on one node, downloaded on the
 * other; the nodes share their files folder).
 * (people.spec.ts ages a login in the SQLite file.)
 */
export default defineConfig({
  ...base,
  testMatch: [
    'messaging.spec.ts',
    'blocking.spec.ts',
    'smoke.spec.ts',
    'restart.spec.ts',
    'edit-delete-reply.spec.ts',
    'typing.spec.ts',
    'receipts.spec.ts',
    'groups.spec.ts',
    'group-receipts.spec.ts',
    'search.spec.ts',
    'reactions.spec.ts',
    'group-reactions.spec.ts',
    'server-files.spec.ts',
  ],
  outputDir: 'test-results/cluster',
});
