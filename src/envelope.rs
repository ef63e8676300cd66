//! The envelope: payload bytes <-> sealed, base64url text (wire format v1).
//!
//! This is the only module that touches ciphers. Everything an attacker can
//! send reaches [`Envelope::open`] first, so it checks every header field,
//! cheapest first, before any AEAD or MAC work.

use std::fmt;

use aes_gcm::Aes256Gcm;
use aes_gcm::aead::{AeadCore, AeadInOut, KeyInit};
use chacha20poly1305::XChaCha20Poly1305;
use hmac::{Hmac, Mac as _};
use sha2::Sha256;
use xaes_256_gcm::Xaes256Gcm;
use zeroize::Zeroizing;

use crate::keyring::{Algorithm, KeyId, Keyring};

/// The format version byte.
pub(crate) const VERSION: u8 = 1;
/// Version, algorithm, key id (4), chunk count.
pub(crate) const FIXED_HEADER_LEN: usize = 7;
/// The domain label that starts the associated data.
const AAD_LABEL: &[u8] = b"sealed-session v1;aad;";
/// The HKDF-Expand label prefix of a per-cookie-name subkey.
const SUBKEY_LABEL: &[u8] = b"sealed-session v1;cookie-key;";

/// Why a sealed value was rejected. Internal only: callers see
/// [`crate::LoadError::Invalid`], never this, so there is no oracle; the
/// reason is for debug-level logs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Reject {
    /// Longer than the configured maximum (checked before decoding).
    TooLong,
    /// Not canonical unpadded base64url.
    Base64,
    /// Shorter than a header plus tag.
    Truncated,
    /// Unknown format version.
    Version,
    /// Unknown algorithm byte, or not the algorithm the key id is configured with.
    Algorithm,
    /// No key in the keyring has this id.
    UnknownKey,
    /// The header's chunk count is not the number of chunks received.
    ChunkCount,
    /// Chunk 0 names more chunks than the request carried: the rest never
    /// arrived (a client or proxy drops cookies past its `Cookie` limit).
    MissingChunks,
    /// The AEAD tag or MAC did not verify.
    Tag,
    /// The payload authenticated but is not a valid payload.
    Payload,
    /// Issued later than now plus the allowed clock skew.
    FromFuture,
}

impl Reject {
    /// For debug-level logs only (never shown to the client).
    #[allow(dead_code)]
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Reject::TooLong => "too long",
            Reject::Base64 => "not canonical base64url",
            Reject::Truncated => "truncated",
            Reject::Version => "unknown version",
            Reject::Algorithm => "algorithm mismatch",
            Reject::UnknownKey => "unknown key id",
            Reject::ChunkCount => "chunk count mismatch",
            Reject::MissingChunks => {
                "chunks missing: the first cookie names more chunks than the request carried (a client or proxy may have dropped cookies past its Cookie header limit)"
            }
            Reject::Tag => "authentication failed",
            Reject::Payload => "malformed payload",
            Reject::FromFuture => "issued in the future",
        }
    }
}

/// A cipher keyed with one pair's subkey for one cookie name.
enum Cipher {
    Xaes(Box<Xaes256Gcm>),
    XChaCha(Box<XChaCha20Poly1305>),
    Aes(Box<Aes256Gcm>),
    Hmac(Box<Hmac<Sha256>>),
}

struct SealKey {
    id: KeyId,
    algorithm: Algorithm,
    cipher: Cipher,
}

/// Room for the associated data of any cookie name a store accepts (label,
/// the longest header, name length, a 128-byte name): built on the stack,
/// so sealing and opening allocate nothing for it.
const AAD_INLINE: usize = 192;

/// The associated data bytes (the layout is above [`Envelope::seal_with_nonce`]).
enum Aad {
    Inline {
        buf: [u8; AAD_INLINE],
        len: usize,
    },
    /// Only for names longer than a store allows (`Envelope` itself takes any).
    Heap(Vec<u8>),
}

impl std::ops::Deref for Aad {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match self {
            Aad::Inline { buf, len } => buf.get(..*len).unwrap_or_default(),
            Aad::Heap(v) => v,
        }
    }
}

