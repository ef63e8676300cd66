// XAES-256-GCM as C2SP specifies it (https://c2sp.org/XAES-256-GCM), built
// on WebCrypto's AES primitives: the per-message key is derived with single
// AES-256 block encryptions (one-block AES-CBC under a chosen IV, which is
// exactly AES-ECB of that IV), then AES-256-GCM runs under the derived key
// with the last 12 bytes of the 24-byte nonce. Not WebCrypto's AES-GCM with
// a 24-byte IV: GCM hashes a long IV into its counter (GHASH), a different
// and weaker construction that does not interoperate.

const subtle = globalThis.crypto.subtle;
const ZERO_BLOCK = new Uint8Array(16);
const bs = (b: Uint8Array): BufferSource => b as BufferSource;

/** One AES-256 block: AES-CBC of a zero block with IV `x` is AES_K(x). */
async function aesBlock(key: CryptoKey, x: Uint8Array): Promise<Uint8Array> {
  const out = await subtle.encrypt({ name: 'AES-CBC', iv: bs(x) }, key, ZERO_BLOCK);
  return new Uint8Array(out, 0, 16);
}

/** The XAES-256-GCM derivation for one key `K`. */
export class XaesKey {
  private readonly k1: Promise<Uint8Array>;

  private constructor(private readonly block: CryptoKey) {
    // K1 = the CMAC subkey of L = AES_K(0^128): L << 1, XOR 0x87 on carry.
    this.k1 = aesBlock(block, ZERO_BLOCK).then((l) => {
      const k1 = new Uint8Array(16);
      for (let i = 0; i < 16; i++) k1[i] = ((l[i]! << 1) | (i < 15 ? l[i + 1]! >>> 7 : 0)) & 0xff;
      if (l[0]! & 0x80) k1[15] = k1[15]! ^ 0x87;
      l.fill(0);
      return k1;
    });
  }

  /** Imports `k` (32 bytes); the caller may wipe `k` afterwards. */
  static async import(k: Uint8Array): Promise<XaesKey> {
    const block = await subtle.importKey('raw', bs(k), { name: 'AES-CBC' }, false, ['encrypt']);
    return new XaesKey(block);
  }

  /** The AES-256-GCM key for the first 12 bytes of `nonce`. */
  async derive(nonce: Uint8Array): Promise<CryptoKey> {
    const k1 = await this.k1;
    const m1 = new Uint8Array(16);
    const m2 = new Uint8Array(16);
    // M_i = 0x00 || i || "X" || 0x00 || N[:12], each XORed with K1.
    m1.set([0x00, 0x01, 0x58, 0x00]);
    m2.set([0x00, 0x02, 0x58, 0x00]);
    m1.set(nonce.subarray(0, 12), 4);
    m2.set(nonce.subarray(0, 12), 4);
    for (let i = 0; i < 16; i++) {
      m1[i] = m1[i]! ^ k1[i]!;
      m2[i] = m2[i]! ^ k1[i]!;
    }
    const [a, b] = await Promise.all([aesBlock(this.block, m1), aesBlock(this.block, m2)]);
    const kx = new Uint8Array(32);
    kx.set(a);
    kx.set(b, 16);
    a.fill(0);
    b.fill(0);
    try {
      return await subtle.importKey('raw', bs(kx), { name: 'AES-GCM' }, false, ['encrypt', 'decrypt']);
    } finally {
      kx.fill(0);
    }
  }
}
