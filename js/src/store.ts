// CookieStore: reads a session from a request's cookies (or one header) and
// turns a session into Set-Cookie lines, as SECURITY.md "Opening",
// "Writing" and "Header transport" state it. Which cookies are read is
// decided in candidates.ts; this file opens candidates and writes.

import { encodedLength } from './base64.js';
import { ANCHOR_KEY, BOUND_KEY, boundTag, sameTag } from './binding.js';
import { find, select, chunkName, MAX_COOKIE_LEN, type Attempt } from './candidates.js';
import { Envelope } from './envelope.js';
import { encodePayload, openPayload, ID_LEN, type Payload } from './payload.js';
import { resolve, checkHeaderName, type CookieStoreOptions, type Resolved } from './options.js';
import { Session, STATE, type SessionState } from './session.js';

/** A save that could not be made; the session is unchanged and nothing was emitted. */
export class SaveError extends Error {
  override name = 'SaveError';
  /**
   * @param kind `too-large` (the session needs more than the budget),
   * `wrong-store` (the session belongs to a store of another name)
   * @param needed bytes the session needed (`too-large`)
   * @param allowed the budget (`too-large`)
   */
  constructor(
    readonly kind: 'too-large' | 'wrong-store',
    message: string,
    readonly needed = 0,
    readonly allowed = 0,
  ) {
    super(message);
  }
}

/**
 * Counters of what a store saw since it was created. `injections` stays at
 * zero unless someone injects cookies (SECURITY.md "Cookie injection"):
 * alert on it.
 */
export interface StoreStats {
  /** Loads that opened a session. */
  opened: number;
  /** Loads whose cookies were refused as `invalid`. */
  invalid: number;
  /** Loads whose session had expired. */
  expired: number;
  /**
   * Loads that were a `conflict`: a session opened, but the request also
   * carried another authentic session, or values the reader dropped or did
   * not try (SECURITY.md "Opening", "Outcome"); none was used.
   */
  injections: number;
  /** Sessions opened with a pair other than the first (re-sealed on save). */
  openedWithOlderKey: number;
  /** Saves that wrote a sealed session. */
  saves: number;
  /** Saves refused as too large. */
  tooLarge: number;
}

/** What a header-transport save answers. */
export type HeaderAnswer = { set: string } | 'clear' | 'unchanged';

/** @internal Deterministic randomness and clock, for the test vectors. */
export interface Hooks {
  random?: (n: number) => Uint8Array;
  /** Sees each payload just before it is sealed. */
  sealing?: (payload: Uint8Array) => void;
}

