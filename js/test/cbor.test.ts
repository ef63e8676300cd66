// The payload's CBOR: what the encoder writes for JavaScript values, what
// the strict reader refuses, and that the two agree on random values.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Tagged } from '../src/index.js';
import { encodeValue, decodeValue, encodePayload, openPayload } from '../src/internal.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const unhex = (h: string): Uint8Array => new Uint8Array(Buffer.from(h, 'hex'));

test('floats in the shortest width that holds them exactly; integers as integers', () => {
  const cases: [unknown, string][] = [
    [1.5, 'f93e00'],
    [-0.5, 'f9b800'],
    [5.960464477539063e-8, 'f90001'], // the smallest half subnormal
    [65504, '19ffe0'], // an integer, not a half
    [65504.5, 'fa477fe080'],
    [0.1, 'fb3fb999999999999a'],
    [3.4028234663852886e38, 'fa7f7fffff'],
    [Infinity, 'f97c00'],
    [-Infinity, 'f9fc00'],
    [NaN, 'f97e00'],
    [-0, '00'],
    [2 ** 53, 'fa5a000000'],
    [-(2n ** 64n), '3bffffffffffffffff'],
    [2n ** 53n, '1b0020000000000000'],
    [(1n << 64n) - 1n, '1bffffffffffffffff'],
    [-1n, '20'],
    [23, '17'],
    [24, '1818'],
    ['grüße', '676772c3bcc39f65'],
    [new Uint8Array([1, 2]), '420102'],
    [new Tagged(1, 'x'), 'c16178'],
    [new Map<unknown, unknown>([[2, 'a'], [1, 'b']]), 'a20261610161 62'.replace(' ', '')],
    [{ b: 1, a: [2] }, 'a261620161618102'],
    [[null, true, false], '83f6f5f4'],
  ];
  for (const [value, want] of cases) assert.equal(hex(encodeValue(value)), want, String(value));
});

test('values that cannot be stored are refused', () => {
  let deep: unknown = 0;
  for (let i = 0; i < 32; i++) deep = [deep];
  const cyclic: unknown[] = [];
  cyclic.push(cyclic);
  for (const bad of [undefined, () => 1, Symbol('s'), new Date(0), '\uD800', { k: undefined }, 1n << 64n, -(1n << 64n) - 1n, deep, cyclic, new Map<unknown, number>([[1, 1], [1n, 2]])]) {
    assert.throws(() => encodeValue(bad), String(bad));
  }
  let ok: unknown = 0;
  for (let i = 0; i < 31; i++) ok = [ok];
  assert.equal(decodeValue(encodeValue(ok)) !== undefined, true);
});

test('the reader refuses non-preferred, indefinite, simple and odd-NaN items', () => {
  for (const bad of ['1817', '190017', '5f4100ff', '9fff', 'f7', 'f0', 'f820', 'fa3fc00000', 'fb3ff8000000000000', 'f97e01', 'f97c01', 'fa7fc00000', 'fb7ff8000000000000', '62c328', '62eda080', 'a20101 0102'.replace(' ', ''), '5a00000010', 'ff', '0000', 'fc', '1c']) {
    assert.throws(() => decodeValue(unhex(bad)), bad);
  }
  for (const good of ['f97e00', 'f9fe00', 'f98000', 'c11a00010000', 'd9d9f700']) {
    assert.doesNotThrow(() => decodeValue(unhex(good)), good);
  }
});

// JavaScript values the encoder accepts, as a decode gives them back.
const value = fc.letrec((tie) => ({
  v: fc.oneof(
    { depthSize: 'small' },
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.double().filter((d) => !Number.isInteger(d) && !Number.isNaN(d)),
    fc.bigInt({ min: -(1n << 64n), max: (1n << 64n) - 1n }).filter((b) => b > BigInt(Number.MAX_SAFE_INTEGER) || b < -BigInt(Number.MAX_SAFE_INTEGER) - 1n),
    fc.string({ unit: 'grapheme' }),
    fc.uint8Array({ maxLength: 40 }),
    fc.array(tie('v'), { maxLength: 4 }),
    fc.dictionary(fc.string({ unit: 'grapheme', maxLength: 6 }), tie('v'), { maxKeys: 4, noNullPrototype: true }),
  ),
})).v;

test('property: encode, decode and encode again give the same bytes and value', () => {
  fc.assert(
    fc.property(value, (v) => {
      const bytes = encodeValue(v);
      const back = decodeValue(bytes);
      assert.equal(hex(encodeValue(back)), hex(bytes));
      assert.deepEqual(back, v);
    }),
    { numRuns: 2000 },
  );
});

test('property: a random byte string never crashes the reader, and what it accepts reads back the same', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 24 }), (b) => {
      let v;
      try {
        v = decodeValue(b);
      } catch (e) {
        assert.equal((e as Error).name, 'CborError');
        return;
      }
      // JavaScript has one number type: a float holding an integer comes
      // back as an integer, so compare values, not bytes.
      assert.deepEqual(decodeValue(encodeValue(v)), v);
    }),
    { numRuns: 20000 },
  );
});

test('data keys are ordered by UTF-8 bytes, not UTF-16 code units', () => {
  // U+FFFF is EF BF BF in UTF-8, before U+10000 (F0 90 80 80); in UTF-16 the
  // surrogate D800 sorts first.
  const data = new Map([['\u{10000}', encodeValue(1)], ['\uFFFF', encodeValue(2)], ['aa', encodeValue(3)], ['b', encodeValue(4)], ['B', encodeValue(5)]]);
  const payload = { issuedAt: 1n, expiresAt: 2n, idleDeadline: undefined, id: new Uint8Array(16), data, flashes: new Map(), maxAge: undefined };
  const bytes = encodePayload(payload);
  assert.deepEqual([...openPayload(bytes).data.keys()], ['B', 'aa', 'b', '\uFFFF', '\u{10000}']);
  assert.ok(['\u{10000}', '\uFFFF'].sort()[0] === '\u{10000}', 'JavaScript sorts the other way');
});