/// What opening returns: the plaintext payload and which key opened it.
pub(crate) struct Opened {
    pub(crate) payload: Zeroizing<Vec<u8>>,
    pub(crate) key_id: KeyId,
    pub(crate) by_primary: bool,
}

/// The keyring's ciphers for one cookie name, derived once (per store).
pub(crate) struct Envelope {
    name: String,
    /// Index 0 is the primary (sealing) key.
    keys: Vec<SealKey>,
    /// (key id, index into `keys`), sorted by id: lookup is O(log n), so
    /// the 64th key opens as fast as the first.
    by_id: Vec<(KeyId, usize)>,
}

impl fmt::Debug for Envelope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Envelope")
            .field("name", &self.name)
            .field("keys", &self.keys.iter().map(|k| k.id).collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl Envelope {
    /// Derives every pair's subkey for `name` (SECURITY.md, "Key derivation").
    pub(crate) fn new(keyring: &Keyring, name: &str) -> Result<Self, crate::KeyError> {
        let mut keys = Vec::with_capacity(keyring.len());
        for entry in keyring.entries() {
            let mut subkey = Zeroizing::new([0u8; 32]);
            let info: [&[u8]; 4] = [SUBKEY_LABEL, entry.algorithm.label(), b";", name.as_bytes()];
            if !entry.expand(&info, subkey.as_mut()) {
                return Err(crate::KeyError::Derivation);
            }
            let key = &subkey[..];
            let bad = |_| crate::KeyError::Derivation;
            let cipher = match entry.algorithm {
                Algorithm::Xaes256Gcm => {
                    Cipher::Xaes(Box::new(Xaes256Gcm::new_from_slice(key).map_err(bad)?))
                }
                Algorithm::XChaCha20Poly1305 => Cipher::XChaCha(Box::new(
                    XChaCha20Poly1305::new_from_slice(key).map_err(bad)?,
                )),
                Algorithm::Aes256Gcm => {
                    Cipher::Aes(Box::new(Aes256Gcm::new_from_slice(key).map_err(bad)?))
                }
                Algorithm::HmacSha256 => Cipher::Hmac(Box::new(
                    <Hmac<Sha256> as hmac::KeyInit>::new_from_slice(key).map_err(bad)?,
                )),
            };
            keys.push(SealKey {
                id: entry.id,
                algorithm: entry.algorithm,
                cipher,
            });
        }
        let mut by_id: Vec<(KeyId, usize)> =
            keys.iter().enumerate().map(|(i, k)| (k.id, i)).collect();
        by_id.sort_unstable();
        Ok(Envelope {
            name: name.to_owned(),
            keys,
            by_id,
        })
    }

    fn primary(&self) -> Option<&SealKey> {
        self.keys.first()
    }

    /// The algorithm new sessions are sealed with.
    pub(crate) fn primary_algorithm(&self) -> Algorithm {
        self.primary().map_or(Algorithm::default(), |k| k.algorithm)
    }

    /// The sealed (binary) length of a payload of `payload_len` bytes under
    /// the primary key.
    pub(crate) fn sealed_len(&self, payload_len: usize) -> usize {
        let alg = self.primary_algorithm();
        FIXED_HEADER_LEN + alg.nonce_len() + payload_len + alg.tag_len()
    }

    /// Seals `payload` under the primary key for a value split into `chunks`
    /// cookies, with a fresh random nonce. Returns the base64url text.
    #[cfg(any(test, fuzzing, feature = "unstable-internals"))]
    pub(crate) fn seal(&self, payload: &[u8], chunks: u8) -> Result<String, SealError> {
        let mut sealing = self.start(payload.len())?;
        sealing.buf.extend_from_slice(payload);
        sealing.finish(chunks)
    }

    /// Starts sealing under the primary key with a fresh random nonce: the
    /// caller appends the payload to [`Sealing::buf`] (right after the
    /// header, so it is never copied) and then calls [`Sealing::finish`]
    /// with the chunk count, which may depend on the payload's length.
    pub(crate) fn start(&self, payload_capacity: usize) -> Result<Sealing<'_>, SealError> {
        #[cfg(test)]
        if let Some(nonce) = NEXT_NONCE.with(std::cell::RefCell::take) {
            return self.start_with_nonce(payload_capacity, &nonce);
        }
        let mut nonce = [0u8; 24];
        let nonce = nonce
            .get_mut(..self.primary_algorithm().nonce_len())
            .ok_or(SealError::Cipher)?;
        crate::rng::fill(nonce).map_err(|_| SealError::Random)?;
        self.start_with_nonce(payload_capacity, nonce)
    }

    // Wire format v1 (normative text: SECURITY.md, "Wire format"):
    //
    //   sealed = header || body || tag                    then base64url, no padding
    //   header = version:u8 (=1) || algorithm:u8 || key_id:[4] || chunks:u8 || nonce
    //            algorithm: 1 XAES-256-GCM (24-byte nonce), 2 XChaCha20-Poly1305 (24),
    //                       3 AES-256-GCM (12), 4 HMAC-SHA256 sign-only (no nonce)
    //   body   = AEAD ciphertext of the CBOR payload, or the payload itself (sign-only)
    //   tag    = 16-byte AEAD tag, or HMAC-SHA256(subkey, aad || body) (32 bytes)
    //   aad    = "sealed-session v1;aad;" || header || u16be(len(name)) || name
    //
    // The header is bound through the AAD, so the algorithm, key id, chunk
    // count and nonce cannot be changed without failing authentication.
    /// [`Envelope::seal`] with a caller-chosen nonce: for test vectors only
    /// (this crate's tests and the CLI's `seal --nonce`).
    #[cfg(any(test, fuzzing, feature = "unstable-internals"))]
    pub(crate) fn seal_with_nonce(
        &self,
        payload: &[u8],
        chunks: u8,
        nonce: &[u8],
    ) -> Result<String, SealError> {
        let mut sealing = self.start_with_nonce(payload.len(), nonce)?;
        sealing.buf.extend_from_slice(payload);
        sealing.finish(chunks)
    }

    /// [`Envelope::start`] with a caller-chosen nonce. The header's chunk
    /// count is written by [`Sealing::finish`].
    fn start_with_nonce(
        &self,
        payload_capacity: usize,
        nonce: &[u8],
    ) -> Result<Sealing<'_>, SealError> {
        let key = self.primary().ok_or(SealError::Cipher)?;
        let alg = key.algorithm;
        if nonce.len() != alg.nonce_len() {
            return Err(SealError::Cipher);
        }
        let mut buf = Vec::with_capacity(self.sealed_len(payload_capacity));
        buf.extend_from_slice(&[VERSION, alg.wire_id()]);
        buf.extend_from_slice(&key.id.0);
        buf.push(0);
        buf.extend_from_slice(nonce);
        Ok(Sealing {
            envelope: self,
            key,
            header_len: buf.len(),
            buf,
        })
    }
}

