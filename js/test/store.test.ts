// The store under attack and in use: random sessions round-trip; tampered,
// moved, injected and junk cookies in random arrangements never open as
// someone else's session; configuration mistakes fail at construction.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import fc from 'fast-check';
import { CookieStore, Keyring, SaveError, StoreConfigError, type Session } from '../src/index.js';

const KEYS = 'xaes-256-gcm:ebPHHn9722cDpZdVD7ucpZBeokYPNCVkzV6Xvou2liw:C2nzZ6tBf0u1BGwbkMK9XRtO-imwrS0uR7IZ6OvikBM';
const keyring = await Keyring.fromConfig(KEYS);
// A 12 KiB budget: up to three cookies, so chunk arrangements matter.
const warnings: string[] = [];
const store = await CookieStore.create({ keyring, name: 'session', allowNonHostName: true, sizeLimit: 12288, warn: (m) => warnings.push(m) });

/** The `Cookie` pairs a browser would send back for these Set-Cookie lines. */
function jar(lines: string[]): string[] {
  return lines.filter((l) => !l.includes('=; Max-Age=0;')).map((l) => l.split(';')[0]!);
}

async function sessionWith(values: Record<string, unknown>): Promise<{ session: Session; cookies: string[] }> {
  const session = await store.load(null);
  for (const [k, v] of Object.entries(values)) session.set(k, v);
  return { session, cookies: jar(await store.save(session)) };
}

test('property: a saved session loads back with the same values and flashes', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), fc.jsonValue({ maxDepth: 3 }), { minKeys: 1, maxKeys: 6, noNullPrototype: true }),
      fc.array(fc.string(), { maxLength: 3 }),
      fc.string({ maxLength: 9000 }),
      async (values, flashes, big) => {
        const session = await store.load(null);
        for (const [k, v] of Object.entries(values)) session.set(k, v);
        session.set('big', big);
        for (const f of flashes) session.addFlash(f);
        const cookies = jar(await store.save(session));
        const back = await store.load(cookies.join('; '));
        assert.equal(back.loadError, null);
        assert.equal(back.id, session.id);
        assert.equal(back.cookieCount, cookies.length);
        for (const [k, v] of Object.entries(values)) assert.deepEqual(back.get(k), JSON.parse(JSON.stringify(v)));
        assert.deepEqual(back.flashes(), flashes);
      },
    ),
    { numRuns: 60 },
  );
});

test('property: any single changed character in any cookie never opens', async () => {
  const { cookies } = await sessionWith({ user: 'alice', notes: 'x'.repeat(5000) });
  assert.equal(cookies.length, 2);
  await fc.assert(
    fc.asyncProperty(fc.nat(cookies.length - 1), fc.nat(), fc.constantFrom(...'ABCXYZabcxyz0189-_+/=.'), async (which, at, ch) => {
      const c = cookies[which]!;
      const eq = c.indexOf('=') + 1;
      const pos = eq + (at % (c.length - eq));
      if (c[pos] === ch) return;
      const tampered = cookies.map((x, i) => (i === which ? x.slice(0, pos) + ch + x.slice(pos + 1) : x));
      const s = await store.load(tampered.join('; '));
      assert.equal(s.isNew, true);
      assert.equal(s.loadError, 'invalid');
    }),
    { numRuns: 300 },
  );
});

