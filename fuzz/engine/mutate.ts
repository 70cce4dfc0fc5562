/**
 * The mutation engine: libFuzzer's byte-level moves (bit flips, inserts, erases, copies, dictionary
 * tokens, crossover with another corpus entry) plus structure-aware moves on inputs that are JSON,
 * which reach the request schemas' deeper checks far sooner than bytes alone.
 */
import type { Random } from './random.js';

/** Bytes that change how JSON and the framing read: quotes, escapes, brackets, newline, UTF-8 leads. */
const INTERESTING_BYTES = [
  0x00, 0x0a, 0x0d, 0x22, 0x2c, 0x3a, 0x5b, 0x5c, 0x5d, 0x7b, 0x7d, 0x7f, 0x80, 0xc3, 0xe2, 0xf0, 0xff,
];

const INTERESTING_NUMBERS = [
  '0',
  '-0',
  '-1',
  '1',
  '0.5',
  '1e308',
  '-1e308',
  '1e999',
  '65535',
  '65536',
  '500',
  '501',
  '2147483647',
  '2147483648',
  '-2147483648',
  '9007199254740993',
  '4294967296',
];

/** JSON values a structured mutation puts in place of a field: every type and every edge. */
const INTERESTING_VALUES: unknown[] = [
  0,
  -1,
  1,
  0.5,
  2147483647,
  2147483648,
  1e308,
  -1e308,
  2 ** 53 + 2,
  65536,
  501,
  '',
  'a',
  'bob',
  'bob!',
  'a'.repeat(33),
  'a'.repeat(4097),
  '\u0000',
  '\ud800',
  '😀'.repeat(2049),
  'x\ny',
  '__proto__',
  'constructor',
  true,
  false,
  null,
  [],
  {},
  [1],
  { a: 1 },
];

const MAX_NESTING_MUTATION = 20_000;

export interface MutatorOptions {
  maxLength: number;
  /** Tokens to insert: field names, request types, JSON punctuation. */
  dictionary: readonly string[];
  /** Keys a structured mutation may add to a JSON object. */
  fieldNames: readonly string[];
}

type Move = (data: Buffer, other: Buffer) => Buffer;

export class Mutator {
  private readonly dictionary: Buffer[];
  private readonly moves: Move[];

  constructor(
    private readonly random: Random,
    private readonly options: MutatorOptions,
  ) {
    this.dictionary = options.dictionary.map((token) => Buffer.from(token));
    this.moves = [
      (d) => this.flipBit(d),
      (d) => this.setByte(d),
      (d) => this.insertBytes(d),
      (d) => this.eraseRange(d),
      (d) => this.copyRange(d),
      (d) => this.insertToken(d),
      (d, o) => this.crossOver(d, o),
      (d) => this.replaceNumber(d),
      (d) => this.repeatRange(d),
      (d) => this.mutateJson(d),
      (d) => this.mutateJson(d),
    ];
  }

  /** A mutant of `data` (1 to 4 moves); `other` is another corpus entry for crossover. */
  mutate(data: Buffer, other: Buffer): Buffer {
    let out = data;
    const rounds = 1 + this.random.below(4);
    for (let i = 0; i < rounds; i++) out = this.random.pick(this.moves)(out, other);
    return out.length > this.options.maxLength ? out.subarray(0, this.options.maxLength) : out;
  }

  private position(data: Buffer): number {
    return this.random.below(data.length + 1);
  }

  private flipBit(data: Buffer): Buffer {
    if (data.length === 0) return this.insertBytes(data);
    const out = Buffer.from(data);
    out[this.random.below(out.length)]! ^= 1 << this.random.below(8);
    return out;
  }

  private setByte(data: Buffer): Buffer {
    if (data.length === 0) return this.insertBytes(data);
    const out = Buffer.from(data);
    out[this.random.below(out.length)] = this.random.pick(INTERESTING_BYTES);
    return out;
  }

  private insertBytes(data: Buffer): Buffer {
    const bytes = Buffer.alloc(1 + this.random.skewed(15));
    for (let i = 0; i < bytes.length; i++) {
      bytes[i] = this.random.next() < 0.5 ? this.random.pick(INTERESTING_BYTES) : this.random.below(256);
    }
    return splice(data, this.position(data), 0, bytes);
  }

  private eraseRange(data: Buffer): Buffer {
    if (data.length === 0) return data;
    const start = this.random.below(data.length);
    return splice(data, start, 1 + this.random.skewed(data.length - start - 1), Buffer.alloc(0));
  }

  private copyRange(data: Buffer): Buffer {
    if (data.length === 0) return this.insertBytes(data);
    const start = this.random.below(data.length);
    const piece = data.subarray(start, start + 1 + this.random.skewed(data.length - start - 1));
    return splice(data, this.position(data), 0, piece);
  }

