// The store's configuration, checked when the store is built (SECURITY.md
// "Cookie names and attributes", "Header transport"): a mistake is an error
// then, never at a request.

import { Keyring } from './keyring.js';
import { maxChunks } from './candidates.js';
import type { Session } from './session.js';

/** `SameSite` attribute values. */
export type SameSite = 'Strict' | 'Lax' | 'None';

/** What `CookieStore.create` takes. Every field but `keyring` has a secure default. */
export interface CookieStoreOptions {
  /** The key pairs (newest first). */
  keyring: Keyring;
  /**
   * The cookie name; chunks are `NAME.1`, `NAME.2`, ... Default
   * `__Host-session`, or `session` when `secure` is false. A `Secure`
   * store's name must start with `__Host-` unless `allowNonHostName` is set.
   */
  name?: string;
  /**
   * Accept a `Secure` store whose name does not start with `__Host-`
   * (default false: such a name is refused by `CookieStore.create`).
   *
   * **Security:** any other name can be set beside the user's cookie by a
   * sibling subdomain or a plain-HTTP page (SECURITY.md "Cookie
   * injection"): the reader then answers `conflict` (a logout), and a
   * store whose sessions the victim may not hold at all can be given the
   * attacker's session. Set it only when the cookie must be shared with
   * subdomains (`domain`) or another path, and every subdomain is trusted.
   *
   * @example
   * ```ts
   * const shared = await CookieStore.create({ keyring, name: 'session', domain: 'example.com', allowNonHostName: true });
   * ```
   */
  allowNonHostName?: boolean;
  /** Absolute lifetime in seconds (default 14 days; at most 400 days). */
  maxAge?: number;
  /** Idle timeout in seconds (default none; at most `maxAge`). */
  idleTimeout?: number;
  /** Renew `expiresAt` once less than half the max-age is left (default false). */
  rolling?: boolean;
  /** Bytes of `name=value` over all chunks (default 6144: two cookies). */
  sizeLimit?: number;
  /** Clock-skew allowance in seconds (default 60, at most 300). */
  clockSkew?: number;
  /**
   * `Domain` attribute (default none: a host-only cookie).
   *
   * **Security:** a `Domain` cookie goes to every subdomain; prefer host-only.
   */
  domain?: string;
  /** `Path` attribute (default `/`). */
  path?: string;
  /**
   * `Secure` attribute (default true).
   *
   * **Security:** without it the cookie travels over plain HTTP, where it
   * can be read and replayed; turn it off only for local development.
   */
  secure?: boolean;
  /**
   * `HttpOnly` attribute (default true).
   *
   * **Security:** without it page scripts (and so any XSS) can read the cookie.
   */
  httpOnly?: boolean;
  /**
   * `SameSite` attribute (default `Lax`).
   *
   * **Security:** `None` sends the cookie on cross-site requests (CSRF).
   */
  sameSite?: SameSite;
  /** `Partitioned` attribute (default false; requires `secure`). */
  partitioned?: boolean;
  /** Refuse (as expired) sessions issued before this time (Unix seconds or a Date). */
  notBefore?: number | Date;
  /** The application's revocation check: return true to refuse a session. */
  revoked?: (session: Session) => boolean | Promise<boolean>;
  /**
   * The name of the primary store this store's sessions are bound to
   * (default none). A bound store's sessions are loaded with
   * `CookieStore.loadBound` beside the request's primary session and bound
   * to it with `CookieStore.bind` before saving; one that was not saved
   * beside that primary session (another browser's, tossed by an attacker
   * from a sibling subdomain) is refused as a `conflict` (SECURITY.md
   * "Cookie injection"). Use it for stores the victim may hold no cookie of
   * at all: an OAuth `state`, a checkout flow.
   *
   * @example
   * ```ts
   * const flow = await CookieStore.create({ keyring, name: '__Host-flow', boundTo: '__Host-session' });
   * ```
   */
  boundTo?: string;
  /** Where warnings go (a cookie injection refused); default `console.warn`. */
  warn?: (message: string) => void;
}

/** A store configuration that cannot be used. */
export class StoreConfigError extends Error {
  override name = 'StoreConfigError';
}

/** The checked configuration. */
export interface Resolved {
  keyring: Keyring;
  name: string;
  maxAge: number;
  idleTimeout: number | null;
  rolling: boolean;
  sizeLimit: number;
  clockSkew: number;
  maxChunks: number;
  /** `; Path=...` up to the end, after `Max-Age=A`. */
  attributes: string;
  notBefore: number | null;
  revoked: ((session: Session) => boolean | Promise<boolean>) | null;
  boundTo: string | null;
  warn: (message: string) => void;
}

const TCHAR = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const DAY = 24 * 3600;

function whole(value: number, what: string, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new StoreConfigError(`${what} must be a whole number from ${min} to ${max}, got ${value}`);
  }
  return value;
}