test('property: victim and attacker cookies in any order, paths and counts never give the attacker session', async () => {
  const victim = await sessionWith({ user: 'victim', pad: 'v'.repeat(4500) });
  const attacker = await sessionWith({ user: 'attacker', pad: 'a'.repeat(4500) });
  const junk = ['session=AAAA', 'session.1=junk', 'session.2=', 'session.7=x', 'session=', 'session.01=y'];
  const pool = [...victim.cookies.map((c) => ({ c, who: 'v' })), ...attacker.cookies.map((c) => ({ c, who: 'a' })), ...junk.map((c) => ({ c, who: 'j' }))];
  await fc.assert(
    fc.asyncProperty(fc.array(fc.constantFrom(...pool), { minLength: 1, maxLength: 14 }), fc.nat(3), async (picked, split) => {
      // Spread over 1 to 4 Cookie header values, as several fields may come.
      const headers: string[] = [];
      picked.forEach((p, i) => {
        const h = i % (split + 1);
        headers[h] = headers[h] ? `${headers[h]}; ${p.c}` : p.c;
      });
      const s = await store.load(headers.filter(Boolean));
      // SECURITY.md "Opening", "Why the rule is safe": what opens is a
      // genuine session all of whose cookies came; when the victim's
      // cookies all came, it is the victim's or nothing (a conflict, or
      // invalid when no attempt could open it), never the attacker's; of
      // two complete sessions neither opens.
      const pairs = new Set(headers.filter(Boolean).flatMap((h) => h.split('; ')));
      const complete = (x: { cookies: string[] }): boolean => x.cookies.every((c) => pairs.has(c));
      if (!s.isNew) {
        assert.ok(s.id === victim.session.id || s.id === attacker.session.id, 'an unknown session opened');
        const mine = s.id === victim.session.id ? victim : attacker;
        assert.ok(complete(mine), 'opened a session whose cookies were not all there');
        assert.equal(s.get('user'), mine === victim ? 'victim' : 'attacker');
        assert.equal(s.loadError, null);
      }
      if (complete(victim)) {
        assert.ok(s.isNew ? s.loadError === 'conflict' || s.loadError === 'invalid' : s.id === victim.session.id, `victim's cookies gave ${s.loadError}`);
      }
      if (complete(victim) && complete(attacker)) assert.ok(s.isNew, 'a session opened beside another complete one');
    }),
    { numRuns: 400 },
  );
});

test('a chunk moved between sessions, or reordered, never opens', async () => {
  const a = await sessionWith({ pad: 'a'.repeat(5000) });
  const b = await sessionWith({ pad: 'b'.repeat(5000) });
  const moved = [a.cookies[0]!, b.cookies[1]!].join('; ');
  assert.equal((await store.load(moved)).loadError, 'invalid');
  const swapped = [`session=${a.cookies[1]!.split('=')[1]}`, `session.1=${a.cookies[0]!.split('=')[1]}`].join('; ');
  assert.equal((await store.load(swapped)).loadError, 'invalid');
  // Under another name (a store named `other`) it does not open either.
  const other = await CookieStore.create({ keyring, name: 'other', allowNonHostName: true, sizeLimit: 12288 });
  const renamed = a.cookies.map((c) => c.replace(/^session/, 'other')).join('; ');
  assert.equal((await other.load(renamed)).loadError, 'invalid');
});

test('injection: two different genuine sessions are a conflict (counted, nothing deleted); the same one twice opens', async () => {
  const v = await sessionWith({ user: 'victim' });
  const x = await sessionWith({ user: 'attacker' });
  const before = store.stats.injections;
  const invalid = store.stats.invalid;
  for (const header of [`${x.cookies[0]}; ${v.cookies[0]}`, `${v.cookies[0]}; ${x.cookies[0]}`]) {
    const s = await store.load(header);
    assert.equal(s.isNew, true);
    assert.equal(s.loadError, 'conflict');
    // The user's cookies stay: the session opens again once the added ones are gone.
    assert.deepEqual(await store.save(s), []);
  }
  assert.equal(store.stats.injections, before + 2);
  assert.equal(store.stats.invalid, invalid);
  assert.match(warnings.at(-1)!, /ambiguous cookies under the name "session"/);
  // An expired session of another id beside the user's is a conflict too.
  const old = await store.loadAt(null, 1_000_000n);
  old.set('user', 'attacker');
  const oldCookie = jar(await store.saveAt(old, 1_000_000n))[0]!;
  assert.equal((await store.load([v.cookies[0]!, oldCookie])).loadError, 'conflict');
  assert.equal((await store.load(oldCookie)).loadError, 'expired');
  const twice = await store.load([v.cookies[0]!, v.cookies[0]!]);
  assert.equal(store.stats.injections, before + 3);
  assert.equal(twice.get('user'), 'victim');
});

test('writer: flashes show once, regenerateId keeps values, destroy deletes, beginLogin keeps only what is named', async () => {
  const { session, cookies } = await sessionWith({ user: 'alice', cart: [1, 2], theme: 'dark' });
  const s1 = await store.load(cookies.join('; '));
  s1.addFlash('saved');
  const c1 = jar(await store.save(s1));
  const s2 = await store.load(c1.join('; '));
  assert.deepEqual(s2.flashes(), ['saved']);
  const c2 = jar(await store.save(s2));
  const s3 = await store.load(c2.join('; '));
  assert.deepEqual(s3.flashes(), []);
  assert.deepEqual(await store.save(s3), []);
  const old = s3.regenerateId();
  assert.equal(old, session.id);
  assert.notEqual(s3.id, old);
  const c3 = jar(await store.save(s3));
  const s4 = await store.load(c3.join('; '));
  assert.equal(s4.get('user'), 'alice');
  s4.beginLogin(['theme']);
  assert.deepEqual(s4.keys(), ['theme']);
  s4.destroy();
  const lines = await store.save(s4);
  // The request carried one chunk: only it is deleted (of MAXC = 4 names).
  assert.equal(store.maxChunks, 4);
  assert.deepEqual(c3.length, 1);
  assert.deepEqual(lines, ['session=; Max-Age=0; Path=/; Secure; HttpOnly; SameSite=Lax']);
});

