// The strict CBOR reader of SECURITY.md "Payload": definite lengths only,
// preferred serialization (shortest heads, shortest exact floats), the two
// quiet half-precision NaNs only, valid UTF-8 at any depth, no repeated map
// key (compared on encoded bytes), depth at most 32, no declared length past
// the input, and only false, true and null among the simple values. One
// walker both validates (skip) and builds JavaScript values (read), so the
// two can never disagree.

import { CborError } from './errors.js';
import { halfToNumber, numberToHalfExact, fitsSingle } from './float.js';

/** The deepest an item may sit (SECURITY.md "Nesting depth"). */
export const MAX_DEPTH = 32;

/** A CBOR tag around a value. Tags carry no meaning here; they round-trip. */
export class Tagged {
  /**
   * @param tag the tag number
   * @param value the tagged content
   */
  constructor(
    readonly tag: number | bigint,
    readonly value: CborValue,
  ) {}
}

/** What a payload value decodes to. */
export type CborValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | CborValue[]
  | { [key: string]: CborValue }
  | Map<CborValue, CborValue>
  | Tagged;

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Decodes UTF-8 strictly (overlongs, surrogates, truncation refused). */
export function decodeUtf8(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw new CborError('text is not valid UTF-8');
  }
}

/** A parsed head: major type, and its argument (number when safe, else bigint). */
export interface Head {
  major: number;
  ai: number;
  arg: number | bigint;
}

/** Reads one head at `pos`, refusing reserved, indefinite and non-preferred forms. */
export function readHead(buf: Uint8Array, pos: number): [Head, number] {
  if (pos >= buf.length) throw new CborError('truncated');
  const b = buf[pos]!;
  const major = b >>> 5;
  const ai = b & 31;
  let p = pos + 1;
  if (ai < 24) return [{ major, ai, arg: ai }, p];
  if (ai >= 28) throw new CborError(ai === 31 ? 'indefinite length or break' : 'reserved additional information');
  const n = 1 << (ai - 24);
  if (p + n > buf.length) throw new CborError('truncated');
  let arg: number | bigint;
  if (n <= 4) {
    let v = 0;
    for (let i = 0; i < n; i++) v = v * 256 + buf[p + i]!;
    arg = v;
  } else {
    let v = 0n;
    for (let i = 0; i < n; i++) v = (v << 8n) | BigInt(buf[p + i]!);
    arg = v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  }
  p += n;
  // Floats (major 7, ai 25..27) are checked by value, not as arguments.
  if (major !== 7) {
    const min = n === 1 ? 24 : n === 2 ? 0x100 : n === 4 ? 0x10000 : 0x100000000;
    if (Number(arg) < min) throw new CborError('non-preferred head');
  } else if (ai === 24) {
    throw new CborError('simple value');
  }
  return [{ major, ai, arg }, p];
}

function length(arg: number | bigint, remaining: number): number {
  // A declared length is checked against the input before anything is
  // allocated from it (every item takes at least one byte).
  if (typeof arg === 'bigint' || arg > remaining) throw new CborError('length past the input');
  return arg;
}

/** Bytes as a string usable as a Set key (one char per byte). */
export function bytesKey(buf: Uint8Array, start: number, end: number): string {
  let s = '';
  for (let i = start; i < end; i += 4096) {
    s += String.fromCharCode(...buf.subarray(i, Math.min(end, i + 4096)));
  }
  return s;
}

/**
 * Walks the item at `pos` at `depth`, checking every rule; returns its end and,
 * when `build`, its value.
 */
