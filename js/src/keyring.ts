// The keyring of SECURITY.md "Keys and algorithms", "Key derivation" and
// "Key configuration text": an ordered list of key pairs, newest first (the
// first seals, every one opens), each identified by a 4-byte key id derived
// with HKDF-SHA256. Key bytes are imported into WebCrypto as non-extractable
// HKDF keys and the decoded copies wiped; nothing here prints a key.

import { decodeKeyText } from './base64.js';
import { ALGORITHMS, parseAlgorithm, type AlgorithmName, type AlgorithmSpec } from './crypto/algorithms.js';
import { cipherFor, type Cipher } from './crypto/aead.js';

const subtle = globalThis.crypto.subtle;
const ascii = new TextEncoder();
const HKDF_SALT = ascii.encode('sealed-session v1');

/** Shortest and longest hash key, and the block key's length, in bytes. */
export const MIN_HASH_KEY_LEN = 32;
export const MAX_HASH_KEY_LEN = 512;
export const BLOCK_KEY_LEN = 32;
/** The most key pairs a keyring holds. */
export const MAX_KEY_PAIRS = 256;

/**
 * A key configuration that cannot be used. `entry` is the 1-based entry
 * number the problem is in (0: the text as a whole); the message never
 * contains key bytes.
 */
export class ConfigError extends Error {
  override name = 'ConfigError';
  /**
   * @param entry the entry number (from 1), or 0 for the whole text
   * @param reason what is wrong
   */
  constructor(
    readonly entry: number,
    readonly reason: string,
  ) {
    super(entry > 0 ? `key configuration entry ${entry}: ${reason}` : `key configuration: ${reason}`);
  }
}

/** One key pair's derivation state (the IKM as a non-extractable key). */
interface Entry {
  id: Uint8Array;
  algorithm: AlgorithmSpec;
  ikm: CryptoKey;
}

