// IEEE 754 half precision, which JavaScript lacks, and the "shortest exact
// width" rule of SECURITY.md "Payload" (preferred serialization, RFC 8949
// §4.1 for floats).

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The number a half-precision bit pattern stands for. */
export function halfToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >>> 10) & 0x1f;
  const frac = bits & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac === 0 ? sign * Infinity : NaN;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/**
 * The half-precision bit pattern of `x` when half precision holds it exactly
 * (zeros of either sign and infinities included), else `null`. Not for NaN.
 */
export function numberToHalfExact(x: number): number | null {
  if (Number.isNaN(x)) return null;
  // Every half is a single: go through the single's bits.
  f32[0] = x;
  if (f32[0] !== x) return null;
  const bits = u32[0]!;
  const sign = (bits >>> 16) & 0x8000;
  const exp = (bits >>> 23) & 0xff;
  const frac = bits & 0x7fffff;
  if (exp === 0xff) return frac === 0 ? sign | 0x7c00 : null;
  if (exp === 0 && frac === 0) return sign;
  if (exp === 0) return null; // single subnormals are far below half's range
  const e = exp - 127;
  if (e > 15) return null;
  if (e >= -14) {
    // Normal half: 10 fraction bits, the single's other 13 must be zero.
    if (frac & 0x1fff) return null;
    return sign | ((e + 15) << 10) | (frac >>> 13);
  }
  if (e < -24) return null;
  // Subnormal half: value = m * 2^-24 with m < 1024.
  const m = (0x800000 | frac) / 2 ** (23 - (e + 24));
  if (!Number.isInteger(m)) return null;
  return sign | m;
}

/** True when single precision holds `x` exactly (not for NaN). */
export function fitsSingle(x: number): boolean {
  return Math.fround(x) === x;
}
