// One sealing key `K` (per key pair, algorithm and cookie name) and the
// AEAD or MAC of its algorithm: AES-256-GCM and HMAC-SHA256 on WebCrypto,
// XAES-256-GCM on WebCrypto's AES (xaes.ts), XChaCha20-Poly1305 from
// @noble/ciphers (audited, constant-time tag comparison). Each `open`
// reports only success or failure (no oracle).

import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import type { AlgorithmSpec } from './algorithms.js';
import { XaesKey } from './xaes.js';

const subtle = globalThis.crypto.subtle;

// WebCrypto's types want ArrayBuffer-backed views; every view here is one.
const bs = (b: Uint8Array): BufferSource => b as BufferSource;

/** Seals and opens `body || tag` under one key. */
export interface Cipher {
  /** `body || tag` for `payload`. */
  seal(nonce: Uint8Array, aad: Uint8Array, payload: Uint8Array): Promise<Uint8Array>;
  /** The payload, or `null` when the tag does not verify. */
  open(nonce: Uint8Array, aad: Uint8Array, sealed: Uint8Array): Promise<Uint8Array | null>;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

async function gcmSeal(key: CryptoKey, iv: Uint8Array, aad: Uint8Array, payload: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await subtle.encrypt({ name: 'AES-GCM', iv: bs(iv), additionalData: bs(aad), tagLength: 128 }, key, bs(payload)));
}

async function gcmOpen(key: CryptoKey, iv: Uint8Array, aad: Uint8Array, sealed: Uint8Array): Promise<Uint8Array | null> {
  try {
    return new Uint8Array(await subtle.decrypt({ name: 'AES-GCM', iv: bs(iv), additionalData: bs(aad), tagLength: 128 }, key, bs(sealed)));
  } catch {
    return null;
  }
}

/** The cipher of `spec` under `k` (32 bytes); `k` is wiped once imported. */
export async function cipherFor(spec: AlgorithmSpec, k: Uint8Array): Promise<Cipher> {
  try {
    switch (spec.name) {
      case 'aes-256-gcm': {
        const key = await subtle.importKey('raw', bs(k), { name: 'AES-GCM' }, false, ['encrypt', 'decrypt']);
        return {
          seal: (nonce, aad, payload) => gcmSeal(key, nonce, aad, payload),
          open: (nonce, aad, sealed) => gcmOpen(key, nonce, aad, sealed),
        };
      }
      case 'xaes-256-gcm': {
        const key = await XaesKey.import(k);
        return {
          seal: async (nonce, aad, payload) => gcmSeal(await key.derive(nonce), nonce.subarray(12), aad, payload),
          open: async (nonce, aad, sealed) => gcmOpen(await key.derive(nonce), nonce.subarray(12), aad, sealed),
        };
      }
      case 'hmac-sha256': {
        const key = await subtle.importKey('raw', bs(k), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
        return {
          seal: async (_nonce, aad, payload) =>
            concat(payload, new Uint8Array(await subtle.sign('HMAC', key, bs(concat(aad, payload))))),
          open: async (_nonce, aad, sealed) => {
            const body = sealed.subarray(0, sealed.length - 32);
            const tag = sealed.subarray(sealed.length - 32);
            // WebCrypto's verify compares the tag itself (constant-time in
            // Node's OpenSSL and in browsers).
            const ok = await subtle.verify('HMAC', key, bs(tag), bs(concat(aad, body)));
            return ok ? body.slice() : null;
          },
        };
      }
      case 'xchacha20-poly1305': {
        // noble needs the raw key: a private copy, held only by this closure.
        const key = k.slice();
        return {
          seal: async (nonce, aad, payload) => xchacha20poly1305(key, nonce, aad).encrypt(payload),
          open: async (nonce, aad, sealed) => {
            try {
              return xchacha20poly1305(key, nonce, aad).decrypt(sealed);
            } catch {
              return null;
            }
          },
        };
      }
    }
  } finally {
    k.fill(0);
  }
}
