// Every vector of test-vectors/v1 as a check this package must pass, from
// the files' fields alone. Runtime-agnostic (no Node API): the same cases
// run under `node --test` and inside headless Chromium.

import { CookieStore, Keyring, Tagged, type Session } from '../../src/index.js';
import { openPayload, encodePayload, decodeValue, STATE } from '../../src/internal.js';
import { Envelope } from '../../src/envelope.js';

/** The vector files, parsed. */
export interface VectorFiles {
  positive: VectorFile;
  chunked: VectorFile;
  negative: VectorFile;
  reader: VectorFile;
  writer: VectorFile;
  payload: VectorFile;
}

type V = any;
interface VectorFile {
  vectors: V[];
}

/** One check: a vector of a file. */
export interface Case {
  file: keyof VectorFiles;
  name: string;
  run: () => Promise<void>;
}

/** Frozen negative vectors that the current reader opens (test-vectors/README.md, "Superseded outcomes"). */
export const SUPERSEDED = new Set(['chunk-extra', 'chunk-extra-on-single']);

function fail(message: string): never {
  throw new Error(message);
}

function check(cond: boolean, message: string): void {
  if (!cond) fail(message);
}

function hexToBytes(h: string): Uint8Array {
  const out = new Uint8Array(h.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(h.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function toHex(b: Uint8Array): string {
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
}

/** A decoded value in the JSON form the vector files use. */
function toJson(v: unknown): unknown {
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof Uint8Array) return toHex(v);
  if (v instanceof Tagged) return toJson(v.value);
  if (Array.isArray(v)) return v.map(toJson);
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [String(k), toJson(x)]));
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toJson(x)]));
  return v;
}

function same(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => same(x, b[i]));
  }
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') {
    const ka = Object.keys(a).sort();
    const kb = Object.keys(b).sort();
    return same(ka, kb) && ka.every((k) => same((a as V)[k], (b as V)[k]));
  }
  return Object.is(a, b) || a === b;
}

function equalJson(actual: unknown, expected: unknown, what: string): void {
  check(same(toJson(actual), expected), `${what}: got ${JSON.stringify(toJson(actual))}, want ${JSON.stringify(expected)}`);
}

const keyrings = new Map<string, Promise<Keyring>>();
function keyring(text: string): Promise<Keyring> {
  let k = keyrings.get(text);
  if (!k) keyrings.set(text, (k = Keyring.fromConfig(text)));
  return k;
}

/** A queue of fixed random draws: ids (16 bytes) and the nonce. */
function fixedRandom(ids: string[], nonce: string): (n: number) => Uint8Array {
  return (n) => {
    if (n === 16) {
      const id = ids.shift();
      if (id === undefined) fail('an unexpected 16-byte random draw');
      return hexToBytes(id);
    }
    check(n === nonce.length / 2, `a random draw of ${n} bytes, nonce is ${nonce.length / 2}`);
    return hexToBytes(nonce);
  };
}

async function readerStore(v: V, hooks = {}): Promise<CookieStore> {
  return CookieStore.create(
    {
      keyring: await keyring(v.keys),
      name: v['cookie-name'],
      allowNonHostName: true,
      sizeLimit: v['size-limit'],
      clockSkew: v['clock-skew'],
      warn: () => {},
      ...(v['idle-timeout'] !== undefined ? { idleTimeout: v['idle-timeout'] } : {}),
      ...(v['not-before'] !== undefined ? { notBefore: v['not-before'] } : {}),
      // Header transport: the store reads the header `x-session` (reader.json `header-value`).
      ...(v['header-value'] !== undefined ? { header: 'x-session' } : {}),
    },
    hooks,
  );
}

/** The keys text with the entry whose key id is `id` moved first (it seals). */
async function sealingFirst(keys: string, id: string): Promise<string> {
  const lines = keys.split('\n').filter((l) => l.trim() !== '');
  for (const [i, line] of lines.entries()) {
    if ((await keyring(line)).primaryId === id) return [line, ...lines.filter((_, j) => j !== i)].join('\n');
  }
  return fail(`no entry of the keys has key id ${id}`);
}

