// The store's reader against a reference reader written from SECURITY.md
// "Opening" alone (test/support/reference-reader.ts), on random
// arrangements of genuine, injected and junk cookies: the same outcome and
// the same session, every time.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CookieStore, Keyring, type Session } from '../src/index.js';
import { referenceRead, type One, type Read } from './support/reference-reader.js';

const KEYS = 'xaes-256-gcm:ebPHHn9722cDpZdVD7ucpZBeokYPNCVkzV6Xvou2liw:C2nzZ6tBf0u1BGwbkMK9XRtO-imwrS0uR7IZ6OvikBM';
const keyring = await Keyring.fromConfig(KEYS);
// 12 KiB: MAXC = 4 for `session`, so indices 1 to 3 are the store's.
const BUDGET = 12288;
const store = await CookieStore.create({ keyring, name: 'session', allowNonHostName: true, sizeLimit: BUDGET, warn: () => {} });

function jar(lines: string[]): string[] {
  return lines.filter((l) => !l.includes('=; Max-Age=0;')).map((l) => l.split(';')[0]!);
}

async function sealed(user: string, pad: number): Promise<string[]> {
  const s = await store.load(null);
  s.set('user', user);
  s.set('pad', 'p'.repeat(pad));
  return jar(await store.save(s));
}

function outcome(s: Session): Read {
  if (!s.isNew) return { ok: s.id };
  return s.loadError ?? 'absent';
}

async function openOne(pieces: string[]): Promise<One> {
  const s = await store.load(pieces.map((p, i) => `${i === 0 ? 'session' : `session.${i}`}=${p}`).join('; '));
  if (!s.isNew) return { id: s.id };
  return s.loadError === 'expired' ? 'expired' : 'invalid';
}

test('property: the reader gives what the reference reader gives, on any arrangement of cookies', async () => {
  const victim = await sealed('victim', 4500);
  const attacker = await sealed('attacker', 4500);
  const small = await sealed('small', 10);
  const big = await sealed('big', 9000);
  const big2 = await sealed('big2', 8900);
  const value = (c: string): string => c.slice(c.indexOf('=') + 1);
  const pool = [
    ...victim,
    ...attacker,
    ...small,
    ...big,
    ...big2,
    // The small session's value split after 5 characters: N read through index 1.
    `session=${value(small[0]!).slice(0, 5)}`,
    `session.1=${value(small[0]!).slice(5)}`,
    // A short chunk 0 whose count comes from the victim's chunk 1.
    `session=${value(victim[0]!).slice(0, 7)}`,
    ...Array.from({ length: 9 }, (_, i) => `session=J${i}`),
    'session.1=junk',
    'session.2=',
    'session.3=x',
    'session.4=beyond',
    'session=',
    'session.01=y',
    ' session = AAAA ',
    'session',
    'other=1',
  ];
  await fc.assert(
    fc.asyncProperty(fc.array(fc.constantFrom(...pool), { minLength: 0, maxLength: 20 }), fc.nat(3), async (picked, split) => {
      const headers: string[] = [];
      picked.forEach((p, i) => {
        const h = i % (split + 1);
        headers[h] = headers[h] !== undefined ? `${headers[h]};${p}` : p;
      });
      const given = headers.filter((h) => h !== undefined);
      const got = outcome(await store.load(given));
      const want = await referenceRead('session', BUDGET, given, openOne);
      assert.deepEqual(got, want, JSON.stringify(given.map((h) => h.split(';').map((p) => p.slice(0, 24)))));
    }),
    { numRuns: 500 },
  );
});
