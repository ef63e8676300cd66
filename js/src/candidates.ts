// Which of a request's cookies a store reads, and in what combinations
// (SECURITY.md "Opening": cookie pairs, no cookie, occurrences, attempts, the
// work bound and the outcome). Kept in one module so that a change to these
// rules is a local change: the store gives it a way to open one candidate
// text and gets back the outcome.

import { COUNT_PREFIX_LEN, chunkCount } from './envelope.js';

/** At most this many distinct values of chunk 0 are kept. */
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

/** The distinct values of one index, in order of first occurrence. */
export interface Values {
  /** The kept values: up to 8 for index 0, 2 for every other index. */
  kept: string[];
  /** True when a further distinct value came and was dropped. */
  dropped: boolean;
}

/** What the store's cookies in a request are. */
export interface Found {
  /** True when any pair is the store's (else: absent, no error). */
  any: boolean;
  /** Index i (0 .. MAXC-1) to its distinct values. */
  values: Values[];
}

/** Distinct values kept for chunk 0 (SECURITY.md "Values"). */
const KEPT_FIRST = MAX_FIRST_CHUNKS;
/** Distinct values kept for each further index. */
const KEPT_TAIL = 2;

/** Collects the store's cookies from `headers`: identical copies count once. */
export function find(headers: Iterable<string>, name: string, max: number): Found {
  const found: Found = { any: false, values: Array.from({ length: max }, () => ({ kept: [], dropped: false })) };
  for (const [cookie, value] of cookiePairs(headers)) {
    const i = chunkIndex(cookie, name, max);
    if (i === null) continue;
    found.any = true;
    const slot = found.values[i]!;
    if (slot.kept.includes(value)) continue;
    if (slot.kept.length < (i === 0 ? KEPT_FIRST : KEPT_TAIL)) slot.kept.push(value);
    else slot.dropped = true;
  }
  return found;
}

/**
 * One candidate's result, as the store reports it. `authentic` is the id of
 * a session whose payload authenticated but that did not open (expired,
 * issued in the future, revoked): it still counts for the conflict rule.
 */
export type Attempt<S> = { ok: S; id: string } | { expired: true; authentic: string } | { invalid: true; authentic?: string };

/** The reader's answer for a request. */
export type Outcome<S> = { absent: true } | { ok: S } | { error: 'invalid' | 'expired' | 'conflict' };

/**
 * Runs the attempts of SECURITY.md "Opening" over `found`. `open(text, n)`
 * opens one candidate text for `n` chunks (steps 2 to 12); `budget` is the
 * store's size budget.
 */
export async function select<S>(
  found: Found,
  max: number,
  budget: number,
  open: (text: string, count: number) => Promise<Attempt<S>>,
): Promise<Outcome<S>> {
  if (!found.any) return { absent: true };
  const { values } = found;
  const first = values[0]!;
  if (first.kept.length === 0) return { error: 'invalid' };
  const maxText = max * MAX_COOKIE_LEN;
  let left = budget * 2;
  // A dropped value, an untried attempt or two authentic ids.
  let ambiguous = first.dropped;
  let opened: S | null = null;
  let authentic: string | null = null;
  let expired = false;
  const fold = (a: Attempt<S>): void => {
    const id = 'ok' in a ? a.id : a.authentic;
    if (id !== undefined) {
      if (authentic === null) authentic = id;
      else if (authentic !== id) ambiguous = true;
    }
    if ('ok' in a) opened ??= a.ok;
    else if ('expired' in a) expired = true;
  };
  attempts: for (const c0 of first.kept) {
    // Step 1: N from the first 12 characters of c0 and the first values after.
    let prefix = c0;
    for (let j = 1; j < max && prefix.length < COUNT_PREFIX_LEN && values[j]!.kept.length > 0; j++) {
      const v = values[j]!;
      if (v.kept.length > 1 || v.dropped) {
        // N depends on which value is read: untried.
        ambiguous = true;
        continue attempts;
      }
      prefix += v.kept[0];
    }
    const n = chunkCount(prefix.slice(0, COUNT_PREFIX_LEN));
    if (n === null || n < 1 || n > max) continue;
    // Step 2: every index 1 .. N-1 present; indices N and above ignored.
    const tails = values.slice(1, n);
    if (tails.some((v) => v.kept.length === 0)) continue;
    // Step 3: a dropped value or two varying indices leave combinations untried.
    const varying = tails.filter((v) => v.kept.length === 2).length;
    if (varying > 1 || tails.some((v) => v.dropped)) {
      ambiguous = true;
      continue;
    }
    for (let pick = 0; pick <= varying; pick++) {
      const pieces = [c0, ...tails.map((v) => v.kept[Math.min(pick, v.kept.length - 1)]!)];
      const len = pieces.reduce((sum, p) => sum + p.length, 0);
      // The work bound: only texts within the length limit cost decoding work.
      if (len <= maxText) {
        if (len > left) {
          ambiguous = true;
          break attempts;
        }
        left -= len;
      }
      // Opening step 1: no empty piece, the whole text within MAXC x 4096.
      if (pieces.some((p) => p.length === 0) || len > maxText) continue;
      fold(await open(pieces.join(''), n));
    }
  }
  if (opened !== null) return ambiguous ? { error: 'conflict' } : { ok: opened };
  return { error: expired ? 'expired' : 'invalid' };
}