export function walk(buf: Uint8Array, pos: number, depth: number, build: boolean): [CborValue | undefined, number] {
  if (depth > MAX_DEPTH) throw new CborError('nested too deep');
  const [h, p] = readHead(buf, pos);
  switch (h.major) {
    case 0:
      return [build ? h.arg : undefined, p];
    case 1: {
      if (!build) return [undefined, p];
      const n = typeof h.arg === 'bigint' ? -1n - h.arg : -1 - h.arg;
      return [typeof n === 'number' && !Number.isSafeInteger(n) ? -1n - BigInt(h.arg) : n, p];
    }
    case 2: {
      const len = length(h.arg, buf.length - p);
      return [build ? buf.slice(p, p + len) : undefined, p + len];
    }
    case 3: {
      const len = length(h.arg, buf.length - p);
      const s = decodeUtf8(buf.subarray(p, p + len));
      return [build ? s : undefined, p + len];
    }
    case 4: {
      const len = length(h.arg, buf.length - p);
      const items: CborValue[] = [];
      let q = p;
      for (let i = 0; i < len; i++) {
        const [v, e] = walk(buf, q, depth + 1, build);
        if (build) items.push(v!);
        q = e;
      }
      return [build ? items : undefined, q];
    }
    case 5: {
      const len = length(h.arg, buf.length - p);
      const seen = new Set<string>();
      const entries: [CborValue, CborValue][] = [];
      let q = p;
      for (let i = 0; i < len; i++) {
        const [k, ke] = walk(buf, q, depth + 1, build);
        const key = bytesKey(buf, q, ke);
        if (seen.has(key)) throw new CborError('repeated map key');
        seen.add(key);
        const [v, ve] = walk(buf, ke, depth + 1, build);
        if (build) entries.push([k!, v!]);
        q = ve;
      }
      if (!build) return [undefined, q];
      return [mapValue(entries), q];
    }
    case 6: {
      const [v, e] = walk(buf, p, depth + 1, build);
      return [build ? new Tagged(h.arg, v!) : undefined, e];
    }
    default:
      return simple(buf, h, p, build);
  }
}

function mapValue(entries: [CborValue, CborValue][]): CborValue {
  if (entries.every(([k]) => typeof k === 'string')) {
    // Own data properties ("__proto__" included), in the encoded order.
    const obj: { [key: string]: CborValue } = {};
    for (const [k, v] of entries) {
      Object.defineProperty(obj, k as string, { value: v, enumerable: true, writable: true, configurable: true });
    }
    return obj;
  }
  return new Map(entries);
}

function simple(buf: Uint8Array, h: Head, p: number, build: boolean): [CborValue | undefined, number] {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  switch (h.ai) {
    case 20:
      return [false, p];
    case 21:
      return [true, p];
    case 22:
      return [null, p];
    case 25: {
      const bits = view.getUint16(p - 2);
      const x = halfToNumber(bits);
      // The only NaNs: quiet, no payload, either sign (f9 7e00, f9 fe00).
      if (Number.isNaN(x) && (bits & 0x7fff) !== 0x7e00) throw new CborError('NaN other than f97e00/f9fe00');
      return [build ? x : undefined, p];
    }
    case 26: {
      const x = view.getFloat32(p - 4);
      if (Number.isNaN(x)) throw new CborError('NaN in single precision');
      if (numberToHalfExact(x) !== null) throw new CborError('float not in its shortest form');
      return [build ? x : undefined, p];
    }
    case 27: {
      const x = view.getFloat64(p - 8);
      if (Number.isNaN(x)) throw new CborError('NaN in double precision');
      if (fitsSingle(x)) throw new CborError('float not in its shortest form');
      return [build ? x : undefined, p];
    }
    default:
      throw new CborError('undefined or simple value');
  }
}

/** Validates the item at `pos` (at `depth`) and returns where it ends. */
export function skip(buf: Uint8Array, pos: number, depth: number): number {
  return walk(buf, pos, depth, false)[1];
}

/** Decodes one whole value (validated as a data value at depth 1). */
export function decodeValue(bytes: Uint8Array): CborValue {
  const [v, end] = walk(bytes, 0, 1, true);
  if (end !== bytes.length) throw new CborError('bytes after the value');
  return v!;
}
