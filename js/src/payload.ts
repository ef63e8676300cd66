// The session payload of SECURITY.md "Payload (CBOR, RFC 8949)": a map with
// unsigned keys 1..7 in ascending order. Opening validates every value in
// one strict pass and keeps each value's bytes; a value is decoded only when
// the application reads it, and an untouched value is written back as the
// same bytes (nested maps are never reordered).

import { CborError } from './cbor/errors.js';
import { readHead, skip, decodeUtf8, MAX_DEPTH } from './cbor/decode.js';
import { Writer } from './cbor/encode.js';

/** Length of a session id in bytes. */
export const ID_LEN = 16;

const utf8 = new TextEncoder();

/** The decoded payload: lifetimes in Unix seconds, values as CBOR bytes. */
export interface Payload {
  issuedAt: bigint;
  expiresAt: bigint;
  idleDeadline: bigint | undefined;
  id: Uint8Array;
  /** Text key to the value's CBOR bytes. */
  data: Map<string, Uint8Array>;
  /** Bucket name to its messages' CBOR bytes (never an empty array). */
  flashes: Map<string, Uint8Array[]>;
  maxAge: bigint | undefined;
}

/** Compares two byte strings lexicographically (UTF-8 order for text). */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a[i] !== b[i]) return a[i]! - b[i]!;
  }
  return a.length - b.length;
}

function uint(buf: Uint8Array, pos: number): [bigint, number] {
  const [h, p] = readHead(buf, pos);
  if (h.major !== 0) throw new CborError('expected an unsigned integer');
  return [BigInt(h.arg), p];
}

function count(arg: number | bigint, remaining: number): number {
  if (typeof arg === 'bigint' || arg > remaining) throw new CborError('length past the input');
  return arg;
}

// A map with text keys strictly ascending by UTF-8 bytes; `value` reads each
// entry's value and returns where it ends.
function orderedTextMap(buf: Uint8Array, pos: number, value: (key: string, at: number) => number): number {
  const [h, p0] = readHead(buf, pos);
  if (h.major !== 5) throw new CborError('expected a map');
  const n = count(h.arg, buf.length - p0);
  let p = p0;
  let previous: Uint8Array | null = null;
  for (let i = 0; i < n; i++) {
    const [kh, kp] = readHead(buf, p);
    if (kh.major !== 3) throw new CborError('expected a text key');
    const len = count(kh.arg, buf.length - kp);
    const raw = buf.subarray(kp, kp + len);
    const key = decodeUtf8(raw);
    if (previous !== null && compareBytes(previous, raw) >= 0) throw new CborError('keys out of order');
    previous = raw;
    p = value(key, kp + len);
  }
  return p;
}

/** Validates `buf` as a payload and indexes it. Throws `CborError`. */
export function openPayload(buf: Uint8Array): Payload {
  const [h, p0] = readHead(buf, 0);
  if (h.major !== 5) throw new CborError('payload is not a map');
  if (typeof h.arg === 'bigint' || h.arg > 7) throw new CborError('more than 7 fields');
  const n = h.arg;
  let p = p0;
  let last = 0n;
  const out: Partial<Payload> & { data?: Map<string, Uint8Array> } = {};
  for (let i = 0; i < n; i++) {
    const [key, kp] = uint(buf, p);
    if (key < 1n || key > 7n || key <= last) throw new CborError('bad or unordered field key');
    last = key;
    p = kp;
    switch (key) {
      case 1n:
        [out.issuedAt, p] = uint(buf, p);
        break;
      case 2n:
        [out.expiresAt, p] = uint(buf, p);
        break;
      case 3n:
        [out.idleDeadline, p] = uint(buf, p);
        break;
      case 7n:
        [out.maxAge, p] = uint(buf, p);
        break;
      case 4n: {
        const [bh, bp] = readHead(buf, p);
        if (bh.major !== 2 || bh.arg !== ID_LEN || bp + ID_LEN > buf.length) throw new CborError('id is not 16 bytes');
        out.id = buf.slice(bp, bp + ID_LEN);
        p = bp + ID_LEN;
        break;
      }
      case 5n: {
        const data = new Map<string, Uint8Array>();
        p = orderedTextMap(buf, p, (k, at) => {
          const end = skip(buf, at, 1);
          data.set(k, buf.slice(at, end));
          return end;
        });
        out.data = data;
        break;
      }
      case 6n: {
        const flashes = new Map<string, Uint8Array[]>();
        p = orderedTextMap(buf, p, (k, at) => {
          const [ah, ap] = readHead(buf, at);
          if (ah.major !== 4) throw new CborError('a bucket is not an array');
          const items = count(ah.arg, buf.length - ap);
          if (items === 0) throw new CborError('an empty bucket');
          const messages: Uint8Array[] = [];
          let q = ap;
          for (let j = 0; j < items; j++) {
            // A message sits at depth 1: the bucket's array does not count.
            const end = skip(buf, q, 1);
            messages.push(buf.slice(q, end));
            q = end;
          }
          flashes.set(k, messages);
          return q;
        });
        if (flashes.size === 0) throw new CborError('an empty flashes map');
        out.flashes = flashes;
        break;
      }
    }
  }
  if (p !== buf.length) throw new CborError('bytes after the payload');
  if (out.issuedAt === undefined || out.expiresAt === undefined || out.id === undefined || out.data === undefined) {
    throw new CborError('a required field is missing');
  }
  if (out.expiresAt < out.issuedAt) throw new CborError('expires before it was issued');
  return {
    issuedAt: out.issuedAt,
    expiresAt: out.expiresAt,
    idleDeadline: out.idleDeadline,
    id: out.id,
    data: out.data,
    flashes: out.flashes ?? new Map(),
    maxAge: out.maxAge,
  };
}

function sortedByUtf8<T>(map: Map<string, T>): [Uint8Array, T][] {
  return [...map].map(([k, v]): [Uint8Array, T] => [utf8.encode(k), v]).sort((a, b) => compareBytes(a[0], b[0]));
}

/** The payload's CBOR, with its three ordered maps sorted by UTF-8 bytes. */
export function encodePayload(p: Payload): Uint8Array {
  const w = new Writer();
  const fields = 4 + (p.idleDeadline !== undefined ? 1 : 0) + (p.flashes.size > 0 ? 1 : 0) + (p.maxAge !== undefined ? 1 : 0);
  w.head(5, fields);
  w.head(0, 1);
  w.head(0, p.issuedAt);
  w.head(0, 2);
  w.head(0, p.expiresAt);
  if (p.idleDeadline !== undefined) {
    w.head(0, 3);
    w.head(0, p.idleDeadline);
  }
  w.head(0, 4);
  w.head(2, p.id.length);
  w.bytes(p.id);
  w.head(0, 5);
  w.head(5, p.data.size);
  for (const [k, v] of sortedByUtf8(p.data)) {
    w.head(3, k.length);
    w.bytes(k);
    w.bytes(v);
  }
  if (p.flashes.size > 0) {
    w.head(0, 6);
    w.head(5, p.flashes.size);
    for (const [k, messages] of sortedByUtf8(p.flashes)) {
      w.head(3, k.length);
      w.bytes(k);
      w.head(4, messages.length);
      for (const m of messages) w.bytes(m);
    }
  }
  if (p.maxAge !== undefined) {
    w.head(0, 7);
    w.head(0, p.maxAge);
  }
  return w.finish();
}

/** Checks that `bytes` is exactly one value a payload may hold (depth 1). */
export function checkValue(bytes: Uint8Array): void {
  if (skip(bytes, 0, 1) !== bytes.length) throw new CborError('bytes after the value');
}

export { MAX_DEPTH };
