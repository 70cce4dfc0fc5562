/**
 * The bench's XMPP client against a real ejabberd started the bench's way (bench/lib/ejabberd.ts),
 * and its stream framing on its own. CI installs ejabberd (scripts/setup/test.sh), so the ejabberd
 * part never skips there; elsewhere it says what to install.
 */
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ejabberdMissing, startEjabberd, XMPP_DOMAIN } from './lib/ejabberd.js';
import type { ClientHooks, Receipt } from './lib/client.js';
import type { Running } from './lib/servers.js';
import { XmppClient } from './lib/xmpp-client.js';
import { XmlSplitter, attribute, childText } from './lib/xmpp-splitter.js';
import { probe } from './ejabberd-durability.js';

interface Seen {
  opened: string[];
  stanzas: string[];
  closed: number;
  splitter: XmlSplitter;
}

/** Feeds `chunks` to a new splitter; what it reports keeps accumulating in the returned object. */
function split(chunks: string[]): Seen {
  const seen: Omit<Seen, 'splitter'> = { opened: [], stanzas: [], closed: 0 };
  const splitter = new XmlSplitter({
    onStreamOpen: (header) => seen.opened.push(header),
    onStanza: (stanza) => seen.stanzas.push(stanza),
    onStreamClose: () => seen.closed++,
  });
  for (const chunk of chunks) splitter.feed(Buffer.from(chunk));
  return Object.assign(seen, { splitter });
}

describe('XmlSplitter', () => {
  const header = "<?xml version='1.0'?><stream:stream xmlns='jabber:client' id='1' version='1.0'>";
  const message = "<message from='a@x/r' to='b@x' type='chat'><body>p.1 &lt;&amp;&gt;</body></message>";

  it('finds stanzas whatever the chunk boundaries, one byte at a time included', () => {
    const text = `${header}<stream:features><bind/></stream:features>${message}<iq id='a' type='result'/></stream:stream>`;
    for (const chunks of [
      [text],
      text.split(''),
      [text.slice(0, 50), text.slice(50, 121), text.slice(121)],
    ]) {
      const seen = split(chunks);
      expect(seen.opened).toHaveLength(1);
      expect(seen.stanzas).toEqual([
        '<stream:features><bind/></stream:features>',
        message,
        "<iq id='a' type='result'/>",
      ]);
      expect(seen.closed).toBe(1);
    }
  });

  it("does not end a tag at a '>' inside a quoted attribute, and splits multi-byte characters safely", () => {
    const tricky = `<message id='a>b' to="c>d"><body>héllo ✓</body></message>`;
    const bytes = Buffer.from(header + tricky);
    const seen = split([]);
    // Three-byte chunks cut the two- and three-byte UTF-8 sequences of é and ✓.
    for (let i = 0; i < bytes.length; i += 3) seen.splitter.feed(bytes.subarray(i, i + 3));
    expect(seen.stanzas).toEqual([tricky]);
    expect(attribute(tricky, 'id')).toBe('a>b');
    expect(attribute(tricky, 'to')).toBe('c>d');
    expect(childText(tricky, 'body')).toBe('héllo ✓');
    expect(childText(message, 'body')).toBe('p.1 <&>');
  });

  it('reads a second stream header after restart() (SASL success)', () => {
    const seen = split([`${header}<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>`]);
    seen.splitter.restart();
    seen.splitter.feed(Buffer.from(`${header}<stream:features/>`));
    expect(seen.opened).toHaveLength(2);
    expect(seen.stanzas).toEqual([
      "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>",
      '<stream:features/>',
    ]);
  });
});

const missing = ejabberdMissing('sqlite');
const inCi = process.env.CI === 'true';
if (missing && !inCi) console.log(`bench/ejabberd.test.ts: ${missing}; skipping the ejabberd part`);

describe.skipIf(missing !== undefined && !inCi)('the XMPP client against ejabberd', () => {
  let server: Running;
  const receipts: { to: string; receipt: Receipt }[] = [];
  const errors: string[] = [];
  const hooks: ClientHooks = {
    onReceipt: (client, receipt) => receipts.push({ to: client.name, receipt }),
    onOrphanError: (code) => errors.push(code),
  };
  const open = (name: string, password = 'pw'): Promise<XmppClient> =>
    XmppClient.open({
      host: server.host,
      port: server.port,
      domain: XMPP_DOMAIN,
      name,
      password,
      hooks,
      timeoutMs: 20_000,
    });

  beforeAll(async () => {
    server = await startEjabberd({ backend: 'sqlite', users: ['alice', 'bob', 'carol'], password: 'pw' });
  }, 90_000);
  afterAll(async () => {
    await server?.stop();
    expect(existsSync(server.dir)).toBe(false);
    expect(server.child.exitCode !== null || server.child.signalCode !== null).toBe(true);
  }, 30_000);

  it('delivers direct messages in order, and keeps those for an offline user until they log in', async () => {
    const alice = await open('alice');
    const bob = await open('bob');
    for (let i = 0; i < 20; i++) await alice.send('bob', `dm.${i}`);
    alice.sendNoWait('carol', 'kept.<1>');
    await alice.send('bob', 'dm.last');
    const carol = await open('carol');
    const deadline = Date.now() + 10_000;
    while (receipts.length < 22 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const toBob = receipts.filter((r) => r.to === 'bob').map((r) => r.receipt);
    expect(toBob.map((r) => r.text)).toEqual([...Array.from({ length: 20 }, (_, i) => `dm.${i}`), 'dm.last']);
    expect(toBob.every((r) => r.direct && !r.offline)).toBe(true);
    expect(receipts.filter((r) => r.to === 'carol').map((r) => r.receipt)).toEqual([
      { text: 'kept.<1>', direct: true, offline: true },
    ]);
    expect(errors).toEqual([]);
    await Promise.all([alice.close(), bob.close(), carol.close()]);
  });

  it('is refused with a wrong password', async () => {
    await expect(open('alice', 'wrong')).rejects.toThrow(/SASL refused/);
  });
});

describe.skipIf(missing !== undefined && !inCi)('ejabberd on SQLite, the bench configuration', () => {
  it('keeps every acknowledged message across a SIGKILL (offline store and archive)', async () => {
    const result = await probe('sqlite', 40);
    expect(result).toEqual({
      backend: 'sqlite',
      acknowledged: 40,
      deliveredAfterKill: 40,
      archivedAfterKill: 40,
    });
  }, 90_000);
});