#[cfg(test)]
thread_local! {
    /// The nonce the next seal on this thread uses instead of a random one:
    /// writer test vectors pin a whole save's output, nonce included.
    pub(crate) static NEXT_NONCE: std::cell::RefCell<Option<Vec<u8>>> =
        const { std::cell::RefCell::new(None) };
}

/// A seal in progress: the header is written; the payload goes into
/// [`Sealing::buf`]; [`Sealing::finish`] encrypts it in place.
pub(crate) struct Sealing<'e> {
    envelope: &'e Envelope,
    key: &'e SealKey,
    header_len: usize,
    /// Header, then the payload the caller appends.
    pub(crate) buf: Vec<u8>,
}

impl Sealing<'_> {
    /// The length of the payload appended so far.
    pub(crate) fn payload_len(&self) -> usize {
        self.buf.len() - self.header_len
    }

    /// Sets the chunk count, encrypts (or MACs) the payload in place and
    /// returns the base64url text.
    pub(crate) fn finish(self, chunks: u8) -> Result<String, SealError> {
        let Sealing {
            envelope,
            key,
            header_len,
            buf: mut out,
        } = self;
        if chunks == 0 {
            return Err(SealError::Cipher);
        }
        let count = out.get_mut(FIXED_HEADER_LEN - 1).ok_or(SealError::Cipher)?;
        *count = chunks;
        let aad = envelope.aad(out.get(..header_len).ok_or(SealError::Cipher)?);
        let nonce_and_body = out.get_mut(FIXED_HEADER_LEN..).ok_or(SealError::Cipher)?;
        let (nonce, body) = nonce_and_body.split_at_mut(header_len - FIXED_HEADER_LEN);
        let nonce: &[u8] = nonce;
        let tag = match &key.cipher {
            Cipher::Xaes(c) => Tag::Aead(aead_seal(c.as_ref(), nonce, &aad, body)?.into()),
            Cipher::XChaCha(c) => Tag::Aead(aead_seal(c.as_ref(), nonce, &aad, body)?.into()),
            Cipher::Aes(c) => Tag::Aead(aead_seal(c.as_ref(), nonce, &aad, body)?.into()),
            Cipher::Hmac(mac) => {
                let mut mac = mac.as_ref().clone();
                mac.update(&aad);
                mac.update(body);
                Tag::Mac(mac.finalize().into_bytes().into())
            }
        };
        match &tag {
            Tag::Aead(t) => out.extend_from_slice(t),
            Tag::Mac(t) => out.extend_from_slice(t),
        }
        Ok(base64url_encode(&out))
    }
}