function hex(bytes: Uint8Array): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * Why `key` is plainly not random bytes, or `null` (SECURITY.md "Key
 * configuration text" rule 8).
 */
export function placeholder(key: Uint8Array): string | null {
  if (new Set(key).size < 16) return 'fewer than 16 distinct byte values';
  for (let p = 1; p <= key.length >> 1; p++) {
    let periodic = true;
    for (let i = p; i < key.length && periodic; i++) periodic = key[i] === key[i - p];
    if (periodic) return 'a repeated pattern';
  }
  if (key.length >= 2) {
    const step = (key[1]! - key[0]! + 256) & 0xff;
    let counting = true;
    for (let i = 2; i < key.length && counting; i++) counting = ((key[i]! - key[i - 1]! + 256) & 0xff) === step;
    if (counting) return 'a counting sequence';
  } else {
    return 'a counting sequence';
  }
  if (key.every((b) => b >= 0x20 && b < 0x7f)) return 'printable text, such as a password';
  return null;
}

function trimBlank(text: string): string {
  return text.replace(/^[ \t\r]+|[ \t\r]+$/g, '');
}

interface ParsedPair {
  algorithm: AlgorithmSpec;
  hash: Uint8Array;
  block: Uint8Array | null;
}

function parseEntry(entry: string): ParsedPair | string {
  const fields = entry.split(':').map(trimBlank);
  let algorithm: AlgorithmSpec;
  let hashText: string;
  let blockText: string | null;
  if (fields.length === 1) {
    return parseAlgorithm(fields[0]!) ? 'an algorithm without a hash key' : 'a lone key: name its algorithm (sign-only is hmac-sha256:<key>)';
  } else if (fields.length === 2) {
    const named = parseAlgorithm(fields[0]!);
    if (named) {
      [algorithm, hashText, blockText] = [named, fields[1]!, null];
    } else {
      // `hash:block` means XAES-256-GCM, fixed by the specification.
      [algorithm, hashText, blockText] = [ALGORITHMS['xaes-256-gcm'], fields[0]!, fields[1]!];
    }
  } else if (fields.length === 3) {
    const named = parseAlgorithm(fields[0]!);
    if (!named) return 'unknown algorithm';
    [algorithm, hashText, blockText] = [named, fields[1]!, fields[2]!];
  } else {
    return 'too many fields';
  }
  const hash = decodeKeyText(hashText);
  if (!hash) return 'the hash key is not valid base64';
  const block = blockText === null ? null : decodeKeyText(blockText);
  if (blockText !== null && !block) return 'the block key is not valid base64';
  if (hash.length < MIN_HASH_KEY_LEN) return `the hash key is ${hash.length} bytes, at least ${MIN_HASH_KEY_LEN} needed`;
  if (hash.length > MAX_HASH_KEY_LEN) return `the hash key is ${hash.length} bytes, at most ${MAX_HASH_KEY_LEN} allowed`;
  if (algorithm.encrypts && !block) return `${algorithm.name} needs a block key`;
  if (!algorithm.encrypts && block) return 'hmac-sha256 (sign-only) takes no block key';
  if (block && block.length !== BLOCK_KEY_LEN) return `the block key is ${block.length} bytes, exactly ${BLOCK_KEY_LEN} needed`;
  for (const [field, key] of [
    ['hash key', hash],
    ['block key', block],
  ] as const) {
    const reason = key && placeholder(key);
    if (reason) return `the ${field} is not random bytes (${reason})`;
  }
  return { algorithm, hash, block };
}

/** IKM = u16be(len(H)) || H || u16be(len(B)) || B. */
function ikmOf(hash: Uint8Array, block: Uint8Array | null): Uint8Array {
  const b = block ?? new Uint8Array(0);
  const out = new Uint8Array(4 + hash.length + b.length);
  out[0] = hash.length >>> 8;
  out[1] = hash.length & 0xff;
  out.set(hash, 2);
  out[2 + hash.length] = b.length >>> 8;
  out[3 + hash.length] = b.length & 0xff;
  out.set(b, 4 + hash.length);
  return out;
}

async function expand(ikm: CryptoKey, info: string, bytes: number): Promise<Uint8Array> {
  const bits = await subtle.deriveBits({ name: 'HKDF', hash: 'SHA-256', salt: HKDF_SALT, info: ascii.encode(info) }, ikm, bytes * 8);
  return new Uint8Array(bits);
}

/** A key id: 4 bytes, shown as 8 hex digits. Public, derived from the keys. */
export type KeyId = string;

/**
 * An ordered list of key pairs, newest first: the first pair seals, every
 * pair opens.
 *
 * @example
 * ```ts
 * const keyring = await Keyring.fromConfig(process.env.SESSION_KEYS!);
 * console.log(keyring.ids()); // [{ id: '53d1f3e4', algorithm: 'xaes-256-gcm' }]
 * ```
 */
export class Keyring {
  readonly #entries: Entry[];

  private constructor(entries: Entry[]) {
    this.#entries = entries;
  }

  /**
   * Parses configuration text (SECURITY.md "Key configuration text"): one or
   * more `algorithm:hash[:block]` (or `hash:block`) entries separated by
   * newlines or commas, `#` comments, keys in base64.
   *
   * @throws {ConfigError} naming the entry at fault, never key bytes.
   *
   * @example
   * ```ts
   * // Rotation: the new entry first seals; the old one still opens.
   * const keyring = await Keyring.fromConfig(`${newEntry}\n${oldEntry}`);
   * ```
   */
  static async fromConfig(text: string): Promise<Keyring> {
    // `process.env.SESSION_KEYS` unset is the usual way to get here.
    if (typeof text !== 'string') throw new ConfigError(0, `no configuration text (got ${text === undefined ? 'undefined: is the variable set?' : typeof text})`);
    const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
    const entries = body
      .split('\n')
      .flatMap((line) => (line.split('#')[0] ?? '').split(','))
      .map(trimBlank)
      .filter((e) => e.length > 0);
    const pairs: ParsedPair[] = [];
    entries.forEach((entry, i) => {
      const parsed = parseEntry(entry);
      if (typeof parsed === 'string') throw new ConfigError(i + 1, parsed);
      pairs.push(parsed);
    });
    if (pairs.length === 0) throw new ConfigError(0, 'no key pairs');
    if (pairs.length > MAX_KEY_PAIRS) throw new ConfigError(0, `more than ${MAX_KEY_PAIRS} key pairs`);
    const out: Entry[] = [];
    for (const [i, pair] of pairs.entries()) {
      const raw = ikmOf(pair.hash, pair.block);
      pair.hash.fill(0);
      pair.block?.fill(0);
      const ikm = await subtle.importKey('raw', raw as BufferSource, 'HKDF', false, ['deriveBits']);
      raw.fill(0);
      const id = await expand(ikm, `sealed-session v1;key-id;${pair.algorithm.label}`, 4);
      const first = out.findIndex((e) => hex(e.id) === hex(id));
      if (first >= 0) throw new ConfigError(i + 1, `the same key id as entry ${first + 1} (the same keys twice?)`);
      out.push({ id, algorithm: pair.algorithm, ikm });
    }
    return new Keyring(out);
  }

  /**
   * A fresh configuration entry with random keys, in the format
   * `fromConfig` reads (`algorithm:hash:block`, unpadded base64url).
   *
   * @example
   * ```ts
   * const entry = Keyring.generateEntry(); // 'xaes-256-gcm:...:...'
   * ```
   */
  static generateEntry(algorithm: AlgorithmName = 'xaes-256-gcm'): string {
    const spec = ALGORITHMS[algorithm];
    for (let attempt = 0; attempt < 4; attempt++) {
      const hash = globalThis.crypto.getRandomValues(new Uint8Array(32));
      const block = globalThis.crypto.getRandomValues(new Uint8Array(32));
      if (placeholder(hash) || placeholder(block)) continue;
      const text = (b: Uint8Array): string => {
        let s = '';
        for (const x of b) s += String.fromCharCode(x);
        return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
      };
      return spec.encrypts ? `${spec.name}:${text(hash)}:${text(block)}` : `${spec.name}:${text(hash)}`;
    }
    throw new Error('the random source gave placeholder-looking keys four times');
  }

  /** The key ids and algorithms, newest (sealing) first. */
  ids(): { id: KeyId; algorithm: AlgorithmName }[] {
    return this.#entries.map((e) => ({ id: hex(e.id), algorithm: e.algorithm.name }));
  }

  /** The sealing pair's key id. */
  get primaryId(): KeyId {
    return hex(this.#entries[0]!.id);
  }

  /** Number of key pairs. */
  get length(): number {
    return this.#entries.length;
  }

  /** @internal The ciphers for cookie name `name`, in keyring order. */
  async ciphersFor(name: string): Promise<{ id: Uint8Array; algorithm: AlgorithmSpec; cipher: Cipher }[]> {
    return Promise.all(
      this.#entries.map(async (e) => {
        const k = await expand(e.ikm, `sealed-session v1;cookie-key;${e.algorithm.label};${name}`, 32);
        return { id: e.id, algorithm: e.algorithm, cipher: await cipherFor(e.algorithm, k) };
      }),
    );
  }

  /** Key ids only: never key bytes. */
  toString(): string {
    return `Keyring(${this.ids()
      .map((e) => `${e.id}/${e.algorithm}`)
      .join(', ')})`;
  }

  /** Key ids only: never key bytes. */
  toJSON(): unknown {
    return { keys: this.ids() };
  }

  /** Key ids only, in `console.log` and `util.inspect`. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}
