// One session: its values, flashes, id and lifetimes, and what a save needs
// to know (new, modified, destroyed, which key opened it). Values are kept
// as their CBOR bytes and decoded when read (SECURITY.md "Payload").

import { CborError } from './cbor/errors.js';
import { decodeValue, type CborValue } from './cbor/decode.js';
import { encodeValue, LONE_SURROGATE } from './cbor/encode.js';
import { ID_LEN, type Payload } from './payload.js';

/** The bucket `addFlash` and `flashes` use when none is named. */
export const DEFAULT_FLASH_BUCKET = '_flash';
/** The longest max-age override, in seconds (400 days, the browsers' cap). */
export const MAX_MAX_AGE = 400 * 24 * 3600;

/** A value that cannot be stored in (or read from) a session. */
export class ValueError extends Error {
  override name = 'ValueError';
  /**
   * @param key the session key or flash bucket
   * @param reason why
   */
  constructor(
    readonly key: string,
    reason: string,
  ) {
    super(`session value ${JSON.stringify(key)}: ${reason}`);
  }
}

/**
 * Why the request's cookies did not give a session (SECURITY.md "Opening",
 * "Outcome"): `invalid` (forged, damaged, sealed by an unknown key),
 * `expired` (authentic but past its expiry or idle deadline), or `conflict`
 * (a session opened, but the request also carried another authentic
 * session, or cookie values the reader dropped or did not try: someone
 * added cookies under the name, so none is used). A conflict's cookies are
 * not deleted by the next save: the user's session opens again once the
 * added cookies are gone.
 *
 * @example
 * ```ts
 * const session = await store.load(req.headers.cookie);
 * if (session.loadError === 'conflict') log.warn('cookie injection against the session cookie');
 * ```
 */
export type LoadError = 'invalid' | 'expired' | 'conflict';

/** @internal What the store reads and writes. */
export interface SessionState {
  store: string;
  payload: Payload;
  isNew: boolean;
  modified: boolean;
  destroyed: boolean;
  loadError: LoadError | null;
  openedWith: { keyId: string; primary: boolean } | null;
  chunksLoaded: number;
  /**
   * `C` of SECURITY.md "Writing": the store's chunk indices the client may
   * hold (those the request carried, none after a conflict, plus every
   * index a save of this session wrote). A save deletes only these.
   */
  held: Set<number>;
  sealedLen: number;
  random: (n: number) => Uint8Array;
}

/** @internal The key under which a session keeps its state. */
export const STATE: unique symbol = Symbol('sealed-session state');

function toBytes(key: string, value: unknown): Uint8Array {
  try {
    return encodeValue(value);
  } catch (e) {
    throw new ValueError(key, e instanceof CborError ? e.message : String(e));
  }
}

function fromBytes(key: string, bytes: Uint8Array): CborValue {
  try {
    return decodeValue(bytes);
  } catch (e) {
    // Unreachable for opened payloads (validated) and stored values (checked).
    throw new ValueError(key, e instanceof CborError ? e.message : String(e));
  }
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function hex(bytes: Uint8Array): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
}

const date = (secs: bigint): Date => new Date(Number(secs) * 1000);

/**
 * A session: a map of values (anything CBOR holds: numbers, bigints,
 * strings, booleans, null, arrays, plain objects, `Map`s, `Uint8Array`s),
 * flash messages, a random id and lifetimes. Get one from
 * `CookieStore.load` and hand it back to `CookieStore.save`.
 *
 * @example
 * ```ts
 * const session = await store.load(req.headers.cookie);
 * const count = session.get<number>('count') ?? 0;
 * session.set('count', count + 1);
 * res.setHeader('Set-Cookie', await store.save(session));
 * ```
 */
export class Session {
  /** @internal */
  readonly [STATE]: SessionState;

  /** @internal Sessions come from `CookieStore.load`. */
  constructor(state: SessionState) {
    this[STATE] = state;
  }

  private get s(): SessionState {
    return this[STATE];
  }

  private touch(): void {
    this.s.modified = true;
  }

  /** The session id: 16 random bytes as 32 hex digits. */
  get id(): string {
    return hex(this.s.payload.id);
  }