/// A 16-byte AEAD tag or a 32-byte HMAC-SHA256 tag.
enum Tag {
    Aead([u8; 16]),
    Mac([u8; 32]),
}

impl Envelope {
    fn aad(&self, header: &[u8]) -> Aad {
        let name = self.name.as_bytes();
        let name_len = u16::try_from(name.len()).unwrap_or(u16::MAX).to_be_bytes();
        let parts: [&[u8]; 4] = [AAD_LABEL, header, &name_len, name];
        let len = parts.iter().map(|p| p.len()).sum();
        if len > AAD_INLINE {
            return Aad::Heap(parts.concat());
        }
        let mut buf = [0u8; AAD_INLINE];
        let mut at = 0;
        for part in parts {
            if let Some(dst) = buf.get_mut(at..at + part.len()) {
                dst.copy_from_slice(part);
            }
            at += part.len();
        }
        Aad::Inline { buf, len }
    }

    /// Opens the base64url text of a value that arrived in `chunks` cookies.
    ///
    /// `max_text_len` bounds the text before any decoding work.
    pub(crate) fn open(
        &self,
        text: &str,
        chunks: usize,
        max_text_len: usize,
    ) -> Result<Opened, Reject> {
        if text.len() > max_text_len {
            return Err(Reject::TooLong);
        }
        let mut sealed = base64url_decode(text).ok_or(Reject::Base64)?;
        let (version, alg_byte, id, count) = match sealed.get(..FIXED_HEADER_LEN) {
            Some(&[v, a, i0, i1, i2, i3, c]) => (v, a, KeyId([i0, i1, i2, i3]), c),
            _ => return Err(Reject::Truncated),
        };
        if version != VERSION {
            return Err(Reject::Version);
        }
        let index = self
            .by_id
            .binary_search_by(|(k, _)| k.cmp(&id))
            .map_err(|_| Reject::UnknownKey)?;
        let (_, index) = self.by_id.get(index).ok_or(Reject::UnknownKey)?;
        let key = self.keys.get(*index).ok_or(Reject::UnknownKey)?;
        // The key's configuration fixes the algorithm; the cookie cannot choose
        // (no downgrade to sign-only, no cross-algorithm confusion).
        if alg_byte != key.algorithm.wire_id() {
            return Err(Reject::Algorithm);
        }
        if usize::from(count) != chunks {
            return Err(Reject::ChunkCount);
        }
        let alg = key.algorithm;
        let header_len = FIXED_HEADER_LEN + alg.nonce_len();
        let body_end = sealed
            .len()
            .checked_sub(alg.tag_len())
            .filter(|end| *end >= header_len)
            .ok_or(Reject::Truncated)?;
        let aad = self.aad(sealed.get(..header_len).ok_or(Reject::Truncated)?);
        let (head, rest) = sealed.split_at_mut(header_len);
        let nonce = head.get(FIXED_HEADER_LEN..).ok_or(Reject::Truncated)?;
        let (body, tag) = rest.split_at_mut(body_end - header_len);
        match &key.cipher {
            Cipher::Xaes(c) => aead_open(c.as_ref(), nonce, &aad, body, tag)?,
            Cipher::XChaCha(c) => aead_open(c.as_ref(), nonce, &aad, body, tag)?,
            Cipher::Aes(c) => aead_open(c.as_ref(), nonce, &aad, body, tag)?,
            Cipher::Hmac(mac) => {
                let mut mac = mac.as_ref().clone();
                mac.update(&aad);
                mac.update(body);
                // Constant-time comparison (hmac's `verify_slice` uses `subtle`).
                mac.verify_slice(tag).map_err(|_| Reject::Tag)?;
            }
        }
        // Keep only the payload, in place; the buffer is wiped on drop.
        sealed.truncate(body_end);
        sealed.drain(..header_len);
        Ok(Opened {
            payload: Zeroizing::new(sealed),
            key_id: key.id,
            by_primary: *index == 0,
        })
    }
}