  private insertToken(data: Buffer): Buffer {
    if (this.dictionary.length === 0) return this.insertBytes(data);
    const token = this.random.pick(this.dictionary);
    const at = this.position(data);
    const overwrite = this.random.next() < 0.3 ? Math.min(token.length, data.length - at) : 0;
    return splice(data, at, overwrite, token);
  }

  private crossOver(data: Buffer, other: Buffer): Buffer {
    if (other.length === 0) return this.copyRange(data);
    const start = this.random.below(other.length);
    const piece = other.subarray(start, start + 1 + this.random.skewed(other.length - start - 1));
    return splice(data, this.position(data), this.random.next() < 0.5 ? piece.length : 0, piece);
  }

  /** Replaces a run of digits with a boundary number. */
  private replaceNumber(data: Buffer): Buffer {
    const text = data.toString('latin1');
    const runs = [...text.matchAll(/-?\d+(\.\d+)?(e\d+)?/g)];
    const number = Buffer.from(this.random.pick(INTERESTING_NUMBERS));
    if (runs.length === 0) return splice(data, this.position(data), 0, number);
    const run = this.random.pick(runs);
    return splice(data, run.index, run[0].length, number);
  }

  /** Repeats a short slice many times: long strings, deep `[[[[`, floods of newlines. */
  private repeatRange(data: Buffer): Buffer {
    if (data.length === 0) return this.insertBytes(data);
    const start = this.random.below(data.length);
    const piece = data.subarray(start, start + 1 + this.random.skewed(Math.min(8, data.length - start - 1)));
    const times = 1 + this.random.skewed(Math.floor(this.options.maxLength / piece.length));
    return splice(data, start, 0, Buffer.concat(Array<Buffer>(times).fill(piece)));
  }

  private mutateJson(data: Buffer): Buffer {
    const mutated = mutateJsonText(data.toString('utf8'), this.random, this.options.fieldNames);
    return mutated === undefined ? this.insertToken(data) : Buffer.from(mutated);
  }
}

function splice(data: Buffer, at: number, remove: number, insert: Buffer): Buffer {
  return Buffer.concat([data.subarray(0, at), insert, data.subarray(at + remove)]);
}

type JsonContainer = Record<string, unknown> | unknown[];

/** A structure-aware move on JSON text, or undefined when the text is not JSON we can rewrite. */
export function mutateJsonText(
  text: string,
  random: Random,
  fieldNames: readonly string[],
): string | undefined {
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch {
    return undefined;
  }
  const slots = containerSlots(root);
  if (slots.length === 0) return serialize(random.pick(INTERESTING_VALUES));
  const [container, key] = random.pick(slots);
  const marker = `\u0001nest${random.below(1e9)}\u0001`;
  const move = random.below(5);
  if (move === 0 && !Array.isArray(container)) delete container[key];
  else if (move === 1 && !Array.isArray(container) && fieldNames.length > 0) {
    container[random.pick(fieldNames)] = structuredClone(random.pick(INTERESTING_VALUES));
  } else if (move === 2) setSlot(container, key, marker);
  else setSlot(container, key, structuredClone(random.pick(INTERESTING_VALUES)));
  const serialized = serialize(root);
  if (serialized === undefined || move !== 2) return serialized;
  // Deep nesting is spliced in as text: building it as a value would overflow JSON.stringify.
  const depth = 1 + random.skewed(MAX_NESTING_MUTATION);
  return serialized.replace(JSON.stringify(marker), `${'['.repeat(depth)}0${']'.repeat(depth)}`);
}

function setSlot(container: JsonContainer, key: string | number, value: unknown): void {
  (container as Record<string | number, unknown>)[key] = value;
}

/** Every (container, key) pair down to a bounded depth, iteratively (inputs can nest deeply). */
function containerSlots(root: unknown): Array<[JsonContainer, string | number]> {
  const slots: Array<[JsonContainer, string | number]> = [];
  const stack: Array<[unknown, number]> = [[root, 0]];
  while (stack.length > 0 && slots.length < 256) {
    const [value, depth] = stack.pop()!;
    if (typeof value !== 'object' || value === null || depth > 32) continue;
    const container = value as JsonContainer;
    for (const key of Array.isArray(container) ? container.keys() : Object.keys(container)) {
      slots.push([container, key]);
      stack.push([(container as Record<string | number, unknown>)[key], depth + 1]);
    }
  }
  return slots;
}

function serialize(value: unknown): string | undefined {
  try {
    return JSON.stringify(value);
  } catch {
    return undefined; // nested too deeply for JSON.stringify's recursion
  }
}
