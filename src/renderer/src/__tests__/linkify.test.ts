import { describe, expect, it } from 'vitest';
import { linkify, type TextSegment } from '../linkify';

const text = (t: string): TextSegment => ({ kind: 'text', text: t });
const link = (t: string, href = t): TextSegment => ({ kind: 'link', text: t, href });

describe('linkify', () => {
  it('leaves text without links as one text segment', () => {
    expect(linkify('hello there')).toEqual([text('hello there')]);
    expect(linkify('')).toEqual([]);
  });

  it('finds http, https and mailto links between text', () => {
    expect(linkify('see https://example.com/a?b=1 and http://x.example too')).toEqual([
      text('see '),
      link('https://example.com/a?b=1'),
      text(' and '),
      link('http://x.example', 'http://x.example/'),
      text(' too'),
    ]);
    expect(linkify('write to mailto:bob@example.com')).toEqual([
      text('write to '),
      link('mailto:bob@example.com'),
    ]);
  });

  it('links bare domains and e-mail addresses, as people write them', () => {
    expect(linkify('on www.example.com or example.org, mail bob@example.com')).toEqual([
      text('on '),
      link('www.example.com', 'http://www.example.com/'),
      text(' or '),
      link('example.org', 'http://example.org/'),
      text(', mail '),
      link('bob@example.com', 'mailto:bob@example.com'),
    ]);
  });

  it('keeps other schemes as plain text', () => {
    for (const hostile of [
      'javascript:alert(1)',
      'click javascript:alert(document.cookie) now',
      'file:///etc/passwd',
      'data:text/html,<script>alert(1)</script>',
      'vbscript:msgbox(1)',
      'slack://open',
      'ftp://example.com',
      '//example.com/protocol-relative',
    ]) {
      expect(linkify(hostile), hostile).toEqual([text(hostile)]);
    }
  });

  it('does not link a scheme glued to a word, or one with nothing after it', () => {
    expect(linkify('xhttps://example.com')).toEqual([text('xhttps://example.com')]);
    expect(linkify('javascript:https://example.com')).toEqual([
      text('javascript:'),
      link('https://example.com', 'https://example.com/'),
    ]);
    expect(linkify('just https:// here')).toEqual([text('just https:// here')]);
    expect(linkify('mailto: nobody')).toEqual([text('mailto: nobody')]);
  });

  it('leaves sentence punctuation and enclosing brackets outside the link', () => {
    expect(linkify('Go to https://example.com.')).toEqual([
      text('Go to '),
      link('https://example.com', 'https://example.com/'),
      text('.'),
    ]);
    expect(linkify('(see https://example.com/x), ok?')).toEqual([
      text('(see '),
      link('https://example.com/x'),
      text('), ok?'),
    ]);
    expect(linkify('"https://example.com/q"')).toEqual([text('"'), link('https://example.com/q'), text('"')]);
  });

  it('keeps brackets that belong to the link', () => {
    const wiki = 'https://en.wikipedia.org/wiki/Tree_(graph_theory)';
    expect(linkify(`read ${wiki}.`)).toEqual([text('read '), link(wiki), text('.')]);
  });

  it('stops at characters a URL never holds raw, so markup around a link stays text', () => {
    expect(linkify('<a href="https://example.com/p">x</a>')).toEqual([
      text('<a href="'),
      link('https://example.com/p'),
      text('">x</a>'),
    ]);
  });

  it('finds links across lines and several in a row', () => {
    expect(linkify('https://a.example/1\nhttps://b.example/2')).toEqual([
      link('https://a.example/1'),
      text('\n'),
      link('https://b.example/2'),
    ]);
  });

  it('reassembles to exactly the original text', () => {
    const message = 'a https://x.example/(b) c, mailto:d@e.example; javascript:f() "https://g.example".';
    expect(
      linkify(message)
        .map((segment) => segment.text)
        .join(''),
    ).toBe(message);
  });
});