  /**
   * The value under `key`, decoded, or `undefined`. The type parameter is
   * not checked at run time: validate values that matter.
   *
   * @example
   * ```ts
   * const cart = session.get<{ sku: string; qty: number }[]>('cart') ?? [];
   * ```
   */
  get<T = CborValue>(key: string): T | undefined {
    const bytes = this.s.payload.data.get(key);
    return bytes === undefined ? undefined : (fromBytes(key, bytes) as T);
  }

  /**
   * Stores `value` under `key`. Storing the same bytes again is not a change.
   *
   * @throws {ValueError} when the value cannot be stored (undefined, a class
   * instance, nested deeper than 32 levels, a lone surrogate, an integer
   * beyond 64 bits); the session is then unchanged.
   *
   * @example
   * ```ts
   * session.set('user', { id: 42, name: 'alice', roles: ['admin'] });
   * ```
   */
  set(key: string, value: unknown): void {
    if (LONE_SURROGATE.test(key)) throw new ValueError(key, 'the key is not valid UTF-8');
    const bytes = toBytes(key, value);
    const old = this.s.payload.data.get(key);
    if (old && equal(old, bytes)) return;
    this.s.payload.data.set(key, bytes);
    this.touch();
  }

  /**
   * True when `key` holds a value.
   *
   * @example
   * ```ts
   * if (!session.has('user')) res.writeHead(303, { location: '/login' });
   * ```
   */
  has(key: string): boolean {
    return this.s.payload.data.has(key);
  }

  /**
   * Removes `key`; returns whether it was there.
   *
   * @example
   * ```ts
   * session.delete('cart');
   * ```
   */
  delete(key: string): boolean {
    const removed = this.s.payload.data.delete(key);
    if (removed) this.touch();
    return removed;
  }

  /**
   * Removes and returns the value under `key`.
   *
   * @example
   * ```ts
   * const next = session.take<string>('redirect_to') ?? '/';
   * ```
   */
  take<T = CborValue>(key: string): T | undefined {
    const bytes = this.s.payload.data.get(key);
    if (bytes === undefined) return undefined;
    this.s.payload.data.delete(key);
    this.touch();
    return fromBytes(key, bytes) as T;
  }

  /**
   * Removes every value and flash (the save then deletes the cookies).
   *
   * @example
   * ```ts
   * session.clear();
   * ```
   */
  clear(): void {
    if (this.s.payload.data.size === 0 && this.s.payload.flashes.size === 0) return;
    this.s.payload.data.clear();
    this.s.payload.flashes.clear();
    this.touch();
  }

  /** The keys that hold values. */
  keys(): string[] {
    return [...this.s.payload.data.keys()];
  }

  /** Number of values. */
  get size(): number {
    return this.s.payload.data.size;
  }

  /** True when the session holds no value and no flash (a save deletes it). */
  get isEmpty(): boolean {
    return this.s.payload.data.size === 0 && this.s.payload.flashes.size === 0;
  }

  /**
   * Adds a flash message to `bucket` (default `_flash`), shown once by the
   * next `flashes` call.
   *
   * @throws {ValueError} as `set`.
   *
   * @example
   * ```ts
   * session.addFlash('Saved');
   * session.addFlash({ field: 'email', message: 'already taken' }, 'errors');
   * ```
   */
  addFlash(value: unknown, bucket: string = DEFAULT_FLASH_BUCKET): void {
    if (LONE_SURROGATE.test(bucket)) throw new ValueError(bucket, 'the bucket name is not valid UTF-8');
    const bytes = toBytes(bucket, value);
    const messages = this.s.payload.flashes.get(bucket);
    if (messages) messages.push(bytes);
    else this.s.payload.flashes.set(bucket, [bytes]);
    this.touch();
  }

  /**
   * Returns and removes the messages of `bucket` (default `_flash`).
   *
   * @example
   * ```ts
   * for (const message of session.flashes<string>()) html += `<p>${escape(message)}</p>`;
   * ```
   */
  flashes<T = CborValue>(bucket: string = DEFAULT_FLASH_BUCKET): T[] {
    const messages = this.s.payload.flashes.get(bucket);
    if (!messages) return [];
    this.s.payload.flashes.delete(bucket);
    this.touch();
    return messages.map((m) => fromBytes(bucket, m) as T);
  }

