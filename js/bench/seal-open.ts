// Seal and open of the S, M and L sessions (benches/README.md at the
// repository root defines them) through each library's public API, this
// package against iron-session, in one run. Every figure is the median of
// interleaved rounds (each library's round alternates with the other's, so
// a busy shared machine slows both alike); read the ratios.
//
//   npm run bench            # or: node dist/bench/seal-open.js [--rounds N]
//
// seal: one value changed on a loaded session, then the save
//   (this package: `session.set` + `store.save` → Set-Cookie lines;
//    iron-session: property assignment + `session.save()` → its cookie store)
// open: the request's cookie to a session and one value read
//   (`store.load(header)` + `get`; `getIronSession(cookies)` + property read)

import os from 'node:os';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { getIronSession, type IronSession } from 'iron-session';
import { CookieStore, Keyring, type AlgorithmName, type Session } from '../src/index.js';

type Workload = 'S' | 'M' | 'L';
const CSRF = 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8';

function entries(w: Workload): [string, unknown][] {
  if (w === 'S') return [['csrf', CSRF], ['roles', ['admin', 'dev']], ['user_id', 42], ['username', 'alice']];
  const n = w === 'M' ? 24 : 150;
  return Array.from({ length: n }, (_, i) => {
    const k = String(i).padStart(3, '0');
    return [`key_${k}`, `value_${k}_abcdefghijklmnopqrstuvwxyz0123`];
  });
}
const readKey = (w: Workload): string => (w === 'S' ? 'username' : 'key_000');

const roundsAt = process.argv.indexOf('--rounds');
const rounds = roundsAt > 0 ? Number(process.argv[roundsAt + 1]) : 15;
if (!(rounds >= 1)) throw new Error('--rounds takes a positive number');
const ROUND_MS = 60;

/** ns per call of `f`, over about ROUND_MS. */
async function round(f: () => Promise<unknown>, n: number): Promise<number> {
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await f();
  return Number(process.hrtime.bigint() - start) / n;
}

async function calibrate(f: () => Promise<unknown>): Promise<number> {
  let n = 8;
  for (;;) {
    const ns = await round(f, n);
    if (ns * n > ROUND_MS * 1e6 / 4) return Math.max(8, Math.round((ROUND_MS * 1e6) / ns));
    n *= 4;
  }
}

const quantile = (xs: number[], q: number): number => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) * q)]!;
type Stat = { median: number; low: number; high: number; samples: number[] };

/** Medians (ns/op) of interleaved rounds of each candidate. */
async function compare(fs: Record<string, (() => Promise<unknown>) | null>): Promise<Record<string, Stat | null>> {
  const live = Object.entries(fs).filter((e): e is [string, () => Promise<unknown>] => e[1] !== null);
  const counts = new Map<string, number>();
  for (const [name, f] of live) counts.set(name, await calibrate(f));
  const samples = new Map<string, number[]>(live.map(([n]) => [n, []]));
  for (let r = 0; r < rounds; r++) {
    for (const [name, f] of r % 2 ? [...live].reverse() : live) samples.get(name)!.push(await round(f, counts.get(name)!));
  }
  const stat = (xs: number[]): Stat => ({ median: quantile(xs, 0.5), low: quantile(xs, 0.25), high: quantile(xs, 0.75), samples: xs });
  return Object.fromEntries(Object.keys(fs).map((n) => [n, samples.has(n) ? stat(samples.get(n)!) : null]));
}

const us = (ns: number): string => (ns / 1000).toFixed(ns >= 100_000 ? 0 : 1);
// The median, and the middle half of the rounds (a wide range: a busy machine).
const fmt = (s: Stat | null): string => (s === null ? 'cannot store it¹' : `${us(s.median)} µs (${us(s.low)}–${us(s.high)})`);
// The median of per-round ratios: round r of one library ran right beside
// round r of the other, so a slow stretch of the machine cancels out.
function ratio(a: Stat | null, b: Stat | null): string {
  if (a === null || b === null) return '—';
  const per = a.samples.map((x, i) => x / b.samples[i]!);
  return `${quantile(per, 0.5).toFixed(2)}× (${quantile(per, 0.25).toFixed(2)}–${quantile(per, 0.75).toFixed(2)})`;
}

