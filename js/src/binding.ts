// Bound stores (SECURITY.md "Cookie injection", "A store the victim holds no
// cookie of"): a store whose sessions belong to another store's session, the
// primary. Each bound session carries, under the data key `__bound`, the
// first 16 bytes of SHA-256("sealed-session v1 bound session" || 0x00 ||
// primary name || 0x00 || primary session id) in unpadded base64url, and is
// refused as a conflict when that does not match the request's primary
// session: a session made in the attacker's browser names the attacker's
// primary session and never opens beside the victim's.

import { encodeBase64url } from './base64.js';

/** The data key under which a bound session carries its primary's hash. */
export const BOUND_KEY = '__bound';
/**
 * The data key set in an empty primary session when a bound session is
 * bound to it, so that the primary's id (which the binding names) reaches
 * the client too.
 */
export const ANCHOR_KEY = '__bound_anchor';

const utf8 = new TextEncoder();
const LABEL = utf8.encode('sealed-session v1 bound session');

/** The value a session bound to the primary session `id` of store `primaryName` carries. */
export async function boundTag(primaryName: string, id: Uint8Array): Promise<string> {
  const name = utf8.encode(primaryName);
  const input = new Uint8Array(LABEL.length + 1 + name.length + 1 + id.length);
  input.set(LABEL, 0);
  input.set(name, LABEL.length + 1);
  input.set(id, LABEL.length + 1 + name.length + 1);
  const digest = new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', input));
  return encodeBase64url(digest.subarray(0, 16));
}

/** Compares a carried tag with the expected one without an early exit on the first difference. */
export function sameTag(carried: unknown, expected: string | null): boolean {
  if (typeof carried !== 'string' || expected === null || carried.length !== expected.length) return false;
  let diff = 0;
  for (let i = 0; i < expected.length; i++) diff |= carried.charCodeAt(i) ^ expected.charCodeAt(i);
  return diff === 0;
}