  /**
   * Gives the session a new random id, keeping its values; returns the old
   * id. At login prefer `beginLogin`, which also drops what was planted.
   *
   * @example
   * ```ts
   * const oldId = session.regenerateId();
   * ```
   */
  regenerateId(): string {
    const old = this.id;
    const id = this.s.random(ID_LEN);
    if (id.length !== ID_LEN) throw new Error('the random source failed');
    this.s.payload.id = id;
    this.touch();
    return old;
  }

  /**
   * Ends the session: values, flashes and the max-age override go, the id is
   * new, and the save deletes the cookies (or, if values are added after,
   * starts a new session). Returns the old id.
   *
   * @example
   * ```ts
   * session.destroy(); // at logout
   * ```
   */
  destroy(): string {
    this.s.payload.data.clear();
    this.s.payload.flashes.clear();
    this.s.payload.maxAge = undefined;
    const old = this.regenerateId();
    this.s.destroyed = true;
    return old;
  }

  /**
   * Starts a new session at login (a new id, fresh lifetimes, nothing carried
   * over except the values under `keep`), against session fixation and login
   * CSRF (SECURITY.md "Cookie injection"). Returns the old id.
   *
   * @example
   * ```ts
   * session.beginLogin(['theme']); // keep only the visitor's theme
   * session.set('user', user.id);
   * ```
   */
  beginLogin(keep: string[] = []): string {
    const kept = keep.flatMap((k) => {
      const v = this.s.payload.data.get(k);
      return v ? [[k, v] as const] : [];
    });
    const old = this.destroy();
    for (const [k, v] of kept) this.s.payload.data.set(k, v);
    return old;
  }

  /**
   * Overrides the store's max-age for this session (whole seconds, at most
   * 400 days); the next save sets `expiresAt = now + seconds`. Zero ends the
   * session at once.
   *
   * @example
   * ```ts
   * if (rememberMe) session.setMaxAge(30 * 24 * 3600);
   * ```
   */
  setMaxAge(seconds: number): void {
    if (!Number.isFinite(seconds) || seconds < 0) throw new RangeError('max-age must be a non-negative number of seconds');
    const secs = BigInt(Math.min(Math.floor(seconds), MAX_MAX_AGE));
    if (this.s.payload.maxAge === secs) return;
    this.s.payload.maxAge = secs;
    // Recomputed from the new lifetime at the next save.
    this.s.payload.expiresAt = 0n;
    this.touch();
  }

  /** True when the request gave no session (fresh). */
  get isNew(): boolean {
    return this.s.isNew;
  }

  /** True when something changed since it was loaded or saved. */
  get isModified(): boolean {
    return this.s.modified;
  }

  /** Why the request's cookies were not used (`null`: none came, or they opened). */
  get loadError(): LoadError | null {
    return this.s.loadError;
  }

  /** The key id that opened the session, or `null`. */
  get openedWith(): string | null {
    return this.s.openedWith?.keyId ?? null;
  }

  /** When the session was created. */
  get issuedAt(): Date {
    return date(this.s.payload.issuedAt);
  }

  /** Its absolute expiry. */
  get expiresAt(): Date {
    return date(this.s.payload.expiresAt);
  }

  /** Its idle deadline, when the store has an idle timeout. */
  get idleDeadline(): Date | null {
    const d = this.s.payload.idleDeadline;
    return d === undefined ? null : date(d);
  }

  /** How many cookies the session came in (or was last saved in). */
  get cookieCount(): number {
    return this.s.chunksLoaded;
  }

  /** Length of the sealed text it came in (or was last saved as). */
  get sealedLength(): number {
    return this.s.sealedLen;
  }

  /** Keys only: values may be secrets. */
  toString(): string {
    return `Session(${this.id}, keys: ${JSON.stringify(this.keys())})`;
  }

  /** Keys only, in `console.log` and `util.inspect`. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}
