/**
 * A minimal XMPP client (RFC 6120/6121) for the load generator, driving the ejabberd peer the way
 * bench/lib/client.ts drives this server and ngircd: stream open, SASL PLAIN, resource binding, the
 * session request where the server still requires it, initial presence, then `<message type='chat'>`
 * with the generator's `phase.microseconds` text as the body. No TLS (the bench's ejabberd runs on
 * loopback with starttls off). The per-message reply of the closed loop is a XEP-0199 ping to the
 * server sent right after the message: the server handles one client's stanzas in order, as ngircd
 * does PRIVMSG then PING.
 */
import net from 'node:net';
import { connected, endSocket, type ClientHooks, type LoadClient } from './client.js';
import { nowMicros } from './stats.js';
import { XmlSplitter, attribute, childText, escapeXml } from './xmpp-splitter.js';

const NS_SASL = 'urn:ietf:params:xml:ns:xmpp-sasl';
const NS_BIND = 'urn:ietf:params:xml:ns:xmpp-bind';
const NS_SESSION = 'urn:ietf:params:xml:ns:xmpp-session';
const NS_REGISTER = 'jabber:iq:register';
const RESOURCE = 'bench';

export interface XmppOpenOptions {
  host: string;
  port: number;
  /** The XMPP domain (the server's configured host), e.g. bench.localhost. */
  domain: string;
  name: string;
  password: string;
  localAddress?: string;
  hooks: ClientHooks;
  timeoutMs: number;
}

interface Pending {
  resolve: (stanza: string) => void;
  reject: (error: Error) => void;
}

export class XmppClient implements LoadClient {
  readonly socket: net.Socket;
  quiet = false;
  closed = false;
  bytesIn = 0;
  /** Stanzas received (the line count of the line-based protocols). */
  linesIn = 0;
  private nextId = 1;
  private loginTimer: NodeJS.Timeout | undefined;
  private readonly pending = new Map<string, Pending>();
  /** Stanzas waited for during login (features, SASL outcome), oldest first. */
  private readonly waiters: Pending[] = [];
  private readonly splitter = new XmlSplitter({
    onStreamOpen: () => undefined,
    onStanza: (stanza) => this.onStanza(stanza),
    onStreamClose: () => this.socket.end(),
  });