test('writer: a destroyed session stays destroyed through the save that deletes it', async () => {
  const t0 = 1_000_000n;
  const s0 = await store.loadAt(null, t0);
  s0.set('user', 'alice');
  const cookies = jar(await store.saveAt(s0, t0));
  const loaded = await store.loadAt(cookies.join('; '), t0 + 100n);
  const oldId = loaded.id;
  loaded.destroy();
  const deletions = await store.saveAt(loaded, t0 + 100n);
  assert.equal(deletions.length, cookies.length);
  assert.ok(deletions.every((l) => l.includes('=; Max-Age=0;')));
  // Emptied again: nothing more to delete.
  assert.deepEqual(await store.saveAt(loaded, t0 + 150n), []);
  loaded.set('user', 'bob');
  const lines = await store.saveAt(loaded, t0 + 200n);
  // A new session's first write: its one chunk, nothing left to delete.
  assert.equal(lines.length, 1);
  assert.ok(lines[0]!.startsWith('session=') && !lines[0]!.includes('=; Max-Age=0;'));
  assert.notEqual(loaded.id, oldId);
  assert.equal(loaded.issuedAt.getTime(), Number(t0 + 200n) * 1000);
  assert.equal(loaded.expiresAt.getTime(), Number(t0 + 200n + 14n * 86400n) * 1000);
  // A cleared (not destroyed) session keeps its creation time.
  const kept = await store.loadAt(cookies.join('; '), t0 + 100n);
  kept.clear();
  await store.saveAt(kept, t0 + 100n);
  kept.set('user', 'carol');
  await store.saveAt(kept, t0 + 200n);
  assert.equal(kept.issuedAt.getTime(), Number(t0) * 1000);
  assert.equal(kept.expiresAt.getTime(), Number(t0 + 200n + 14n * 86400n) * 1000);
});

test('too large: an error, nothing emitted, the session unchanged and still saveable', async () => {
  const small = await CookieStore.create({ keyring, name: 'session', allowNonHostName: true, sizeLimit: 300 });
  const s = await small.load(null);
  s.set('big', 'x'.repeat(1000));
  await assert.rejects(small.save(s), (e: unknown) => e instanceof SaveError && e.kind === 'too-large' && e.needed > 1000 && e.allowed === 300);
  assert.equal(s.isModified, true);
  s.delete('big');
  s.set('u', 1);
  assert.equal((await small.save(s)).length, 1);
  // A session of another store is refused.
  const other = await CookieStore.create({ keyring, name: 'other', allowNonHostName: true });
  await assert.rejects(other.save(s), (e: unknown) => e instanceof SaveError && e.kind === 'wrong-store');
});

test('configuration mistakes fail at construction', async () => {
  const bad = [
    { name: '__Host-s', domain: 'example.com' },
    { name: '__Host-s', path: '/app' },
    { name: '__host-s', secure: false },
    { name: '__Secure-s', secure: false },
    { sameSite: 'None' as const, secure: false },
    { partitioned: true, secure: false },
    { name: 'a b' },
    { name: '' },
    { path: 'app' },
    { path: '/a;b' },
    { domain: 'exa mple.com' },
    { maxAge: 0 },
    { maxAge: 401 * 86400 },
    { idleTimeout: 100, maxAge: 50 },
    { sizeLimit: 255 },
    { sizeLimit: 4096 * 256 },
    { clockSkew: 301 },
    { header: 'cookie' },
    { header: 'Sec-Session' },
    { header: 'content-x' },
    { header: 'Authorization' },
    { header: 'x-forwarded-for' },
    { header: 'x-csrf-token' },
  ];
  for (const o of bad) await assert.rejects(CookieStore.create({ keyring, ...o }), StoreConfigError, JSON.stringify(o));
  // A Secure store's name starts with __Host- unless opted out; without Secure none is required.
  for (const name of ['session', '__Secure-session', 'x__Host-s']) {
    await assert.rejects(CookieStore.create({ keyring, name }), /must start with __Host-/, name);
    assert.equal((await CookieStore.create({ keyring, name, allowNonHostName: true })).name, name);
  }
  assert.equal((await CookieStore.create({ keyring, name: 'session', secure: false })).name, 'session');
  assert.equal((await CookieStore.create({ keyring, name: '__HOST-s' })).name, '__HOST-s');
  assert.equal((await CookieStore.create({ keyring })).name, '__Host-session');
  assert.equal((await CookieStore.create({ keyring, secure: false })).name, 'session');
  await assert.rejects(CookieStore.create({ keyring: KEYS as unknown as Keyring }), /keyring must be a Keyring/);
});