/// How many characters of a sealed value's text [`chunk_count`] reads:
/// exactly 9 bytes (no trailing bits), enough for the 7-byte fixed header.
pub(crate) const COUNT_PREFIX_LEN: usize = 12;

/// The chunk count `N` in the clear header at the start of a sealed value's
/// text, read before anything is authenticated: it only decides which
/// chunks are read, and the AAD binds it, so a changed count fails the tag.
/// `None` when `prefix` is not [`COUNT_PREFIX_LEN`] characters of the
/// base64url alphabet.
pub(crate) fn chunk_count(prefix: &[u8]) -> Option<usize> {
    if prefix.len() != COUNT_PREFIX_LEN {
        return None;
    }
    let mut buf = [0u8; COUNT_PREFIX_LEN / 4 * 3];
    let header = base64_simd::URL_SAFE_NO_PAD
        .decode(prefix, base64_simd::Out::from_slice(&mut buf))
        .ok()?;
    header.get(FIXED_HEADER_LEN - 1).map(|&n| usize::from(n))
}

/// Unpadded base64url (RFC 4648 §5) of `bytes`, in a string of exactly its
/// length. SIMD-accelerated by `base64-simd` (README, "Dependencies").
pub(crate) fn base64url_encode(bytes: &[u8]) -> String {
    base64_simd::URL_SAFE_NO_PAD.encode_to_string(bytes)
}

/// Decodes canonical unpadded base64url only: the URL-safe alphabet, no
/// padding, no whitespace, zero trailing bits (so each byte string has one
/// text). `base64-simd`'s strict decoder checks all of these; the
/// `base64url` fuzz target holds it to the `base64` crate's
/// `URL_SAFE_NO_PAD` on every input.
pub(crate) fn base64url_decode(text: &str) -> Option<Vec<u8>> {
    base64_simd::URL_SAFE_NO_PAD
        .decode_to_vec(text.as_bytes())
        .ok()
}

fn aead_seal<A: AeadInOut>(
    cipher: &A,
    nonce: &[u8],
    aad: &[u8],
    body: &mut [u8],
) -> Result<aes_gcm::aead::Tag<A>, SealError> {
    let nonce = aes_gcm::aead::Nonce::<A>::try_from(nonce).map_err(|_| SealError::Cipher)?;
    cipher
        .encrypt_inout_detached(&nonce, aad, body.into())
        .map_err(|_| SealError::Cipher)
}