/** Checks `o` and precomputes the attribute text. */
export function resolve(o: CookieStoreOptions): Resolved {
  if (!(o?.keyring instanceof Keyring)) throw new StoreConfigError('keyring must be a Keyring (from Keyring.fromConfig)');
  const secure = o.secure ?? true;
  const name = o.name ?? (secure ? '__Host-session' : 'session');
  if (name.length < 1 || name.length > 128 || !TCHAR.test(name)) {
    throw new StoreConfigError('the cookie name must be 1 to 128 token characters (RFC 9110 tchar)');
  }
  const httpOnly = o.httpOnly ?? true;
  const sameSite = o.sameSite ?? 'Lax';
  const partitioned = o.partitioned ?? false;
  const path = o.path ?? '/';
  const domain = o.domain;
  if (!['Strict', 'Lax', 'None'].includes(sameSite)) throw new StoreConfigError('sameSite must be Strict, Lax or None');
  if (!path.startsWith('/') || /[;\x00-\x1f\x7f]/.test(path) || /[^\x00-\x7f]/.test(path)) {
    throw new StoreConfigError('the path must be ASCII, start with "/" and hold no ";" or control character');
  }
  if (domain !== undefined && (domain.length < 1 || domain.length > 253 || !/^[A-Za-z0-9.-]+$/.test(domain))) {
    throw new StoreConfigError('the domain must be 1 to 253 ASCII letters, digits, "-" and "."');
  }
  const lower = name.toLowerCase();
  if (lower.startsWith('__host-') && (!secure || domain !== undefined || path !== '/')) {
    throw new StoreConfigError('a __Host- name requires Secure, Path=/ and no Domain');
  }
  if (lower.startsWith('__secure-') && !secure) throw new StoreConfigError('a __Secure- name requires Secure');
  // Any other name can be set beside the user's by a sibling subdomain or a
  // plain-HTTP page (SECURITY.md "Cookie injection"); without Secure no
  // prefix is possible, and none is required.
  if (secure && !lower.startsWith('__host-') && !o.allowNonHostName) {
    throw new StoreConfigError(
      `a Secure store's name must start with __Host- (${JSON.stringify(name)} can be set by a sibling subdomain); set allowNonHostName to accept it`,
    );
  }
  if (sameSite === 'None' && !secure) throw new StoreConfigError('SameSite=None requires Secure');
  if (partitioned && !secure) throw new StoreConfigError('Partitioned requires Secure');
  const maxAge = whole(o.maxAge ?? 14 * DAY, 'maxAge', 1, 400 * DAY);
  const idleTimeout = o.idleTimeout === undefined ? null : whole(o.idleTimeout, 'idleTimeout', 1, maxAge);
  const sizeLimit = whole(o.sizeLimit ?? 6144, 'sizeLimit', 256, Number.MAX_SAFE_INTEGER);
  const chunks = maxChunks(name, sizeLimit);
  if (chunks > 255) throw new StoreConfigError('sizeLimit allows more than 255 chunks');
  const boundTo = o.boundTo ?? null;
  if (boundTo !== null && (boundTo.length < 1 || boundTo.length > 128 || !TCHAR.test(boundTo) || boundTo === name)) {
    throw new StoreConfigError('boundTo must name another store (1 to 128 token characters)');
  }
  const clockSkew = whole(o.clockSkew ?? 60, 'clockSkew', 0, 300);
  const notBefore =
    o.notBefore === undefined ? null : Math.floor(o.notBefore instanceof Date ? o.notBefore.getTime() / 1000 : o.notBefore);
  const attributes =
    (domain !== undefined ? `; Domain=${domain}` : '') +
    `; Path=${path}` +
    (secure ? '; Secure' : '') +
    (httpOnly ? '; HttpOnly' : '') +
    `; SameSite=${sameSite}` +
    (partitioned ? '; Partitioned' : '');
  return {
    keyring: o.keyring,
    name,
    maxAge,
    idleTimeout,
    rolling: o.rolling ?? false,
    sizeLimit,
    clockSkew,
    maxChunks: chunks,
    attributes,
    notBefore,
    revoked: o.revoked ?? null,
    boundTo,
    warn: o.warn ?? ((message) => console.warn(message)),
  };
}

const REFUSED_HEADERS = new Set([
  'accept-charset', 'accept-encoding', 'access-control-request-headers', 'access-control-request-method',
  'authorization', 'cache-control', 'connection', 'cookie', 'cookie2', 'date', 'dnt', 'expect', 'forwarded',
  'host', 'http2-settings', 'keep-alive', 'location', 'origin', 'referer', 'set-cookie', 'set-cookie2',
  'strict-transport-security', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'vary', 'via',
  'www-authenticate', 'x-csrf-token', 'x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto',
  'x-http-method', 'x-http-method-override', 'x-method-override', 'x-real-ip',
]);

/** Checks a header-transport name (SECURITY.md "Header names"). */
export function checkHeaderName(name: string): string {
  const lower = name.toLowerCase();
  if (!TCHAR.test(name) || REFUSED_HEADERS.has(lower) || /^(content-|proxy-|sec-)/.test(lower)) {
    throw new StoreConfigError(`${JSON.stringify(name)} cannot carry a session (SECURITY.md, "Header names")`);
  }
  return lower;
}
