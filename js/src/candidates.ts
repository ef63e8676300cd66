// Which of a request's cookies a store reads, and in what combinations
// (SECURITY.md "Opening": cookie pairs, no cookie, occurrences, attempts, the
// work bound and the outcome). Kept in one module so that a change to these
// rules is a local change: the store gives it a way to open one candidate
// text and gets back the outcome.

import { COUNT_PREFIX_LEN, chunkCount } from './envelope.js';

/** At most this many occurrences of chunk 0 are kept. */
export const MAX_FIRST_CHUNKS = 8;
/** The most bytes of `name=value` one cookie may carry. */
export const MAX_COOKIE_LEN = 4096;

/** `MAXC = max(1, ceil(BUDGET / (4096 - len(NAME) - 5)))`. */
export function maxChunks(name: string, budget: number): number {
  return Math.max(1, Math.ceil(budget / (MAX_COOKIE_LEN - name.length - 5)));
}

/** The name of chunk `i`: `NAME`, then `NAME.1`, `NAME.2`, ... */
export function chunkName(name: string, i: number): string {
  return i === 0 ? name : `${name}.${i}`;
}

/** The chunk index `cookie` names for store `name`, or `null` (a parse, not a search). */
export function chunkIndex(cookie: string, name: string, max: number): number | null {
  if (!cookie.startsWith(name)) return null;
  const rest = cookie.slice(name.length);
  if (rest === '') return max > 0 ? 0 : null;
  if (rest[0] !== '.') return null;
  const digits = rest.slice(1);
  if (!/^[1-9][0-9]{0,19}$/.test(digits)) return null;
  const i = Number(digits);
  return i < max ? i : null;
}

/** The request's `name=value` pairs, in order (SECURITY.md "Cookie pairs"). */
export function* cookiePairs(headers: Iterable<string>): Generator<[string, string]> {
  for (const header of headers) {
    for (const piece of header.split(';')) {
      const eq = piece.indexOf('=');
      if (eq < 0) continue;
      yield [trimSpTab(piece.slice(0, eq)), trimSpTab(piece.slice(eq + 1))];
    }
  }
}

function trimSpTab(s: string): string {
  return s.replace(/^[ \t]+|[ \t]+$/g, '');
}

/** What the store's cookies in a request are. */
export interface Found {
  /** Number of distinct indices present (0: none of the store's cookies). */
  present: number;
  /** The first 8 occurrences of chunk 0. */
  firsts: string[];
  /** Index i >= 1 to its first and last occurrence. */
  tails: Map<number, [string, string]>;
}

/** Collects the store's cookies from `headers`. */
export function find(headers: Iterable<string>, name: string, max: number): Found {
  const found: Found = { present: 0, firsts: [], tails: new Map() };
  let sawFirst = false;
  for (const [cookie, value] of cookiePairs(headers)) {
    const i = chunkIndex(cookie, name, max);
    if (i === null) continue;
    if (i === 0) {
      if (!sawFirst) found.present++;
      sawFirst = true;
      if (found.firsts.length < MAX_FIRST_CHUNKS) found.firsts.push(value);
    } else {
      const t = found.tails.get(i);
      if (!t) found.present++;
      found.tails.set(i, t ? [t[0], value] : [value, value]);
    }
  }
  return found;
}

/** One candidate's result, as the store reports it. */
export type Attempt<S> = { ok: S; id: string } | { expired: true } | { invalid: true };

/** The reader's answer for a request. */
export type Outcome<S> = { absent: true } | { ok: S } | { error: 'invalid' | 'expired'; injected?: boolean };

/**
 * Runs the attempts of SECURITY.md "Opening" over `found`. `open(text, n)`
 * opens one candidate text for `n` chunks; `maxText` is `MAXC × 4096`;
 * `budget` the store's size budget.
 */
export async function select<S>(
  found: Found,
  max: number,
  budget: number,
  open: (text: string, count: number) => Promise<Attempt<S>>,
): Promise<Outcome<S>> {
  if (found.present === 0) return { absent: true };
  if (found.firsts.length === 0) return { error: 'invalid' };
  const maxText = max * MAX_COOKIE_LEN;
  let work = budget * 2;
  let opened: { ok: S; id: string } | null = null;
  let conflict = false;
  let expired = false;
  let incomplete = false;
  const fold = (a: Attempt<S>): void => {
    if ('ok' in a) {
      if (!opened) opened = a;
      else if (opened.id !== a.id) conflict = true;
    } else if ('expired' in a) {
      expired = true;
    }
  };
  attempts: for (const [i, c0] of found.firsts.entries()) {
    if (work === 0) break;
    // The same value again (one cookie set for two paths) gives the same candidates.
    if (found.firsts.slice(0, i).includes(c0)) continue;
    // N from the first 12 characters of chunk 0 and the following first occurrences.
    let prefix = c0;
    for (let j = 1; j < max && prefix.length < COUNT_PREFIX_LEN; j++) {
      const t = found.tails.get(j);
      if (!t) break;
      prefix += t[0];
    }
    const n = chunkCount(prefix.slice(0, COUNT_PREFIX_LEN));
    if (n === null || n < 1 || n > max) {
      fold({ invalid: true });
      continue;
    }
    let differ = false;
    for (let j = 1; j < n; j++) {
      const t = found.tails.get(j);
      if (!t) {
        fold({ invalid: true });
        continue attempts;
      }
      differ ||= t[0] !== t[1];
    }
    for (const pick of differ ? [0, 1] : [0]) {
      const pieces = [c0];
      for (let j = 1; j < n; j++) pieces.push(found.tails.get(j)![pick]!);
      const len = pieces.reduce((sum, p) => sum + p.length, 0);
      // Only texts within the length limit cost decoding work.
      if (len <= maxText) {
        if (len > work) {
          work = 0;
          incomplete = true;
          break attempts;
        }
        work -= len;
      }
      // Step 1: no empty piece, the whole text within MAXC x 4096.
      if (pieces.some((p) => p.length === 0) || len > maxText) {
        fold({ invalid: true });
        continue;
      }
      fold(await open(pieces.join(''), n));
    }
  }
  const result = opened as { ok: S; id: string } | null;
  if (result && (conflict || incomplete)) return { error: 'invalid', injected: true };
  if (result) return { ok: result.ok };
  return { error: expired ? 'expired' : 'invalid' };
}
