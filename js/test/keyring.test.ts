// Key configuration text (SECURITY.md "Key configuration text"): the
// grammar, the key checks and the key ids, against the vectors' keys.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { Keyring, ConfigError } from '../src/index.js';

// Keys from test-vectors/v1 (key id 53d1f3e4 for this XAES pair).
const HASH = 'ebPHHn9722cDpZdVD7ucpZBeokYPNCVkzV6Xvou2liw';
const BLOCK = 'C2nzZ6tBf0u1BGwbkMK9XRtO-imwrS0uR7IZ6OvikBM';
const SIGN = '_ys2EMp72JdFhe8wNB5bZ3jkdePhiNJJWNxX7ieeO32BnGvJYOMsorKza4bNBrZS2eAhdinBggHLnhZyKWTZXg';
const XAES = `xaes-256-gcm:${HASH}:${BLOCK}`;

const toStd = (s: string): string => s.replace(/-/g, '+').replace(/_/g, '/');
const bytes = (n: number, f: (i: number) => number): string =>
  btoa(String.fromCharCode(...Array.from({ length: n }, (_, i) => f(i)))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

async function refused(text: string, entry: number, reason: RegExp): Promise<void> {
  await assert.rejects(Keyring.fromConfig(text), (e: unknown) => {
    assert.ok(e instanceof ConfigError, String(e));
    assert.equal(e.entry, entry, e.message);
    assert.match(e.message, reason);
    // Never key bytes in an error.
    for (const key of [HASH, BLOCK, SIGN]) assert.ok(!e.message.includes(key.slice(0, 8)), e.message);
    return true;
  });
}

test('the key ids of the vectors', async () => {
  assert.equal((await Keyring.fromConfig(XAES)).primaryId, '53d1f3e4');
  const two = await Keyring.fromConfig(`${XAES}\nhmac-sha256:${SIGN}`);
  assert.equal(two.length, 2);
  assert.equal(two.ids()[1]!.algorithm, 'hmac-sha256');
});

test('hash:block is XAES-256-GCM; names fold ASCII case; sign-only is hmac-sha256', async () => {
  assert.equal((await Keyring.fromConfig(`${HASH}:${BLOCK}`)).primaryId, '53d1f3e4');
  assert.equal((await Keyring.fromConfig(`XAES-256-Gcm:${HASH}:${BLOCK}`)).primaryId, '53d1f3e4');
  const a = await Keyring.fromConfig(`sign-only:${SIGN}`);
  const b = await Keyring.fromConfig(`HMAC-SHA256:${SIGN}`);
  assert.equal(a.primaryId, b.primaryId);
  // The key id depends on the algorithm: the same keys under another one differ.
  assert.notEqual((await Keyring.fromConfig(`aes-256-gcm:${HASH}:${BLOCK}`)).primaryId, '53d1f3e4');
  await refused(`xaes-256-gcm\u212A:${HASH}:${BLOCK}`, 1, /unknown algorithm/);
});

test('BOM, comments, commas, blanks and CRLF', async () => {
  const text = `\uFEFF# keys, newest first\r\n  ${XAES} \t, # a comment, with a comma\r\n\r\n,hmac-sha256 : ${SIGN}\r\n`;
  const k = await Keyring.fromConfig(text);
  assert.deepEqual(
    k.ids().map((e) => e.algorithm),
    ['xaes-256-gcm', 'hmac-sha256'],
  );
  // A BOM elsewhere is an ordinary character, and fails as base64.
  await refused(`${XAES}\n\uFEFFhmac-sha256:${SIGN}`, 2, /unknown algorithm|base64/);
});

test('entry shapes that are errors', async () => {
  await refused(HASH, 1, /lone key/);
  await refused('xaes-256-gcm', 1, /without a hash key/);
  await refused(`xaes-256-gcm:${HASH}`, 1, /needs a block key/);
  await refused(`hmac-sha256:${SIGN}:${BLOCK}`, 1, /takes no block key/);
  await refused(`${HASH}:${BLOCK}:${BLOCK}`, 1, /unknown algorithm/);
  await refused(`xaes-256-gcm:${HASH}:${BLOCK}:x`, 1, /too many fields/);
  await refused('  \n # nothing \n', 0, /no key pairs/);
  await refused(undefined as unknown as string, 0, /is the variable set/);
  await refused(`${XAES}\n${XAES}`, 2, /same key id as entry 1/);
});

test('base64: either alphabet, never mixed; canonical padding and trailing bits', async () => {
  const std = toStd(BLOCK);
  assert.ok(std !== BLOCK);
  assert.equal((await Keyring.fromConfig(`xaes-256-gcm:${HASH}:${std}`)).primaryId, '53d1f3e4');
  assert.equal((await Keyring.fromConfig(`xaes-256-gcm:${HASH}=:${BLOCK}`)).primaryId, '53d1f3e4');
  await refused(`xaes-256-gcm:${HASH}==:${BLOCK}`, 1, /hash key is not valid base64/);
  await refused(`xaes-256-gcm:${HASH}:${'_' + std.slice(1)}`, 1, /block key is not valid base64/);
  // 43 characters hold 32 bytes and 2 spare bits: they must be zero.
  const last = HASH.at(-1)!;
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const flipped = HASH.slice(0, -1) + alphabet[alphabet.indexOf(last) ^ 1];
  await refused(`xaes-256-gcm:${flipped}:${BLOCK}`, 1, /not valid base64/);
  await refused(`xaes-256-gcm:${HASH.slice(0, 20)} ${HASH.slice(20)}:${BLOCK}`, 1, /not valid base64/);
});

test('key lengths and keys that are plainly not random', async () => {
  await refused(`xaes-256-gcm:${bytes(31, (i) => (i * 97 + 13) & 255)}:${BLOCK}`, 1, /31 bytes, at least 32/);
  await refused(`xaes-256-gcm:${HASH}:${bytes(31, (i) => (i * 97 + 13) & 255)}`, 1, /exactly 32/);
  await refused(`hmac-sha256:${bytes(513, (i) => (i * 97 + 13) & 255)}`, 1, /at most 512/);
  await refused(`xaes-256-gcm:${bytes(32, (i) => i % 15)}:${BLOCK}`, 1, /fewer than 16 distinct/);
  await refused(`xaes-256-gcm:${bytes(32, (i) => (i % 16) * 7)}:${BLOCK}`, 1, /repeated pattern/);
  await refused(`xaes-256-gcm:${HASH}:${bytes(32, (i) => (200 + i * 3) & 255)}`, 1, /block key .*counting sequence/);
  await refused(`xaes-256-gcm:${bytes(32, (i) => 0x21 + ((i * 7) % 90))}:${BLOCK}`, 1, /printable text/);
});

test('generated entries parse, and nothing prints key bytes', async () => {
  for (const alg of ['xaes-256-gcm', 'xchacha20-poly1305', 'aes-256-gcm', 'hmac-sha256'] as const) {
    const entry = Keyring.generateEntry(alg);
    const k = await Keyring.fromConfig(entry);
    assert.equal(k.ids()[0]!.algorithm, alg);
    for (const shown of [inspect(k), String(k), JSON.stringify(k)]) {
      for (const key of entry.split(':').slice(1)) assert.ok(!shown.includes(key.slice(0, 8)), shown);
      assert.match(shown, new RegExp(k.primaryId));
    }
  }
});