test('header transport: one value, trimmed; too large; clear', async () => {
  const h = await CookieStore.create({ keyring, name: 'session', allowNonHostName: true, header: 'X-Session' });
  assert.equal(h.headerName, 'x-session');
  const s = await h.loadHeader(undefined);
  s.set('user', 'alice');
  const answer = await h.saveHeader(s);
  assert.ok(typeof answer === 'object');
  const back = await h.loadHeader(` \t${answer.set} \t`);
  assert.equal(back.get('user'), 'alice');
  // Only spaces and tabs are trimmed: a no-break space or a form feed stays, and fails.
  for (const junk of ['\u00a0', '\f']) assert.equal((await h.loadHeader(`${answer.set}${junk}`)).loadError, 'invalid');
  assert.equal((await h.loadHeader(' \t ')).loadError, null);
  // A header value and a one-chunk cookie of one store are interchangeable.
  assert.equal((await h.load(`session=${answer.set}`)).get('user'), 'alice');
  back.clear();
  assert.equal(await h.saveHeader(back), 'clear');
  assert.equal((await h.loadHeader('')).loadError, null);
  assert.equal((await h.loadHeader('garbage')).loadError, 'invalid');
});

test('Session and Keyring print no values and no keys', async () => {
  const { session } = await sessionWith({ token: 'secret-token-value' });
  for (const shown of [inspect(session), String(session)]) {
    assert.ok(!shown.includes('secret-token-value'));
    assert.match(shown, /token/);
  }
  assert.ok(!inspect(keyring).includes('ebPHHn97'));
});

test('an idle deadline further than the store\'s current idle timeout (+ skew) is expired', async () => {
  const week = await CookieStore.create({ keyring, name: 'session', allowNonHostName: true, maxAge: 30 * 86400, idleTimeout: 7 * 86400 });
  const short = await CookieStore.create({ keyring, name: 'session', allowNonHostName: true, maxAge: 30 * 86400, idleTimeout: 900 });
  const t0 = 2_000_000n;
  const s = await week.loadAt(null, t0);
  s.set('user', 'alice');
  const cookies = jar(await week.saveAt(s, t0)).join('; ');
  // Sealed under a 7-day timeout: D = t0 + 7 days, far beyond now + 900 + 60.
  assert.equal((await week.loadAt(cookies, t0 + 1n)).get('user'), 'alice');
  assert.equal((await short.loadAt(cookies, t0 + 1n)).loadError, 'expired');
  // D = now + idle + skew exactly still opens; one second more does not.
  const d = t0 + 7n * 86400n;
  assert.equal((await short.loadAt(cookies, d - 960n)).get('user'), 'alice');
  assert.equal((await short.loadAt(cookies, d - 961n)).loadError, 'expired');
  // What the short store seals itself opens in it.
  const again = await short.loadAt(null, t0);
  again.set('user', 'bob');
  assert.equal((await short.loadAt(jar(await short.saveAt(again, t0)).join('; '), t0 + 1n)).get('user'), 'bob');
});

/** A browser's cookies for the store's path: Set-Cookie lines applied in order. */
function applyLines(browser: Map<string, string>, lines: string[]): void {
  for (const line of lines) {
    const pair = line.split(';')[0]!;
    const eq = pair.indexOf('=');
    if (line.includes('; Max-Age=0;')) browser.delete(pair.slice(0, eq));
    else browser.set(pair.slice(0, eq), pair.slice(eq + 1));
  }
}

const header = (browser: Map<string, string>): string => [...browser].map(([k, v]) => `${k}=${v}`).join('; ');