fn aead_open<A: AeadInOut + AeadCore>(
    cipher: &A,
    nonce: &[u8],
    aad: &[u8],
    body: &mut [u8],
    tag: &[u8],
) -> Result<(), Reject> {
    let nonce = aes_gcm::aead::Nonce::<A>::try_from(nonce).map_err(|_| Reject::Truncated)?;
    let tag = aes_gcm::aead::Tag::<A>::try_from(tag).map_err(|_| Reject::Truncated)?;
    cipher
        .decrypt_inout_detached(&nonce, aad, body.into(), &tag)
        .map_err(|_| Reject::Tag)
}

/// Sealing failed. Not reachable with valid keys and lengths, but reported
/// rather than panicking.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SealError {
    /// The operating system's random source failed.
    Random,
    /// A cipher refused its input (lengths).
    Cipher,
}

#[cfg(test)]
mod tests {
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    use super::*;

    pub(crate) fn keyring(alg: Algorithm) -> Keyring {
        Keyring::new(vec![crate::tests::jar::pair(alg, 0x24)]).unwrap()
    }

    #[test]
    fn round_trip_every_algorithm() {
        for alg in Algorithm::ALL {
            let env = Envelope::new(&keyring(alg), "session").unwrap();
            for len in [0usize, 1, 100, 5000] {
                let payload = vec![7u8; len];
                let text = env.seal(&payload, 1).unwrap();
                assert_eq!(
                    URL_SAFE_NO_PAD.decode(&text).unwrap().len(),
                    env.sealed_len(len)
                );
                let opened = env.open(&text, 1, usize::MAX).unwrap();
                assert_eq!(&opened.payload[..], &payload[..]);
                assert!(opened.by_primary);
            }
        }
    }

    #[test]
    fn every_bit_flip_is_rejected() {
        for alg in Algorithm::ALL {
            let env = Envelope::new(&keyring(alg), "session").unwrap();
            let text = env.seal(b"\xa0", 1).unwrap();
            let raw = URL_SAFE_NO_PAD.decode(&text).unwrap();
            for bit in 0..raw.len() * 8 {
                let mut bad = raw.clone();
                bad[bit / 8] ^= 1 << (bit % 8);
                let bad = URL_SAFE_NO_PAD.encode(&bad);
                assert!(env.open(&bad, 1, usize::MAX).is_err(), "{alg} bit {bit}");
            }
            for len in 0..text.len() {
                assert!(
                    env.open(&text[..len], 1, usize::MAX).is_err(),
                    "{alg} len {len}"
                );
            }
        }
    }

    #[test]
    fn name_chunks_and_algorithm_are_bound() {
        let env = Envelope::new(&keyring(Algorithm::Xaes256Gcm), "a").unwrap();
        let other = Envelope::new(&keyring(Algorithm::Xaes256Gcm), "b").unwrap();
        let text = env.seal(b"x", 2).unwrap();
        assert!(env.open(&text, 2, usize::MAX).is_ok());
        assert_eq!(
            env.open(&text, 1, usize::MAX).err(),
            Some(Reject::ChunkCount)
        );
        assert_eq!(other.open(&text, 2, usize::MAX).err(), Some(Reject::Tag));
        assert_eq!(
            env.open(&text, 2, text.len() - 1).err(),
            Some(Reject::TooLong)
        );
        let mut raw = URL_SAFE_NO_PAD.decode(&text).unwrap();
        raw[1] = Algorithm::HmacSha256.wire_id();
        let downgraded = URL_SAFE_NO_PAD.encode(&raw);
        assert_eq!(
            env.open(&downgraded, 2, usize::MAX).err(),
            Some(Reject::Algorithm)
        );
    }

    #[test]
    fn non_canonical_base64_is_rejected() {
        let env = Envelope::new(&keyring(Algorithm::Xaes256Gcm), "s").unwrap();
        let text = env.seal(b"hello", 1).unwrap();
        let padded = base64::engine::general_purpose::URL_SAFE
            .encode(URL_SAFE_NO_PAD.decode(&text).unwrap());
        if padded != text {
            assert_eq!(env.open(&padded, 1, usize::MAX).err(), Some(Reject::Base64));
        }
        assert_eq!(
            env.open(&format!(" {text}"), 1, usize::MAX).err(),
            Some(Reject::Base64)
        );
    }
}