async function ours(w: Workload, algorithm: AlgorithmName) {
  const keyring = await Keyring.fromConfig(Keyring.generateEntry(algorithm));
  const store = await CookieStore.create({ keyring, sizeLimit: w === 'L' ? 16384 : 6144 });
  const session = await store.load(null);
  for (const [k, v] of entries(w)) session.set(k, v);
  const header = (await store.save(session)).filter((l) => !l.includes('=; Max-Age=0')).map((l) => l.split(';')[0]).join('; ');
  const loaded: Session = await store.load(header);
  let counter = 0;
  const key = w === 'S' ? 'user_id' : 'key_001';
  return {
    cookies: header.split('; ').length,
    seal: async () => {
      loaded.set(key, ++counter);
      return store.save(loaded);
    },
    open: async () => (await store.load(header)).get(readKey(w)),
  };
}

async function iron(w: Workload) {
  const options = { cookieName: 'session', password: 'x5Yq3rT8vW1zK7mN2pB9cD4fG6hJ0sLa', ttl: 14 * 24 * 3600 };
  let stored: string | undefined;
  const jar = {
    get: (name: string) => (name === 'session' && stored !== undefined ? { name, value: stored } : undefined),
    set: (name: string | { value: string }, value?: string) => {
      stored = typeof name === 'string' ? value : name.value;
    },
  };
  const session = (await getIronSession<Record<string, unknown>>(jar, options)) as IronSession<Record<string, unknown>>;
  Object.assign(session, Object.fromEntries(entries(w)));
  try {
    await session.save();
  } catch (e) {
    return { error: (e as Error).message, seal: null, open: null };
  }
  const cookie = stored!;
  const readJar = { get: (name: string) => (name === 'session' ? { name, value: cookie } : undefined), set: () => {} };
  let counter = 0;
  const key = w === 'S' ? 'user_id' : 'key_001';
  return {
    error: null,
    seal: async () => {
      session[key] = ++counter;
      return session.save();
    },
    open: async () => (await getIronSession<Record<string, unknown>>(readJar, options))[readKey(w)],
  };
}

const ironPackage = createRequire(import.meta.url).resolve('iron-session').replace(/dist\/index\.c?js$/, 'package.json');
const ironVersion = (JSON.parse(readFileSync(ironPackage, 'utf8')) as { version: string }).version;
console.log(`# sealed-session (js/) vs iron-session ${ironVersion}`);
console.log(`Node ${process.version}, ${os.cpus()[0]?.model ?? 'unknown CPU'} × ${os.cpus().length}, ${os.type()} ${os.release()}, load ${os.loadavg()[0]!.toFixed(2)}; ${rounds} interleaved rounds of ~${ROUND_MS} ms, medians (and the rounds' 25th–75th percentiles); ${new Date().toISOString().slice(0, 16)} UTC`);
console.log('');
const notes: string[] = [];
for (const op of ['seal', 'open'] as const) {
  console.log(`| ${op} | sealed-session (XAES-256-GCM) | sealed-session (AES-256-GCM) | sealed-session (XChaCha20-Poly1305) | iron-session | XAES / iron-session |`);
  console.log('|---|---|---|---|---|---|');
  for (const w of ['S', 'M', 'L'] as const) {
    const [x, a, c, i] = await Promise.all([ours(w, 'xaes-256-gcm'), ours(w, 'aes-256-gcm'), ours(w, 'xchacha20-poly1305'), iron(w)]);
    if (i.error && op === 'seal') notes.push(`¹ ${w}, iron-session: "${i.error}" (one cookie, no chunking; this package writes ${x.cookies} cookies).`);
    const r = await compare({ xaes: x[op], aes: a[op], xchacha: c[op], iron: i[op] });
    console.log(`| ${w} | ${fmt(r.xaes!)} | ${fmt(r.aes!)} | ${fmt(r.xchacha!)} | ${fmt(r.iron!)} | ${ratio(r.xaes!, r.iron!)} |`);
  }
  console.log('');
}
for (const n of notes) console.log(n);