test('writer: two racing responses leave orphans; the next write from a request carrying them deletes them', async () => {
  const browser = new Map<string, string>();
  const first = await store.load(null);
  first.set('user', 'alice');
  applyLines(browser, await store.save(first));
  assert.deepEqual([...browser.keys()], ['session']);
  // Two tabs send the same one-chunk cookie at once.
  const sent = header(browser);
  const tabA = await store.load(sent);
  const tabB = await store.load(sent);
  tabA.set('notes', 'a'.repeat(9000));
  tabB.set('theme', 'dark');
  const linesA = await store.save(tabA);
  const linesB = await store.save(tabB);
  // Neither deletes a chunk its request did not carry.
  assert.ok(linesA.every((l) => !l.includes('=; Max-Age=0;')));
  assert.deepEqual(linesB.map((l) => l.split('=')[0]), ['session']);
  // A's three chunks arrive first, then B's one: A's session.1 and session.2 are orphans.
  applyLines(browser, linesA);
  applyLines(browser, linesB);
  assert.deepEqual([...browser.keys()].sort(), ['session', 'session.1', 'session.2']);
  // The orphans do not stop B's session from opening...
  const next = await store.load(header(browser));
  assert.equal(next.loadError, null);
  assert.equal(next.get('theme'), 'dark');
  assert.equal(next.get('notes'), undefined);
  assert.equal(next.cookieCount, 1);
  // ...and its next write, from a request that carried them, deletes them.
  next.set('visits', 1);
  const lines = await store.save(next);
  assert.deepEqual(
    lines.map((l) => l.split(';')[0]!.replace(/=.+$/, '=…')),
    ['session=…', 'session.1=', 'session.2='],
  );
  applyLines(browser, lines);
  assert.deepEqual([...browser.keys()], ['session']);
  const after = await store.load(header(browser));
  assert.equal(after.get('visits'), 1);
  // An emptied session from a request carrying orphans deletes each of them too.
  applyLines(browser, linesA.slice(1));
  const emptied = await store.load(header(browser));
  assert.equal(emptied.loadError, null);
  emptied.clear();
  assert.deepEqual(
    (await store.save(emptied)).map((l) => l.split(';')[0]),
    ['session=', 'session.1=', 'session.2='],
  );
});

test('property: after any race of two responses, one write from the next request leaves the browser exactly its chunks', async () => {
  await fc.assert(
    fc.asyncProperty(
      // Lengths from 1: every response changes the value, so each writes.
      fc.integer({ min: 0, max: 9000 }),
      fc.integer({ min: 1, max: 9000 }),
      fc.integer({ min: 1, max: 9000 }),
      fc.integer({ min: 1, max: 9000 }),
      fc.boolean(),
      async (start, a, b, last, aFirst) => {
        const browser = new Map<string, string>();
        const s0 = await store.load(null);
        s0.set('pad', 's'.repeat(start));
        applyLines(browser, await store.save(s0));
        const sent = header(browser);
        const [tabA, tabB] = [await store.load(sent), await store.load(sent)];
        tabA.set('pad', 'a'.repeat(a));
        tabB.set('pad', 'b'.repeat(b));
        const [linesA, linesB] = [await store.save(tabA), await store.save(tabB)];
        for (const lines of aFirst ? [linesA, linesB] : [linesB, linesA]) applyLines(browser, lines);
        const next = await store.load(header(browser));
        assert.equal(next.loadError, null, 'the last response\'s session opens beside orphans');
        assert.equal(next.get<string>('pad'), (aFirst ? 'b' : 'a').repeat(aFirst ? b : a));
        next.set('pad', 'z'.repeat(last));
        const lines = await store.save(next);
        applyLines(browser, lines);
        assert.deepEqual([...browser.keys()].sort(), lines.filter((l) => !l.includes('=; Max-Age=0;')).map((l) => l.split('=')[0]!).sort());
        assert.equal((await store.load(header(browser))).get<string>('pad'), 'z'.repeat(last));
      },
    ),
    { numRuns: 60 },
  );
});

test('writer: after a conflict a write deletes nothing, not even the chunks the request carried', async () => {
  const victim = await sessionWith({ user: 'victim', pad: 'v'.repeat(6000) });
  const attacker = await sessionWith({ user: 'attacker' });
  assert.equal(victim.cookies.length, 2);
  const s = await store.load([attacker.cookies[0]!, ...victim.cookies]);
  assert.equal(s.loadError, 'conflict');
  s.set('user', 'someone');
  const lines = await store.save(s);
  assert.deepEqual(lines.map((l) => l.split('=')[0]), ['session']);
  assert.ok(!lines[0]!.includes('=; Max-Age=0;'));
});