/** Seals `payload-cbor` with `nonce` under the `key-id` entry for `chunks` chunks. */
async function sealAs(v: V, chunks: number): Promise<string> {
  const payload = hexToBytes(v['payload-cbor']);
  let decoded;
  try {
    decoded = openPayload(payload);
  } catch {
    decoded = null;
  }
  if (decoded) {
    check(toHex(encodePayload(decoded)) === v['payload-cbor'], 'payload-cbor re-encodes to the same bytes');
  }
  // The envelope seals the exact bytes, even malformed ones (negative vectors).
  const envelope = await Envelope.create(
    await keyring(await sealingFirst(v.keys, v['key-id'])),
    v['cookie-name'],
  );
  return envelope.seal(payload, chunks, hexToBytes(v.nonce));
}

function expectOpened(session: Session, what: string): void {
  check(!session.isNew && session.loadError === null, `${what}: did not open (loadError ${session.loadError})`);
}

async function positive(v: V): Promise<void> {
  const cookies: string[] = v.cookies;
  check(toHex(hexToBytes(v['payload-cbor'])) === v['payload-cbor'], 'hex');
  const sealed = await sealAs(v, cookies.length);
  check(sealed === v.sealed, `sealed: got ${sealed.slice(0, 40)}..., want ${v.sealed.slice(0, 40)}...`);
  const store = await readerStore(v);
  // The greedy split gives exactly the vector's cookies.
  const lens = store.split(sealed.length);
  let at = 0;
  const split = lens.map((n, i) => `${i === 0 ? v['cookie-name'] : `${v['cookie-name']}.${i}`}=${sealed.slice(at, (at += n))}`);
  check(same(split, cookies), `split: ${JSON.stringify(split.map((c) => c.length))}`);
  // The payload decodes to the readable form.
  const p = openPayload(hexToBytes(v['payload-cbor']));
  const want = v.payload;
  check(Number(p.issuedAt) === want['issued-at'] && Number(p.expiresAt) === want['expires-at'], 'lifetimes');
  check(p.idleDeadline === undefined ? want['idle-deadline'] === undefined : Number(p.idleDeadline) === want['idle-deadline'], 'idle deadline');
  check(p.maxAge === undefined ? want['max-age'] === undefined : Number(p.maxAge) === want['max-age'], 'max-age');
  check(toHex(p.id) === want.id, 'id');
  // Loading the cookies opens the session with that payload and key.
  const session = await store.loadAt(cookies.join('; '), BigInt(v.now));
  expectOpened(session, 'load');
  check(session.id === want.id, 'session id');
  check(session.openedWith === v['key-id'], `opened with ${session.openedWith}`);
  check(same(session.keys().sort(), Object.keys(want.data).sort()), 'keys');
  for (const [k, value] of Object.entries(want.data)) equalJson(session.get(k), value, `value ${k}`);
  for (const [bucket, values] of Object.entries(want.flashes ?? {})) equalJson(session.flashes(bucket), values, `flashes ${bucket}`);
  // Saving again writes nothing, or re-seals with the first key keeping the lifetimes.
  const fresh = await store.loadAt(cookies.join('; '), BigInt(v.now));
  const lines = await store.saveAt(fresh, BigInt(v.now));
  if (v['resealed-on-save']) {
    check(lines.length > 0, 'resealed on save');
    const header = lines.filter((l) => !/=; Max-Age=0/.test(l)).map((l) => l.split(';')[0]).join('; ');
    const again = await store.loadAt(header, BigInt(v.now));
    expectOpened(again, 'reload after reseal');
    check(again.openedWith === (await keyring(v.keys)).primaryId, 'resealed by the first key');
    const p2 = again[STATE].payload;
    check(p2.issuedAt === p.issuedAt && p2.expiresAt === p.expiresAt, 'issued-at and expires-at kept');
  } else if (Object.keys(want.data).length === 0 && !want.flashes) {
    // An empty session's cookies, those the request carried, are deleted on its next save.
    const names = cookies.map((c) => c.slice(0, c.indexOf('=')));
    check(same(lines.map((l) => l.slice(0, l.indexOf('='))), names) && lines.every((l) => l.includes('=; Max-Age=0;')), 'deletions only');
  } else {
    check(lines.length === 0, `saving unchanged wrote ${lines.length} lines`);
  }
}

