/**
 * Incremental framing of an XMPP stream (RFC 6120 §4): the stream header opens depth 1, and every
 * element at depth 2 is a stanza (or a nonza such as `<stream:features>` or SASL's `<success/>`).
 * It finds element boundaries only; the caller reads what it needs from each stanza's text. Quoted
 * attribute values are skipped whole, so a '>' inside one cannot end a tag early.
 */
import { StringDecoder } from 'node:string_decoder';

export interface SplitterEvents {
  onStreamOpen(header: string): void;
  onStanza(stanza: string): void;
  onStreamClose(): void;
}

export class XmlSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private buffer = '';
  /** Where scanning resumes in `buffer`. */
  private position = 0;
  private depth = 0;
  /** Start of the depth-2 element being read, or -1. */
  private stanzaStart = -1;

  constructor(private readonly events: SplitterEvents) {}

  /** A new stream follows on the same socket (after SASL success): forget the old one's depth. */
  restart(): void {
    this.buffer = this.buffer.slice(this.position);
    this.position = 0;
    this.depth = 0;
    this.stanzaStart = -1;
  }

  feed(chunk: Buffer): void {
    this.buffer += this.decoder.write(chunk);
    for (;;) {
      const lt = this.buffer.indexOf('<', this.position);
      if (lt === -1) break;
      const end = this.tagEnd(lt);
      if (end === -1) break; // the tag is not complete yet
      this.position = end + 1;
      this.onTag(lt, end);
    }
    this.compact();
  }

  /** Index of the '>' that closes the tag opening at `lt`, or -1 if it has not all arrived. */
  private tagEnd(lt: number): number {
    const next = this.buffer[lt + 1];
    if (next === '?') return endOf(this.buffer.indexOf('?>', lt), 1);
    if (next === '!') return endOf(this.buffer.indexOf('-->', lt), 2);
    return quotedAwareIndexOf(this.buffer, '>', lt + 1);
  }

  private onTag(lt: number, end: number): void {
    const next = this.buffer[lt + 1];
    if (next === '?' || next === '!') return;
    if (next === '/') {
      this.depth--;
      if (this.depth === 1 && this.stanzaStart !== -1) this.emitStanza(end);
      else if (this.depth === 0) this.events.onStreamClose();
      return;
    }
    const selfClosing = this.buffer[end - 1] === '/';
    if (this.depth === 0) {
      this.depth = 1;
      this.events.onStreamOpen(this.buffer.slice(lt, end + 1));
    } else if (this.depth === 1) {
      this.stanzaStart = lt;
      if (selfClosing) this.emitStanza(end);
      else this.depth = 2;
    } else if (!selfClosing) {
      this.depth++;
    }
  }

  private emitStanza(end: number): void {
    const stanza = this.buffer.slice(this.stanzaStart, end + 1);
    this.stanzaStart = -1;
    this.events.onStanza(stanza);
  }

  /** Drops what has been consumed, keeping an unfinished stanza and an unfinished tag. */
  private compact(): void {
    const keepFrom = this.stanzaStart !== -1 ? this.stanzaStart : this.position;
    if (keepFrom === 0) return;
    this.buffer = this.buffer.slice(keepFrom);
    this.position -= keepFrom;
    if (this.stanzaStart !== -1) this.stanzaStart = 0;
  }
}

/** The first `char` at or after `from` outside quoted attribute values, or -1. */
function quotedAwareIndexOf(text: string, char: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (c === char) return i;
    if (c === '"' || c === "'") {
      const close = text.indexOf(c, i + 1);
      if (close === -1) return -1;
      i = close;
    }
  }
  return -1;
}

function endOf(index: number, extra: number): number {
  return index === -1 ? -1 : index + extra;
}

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

const ESCAPES: Record<string, string> = {
  '<': '&lt;',
  '>': '&gt;',
  '&': '&amp;',
  '"': '&quot;',
  "'": '&apos;',
};

export function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => ESCAPES[c] ?? c);
}

export function unescapeXml(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(/&(lt|gt|amp|quot|apos|#x[0-9a-fA-F]+|#\d+);/g, (_, name: string) => {
    if (name.startsWith('#x')) return String.fromCodePoint(Number.parseInt(name.slice(2), 16));
    if (name.startsWith('#')) return String.fromCodePoint(Number.parseInt(name.slice(1), 10));
    return ENTITIES[name] ?? '';
  });
}

const ATTRIBUTE_PATTERNS = new Map<string, RegExp>();

/** The value of attribute `name` on the stanza's top element. */
export function attribute(stanza: string, name: string): string | undefined {
  const head = stanza.slice(0, quotedAwareIndexOf(stanza, '>', 0) + 1 || stanza.length);
  let pattern = ATTRIBUTE_PATTERNS.get(name);
  if (!pattern) {
    pattern = new RegExp(`\\s${name}=(?:'([^']*)'|"([^"]*)")`);
    ATTRIBUTE_PATTERNS.set(name, pattern);
  }
  const match = pattern.exec(head);
  if (!match) return undefined;
  return unescapeXml(match[1] ?? match[2] ?? '');
}

/** The text of the first `<name>` child (no nested elements), unescaped; undefined if none. */
export function childText(stanza: string, name: string): string | undefined {
  const open = stanza.indexOf(`<${name}`);
  if (open === -1) return undefined;
  const after = stanza[open + name.length + 1];
  if (after !== '>' && after !== ' ' && after !== '/') return childText(stanza.slice(open + 1), name);
  const start = stanza.indexOf('>', open);
  if (stanza[start - 1] === '/') return '';
  const close = stanza.indexOf(`</${name}>`, start);
  if (close === -1) return undefined;
  return unescapeXml(stanza.slice(start + 1, close));
}
