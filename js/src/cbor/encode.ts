// Encoding JavaScript values into the payload's CBOR, in preferred
// serialization, so that what is stored is exactly what a strict reader
// (decode.ts) accepts. Maps keep the order the application gave them
// (SECURITY.md "Which maps are ordered": only the payload's own three maps
// are sorted, by payload.ts).

import { CborError } from './errors.js';
import { MAX_DEPTH, Tagged, bytesKey } from './decode.js';
import { numberToHalfExact, fitsSingle } from './float.js';

const utf8 = new TextEncoder();
/** A UTF-16 surrogate without its pair (not encodable as UTF-8). */
export const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** A growable byte buffer. */
export class Writer {
  private buf = new Uint8Array(64);
  length = 0;

  private room(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }

  /** Appends one byte. */
  byte(b: number): void {
    this.room(1);
    this.buf[this.length++] = b;
  }

  /** Appends bytes. */
  bytes(b: Uint8Array): void {
    this.room(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }

  /** A head of major type `major` with argument `arg`, in its shortest form. */
  head(major: number, arg: number | bigint): void {
    const m = major << 5;
    if (typeof arg === 'bigint') {
      if (arg < 0x100000000n) return this.head(major, Number(arg));
      this.byte(m | 27);
      for (let i = 7; i >= 0; i--) this.byte(Number((arg >> BigInt(i * 8)) & 0xffn));
      return;
    }
    if (arg < 24) this.byte(m | arg);
    else if (arg < 0x100) {
      this.byte(m | 24);
      this.byte(arg);
    } else if (arg < 0x10000) {
      this.byte(m | 25);
      this.byte(arg >>> 8);
      this.byte(arg & 0xff);
    } else if (arg < 0x100000000) {
      this.byte(m | 26);
      for (let i = 3; i >= 0; i--) this.byte(Math.floor(arg / 2 ** (i * 8)) & 0xff);
    } else {
      this.head(major, BigInt(arg));
    }
  }

  /** A text string. */
  text(s: string): void {
    const b = utf8.encode(s);
    this.head(3, b.length);
    this.bytes(b);
  }

  /** A view of bytes `start..end` written so far (valid until the next write). */
  view(start: number, end: number): Uint8Array {
    return this.buf.subarray(start, end);
  }

  /** The bytes written so far (a copy). */
  finish(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

const U64_MAX = (1n << 64n) - 1n;

function float(w: Writer, x: number): void {
  if (Number.isNaN(x)) {
    // The one NaN a writer stores (SECURITY.md: f9 7e00).
    w.bytes(Uint8Array.of(0xf9, 0x7e, 0x00));
    return;
  }
  const half = numberToHalfExact(x);
  if (half !== null) {
    w.bytes(Uint8Array.of(0xf9, half >>> 8, half & 0xff));
    return;
  }
  const out = new Uint8Array(fitsSingle(x) ? 5 : 9);
  const view = new DataView(out.buffer);
  if (out.length === 5) {
    out[0] = 0xfa;
    view.setFloat32(1, x);
  } else {
    out[0] = 0xfb;
    view.setFloat64(1, x);
  }
  w.bytes(out);
}

function integer(w: Writer, n: bigint): void {
  if (n >= 0n) {
    if (n > U64_MAX) throw new CborError('integer larger than 2^64 - 1');
    w.head(0, n);
  } else {
    const m = -1n - n;
    if (m > U64_MAX) throw new CborError('integer smaller than -2^64');
    w.head(1, m);
  }
}

function isPlainObject(v: object): boolean {
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/**
 * Appends `value` at `depth`. Safe integers and bigints become CBOR
 * integers, other numbers floats in their shortest exact width; strings text (lone surrogates refused); `Uint8Array` byte strings;
 * arrays arrays; plain objects maps with text keys in their own order; `Map`s
 * maps with any keys; `Tagged` tags. Anything else (undefined, functions,
 * symbols, class instances such as `Date`) is refused.
 */
export function encodeInto(w: Writer, value: unknown, depth: number): void {
  if (depth > MAX_DEPTH) throw new CborError('nested deeper than 32 levels (or a cycle)');
  switch (typeof value) {
    case 'boolean':
      w.byte(value ? 0xf5 : 0xf4);
      return;
    case 'number':
      // Safe integers are integers; every other number (fractions, and
      // integral doubles beyond 2^53, which a decode would give back as
      // bigints) is a float, so a number always reads back as a number.
      if (Number.isSafeInteger(value)) {
        if (value >= 0) w.head(0, value);
        else w.head(1, -1 - value);
      } else {
        float(w, value);
      }
      return;
    case 'bigint':
      integer(w, value);
      return;
    case 'string':
      if (LONE_SURROGATE.test(value)) throw new CborError('a string with a lone surrogate is not UTF-8');
      w.text(value);
      return;
    case 'object':
      break;
    default:
      throw new CborError(`a value of type ${typeof value} cannot be stored`);
  }
  if (value === null) {
    w.byte(0xf6);
    return;
  }
  if (value instanceof Uint8Array) {
    w.head(2, value.length);
    w.bytes(value);
    return;
  }
  if (Array.isArray(value)) {
    w.head(4, value.length);
    for (const item of value) encodeInto(w, item, depth + 1);
    return;
  }
  if (value instanceof Tagged) {
    w.head(6, value.tag);
    encodeInto(w, value.value, depth + 1);
    return;
  }
  if (value instanceof Map) {
    w.head(5, value.size);
    const seen = new Set<string>();
    for (const [k, v] of value) {
      const start = w.length;
      encodeInto(w, k, depth + 1);
      const key = bytesKey(w.view(0, w.length), start, w.length);
      if (seen.has(key)) throw new CborError('a map repeats a key');
      seen.add(key);
      encodeInto(w, v, depth + 1);
    }
    return;
  }
  if (isPlainObject(value)) {
    const keys = Object.keys(value);
    w.head(5, keys.length);
    for (const k of keys) {
      if (LONE_SURROGATE.test(k)) throw new CborError('a key with a lone surrogate is not UTF-8');
      w.text(k);
      encodeInto(w, (value as Record<string, unknown>)[k], depth + 1);
    }
    return;
  }
  throw new CborError(`a ${value.constructor?.name ?? 'non-plain object'} cannot be stored (use plain objects, arrays, Map, Uint8Array)`);
}

/** The CBOR bytes of one data value (at depth 1). */
export function encodeValue(value: unknown): Uint8Array {
  const w = new Writer();
  encodeInto(w, value, 1);
  return w.finish();
}
