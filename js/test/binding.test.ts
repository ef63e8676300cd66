// Bound stores (SECURITY.md "Cookie injection"): a flow store's session
// opens only beside the primary session it was bound to; one tossed from
// another browser is a conflict, in any arrangement of the cookies.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { ANCHOR_KEY, BOUND_KEY, CookieStore, Keyring, StoreConfigError, type Session } from '../src/index.js';

const KEYS = 'xaes-256-gcm:ebPHHn9722cDpZdVD7ucpZBeokYPNCVkzV6Xvou2liw:C2nzZ6tBf0u1BGwbkMK9XRtO-imwrS0uR7IZ6OvikBM';
const keyring = await Keyring.fromConfig(KEYS);
const auth = await CookieStore.create({ keyring, name: '__Host-auth', warn: () => {} });
const flow = await CookieStore.create({ keyring, name: '__Host-flow', boundTo: '__Host-auth', warn: () => {} });

function jar(lines: string[]): string[] {
  return lines.filter((l) => !l.includes('=; Max-Age=0;')).map((l) => l.split(';')[0]!);
}

/** One browser: a signed-in primary session and a flow bound to it. */
async function browser(user: string): Promise<{ user: Session; primary: string[]; flow: string[] }> {
  const u = await auth.load(null);
  u.set('user', user);
  const f = await flow.loadBound(null, u);
  f.set('oauth_state', `state-of-${user}`);
  await flow.bind(f, u);
  return { user: u, primary: jar(await auth.save(u)), flow: jar(await flow.save(f)) };
}

test('bound store: the tag is SHA-256 of the label, the primary name and id, as SECURITY.md states', async () => {
  const b = await browser('alice');
  const f = await flow.loadBound(b.flow, await auth.load(b.primary));
  const id = Buffer.from(b.user.id, 'hex');
  const want = createHash('sha256')
    .update(Buffer.concat([Buffer.from('sealed-session v1 bound session'), Buffer.from([0]), Buffer.from('__Host-auth'), Buffer.from([0]), id]))
    .digest()
    .subarray(0, 16)
    .toString('base64url');
  assert.equal(f.get(BOUND_KEY), want);
  assert.equal(f.get('oauth_state'), 'state-of-alice');
});

test('bound store: opens beside its own primary, a conflict beside another, refused by a plain load', async () => {
  const alice = await browser('alice');
  const eve = await browser('eve');
  const before = flow.stats.injections;
  // Eve's flow tossed beside Alice's primary session: a conflict, nothing deleted.
  const tossed = await flow.loadBound(eve.flow, await auth.load(alice.primary));
  assert.equal(tossed.loadError, 'conflict');
  assert.equal(tossed.get('oauth_state'), undefined);
  assert.deepEqual(await flow.save(tossed), []);
  // Beside no primary session (a fresh one), too.
  assert.equal((await flow.loadBound(eve.flow, await auth.load(null))).loadError, 'conflict');
  // Without a primary to compare, a bound store opens nothing.
  assert.equal((await flow.load(alice.flow)).loadError, 'conflict');
  assert.equal(flow.stats.injections, before + 3);
  // Its own primary: opens.
  assert.equal((await flow.loadBound(alice.flow, await auth.load(alice.primary))).get('oauth_state'), 'state-of-alice');
});

test('bound store: an empty primary is anchored; a session holding only the binding is emptied', async () => {
  const u = await auth.load(null);
  const f = await flow.loadBound(null, u);
  f.set('step', 2);
  await flow.bind(f, u);
  assert.equal(u.get(ANCHOR_KEY), true);
  const primary = jar(await auth.save(u));
  assert.equal(primary.length, 1);
  const cookies = jar(await flow.save(f));
  const again = await flow.loadBound(cookies, await auth.load(primary));
  assert.equal(again.get('step'), 2);
  again.delete('step');
  await flow.bind(again, await auth.load(primary));
  assert.ok(again.isEmpty);
  assert.ok((await flow.save(again)).every((l) => l.includes('=; Max-Age=0;')));
  // A store that is not bound: bind does nothing.
  const plain = await auth.load(null);
  plain.set('x', 1);
  await auth.bind(plain, u);
  assert.equal(plain.get(BOUND_KEY), undefined);
});

test('property: a flow tossed from another browser never opens beside the victim primary, in any order or copies', async () => {
  const victim = await browser('victim');
  const attacker = await browser('attacker');
  const pool = [...victim.primary, ...attacker.flow, ...attacker.primary, '__Host-flow=junk'];
  await fc.assert(
    fc.asyncProperty(fc.array(fc.constantFrom(...pool), { minLength: 1, maxLength: 8 }), async (picked) => {
      const header = [...victim.primary, ...picked].join('; ');
      const primary = await auth.load(header);
      const f = await flow.loadBound(header, primary);
      assert.equal(f.get('oauth_state'), undefined, 'the attacker flow opened');
      if (picked.some((c) => c.startsWith('__Host-flow='))) assert.ok(f.loadError === 'conflict' || f.loadError === 'invalid');
    }),
    { numRuns: 200 },
  );
});

test('boundTo is checked at construction', async () => {
  for (const boundTo of ['', 'a b', '__Host-flow']) {
    await assert.rejects(CookieStore.create({ keyring, name: '__Host-flow', boundTo }), StoreConfigError, boundTo);
  }
  assert.equal(flow.boundTo, '__Host-auth');
  assert.equal(auth.boundTo, null);
});
