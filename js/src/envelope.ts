// The sealed value of SECURITY.md "The sealed value":
//
//   header  = version (0x01) || alg || key_id (4) || N || nonce
//   AAD     = "sealed-session v1;aad;" || header || u16be(len(NAME)) || NAME
//   sealed  = header || body || tag
//   value   = base64url(sealed), no padding
//
// The header is in the clear but authenticated through the AAD, so version,
// algorithm, key id, chunk count and nonce cannot be altered.

import { decodeBase64url, encodeBase64url } from './base64.js';
import type { AlgorithmSpec } from './crypto/algorithms.js';
import type { Cipher } from './crypto/aead.js';
import type { Keyring } from './keyring.js';

/** Bytes before the nonce: version, algorithm, key id, chunk count. */
export const FIXED_HEADER_LEN = 7;
/** Characters of chunk 0 that hold the chunk count (byte 6 of 9 decoded). */
export const COUNT_PREFIX_LEN = 12;
const VERSION = 0x01;
const ascii = new TextEncoder();
const AAD_LABEL = ascii.encode('sealed-session v1;aad;');

interface Sealer {
  id: Uint8Array;
  idKey: number;
  algorithm: AlgorithmSpec;
  cipher: Cipher;
  primary: boolean;
}

/** What an authentic value holds. */
export interface Opened {
  payload: Uint8Array;
  keyId: string;
  byPrimary: boolean;
}

function idKey(id: Uint8Array): number {
  return ((id[0]! << 24) | (id[1]! << 16) | (id[2]! << 8) | id[3]!) >>> 0;
}

function hex(bytes: Uint8Array): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** `N` from the first 12 characters of a value, or `null`. */
export function chunkCount(prefix: string): number | null {
  if (prefix.length !== COUNT_PREFIX_LEN) return null;
  const bytes = decodeBase64url(prefix);
  return bytes ? bytes[FIXED_HEADER_LEN - 1]! : null;
}

/** Seals and opens values for one cookie name under a keyring. */
export class Envelope {
  private constructor(
    private readonly name: Uint8Array,
    private readonly sealers: Sealer[],
  ) {}

  /** Derives the per-name keys of every pair (HKDF, once per store). */
  static async create(keyring: Keyring, name: string): Promise<Envelope> {
    const ciphers = await keyring.ciphersFor(name);
    const sealers = ciphers.map((c, i) => ({ ...c, idKey: idKey(c.id), primary: i === 0 }));
    return new Envelope(ascii.encode(name), sealers);
  }

  /** Length of the sealed bytes for a payload of `payloadLen` bytes. */
  sealedLen(payloadLen: number): number {
    const a = this.sealers[0]!.algorithm;
    return FIXED_HEADER_LEN + a.nonceLen + payloadLen + a.tagLen;
  }

  /** The primary pair's nonce length. */
  get nonceLen(): number {
    return this.sealers[0]!.algorithm.nonceLen;
  }

  private aad(header: Uint8Array): Uint8Array {
    const out = new Uint8Array(AAD_LABEL.length + header.length + 2 + this.name.length);
    out.set(AAD_LABEL);
    out.set(header, AAD_LABEL.length);
    const at = AAD_LABEL.length + header.length;
    out[at] = this.name.length >>> 8;
    out[at + 1] = this.name.length & 0xff;
    out.set(this.name, at + 2);
    return out;
  }

  /** `value` for `payload` sealed by the first pair for `count` chunks with `nonce`. */
  async seal(payload: Uint8Array, count: number, nonce: Uint8Array): Promise<string> {
    const s = this.sealers[0]!;
    if (nonce.length !== s.algorithm.nonceLen) throw new Error('nonce of the wrong length');
    const header = new Uint8Array(FIXED_HEADER_LEN + nonce.length);
    header[0] = VERSION;
    header[1] = s.algorithm.id;
    header.set(s.id, 2);
    header[6] = count;
    header.set(nonce, FIXED_HEADER_LEN);
    const sealed = await s.cipher.seal(nonce, this.aad(header), payload);
    const out = new Uint8Array(header.length + sealed.length);
    out.set(header);
    out.set(sealed, header.length);
    return encodeBase64url(out);
  }

  /**
   * Opens `text` read as `count` chunks (SECURITY.md "Opening", steps 2-8;
   * the caller checked step 1). `null` on any failure, whatever the step.
   */
  async open(text: string, count: number): Promise<Opened | null> {
    const sealed = decodeBase64url(text);
    if (!sealed || sealed.length < FIXED_HEADER_LEN || sealed[0] !== VERSION) return null;
    // Direct lookup by key id: no trial decryption across the keyring.
    const want = idKey(sealed.subarray(2, 6));
    const s = this.sealers.find((x) => x.idKey === want);
    if (!s) return null;
    // The algorithm is the configuration's, never the cookie's.
    if (sealed[1] !== s.algorithm.id) return null;
    if (sealed[6] !== count) return null;
    const headerLen = FIXED_HEADER_LEN + s.algorithm.nonceLen;
    if (sealed.length < headerLen + s.algorithm.tagLen) return null;
    const header = sealed.subarray(0, headerLen);
    const nonce = sealed.subarray(FIXED_HEADER_LEN, headerLen);
    const payload = await s.cipher.open(nonce, this.aad(header), sealed.subarray(headerLen));
    if (!payload) return null;
    return { payload, keyId: hex(s.id), byPrimary: s.primary };
  }
}
