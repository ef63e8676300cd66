// Base64 (RFC 4648) exactly as SECURITY.md needs it: canonical unpadded
// base64url for sealed values (no `=`, no `+` or `/`, zero trailing bits),
// and the key-text rules of "Key configuration text" (either alphabet,
// optional canonical padding). Written here because neither Node's Buffer
// nor WebCrypto exists in every runtime this package targets, and neither
// refuses non-canonical text.

const URL_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const STD_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

function table(alphabet: string): Int16Array {
  const t = new Int16Array(128).fill(-1);
  for (let i = 0; i < alphabet.length; i++) t[alphabet.charCodeAt(i)] = i;
  return t;
}

const URL_TABLE = table(URL_ALPHABET);
const STD_TABLE = table(STD_ALPHABET);

/** Unpadded base64url of `bytes`. */
export function encodeBase64url(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 3 <= bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out +=
      URL_ALPHABET[n >>> 18]! +
      URL_ALPHABET[(n >>> 12) & 63]! +
      URL_ALPHABET[(n >>> 6) & 63]! +
      URL_ALPHABET[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i]! << 16;
    out += URL_ALPHABET[n >>> 18]! + URL_ALPHABET[(n >>> 12) & 63]!;
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    out += URL_ALPHABET[n >>> 18]! + URL_ALPHABET[(n >>> 12) & 63]! + URL_ALPHABET[(n >>> 6) & 63]!;
  }
  return out;
}

/** Length in characters of the unpadded base64 of `n` bytes. */
export function encodedLength(n: number): number {
  return Math.ceil((n * 4) / 3);
}

function decodeWith(text: string, t: Int16Array): Uint8Array | null {
  const rem = text.length % 4;
  if (rem === 1) return null;
  const out = new Uint8Array(Math.floor((text.length * 3) / 4));
  let o = 0;
  let acc = 0;
  let bits = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const v = c < 128 ? t[c]! : -1;
    if (v < 0) return null;
    acc = ((acc << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >>> bits) & 0xff;
    }
  }
  // Canonical only: the bits after the last byte are zero (one text per value).
  if (bits > 0 && (acc & ((1 << bits) - 1)) !== 0) return null;
  return out;
}

/**
 * Decodes canonical unpadded base64url, or returns `null`: any `=`, `+`, `/`,
 * blank or other character, a length of 4k+1, or non-zero trailing bits.
 */
export function decodeBase64url(text: string): Uint8Array | null {
  return decodeWith(text, URL_TABLE);
}

/**
 * Decodes a key as SECURITY.md "Key configuration text" rule 6 states it:
 * the standard alphabet when the text contains `+` or `/`, else the URL-safe
 * one; padding optional but, when present, exactly the canonical `=`s; zero
 * trailing bits. Returns `null` when the text breaks any of these.
 */
export function decodeKeyText(text: string): Uint8Array | null {
  const t = /[+/]/.test(text) ? STD_TABLE : URL_TABLE;
  let body = text;
  const pad = text.indexOf('=');
  if (pad >= 0) {
    body = text.slice(0, pad);
    const padding = text.slice(pad);
    if (!/^=+$/.test(padding)) return null;
    const canonical = (4 - (body.length % 4)) % 4;
    if (padding.length !== canonical || canonical === 0) return null;
  }
  return decodeWith(body, t);
}
