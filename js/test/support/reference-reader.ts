// A reference reader written from SECURITY.md "Opening" alone, for the
// choice of what to open (which pairs are the store's, the distinct values
// kept and dropped, the attempts and their candidates, the work bound and
// the outcome). Plain and allocating; it shares nothing with
// src/candidates.ts. Opening one candidate is left to the caller.

/** What a load reports; `ok` carries the opened session's id. */
export type Read = { ok: string } | 'absent' | 'invalid' | 'expired' | 'conflict';

/** One candidate's result: the id of a session that opened, or why it did not. */
export type One = { id: string } | 'expired' | 'invalid';

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** Byte 6 of the base64url decoding of 12 characters, or null. */
function countOf(head: string): number | null {
  const sextets = [...head].map((c) => B64URL.indexOf(c));
  if (sextets.some((x) => x < 0)) return null;
  // Bits 48..55 are sextets 8 (all six) and the top two of sextet 9.
  return ((sextets[8]! << 2) | (sextets[9]! >> 4)) & 0xff;
}

export async function referenceRead(
  name: string,
  budget: number,
  headers: string[],
  open: (pieces: string[], n: number) => Promise<One>,
): Promise<Read> {
  const maxc = Math.max(1, Math.ceil(budget / (4096 - name.length - 5)));
  const values = Array.from({ length: maxc }, () => ({ kept: [] as string[], dropped: false }));
  let any = false;
  for (const header of headers) {
    for (const piece of header.split(';')) {
      const eq = piece.indexOf('=');
      if (eq === -1) continue;
      const trim = (s: string): string => s.replace(/^[ \t]+/, '').replace(/[ \t]+$/, '');
      const n = trim(piece.slice(0, eq));
      let i: number | null = null;
      if (n === name) i = 0;
      else if (n.startsWith(`${name}.`)) {
        const digits = n.slice(name.length + 1);
        if (/^[1-9][0-9]*$/.test(digits) && Number(digits) < maxc) i = Number(digits);
      }
      if (i === null) continue;
      any = true;
      const v = trim(piece.slice(eq + 1));
      const slot = values[i]!;
      if (slot.kept.includes(v)) continue;
      if (slot.kept.length < (i === 0 ? 8 : 2)) slot.kept.push(v);
      else slot.dropped = true;
    }
  }
  if (!any) return 'absent';
  if (values[0]!.kept.length === 0) return 'invalid';
  let ambiguous = values[0]!.dropped;
  let left = 2 * budget;
  let opened: string | null = null;
  const authentic: string[] = [];
  let expired = false;
  outer: for (const c0 of values[0]!.kept) {
    let prefix = c0;
    let untried = false;
    for (let i = 1; prefix.length < 12 && i < maxc && values[i]!.kept.length > 0; i++) {
      if (values[i]!.kept.length > 1 || values[i]!.dropped) {
        untried = true;
        break;
      }
      prefix += values[i]!.kept[0];
    }
    if (untried) {
      ambiguous = true;
      continue;
    }
    if (prefix.length < 12) continue;
    const n = countOf(prefix.slice(0, 12));
    if (n === null || n === 0 || n > maxc) continue;
    let missing = false;
    for (let i = 1; i < n; i++) if (values[i]!.kept.length === 0) missing = true;
    if (missing) continue;
    let varying = 0;
    let dropped = false;
    for (let i = 1; i < n; i++) {
      if (values[i]!.kept.length === 2) varying++;
      if (values[i]!.dropped) dropped = true;
    }
    if (dropped || varying > 1) {
      ambiguous = true;
      continue;
    }
    for (let pick = 0; pick <= varying; pick++) {
      const pieces = [c0];
      for (let i = 1; i < n; i++) pieces.push(values[i]!.kept[Math.min(pick, values[i]!.kept.length - 1)]!);
      const len = pieces.join('').length;
      if (len <= maxc * 4096) {
        if (len > left) {
          ambiguous = true;
          break outer;
        }
        left -= len;
      } else continue;
      if (pieces.includes('')) continue;
      const r = await open(pieces, n);
      if (r === 'expired') expired = true;
      else if (r !== 'invalid') {
        authentic.push(r.id);
        opened ??= r.id;
      }
    }
  }
  if (authentic.some((id) => id !== authentic[0])) ambiguous = true;
  if (opened !== null) return ambiguous ? 'conflict' : { ok: opened };
  return expired ? 'expired' : 'invalid';
}
