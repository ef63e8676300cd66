//! The stores, sealed sessions, CBOR builders and assertions shared by the
//! attack catalogues `tests/adversarial.rs` (the envelope and its keys) and
//! `tests/hostile_headers.rs` (the shape of the `Cookie` header), and the
//! CBOR head builder of `tests/resource_bounds.rs`.
#![allow(
    dead_code,
    reason = "each test crate that includes this module uses a subset"
)]

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sealed_session::{
    __private, Algorithm, CookieStore, CookieStoreBuilder, KeyPair, Keyring, LoadError, Session,
};

/// The time the tests run at (seconds since the Unix epoch).
pub const NOW: u64 = 1_800_000_000;
pub const HASH_SEED: u8 = 0x24;

pub fn pair(alg: Algorithm, seed: u8) -> KeyPair {
    let block = key_bytes(seed ^ 0x66);
    KeyPair::new(&key_bytes(seed), alg.encrypts().then_some(&block[..]), alg).unwrap()
}

/// 32 fixed key bytes that look random (SHA-256 of `seed`): key pairs
/// refuse placeholders such as one repeated byte.
pub fn key_bytes(seed: u8) -> [u8; 32] {
    use sha2::Digest as _;
    sha2::Sha256::digest([seed]).into()
}

pub fn keyring(alg: Algorithm) -> Keyring {
    Keyring::new(vec![pair(alg, HASH_SEED)]).unwrap()
}

pub fn builder(name: &str, alg: Algorithm) -> CookieStoreBuilder {
    CookieStore::builder(name, keyring(alg)).allow_non_host_name()
}

pub fn store(alg: Algorithm) -> CookieStore {
    builder("s", alg).build().unwrap()
}

/// A session with a little data, saved at `now`: its `name=value` pairs.
pub fn save_at(store: &CookieStore, now: u64, user: &str, filler: usize) -> Vec<String> {
    let mut session = __private::load_at(store, None::<&str>, now);
    session.insert("user", user).unwrap();
    session.insert("filler", &"f".repeat(filler)).unwrap();
    pairs(&__private::save_at(store, &mut session, now).unwrap())
}

/// The `name=value` part of each non-deletion `Set-Cookie` line.
pub fn pairs(lines: &[String]) -> Vec<String> {
    lines
        .iter()
        .map(|l| l.split(';').next().unwrap().to_owned())
        .filter(|p| !p.ends_with('='))
        .collect()
}

pub fn value(pair: &str) -> &str {
    pair.split_once('=').unwrap().1
}

pub fn load(store: &CookieStore, header: &str) -> Session {
    __private::load_at(store, [header], NOW)
}

#[track_caller]
pub fn assert_opens(store: &CookieStore, header: &str, user: &str) {
    let session = load(store, header);
    assert_eq!(session.load_error(), None);
    assert!(!session.is_new());
    assert_eq!(
        session.get::<String>("user").unwrap().as_deref(),
        Some(user)
    );
}

#[track_caller]
pub fn assert_invalid(store: &CookieStore, header: &str) {
    let session = load(store, header);
    assert_eq!(
        session.load_error(),
        Some(LoadError::Invalid),
        "{header:.80}"
    );
    assert!(session.is_new() && session.is_empty());
}

/// The envelope's reason for refusing `text` in `chunks` cookies.
#[track_caller]
pub fn reason(store: &CookieStore, text: &str, chunks: usize) -> &'static str {
    __private::open_envelope(store, text, chunks).unwrap_err()
}

pub fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

pub fn raw(text: &str) -> Vec<u8> {
    URL_SAFE_NO_PAD.decode(text).unwrap()
}

/// A CBOR head in preferred (shortest) encoding.
pub fn head(major: u8, n: u64) -> Vec<u8> {
    let m = major << 5;
    match n {
        0..=23 => vec![m | n as u8],
        24..=0xff => vec![m | 24, n as u8],
        0x100..=0xffff => [&[m | 25][..], &(n as u16).to_be_bytes()].concat(),
        0x1_0000..=0xffff_ffff => [&[m | 26][..], &(n as u32).to_be_bytes()].concat(),
        _ => [&[m | 27][..], &n.to_be_bytes()].concat(),
    }
}

/// A payload with the given times and `pad` bytes of data:
/// map {1: iat, 2: exp, 4: id, 5: {"pad": "aaa..."}}.
pub fn payload(issued_at: u64, expires_at: u64, pad: usize) -> Vec<u8> {
    let mut p = vec![0xa4, 0x01];
    p.extend(head(0, issued_at));
    p.push(0x02);
    p.extend(head(0, expires_at));
    p.push(0x04);
    p.extend(head(2, 16));
    p.extend_from_slice(&[7; 16]);
    p.extend_from_slice(&[0x05, 0xa1, 0x63, b'p', b'a', b'd']);
    p.extend(head(3, pad as u64));
    p.extend(std::iter::repeat_n(b'a', pad));
    p
}
