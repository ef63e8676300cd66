// Random sessions sealed here, opened by the Rust implementation: the
// crate's `sealed-session inspect` (the same reader as CookieStore::load)
// must open each one and show exactly the values and flashes stored.
//
//   cargo build --all-features --bin sealed-session && npm run build && node --test dist/test/e2e/interop.js

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { CookieStore, Keyring, type AlgorithmName } from '../../src/index.js';
import { encodeBase64url } from '../../src/internal.js';

const repo = fileURLToPath(new URL('../../../../', import.meta.url));
const cli = process.env.SEALED_SESSION_BIN ?? join(repo, 'target/debug/sealed-session');

/**
 * What `inspect` prints for a value this package stored: its lossless JSON
 * form (src/bin/sealed-session/cbor_json.rs): plain JSON where exact, else a
 * one-member wrapper (`int`, `float`, `bytes`, `map`).
 */
function rustItem(v: unknown): unknown {
  if (typeof v === 'bigint') return v > -(2n ** 53n) && v < 2n ** 53n ? Number(v) : { int: v.toString() };
  if (typeof v === 'number') {
    // Safe integers (-0 included) are stored as integers, every other number as a float.
    if (Number.isSafeInteger(v)) return Object.is(v, -0) ? 0 : v;
    if (Number.isNaN(v)) return { float: 'NaN' };
    if (!Number.isFinite(v)) return { float: v > 0 ? 'Infinity' : '-Infinity' };
    return { float: v };
  }
  if (v instanceof Uint8Array) return { bytes: encodeBase64url(v) };
  if (Array.isArray(v)) return v.map(rustItem);
  if (v !== null && typeof v === 'object') return { map: Object.entries(v).map(([k, x]) => [k, rustItem(x)]) };
  return v;
}

/** The `data` (key → item) or `flashes` (bucket → items) object `inspect` prints. */
function rustJson(o: Record<string, unknown>): unknown {
  return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, rustItem(x)]));
}

const leaf = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer({ min: -(2 ** 53) + 1, max: 2 ** 53 - 1 }),
  fc.double({ noNaN: false }),
  fc.bigInt({ min: -(2n ** 64n), max: 2n ** 64n - 1n }),
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.uint8Array({ maxLength: 20 }),
);
const value = fc.letrec((tie) => ({
  v: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('v'), { maxLength: 4 }), fc.dictionary(fc.string({ unit: 'binary', maxLength: 8 }), tie('v'), { maxKeys: 4, noNullPrototype: true })),
})).v;

for (const algorithm of ['xaes-256-gcm', 'xchacha20-poly1305', 'aes-256-gcm', 'hmac-sha256'] as AlgorithmName[]) {
  test(`property (${algorithm}): whatever this package seals, the Rust reader opens to the same values`, async () => {
    const keys = `${Keyring.generateEntry(algorithm)}\n${Keyring.generateEntry()}`;
    const keyring = await Keyring.fromConfig(keys);
    const store = await CookieStore.create({ keyring, name: 'sid', allowNonHostName: true, sizeLimit: 16384 });
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(fc.string({ unit: 'binary', minLength: 1, maxLength: 10 }), value, { minKeys: 1, maxKeys: 6, noNullPrototype: true }),
        fc.dictionary(fc.string({ unit: 'binary', minLength: 1, maxLength: 6 }), fc.array(value, { minLength: 1, maxLength: 3 }), { maxKeys: 2, noNullPrototype: true }),
        fc.nat(9000),
        async (data, flashes, padding) => {
          const session = await store.load(null);
          for (const [k, v] of Object.entries(data)) session.set(k, v);
          session.set('~padding', 'p'.repeat(padding));
          for (const [bucket, messages] of Object.entries(flashes)) for (const m of messages) session.addFlash(m, bucket);
          const lines = await store.save(session);
          const header = lines.filter((l) => !l.includes('=; Max-Age=0')).map((l) => l.split(';')[0]).join('; ');
          const run = spawnSync(cli, ['inspect', '--keys-env', 'INTEROP_KEYS', '--name', 'sid', '--size-limit', '16384', '-'], {
            input: header,
            env: { ...process.env, INTEROP_KEYS: keys },
            encoding: 'utf8',
          });
          assert.equal(run.status, 0, `inspect failed (${run.status}): ${run.stderr}\n${run.stdout}`);
          const report = JSON.parse(run.stdout);
          assert.equal(report.status, 'ok');
          assert.equal(report.id, session.id);
          assert.equal(report.key_id, keyring.primaryId);
          assert.equal(report.cookies, header.split('; ').length);
          assert.deepEqual(report.data, rustJson({ ...data, '~padding': 'p'.repeat(padding) }));
          assert.deepEqual(report.flashes, rustJson(flashes));
        },
      ),
      { numRuns: 40 },
    );
  });
}