async function negative(v: V): Promise<void> {
  if (v.sealed !== undefined) {
    const chunks = v['cookie-header'].split(';').length;
    const sealed = await sealAs(v, chunks);
    check(sealed === v.sealed, 'sealed negative vector seals to exactly `sealed`');
  }
  const store = await readerStore(v);
  const session = await store.loadAt(v['cookie-header'], BigInt(v.now));
  if (SUPERSEDED.has(v.name)) {
    expectOpened(session, 'superseded vector opens as the genuine session');
    return;
  }
  check(session.isNew, 'a fresh session');
  check(session.loadError === v.expected, `outcome: got ${session.loadError}, want ${v.expected}`);
}

async function reader(v: V): Promise<void> {
  const store = await readerStore(v);
  const session =
    v['header-value'] !== undefined
      ? await store.loadHeaderAt(v['header-value'], BigInt(v.now))
      : await store.loadAt(v['cookie-headers'], BigInt(v.now));
  if (v.expected === 'ok') {
    expectOpened(session, 'load');
    check(session.id === v['session-id'], `session id: got ${session.id}, want ${v['session-id']}`);
  } else if (v.expected === 'absent') {
    check(session.isNew && session.loadError === null, `absent: got loadError ${session.loadError}`);
  } else {
    check(session.isNew && session.loadError === v.expected, `outcome: got ${session.loadError}, want ${v.expected}`);
  }
  // A conflict, and only a conflict, is counted as an injection.
  const conflict = v.expected === 'conflict';
  check(store.stats.injections === (conflict ? 1 : 0), `injections counted: ${store.stats.injections}`);
  if (conflict) {
    // Its cookies are not deleted: an emptied session's save emits nothing.
    check((await store.saveAt(session, BigInt(v.now))).length === 0, 'a conflict deletes nothing');
  }
}

async function payloadRule(v: V): Promise<void> {
  const bytes = hexToBytes(v['payload-cbor']);
  let decodes = true;
  try {
    const p = openPayload(bytes);
    for (const value of p.data.values()) decodeValue(value);
    for (const messages of p.flashes.values()) messages.forEach((m) => decodeValue(m));
  } catch {
    decodes = false;
  }
  check(decodes === (v.expected === 'ok'), `the decoder ${decodes ? 'accepts' : 'rejects'} the payload`);
  const store = await readerStore(v, { random: () => new Uint8Array(24).fill(7) });
  const session = await store.loadAt(v['cookie-header'], BigInt(v.now));
  if (v.expected !== 'ok') {
    check(session.isNew && session.loadError === 'invalid', `outcome: got ${session.loadError}`);
    return;
  }
  expectOpened(session, 'load');
  // A change elsewhere and a save keep every value's bytes (no reordering).
  const before = openPayload(bytes);
  session.set('\u{10FFFF}-unrelated', 1);
  const lines = await store.saveAt(session, BigInt(v.now));
  const header = lines.filter((l) => !/=; Max-Age=0/.test(l)).map((l) => l.split(';')[0]).join('; ');
  const again = await store.loadAt(header, BigInt(v.now));
  expectOpened(again, 'reload');
  for (const [k, value] of before.data) {
    check(toHex(again[STATE].payload.data.get(k)!) === toHex(value), `value ${k} kept its bytes`);
  }
}

