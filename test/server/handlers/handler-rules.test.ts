/**
 * Each handler declares its own rules (server/handlers/connection.ts). These checks keep the
 * declarations in step with what clients are told (src/shared/protocol.ts) and keep the handlers
 * on their side of the Connection port.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { handlers } from '../../../server/handlers/index.js';
import { passiveRequests, preLoginRequests, type RequestType } from '../../../src/shared/protocol.js';
import { REPO_ROOT } from '../../helpers/server.js';

const types = Object.keys(handlers) as RequestType[];

describe('handler rules', () => {
  it('allow before login exactly the requests the shared protocol lists as pre-login', () => {
    const beforeLogin = types.filter((type) => handlers[type].beforeLogin).sort();
    expect(beforeLogin).toEqual([...preLoginRequests].sort());
  });

  it('count every request as activity except the passive ones the shared protocol lists (ack, typing)', () => {
    const passive = types.filter((type) => !handlers[type].countsAsActivity).sort();
    expect(passive).toEqual([...passiveRequests].sort());
    expect(passive).toEqual(['ack', 'typing']);
  });

  it('never import the session: handlers see a connection only through the Connection port', () => {
    const dir = join(REPO_ROOT, 'server', 'handlers');
    for (const file of readdirSync(dir).filter((name) => name.endsWith('.ts'))) {
      const source = readFileSync(join(dir, file), 'utf8');
      expect(source, file).not.toMatch(/from '\.\.\/sessions\.js'/);
    }
  });
});