const systemRandom = (n: number): Uint8Array => globalThis.crypto.getRandomValues(new Uint8Array(n));
const nowSecs = (): bigint => BigInt(Math.floor(Date.now() / 1000));
const hex = (b: Uint8Array): string => [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
const SP_HTAB = /^[ \t]+|[ \t]+$/g;

/** `deleted`: the chunk indices to delete, in index order. */
type Plan =
  | { kind: 'nothing' }
  | { kind: 'delete'; deleted: number[] }
  | { kind: 'write'; text: string; lens: number[]; maxAge: bigint; deleted: number[] };

/**
 * Sealed, stateless sessions in cookies.
 *
 * @example
 * ```ts
 * import { CookieStore, Keyring } from 'sealed-session';
 * const keyring = await Keyring.fromConfig(process.env.SESSION_KEYS!);
 * const store = await CookieStore.create({ keyring });
 * const session = await store.load(req.headers.cookie);
 * session.set('user', 'alice');
 * res.setHeader('Set-Cookie', await store.save(session));
 * ```
 */
export class CookieStore {
  readonly #o: Resolved;
  readonly #envelope: Envelope;
  readonly #random: (n: number) => Uint8Array;
  readonly #deletions: string[];
  readonly #header: string | null;
  readonly #sealing: ((payload: Uint8Array) => void) | null;
  readonly #stats: StoreStats = { opened: 0, invalid: 0, expired: 0, injections: 0, openedWithOlderKey: 0, saves: 0, tooLarge: 0 };

  private constructor(o: Resolved, envelope: Envelope, hooks: Hooks, header: string | null) {
    this.#o = o;
    this.#envelope = envelope;
    this.#random = hooks.random ?? systemRandom;
    this.#sealing = hooks.sealing ?? null;
    this.#header = header;
    this.#deletions = Array.from({ length: o.maxChunks }, (_, i) => `${chunkName(o.name, i)}=; Max-Age=0${o.attributes}`);
  }

  /**
   * Checks the options and derives the per-name keys.
   *
   * @throws {StoreConfigError} for a configuration that cannot work (a
   * `__Host-` name with a `Domain`, `SameSite=None` without `Secure`, ...).
   *
   * @example
   * ```ts
   * const store = await CookieStore.create({ keyring, name: '__Host-session', maxAge: 7 * 86400, idleTimeout: 3600 });
   * ```
   */
  static async create(options: CookieStoreOptions & { header?: string }, hooks: Hooks = {}): Promise<CookieStore> {
    const o = resolve(options);
    const header = options.header === undefined ? null : checkHeaderName(options.header);
    const envelope = await Envelope.create(o.keyring, o.name);
    return new CookieStore(o, envelope, hooks, header);
  }

  /** The cookie name. */
  get name(): string {
    return this.#o.name;
  }

  /** The header-transport header name (lowercase), or `null`. */
  get headerName(): string | null {
    return this.#header;
  }

  /** The size budget in bytes. */
  get sizeLimit(): number {
    return this.#o.sizeLimit;
  }

  /**
   * A copy of the store's counters.
   *
   * @example
   * ```ts
   * if (store.stats.injections > 0) alert('cookie injection against the session cookie');
   * ```
   */
  get stats(): StoreStats {
    return { ...this.#stats };
  }

  /** The name of the primary store this store's sessions are bound to, or `null`. */
  get boundTo(): string | null {
    return this.#o.boundTo;
  }

  /** The most cookies a session spans. */
  get maxChunks(): number {
    return this.#o.maxChunks;
  }

  /**
   * The session in a request's `Cookie` header(s). Never throws for bad
   * input: a missing, forged, expired or injected cookie gives a fresh
   * session (with `loadError` set when cookies of the store were there).
   *
   * @example
   * ```ts
   * const session = await store.load(req.headers.cookie);
   * if (session.loadError === 'expired') session.addFlash('Please log in again');
   * ```
   */
  load(cookieHeader: string | readonly string[] | null | undefined): Promise<Session> {
    return this.loadAt(cookieHeader, nowSecs());
  }

  /**
   * A bound store's session (option `boundTo`) for a request whose primary
   * session, loaded from the same request, is `primary`. A session that
   * opens but was not bound to this primary session (another browser's,
   * tossed by an attacker) is refused: the session is fresh and `loadError`
   * is `'conflict'`. On a bound store `load` refuses every session that
   * opens, since there is no primary session to compare.
   *
   * @example
   * ```ts
   * const user = await auth.load(req.headers.cookie);
   * const state = await flow.loadBound(req.headers.cookie, user);
   * if (state.loadError === 'conflict') res.writeHead(400).end('start the sign-in again');
   * ```
   */
  async loadBound(cookieHeader: string | readonly string[] | null | undefined, primary: Session): Promise<Session> {
    if (!(primary instanceof Session)) throw new TypeError('loadBound needs the primary store\'s Session');
    return this.loadAt(cookieHeader, nowSecs(), await boundTag(primary[STATE].store, primary[STATE].payload.id));
  }

  /**
   * Binds `session`, of this bound store, to `primary` before both are
   * saved: stores the primary's hash under `__bound` and, when the primary
   * session is empty (it would write no cookie, and its id would be lost),
   * sets `__bound_anchor` in it so that it is written too. A session
   * holding nothing but the binding is emptied (its save deletes its
   * cookies). Does nothing on a store that is not bound.
   *
   * @example
   * ```ts
   * state.set('oauth_state', nonce);
   * await flow.bind(state, user);
   * res.setHeader('Set-Cookie', [...(await auth.save(user)), ...(await flow.save(state))]);
   * ```
   */
  async bind(session: Session, primary: Session): Promise<void> {
    if (!(session instanceof Session) || !(primary instanceof Session)) throw new TypeError('bind needs two Sessions');
    if (this.#o.boundTo === null) return;
    if (session.keys().every((k) => k === BOUND_KEY)) {
      session.delete(BOUND_KEY);
      return;
    }
    if (primary.isEmpty) primary.set(ANCHOR_KEY, true);
    session.set(BOUND_KEY, await boundTag(primary[STATE].store, primary[STATE].payload.id));
  }

  /** @internal `load` at a given clock (Unix seconds); `bound`: the tag a bound store's session must carry. */
  async loadAt(cookieHeader: string | readonly string[] | null | undefined, now: bigint, bound: string | null = null): Promise<Session> {
    const headers = cookieHeader == null ? [] : typeof cookieHeader === 'string' ? [cookieHeader] : cookieHeader;
    const o = this.#o;
    const found = find(headers, o.name, o.maxChunks);
    let outcome = await select(found, o.maxChunks, o.sizeLimit, (text, n) => this.#open(text, n, now));
    if ('absent' in outcome) return this.#fresh(now);
    // A bound store's session opens only beside the primary session it was bound to.
    if ('ok' in outcome && o.boundTo !== null && !sameTag(outcome.ok.get(BOUND_KEY), bound)) outcome = { error: 'conflict' };
    // The indices the request carried: each may be deleted by a later save.
    const carried = new Set<number>();
    found.values.forEach((v, i) => v.kept.length > 0 && carried.add(i));
    if ('ok' in outcome) {
      outcome.ok[STATE].held = carried;
      return this.#opened(outcome.ok);
    }
    const session = this.#fresh(now);
    session[STATE].loadError = outcome.error;
    if (outcome.error === 'conflict') {
      this.#stats.injections++;
      this.#o.warn(
        `sealed-session: ambiguous cookies under the name ${JSON.stringify(this.#o.name)} (another session, values not tried, or a bound session of another primary: cookie injection?): none used`,
      );
      // Not deleted on the next save: a deletion reaches only the host's own
      // cookies (the user's), never one a sibling set with Domain=.
      return session;
    }
    this.#stats[outcome.error]++;
    // The request carried the store's cookies: an emptied session deletes them.
    session[STATE].chunksLoaded = carried.size;
    session[STATE].held = carried;
    return session;
  }

  /**
   * The session in a header-transport value (trimmed; empty or absent: a
   * fresh session, no error).
   *
   * @example
   * ```ts
   * const session = await store.loadHeader(req.headers['x-session'] as string | undefined);
   * ```
   */
  loadHeader(value: string | null | undefined): Promise<Session> {
    return this.loadHeaderAt(value, nowSecs());
  }

  /** @internal `loadHeader` at a given clock. */
  async loadHeaderAt(value: string | null | undefined, now: bigint): Promise<Session> {
    // Trimmed of SP and HTAB only, as a cookie pair (a form feed stays).
    const text = (value ?? '').replace(SP_HTAB, '');
    if (text === '') return this.#fresh(now);
    const result = text.length <= this.#o.maxChunks * MAX_COOKIE_LEN ? await this.#open(text, 1, now) : { invalid: true };
    if ('ok' in result) return this.#opened(result.ok);
    const session = this.#fresh(now);
    const error = 'expired' in result ? 'expired' : 'invalid';
    session[STATE].loadError = error;
    this.#stats[error]++;
    session[STATE].chunksLoaded = 1;
    session[STATE].held = new Set([0]);
    return session;
  }

  #opened(session: Session): Session {
    this.#stats.opened++;
    if (!session[STATE].openedWith?.primary) this.#stats.openedWithOlderKey++;
    return session;
  }

  #fresh(now: bigint): Session {
    const state: SessionState = {
      store: this.#o.name,
      payload: {
        issuedAt: now,
        expiresAt: now + BigInt(this.#o.maxAge),
        idleDeadline: undefined,
        id: this.#random(ID_LEN),
        data: new Map(),
        flashes: new Map(),
        maxAge: undefined,
      },
      isNew: true,
      modified: false,
      destroyed: false,
      loadError: null,
      openedWith: null,
      chunksLoaded: 0,
      held: new Set(),
      sealedLen: 0,
      random: this.#random,
    };
    return new Session(state);
  }

  // Steps 2 to 12 of "Opening" for one candidate text.
  async #open(text: string, count: number, now: bigint): Promise<Attempt<Session>> {
    const o = this.#o;
    const opened = await this.#envelope.open(text, count);
    if (!opened) return { invalid: true };
    let payload: Payload;
    try {
      payload = openPayload(opened.payload);
    } catch {
      return { invalid: true };
    }
    // Authentic from here: a refusal still names the session (a second
    // authentic id beside an opened session is a conflict).
    const authentic = hex(payload.id);
    // Lifetimes are looked at only after authentication.
    const skew = BigInt(o.clockSkew);
    if (payload.issuedAt > now + skew) return { invalid: true, authentic };
    // Without an idle deadline, a store with an idle timeout holds the
    // session to issued_at + idle (turning the timeout on bounds old cookies).
    const idleTimeout = o.idleTimeout !== null ? BigInt(o.idleTimeout) : null;
    const idle = payload.idleDeadline ?? (idleTimeout !== null ? payload.issuedAt + idleTimeout : undefined);
    if (now > payload.expiresAt + skew || (idle !== undefined && now > idle + skew)) return { expired: true, authentic };
    // Every write seals idle_deadline = now + idle: a deadline further ahead
    // was sealed under a longer timeout, and shortening it bounds old cookies.
    if (idleTimeout !== null && payload.idleDeadline !== undefined && payload.idleDeadline > now + idleTimeout + skew) {
      return { expired: true, authentic };
    }
    // A clock ahead by up to the skew may have stamped a session issued
    // before the cut-off with a later time: those are refused too.
    if (o.notBefore !== null && payload.issuedAt < BigInt(o.notBefore) + skew) return { expired: true, authentic };
    const session = new Session({
      store: o.name,
      payload,
      isNew: false,
      modified: false,
      destroyed: false,
      loadError: null,
      openedWith: { keyId: opened.keyId, primary: opened.byPrimary },
      chunksLoaded: count,
      // The indices the request carried are set by the caller (for
      // header transport: the one value).
      held: new Set([0]),
      sealedLen: text.length,
      random: this.#random,
    });
    if (o.revoked && (await o.revoked(session))) return { invalid: true, authentic };
    return { ok: session, id: authentic };
  }

  /**
   * The `Set-Cookie` values for `session` (possibly none): its chunks then
   * deletions of the chunk names past them that the client may hold (the
   * request carried them, or a save of this session wrote them), or only
   * deletions of those for an emptied session. After it, the session
   * counts as saved.
   *
   * @throws {SaveError} `too-large` (nothing emitted; the client keeps its
   * previous cookies) or `wrong-store`.
   *
   * @example
   * ```ts
   * for (const line of await store.save(session)) res.appendHeader('Set-Cookie', line);
   * ```
   */
  save(session: Session): Promise<string[]> {
    return this.saveAt(session, nowSecs());
  }

  /** @internal `save` at a given clock. */
  async saveAt(session: Session, now: bigint): Promise<string[]> {
    const plan = await this.#counted(this.#plan(session, now, true));
    if (plan.kind === 'nothing') return [];
    if (plan.kind === 'delete') return plan.deleted.map((i) => this.#deletions[i]!);
    const lines: string[] = [];
    let at = 0;
    plan.lens.forEach((len, i) => {
      lines.push(`${chunkName(this.#o.name, i)}=${plan.text.slice(at, at + len)}; Max-Age=${plan.maxAge}${this.#o.attributes}`);
      at += len;
    });
    return lines.concat(plan.deleted.map((i) => this.#deletions[i]!));
  }

  /**
   * Header transport: the value to send, `'clear'` (send the header empty)
   * or `'unchanged'` (send nothing).
   *
   * @throws {SaveError} as `save`; `too-large` when the value is longer than the budget.
   *
   * @example
   * ```ts
   * const answer = await store.saveHeader(session);
   * if (answer === 'clear') res.setHeader('x-session', '');
   * else if (answer !== 'unchanged') res.setHeader('x-session', answer.set);
   * ```
   */
  saveHeader(session: Session): Promise<HeaderAnswer> {
    return this.saveHeaderAt(session, nowSecs());
  }

  /** @internal `saveHeader` at a given clock. */
  async saveHeaderAt(session: Session, now: bigint): Promise<HeaderAnswer> {
    const plan = await this.#counted(this.#plan(session, now, false));
    if (plan.kind === 'nothing') return 'unchanged';
    if (plan.kind === 'delete') return 'clear';
    return { set: plan.text };
  }

  async #counted(plan: Promise<Plan>): Promise<Plan> {
    try {
      const p = await plan;
      if (p.kind === 'write') this.#stats.saves++;
      return p;
    } catch (e) {
      if (e instanceof SaveError && e.kind === 'too-large') this.#stats.tooLarge++;
      throw e;
    }
  }

  /** @internal The greedy split of SECURITY.md "Choosing N", or the TooLarge figures. */
  split(textLen: number): number[] {
    const o = this.#o;
    const lens: number[] = [];
    let left = textLen;
    let total = 0;
    for (let i = 0; i < o.maxChunks && left > 0; i++) {
      const take = Math.min(left, MAX_COOKIE_LEN - chunkName(o.name, i).length - 1);
      lens.push(take);
      total += chunkName(o.name, i).length + 1 + take;
      left -= take;
    }
    if (left > 0 || total > o.sizeLimit) {
      let needed = total;
      for (let i = lens.length; left > 0; i++) {
        const name = chunkName(o.name, i).length;
        const take = Math.min(left, MAX_COOKIE_LEN - name - 1);
        needed += name + 1 + take;
        left -= take;
      }
      throw new SaveError('too-large', `the session needs ${needed} bytes of cookies, the budget is ${o.sizeLimit}`, needed, o.sizeLimit);
    }
    return lens;
  }

  // "What a save emits", in order: empty, nothing due, write.
  async #plan(session: Session, now: bigint, cookies: boolean): Promise<Plan> {
    const s = session[STATE];
    const o = this.#o;
    if (s.store !== o.name) {
      throw new SaveError('wrong-store', `a session of store ${JSON.stringify(s.store)} given to store ${JSON.stringify(o.name)}`);
    }
    const p = s.payload;
    if (p.data.size === 0 && p.flashes.size === 0) {
      const hadCookie = s.chunksLoaded > 0 || !s.isNew;
      s.modified = false;
      // A destroyed session stays destroyed through this save: values stored
      // after it start a session issued then.
      if (!hadCookie) return { kind: 'nothing' };
      const deleted = [...s.held].sort((a, b) => a - b);
      s.isNew = true;
      s.chunksLoaded = 0;
      s.held = new Set();
      s.sealedLen = 0;
      s.openedWith = null;
      return { kind: 'delete', deleted };
    }
    const maxAge = p.maxAge ?? BigInt(o.maxAge);
    const sat = (a: bigint, b: bigint): bigint => (a > b ? a - b : 0n);
    const reseal = s.openedWith !== null && !s.openedWith.primary;
    const rollingDue = o.rolling && sat(p.expiresAt, now) < maxAge / 2n;
    const idleDue =
      o.idleTimeout !== null && (p.idleDeadline === undefined || sat(p.idleDeadline, now) < BigInt(o.idleTimeout) / 2n);
    if (!(s.modified || s.isNew || reseal || rollingDue || idleDue)) return { kind: 'nothing' };
    // New lifetimes are committed only once the seal succeeded.
    let { issuedAt, expiresAt } = p;
    // A destroyed session that gets new values is a new session.
    if (s.isNew || s.destroyed || expiresAt === 0n || rollingDue) expiresAt = now + maxAge;
    if (s.destroyed) issuedAt = now;
    else if (s.isNew && now < issuedAt) issuedAt = now;
    const idleDeadline = o.idleTimeout !== null ? now + BigInt(o.idleTimeout) : undefined;
    const payload = encodePayload({ ...p, issuedAt, expiresAt, idleDeadline });
    const textLen = encodedLength(this.#envelope.sealedLen(payload.length));
    let lens: number[];
    if (cookies) {
      lens = this.split(textLen);
    } else {
      if (textLen > o.sizeLimit) {
        throw new SaveError('too-large', `the session needs ${textLen} bytes, the budget is ${o.sizeLimit}`, textLen, o.sizeLimit);
      }
      lens = [textLen];
    }
    const nonce = this.#random(this.#envelope.nonceLen);
    this.#sealing?.(payload);
    const text = await this.#envelope.seal(payload, lens.length, nonce);
    payload.fill(0);
    Object.assign(p, { issuedAt, expiresAt, idleDeadline });
    s.isNew = false;
    s.modified = false;
    s.destroyed = false;
    // Chunks the client may hold beyond the new count (a longer earlier
    // value, or stray ones the request carried) are deleted; one it did not
    // carry may belong to a response that raced this one, and stays.
    const deleted = [...s.held].filter((i) => i >= lens.length).sort((a, b) => a - b);
    s.chunksLoaded = lens.length;
    for (let i = 0; i < lens.length; i++) s.held.add(i);
    s.sealedLen = text.length;
    s.openedWith = { keyId: this.#o.keyring.primaryId, primary: true };
    return { kind: 'write', text, lens, maxAge: sat(expiresAt, now), deleted };
  }
}