async function writer(v: V): Promise<void> {
  const st = v.store;
  const ids = [v['session-id'], ...v.changes.filter((c: V) => c['new-id']).map((c: V) => c['new-id'])];
  let sealedPayload: string | null = null;
  const store = await CookieStore.create(
    {
      keyring: await keyring(st.keys),
      name: st['cookie-name'],
      allowNonHostName: true,
      sizeLimit: st['size-limit'],
      maxAge: st['max-age'],
      ...(st['idle-timeout'] !== undefined ? { idleTimeout: st['idle-timeout'] } : {}),
      rolling: st.rolling,
      ...(st.domain !== undefined ? { domain: st.domain } : {}),
      path: st.path,
      secure: st.secure,
      httpOnly: st['http-only'],
      sameSite: st['same-site'],
      partitioned: st.partitioned,
      ...(st.header !== undefined ? { header: st.header } : {}),
    },
    { random: fixedRandom(ids, v.nonce ?? ''), sealing: (p) => (sealedPayload = toHex(p)) },
  );
  const loadedAt = BigInt(v['loaded-at']);
  const session =
    st.header !== undefined
      ? await store.loadHeaderAt(v['request-header'], loadedAt)
      : await store.loadAt(v['request-cookies'] ?? null, loadedAt);
  if (!session.isNew) ids.shift();
  check(session.id === v['session-id'], `session id after load: ${session.id}`);
  for (const c of v.changes) {
    switch (c.op) {
      case 'insert':
        session.set(c.key, c.value);
        break;
      case 'remove':
        session.delete(c.key);
        break;
      case 'add-flash':
        session.addFlash(c.value, c.bucket);
        break;
      case 'take-flashes':
        session.flashes(c.bucket);
        break;
      case 'clear':
        session.clear();
        break;
      case 'regenerate-id':
        session.regenerateId();
        break;
      case 'destroy':
        session.destroy();
        break;
      case 'set-max-age':
        session.setMaxAge(c.seconds);
        break;
      default:
        fail(`unknown op ${c.op}`);
    }
  }
  const savedAt = BigInt(v['saved-at']);
  try {
    if (st.header !== undefined) {
      const answer = await store.saveHeaderAt(session, savedAt);
      check(same(answer, v['header-response']), `header answer: ${JSON.stringify(answer)}`);
    } else {
      const lines = await store.saveAt(session, savedAt);
      check(v['too-large'] === undefined, 'expected TooLarge');
      check(same(lines, v['set-cookie']), `lines:\n${lines.join('\n')}\nwant:\n${v['set-cookie'].join('\n')}`);
    }
  } catch (e) {
    if (v['too-large'] === undefined || !(e instanceof Error) || !('needed' in e)) throw e;
    const err = e as Error & { needed: number; allowed: number; kind: string };
    check(err.kind === 'too-large' && err.needed === v['too-large'].needed && err.allowed === v['too-large'].allowed, `TooLarge ${err.needed}/${err.allowed}`);
    check(sealedPayload === null, 'nothing sealed');
    return;
  }
  check(sealedPayload === (v['payload-cbor'] ?? null), `payload sealed: ${sealedPayload}`);
  if (v.sealed) {
    const s = v.sealed;
    check(session.id === s.id, 'sealed id');
    check(session.issuedAt.getTime() === s['issued-at'] * 1000, 'sealed issued-at');
    check(session.expiresAt.getTime() === s['expires-at'] * 1000, 'sealed expires-at');
    check((session.idleDeadline?.getTime() ?? null) === (s['idle-deadline'] !== undefined ? s['idle-deadline'] * 1000 : null), 'sealed idle deadline');
  }
}

/** Every vector of every file, as cases. */
export function cases(files: VectorFiles): Case[] {
  const out: Case[] = [];
  const add = (file: keyof VectorFiles, run: (v: V) => Promise<void>): void => {
    for (const v of files[file].vectors) out.push({ file, name: v.name, run: () => run(v) });
  };
  add('positive', positive);
  add('chunked', positive);
  add('negative', negative);
  add('reader', reader);
  add('writer', writer);
  add('payload', payloadRule);
  return out;
}