  private constructor(
    readonly name: string,
    private readonly domain: string,
    socket: net.Socket,
    private readonly hooks: ClientHooks,
  ) {
    this.socket = socket;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      this.bytesIn += chunk.length;
      this.splitter.feed(chunk);
    });
    socket.on('close', () => {
      this.closed = true;
      const error = new Error(`connection of ${name} closed`);
      for (const p of this.pending.values()) p.reject(error);
      this.pending.clear();
      for (const w of this.waiters.splice(0)) w.reject(error);
    });
    socket.on('error', () => {
      /* surfaced through 'close' and pending rejections */
    });
  }

  /** Connects and logs in (SASL PLAIN, bind, session if required, initial presence). */
  static async open(options: XmppOpenOptions): Promise<XmppClient> {
    const client = await XmppClient.connect(options);
    try {
      await client.login(options.password);
      return client;
    } catch (error) {
      client.destroy();
      throw error;
    }
  }

  /** Creates the account by in-band registration (XEP-0077), then closes the connection. */
  static async register(options: XmppOpenOptions): Promise<void> {
    const client = await XmppClient.connect(options);
    try {
      await client.features();
      await client.iq(
        'set',
        `<query xmlns='${NS_REGISTER}'><username>${escapeXml(options.name)}</username>` +
          `<password>${escapeXml(options.password)}</password></query>`,
      );
    } finally {
      await client.close();
    }
  }

  private static async connect(options: XmppOpenOptions): Promise<XmppClient> {
    const socket = net.connect({
      host: options.host,
      port: options.port,
      localAddress: options.localAddress,
    });
    const client = new XmppClient(options.name, options.domain, socket, options.hooks);
    // Bounds the whole login (cleared once presence is sent) or registration (cleared on close).
    client.loginTimer = setTimeout(() => socket.destroy(new Error('timeout')), options.timeoutMs);
    socket.once('close', () => clearTimeout(client.loginTimer));
    await connected(socket);
    client.openStream();
    return client;
  }

  private async login(password: string): Promise<void> {
    const offered = await this.features();
    if (!/<mechanism>PLAIN<\/mechanism>/.test(offered)) {
      throw new Error(`${this.name}: the server offers no SASL PLAIN: ${offered}`);
    }
    const credentials = Buffer.from(`\0${this.name}\0${password}`).toString('base64');
    const outcome = this.nextStanza();
    this.socket.write(`<auth xmlns='${NS_SASL}' mechanism='PLAIN'>${credentials}</auth>`);
    const answer = await outcome;
    if (!answer.startsWith('<success')) throw new Error(`${this.name}: SASL refused: ${answer}`);
    // RFC 6120 §6.4.6: after success both sides start a new stream on the same connection.
    this.splitter.restart();
    this.openStream();
    const features = await this.features();
    await this.iq('set', `<bind xmlns='${NS_BIND}'><resource>${RESOURCE}</resource></bind>`);
    if (sessionRequired(features)) await this.iq('set', `<session xmlns='${NS_SESSION}'/>`);
    // Initial presence makes the resource available, so messages to the bare JID reach it.
    this.socket.write('<presence/>');
    clearTimeout(this.loginTimer);
  }

  private openStream(): void {
    this.socket.write(
      `<?xml version='1.0'?><stream:stream to='${this.domain}' version='1.0' xml:lang='en' ` +
        `xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>`,
    );
  }

  private async features(): Promise<string> {
    const stanza = await this.nextStanza();
    if (!stanza.startsWith('<stream:features')) throw new Error(`${this.name}: expected features: ${stanza}`);
    return stanza;
  }

  private nextStanza(): Promise<string> {
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /** Sends an IQ and resolves with the result stanza; rejects on an error reply. */
  iq(type: 'get' | 'set', payload: string, to?: string): Promise<string> {
    const id = `q${this.nextId++}`;
    const done = new Promise<string>((resolve, reject) => this.pending.set(id, { resolve, reject }));
    this.socket.write(`<iq type='${type}' id='${id}'${to ? ` to='${to}'` : ''}>${payload}</iq>`);
    return done;
  }

  /** The message, then a ping to the server: its reply means the server has handled the message. */
  send(to: string, text: string): Promise<unknown> {
    this.sendNoWait(to, text);
    return this.iq('get', "<ping xmlns='urn:xmpp:ping'/>", this.domain);
  }

  sendNoWait(to: string, text: string): void {
    this.socket.write(
      `<message to='${to}@${this.domain}' type='chat'><body>${escapeXml(text)}</body></message>`,
    );
  }

  broadcast(): Promise<unknown> {
    return Promise.reject(new Error('the XMPP client has no broadcast (the bench compares direct messages)'));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await endSocket(this.socket, "<presence type='unavailable'/></stream:stream>");
  }

  destroy(): void {
    this.socket.destroy();
  }

  private onStanza(stanza: string): void {
    this.linesIn++;
    if (stanza.startsWith('<message')) this.onMessage(stanza);
    else if (stanza.startsWith('<iq')) this.onIq(stanza);
    else if (stanza.startsWith('<stream:error')) this.socket.destroy(new Error(`stream error: ${stanza}`));
    else if (!stanza.startsWith('<presence')) this.waiters.shift()?.resolve(stanza);
  }

  private onMessage(stanza: string): void {
    const at = nowMicros();
    const type = attribute(stanza, 'type');
    if (type === 'error') {
      this.hooks.onOrphanError?.(`xmpp message error: ${childText(stanza, 'text') ?? 'no text'}`);
      return;
    }
    if (this.quiet) return;
    const body = childText(stanza, 'body');
    if (body === undefined) return;
    // A message kept by mod_offline carries a XEP-0203 delay stamp when it is delivered at login.
    const offline = stanza.includes("xmlns='urn:xmpp:delay'") || stanza.includes('xmlns="urn:xmpp:delay"');
    this.hooks.onReceipt(this, { text: body, direct: type === 'chat', offline }, at);
  }

  private onIq(stanza: string): void {
    const id = attribute(stanza, 'id');
    const type = attribute(stanza, 'type');
    const p = id === undefined ? undefined : this.pending.get(id);
    if (p && id !== undefined && (type === 'result' || type === 'error')) {
      this.pending.delete(id);
      if (type === 'result') p.resolve(stanza);
      else p.reject(new Error(`iq error: ${stanza}`));
      return;
    }
    if (type === 'get' || type === 'set') {
      // RFC 6120 §8.2.3: an IQ request must be answered; this client supports none.
      const from = attribute(stanza, 'from');
      this.socket.write(
        `<iq type='error' id='${escapeXml(id ?? '')}'${from ? ` to='${escapeXml(from)}'` : ''}>` +
          "<error type='cancel'><service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>",
      );
    }
  }
}

/** RFC 6121 §A.1 sessions: ejabberd marks the feature <optional/>; only a mandatory one is requested. */
function sessionRequired(features: string): boolean {
  const at = features.indexOf(`<session xmlns='${NS_SESSION}'`);
  const atDouble = features.indexOf(`<session xmlns="${NS_SESSION}"`);
  const start = at !== -1 ? at : atDouble;
  if (start === -1) return false;
  const end = features.indexOf('</session>', start);
  return end === -1 || !features.slice(start, end).includes('<optional');
}
