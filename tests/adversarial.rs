//! A catalogue of attacks on the decoding path, one named test each.
//!
//! Every cookie byte is attacker-controlled. Each test builds a hostile
//! `Cookie` header from real sealed sessions and checks that the store
//! yields a fresh session (`LoadError::Invalid`, or `Expired` for an
//! authentic cookie past its lifetime), never another session; where the
//! attack aims at one specific check, `__private::open_envelope` proves
//! that this check is the one that refused it.

// Test code: the helpers below are as free to unwrap and index as the tests.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::cast_possible_truncation
)]

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use sealed_session::{
    __private, Algorithm, CookieStore, CookieStoreBuilder, KeyPair, Keyring, LoadError, Session,
};

/// The time the tests run at (seconds since the Unix epoch).
const NOW: u64 = 1_800_000_000;
const HASH_SEED: u8 = 0x24;

fn pair(alg: Algorithm, seed: u8) -> KeyPair {
    let block = key_bytes(seed ^ 0x66);
    KeyPair::new(&key_bytes(seed), alg.encrypts().then_some(&block[..]), alg).unwrap()
}

/// 32 fixed key bytes that look random (SHA-256 of `seed`): key pairs
/// refuse placeholders such as one repeated byte.
fn key_bytes(seed: u8) -> [u8; 32] {
    use sha2::Digest as _;
    sha2::Sha256::digest([seed]).into()
}

fn keyring(alg: Algorithm) -> Keyring {
    Keyring::new(vec![pair(alg, HASH_SEED)]).unwrap()
}

fn builder(name: &str, alg: Algorithm) -> CookieStoreBuilder {
    CookieStore::builder(name, keyring(alg)).allow_non_host_name()
}

fn store(alg: Algorithm) -> CookieStore {
    builder("s", alg).build().unwrap()
}

/// A session with a little data, saved at `now`: its `name=value` pairs.
fn save_at(store: &CookieStore, now: u64, user: &str, filler: usize) -> Vec<String> {
    let mut session = __private::load_at(store, None::<&str>, now);
    session.insert("user", user).unwrap();
    session.insert("filler", &"f".repeat(filler)).unwrap();
    pairs(&__private::save_at(store, &mut session, now).unwrap())
}

/// The `name=value` part of each non-deletion `Set-Cookie` line.
fn pairs(lines: &[String]) -> Vec<String> {
    lines
        .iter()
        .map(|l| l.split(';').next().unwrap().to_owned())
        .filter(|p| !p.ends_with('='))
        .collect()
}

fn value(pair: &str) -> &str {
    pair.split_once('=').unwrap().1
}

fn load(store: &CookieStore, header: &str) -> Session {
    __private::load_at(store, [header], NOW)
}

#[track_caller]
fn assert_opens(store: &CookieStore, header: &str, user: &str) {
    let session = load(store, header);
    assert_eq!(session.load_error(), None);
    assert!(!session.is_new());
    assert_eq!(
        session.get::<String>("user").unwrap().as_deref(),
        Some(user)
    );
}

#[track_caller]
fn assert_invalid(store: &CookieStore, header: &str) {
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
fn reason(store: &CookieStore, text: &str, chunks: usize) -> &'static str {
    __private::open_envelope(store, text, chunks).unwrap_err()
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn raw(text: &str) -> Vec<u8> {
    URL_SAFE_NO_PAD.decode(text).unwrap()
}

#[test]
fn cookie_swapped_between_two_names() {
    let keyring = std::sync::Arc::new(keyring(Algorithm::Xaes256Gcm));
    let a = CookieStore::builder("a", keyring.clone())
        .allow_non_host_name()
        .build()
        .unwrap();
    let b = CookieStore::builder("b", keyring)
        .allow_non_host_name()
        .build()
        .unwrap();
    let cookie = save_at(&a, NOW, "alice", 10).remove(0);
    assert_opens(&a, &cookie, "alice");
    let moved = format!("b={}", value(&cookie));
    assert_invalid(&b, &moved);
    assert_eq!(reason(&b, value(&cookie), 1), "authentication failed");
    // Same name, same keys, but another store name's subkey: `for_name`.
    let c = a.for_name("c").unwrap();
    assert_invalid(&c, &format!("c={}", value(&cookie)));
}

#[test]
fn chunk_moved_between_two_sessions() {
    let s = store(Algorithm::Xaes256Gcm);
    let alice = save_at(&s, NOW, "alice", 3500);
    // Same lengths, so the spliced text is well-formed base64url and only
    // authentication can refuse it.
    let bob = save_at(&s, NOW, "bobby", 3500);
    assert_eq!((alice.len(), bob.len()), (2, 2));
    assert_opens(&s, &alice.join("; "), "alice");
    assert_opens(&s, &bob.join("; "), "bobby");
    for header in [
        format!("{}; {}", alice[0], bob[1]),
        format!("{}; {}", bob[0], alice[1]),
        format!(
            "{}; {}",
            alice[1].replacen("s.1=", "s=", 1),
            alice[0].replacen("s=", "s.1=", 1)
        ),
    ] {
        assert_invalid(&s, &header);
    }
    let mixed = format!("{}{}", value(&alice[0]), value(&bob[1]));
    assert_eq!(reason(&s, &mixed, 2), "authentication failed");
    // A chunk missing, or one chunk presented alone.
    assert_invalid(&s, &alice[0]);
    assert_invalid(&s, &alice[1]);
    let whole: String = alice.iter().map(|c| value(c)).collect();
    assert_eq!(reason(&s, &whole, 1), "chunk count mismatch");
    assert_eq!(reason(&s, &whole, 3), "chunk count mismatch");
}

/// Rewrites the header of `text`'s envelope: algorithm byte `alg`, nonce
/// and tag lengths as that algorithm would have them, so that only the
/// algorithm check can refuse it.
fn relabel(text: &str, from: Algorithm, to_wire: u8, nonce_len: usize, tag_len: usize) -> String {
    let bytes = raw(text);
    let (fixed, rest) = bytes.split_at(7);
    let from_nonce = match from {
        Algorithm::Aes256Gcm => 12,
        Algorithm::HmacSha256 => 0,
        _ => 24,
    };
    let from_tag = if from == Algorithm::HmacSha256 {
        32
    } else {
        16
    };
    let body = &rest[from_nonce..rest.len() - from_tag];
    let mut out = fixed.to_vec();
    out[1] = to_wire;
    out.extend(std::iter::repeat_n(0x5a, nonce_len));
    out.extend_from_slice(body);
    out.extend(std::iter::repeat_n(0xa5, tag_len));
    b64(&out)
}

#[test]
fn algorithm_downgrade_encrypted_key_with_sign_only_header() {
    for alg in [
        Algorithm::Xaes256Gcm,
        Algorithm::XChaCha20Poly1305,
        Algorithm::Aes256Gcm,
    ] {
        let s = store(alg);
        let text = value(&save_at(&s, NOW, "alice", 10)[0]).to_owned();
        // Sign-only: algorithm byte 4, no nonce, a 32-byte HMAC-sized tag.
        let forged = relabel(&text, alg, 4, 0, 32);
        assert_eq!(reason(&s, &forged, 1), "algorithm mismatch", "{alg}");
        assert_invalid(&s, &format!("s={forged}"));
    }
}

#[test]
fn algorithm_downgrade_aes_gcm_header_on_xaes_key() {
    let s = store(Algorithm::Xaes256Gcm);
    let text = value(&save_at(&s, NOW, "alice", 10)[0]).to_owned();
    let forged = relabel(&text, Algorithm::Xaes256Gcm, 3, 12, 16);
    assert_eq!(reason(&s, &forged, 1), "algorithm mismatch");
    assert_invalid(&s, &format!("s={forged}"));
}

#[test]
fn algorithm_byte_other_than_the_keys_is_always_refused() {
    let wire = |a: Algorithm| Algorithm::ALL.iter().position(|x| *x == a).unwrap() as u8 + 1;
    for alg in Algorithm::ALL {
        let s = store(alg);
        let text = value(&save_at(&s, NOW, "alice", 10)[0]).to_owned();
        assert_eq!(raw(&text)[1], wire(alg));
        for byte in 0..=u8::MAX {
            if byte == wire(alg) {
                continue;
            }
            // Unchanged lengths, and the lengths the claimed algorithm uses.
            let mut same = raw(&text);
            same[1] = byte;
            assert_eq!(
                reason(&s, &b64(&same), 1),
                "algorithm mismatch",
                "{alg} {byte}"
            );
            for to in Algorithm::ALL.into_iter().filter(|t| wire(*t) == byte) {
                let nonce = match to {
                    Algorithm::Aes256Gcm => 12,
                    Algorithm::HmacSha256 => 0,
                    _ => 24,
                };
                let tag = if to == Algorithm::HmacSha256 { 32 } else { 16 };
                let forged = relabel(&text, alg, byte, nonce, tag);
                assert_eq!(
                    reason(&s, &forged, 1),
                    "algorithm mismatch",
                    "{alg} as {to}"
                );
                assert_invalid(&s, &format!("s={forged}"));
            }
        }
    }
}

#[test]
fn sign_only_key_with_an_aead_header() {
    let s = store(Algorithm::HmacSha256);
    let text = value(&save_at(&s, NOW, "alice", 10)[0]).to_owned();
    for (wire, nonce) in [(1u8, 24usize), (2, 24), (3, 12)] {
        let forged = relabel(&text, Algorithm::HmacSha256, wire, nonce, 16);
        assert_eq!(reason(&s, &forged, 1), "algorithm mismatch");
        assert_invalid(&s, &format!("s={forged}"));
    }
}

#[test]
fn key_id_of_a_retired_key() {
    let old = pair(Algorithm::Xaes256Gcm, 1);
    let new = pair(Algorithm::Xaes256Gcm, 2);
    let store_for = |keyring| {
        CookieStore::builder("s", keyring)
            .allow_non_host_name()
            .build()
            .unwrap()
    };
    let old_store = store_for(Keyring::new(vec![pair(Algorithm::Xaes256Gcm, 1)]).unwrap());
    let cookie = save_at(&old_store, NOW, "alice", 10).remove(0);
    // During rotation the old key still opens (and the session is re-sealed).
    let rotating = store_for(Keyring::new(vec![new, old]).unwrap());
    assert_opens(&rotating, &cookie, "alice");
    // Once retired, its id is unknown: refused before any cipher work.
    let retired = store_for(Keyring::new(vec![pair(Algorithm::Xaes256Gcm, 2)]).unwrap());
    assert_invalid(&retired, &cookie);
    assert_eq!(reason(&retired, value(&cookie), 1), "unknown key id");
}

#[test]
fn replay_of_an_expired_cookie() {
    let s = builder("s", Algorithm::Xaes256Gcm)
        .with_max_age(Duration::from_secs(3600))
        .with_clock_skew(Duration::from_secs(60))
        .build()
        .unwrap();
    let cookie = save_at(&s, NOW, "alice", 10).remove(0);
    let at = |t: u64| __private::load_at(&s, [cookie.as_str()], t);
    assert!(
        !at(NOW + 3600 + 60).is_new(),
        "still within the skew allowance"
    );
    let late = at(NOW + 3600 + 61);
    assert_eq!(late.load_error(), Some(LoadError::Expired));
    assert!(late.is_new() && late.is_empty());
    assert_eq!(at(u64::MAX).load_error(), Some(LoadError::Expired));
}

#[test]
fn replay_after_the_idle_timeout() {
    let s = builder("s", Algorithm::Xaes256Gcm)
        .with_idle_timeout(Duration::from_secs(600))
        .build()
        .unwrap();
    let cookie = save_at(&s, NOW, "alice", 10).remove(0);
    let at = |t: u64| __private::load_at(&s, [cookie.as_str()], t);
    assert!(!at(NOW + 600).is_new());
    assert_eq!(at(NOW + 600 + 61).load_error(), Some(LoadError::Expired));
}

/// A CBOR head in preferred (shortest) encoding.
fn head(major: u8, n: u64) -> Vec<u8> {
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
fn payload(issued_at: u64, expires_at: u64, pad: usize) -> Vec<u8> {
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

#[test]
fn issued_at_far_in_the_future() {
    let s = store(Algorithm::Xaes256Gcm);
    // Sealed by an instance whose clock is 10 days ahead.
    let cookie = save_at(&s, NOW + 864_000, "alice", 10).remove(0);
    assert_invalid(&s, &cookie);
    // Within the skew allowance it opens.
    let cookie = save_at(&s, NOW + 60, "alice", 10).remove(0);
    assert_opens(&s, &cookie, "alice");
    // Extreme values, sealed with the real key: no overflow, no panic.
    for (iat, exp) in [
        (u64::MAX, u64::MAX),
        (NOW + 61, u64::MAX),
        (u64::MAX - 59, NOW + 10),
    ] {
        let text = __private::seal_payload(&s, &payload(iat, exp, 1), 1).unwrap();
        assert!(__private::open_envelope(&s, &text, 1).is_ok());
        assert_invalid(&s, &format!("s={text}"));
    }
    // The same payload shape with sane times opens: the test above is not vacuous.
    let text = __private::seal_payload(&s, &payload(NOW - 10, NOW + 10, 1), 1).unwrap();
    assert!(!load(&s, &format!("s={text}")).is_new());
}

#[test]
fn truncated_at_every_length() {
    for alg in Algorithm::ALL {
        let s = store(alg);
        let cookies = save_at(&s, NOW, "alice", 3500);
        assert_eq!(cookies.len(), 2);
        for (i, cookie) in cookies.iter().enumerate() {
            for len in 0..cookie.len() {
                let mut cut = cookies.clone();
                cut[i] = cookie[..len].to_owned();
                assert_invalid(&s, &cut.join("; "));
            }
        }
    }
}

/// A cookie of `s` whose value's binary length is not a multiple of 3 and
/// contains both `-` and `_` (so padding and the standard alphabet differ).
fn awkward_cookie(s: &CookieStore) -> String {
    (0..400)
        .map(|n| save_at(s, NOW, "alice", n).remove(0))
        .find(|c| {
            let v = value(c);
            !raw(v).len().is_multiple_of(3) && v.contains('-') && v.contains('_')
        })
        .unwrap()
}

#[test]
fn base64_with_padding() {
    let s = store(Algorithm::Xaes256Gcm);
    let cookie = awkward_cookie(&s);
    let padded = URL_SAFE.encode(raw(value(&cookie)));
    assert!(padded.ends_with('='));
    assert_invalid(&s, &format!("s={padded}"));
    assert_eq!(reason(&s, &padded, 1), "not canonical base64url");
}

#[test]
fn base64_with_the_standard_alphabet() {
    let s = store(Algorithm::Xaes256Gcm);
    let cookie = awkward_cookie(&s);
    for text in [
        STANDARD_NO_PAD.encode(raw(value(&cookie))),
        STANDARD.encode(raw(value(&cookie))),
    ] {
        assert!(text.contains('+') && text.contains('/'));
        assert_invalid(&s, &format!("s={text}"));
        assert_eq!(reason(&s, &text, 1), "not canonical base64url");
    }
}

#[test]
fn base64_with_whitespace() {
    let s = store(Algorithm::Xaes256Gcm);
    let cookie = save_at(&s, NOW, "alice", 10).remove(0);
    let v = value(&cookie);
    let mid = v.len() / 2;
    for ws in [" ", "\t", "\n", "\r\n", "\u{a0}", "\u{2028}"] {
        let inside = format!("{}{ws}{}", &v[..mid], &v[mid..]);
        assert_invalid(&s, &format!("s={inside}"));
        assert_eq!(reason(&s, &inside, 1), "not canonical base64url");
    }
    // Cookie OWS (RFC 6265 §5.2: spaces and tabs around the value) is not
    // part of the value; any other whitespace is.
    assert_opens(&s, &format!("s= \t{v} \t"), "alice");
    for ws in ["\n", "\r", "\u{a0}", "\u{b}"] {
        assert_invalid(&s, &format!("s={v}{ws}"));
        assert_invalid(&s, &format!("s={ws}{v}"));
    }
}

#[test]
fn base64_with_non_canonical_trailing_bits() {
    let s = store(Algorithm::Xaes256Gcm);
    let cookie = awkward_cookie(&s);
    let v = value(&cookie);
    let unused_bits = match raw(v).len() % 3 {
        1 => 4,
        2 => 2,
        _ => unreachable!(),
    };
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let last = ALPHABET
        .iter()
        .position(|c| *c == *v.as_bytes().last().unwrap())
        .unwrap();
    // Every other value of the unused low bits decodes to the same bytes.
    for low in 1..(1usize << unused_bits) {
        let sextet = last ^ low;
        let text = format!("{}{}", &v[..v.len() - 1], char::from(ALPHABET[sextet]));
        assert_invalid(&s, &format!("s={text}"));
        assert_eq!(reason(&s, &text, 1), "not canonical base64url");
    }
}

#[test]
fn percent_encoded_values() {
    let s = store(Algorithm::Xaes256Gcm);
    let cookie = awkward_cookie(&s);
    let v = value(&cookie);
    let every = v.bytes().map(|b| format!("%{b:02X}")).collect::<String>();
    let dashes = v.replace('-', "%2D").replace('_', "%5F");
    let first = format!("%{:02x}{}", v.as_bytes()[0], &v[1..]);
    for text in [every, dashes, first] {
        assert_invalid(&s, &format!("s={text}"));
        assert_eq!(reason(&s, &text, 1), "not canonical base64url");
    }
    // A percent-encoded name is another cookie: ignored, the real one opens.
    assert_opens(&s, &format!("%73={v}; {cookie}"), "alice");
}

#[test]
fn one_mib_header() {
    let s = store(Algorithm::Xaes256Gcm);
    let cookie = save_at(&s, NOW, "alice", 10).remove(0);
    let junk = "x".repeat(1 << 20);
    // One huge value under our name: refused by its length, before decoding.
    assert_invalid(&s, &format!("s={junk}"));
    assert_eq!(reason(&s, &junk, 1), "too long");
    // One huge foreign cookie around ours: ignored.
    assert_opens(&s, &format!("big={junk}; {cookie}; other={junk}"), "alice");
    // 1 MiB of separators and bare names.
    assert_invalid(
        &s,
        &format!("{};s={}", ";".repeat(1 << 20), "A".repeat(1 << 19)),
    );
    assert_opens(&s, &format!("{}{cookie}", "s;".repeat(1 << 19)), "alice");
}

#[test]
fn ten_thousand_cookies_in_one_header() {
    let s = store(Algorithm::Xaes256Gcm);
    let cookies = save_at(&s, NOW, "alice", 3500);
    let many = (0..10_000)
        .map(|i| format!("c{i}=v{i}"))
        .collect::<Vec<_>>()
        .join("; ");
    assert_opens(&s, &format!("{many}; {}", cookies.join("; ")), "alice");
    // 10,000 forged copies of our own chunk names.
    let forged = (0..10_000).map(|i| format!("s{}=AAAA{i}", if i % 2 == 0 { "" } else { ".1" }));
    assert_invalid(&s, &forged.collect::<Vec<_>>().join("; "));
    // 10,000 copies of the real chunks: first and last are both the real ones.
    let copies = std::iter::repeat_n(cookies.join("; "), 5_000)
        .collect::<Vec<_>>()
        .join("; ");
    assert_opens(&s, &copies, "alice");
    // 10,000 header fields (HTTP/2 sends one per cookie).
    let fields: Vec<String> = (0..10_000)
        .map(|i| format!("c{i}=v"))
        .chain(cookies)
        .collect();
    let session = __private::load_at(&s, &fields, NOW);
    assert_eq!(
        session.get::<String>("user").unwrap().as_deref(),
        Some("alice")
    );
}

#[test]
fn chunk_count_255() {
    // A budget of 255 chunks: the most the one-byte count can express.
    let s = builder("s", Algorithm::Xaes256Gcm)
        .with_size_limit(255 * 4090)
        .allow_large_cookie_header()
        .build()
        .unwrap();
    assert_eq!(s.max_chunks(), 255);
    let payload = payload(NOW, NOW + 10, 1000);
    let text = __private::seal_payload(&s, &payload, 255).unwrap();
    assert_eq!(raw(&text)[6], 255);
    // Presented as one cookie, or any fewer chunks: refused by the count.
    assert_invalid(&s, &format!("s={text}"));
    assert_eq!(reason(&s, &text, 1), "chunk count mismatch");
    // Split into 255 non-empty chunks, it opens.
    let size = text.len().div_ceil(255);
    assert!(text.len() >= 255);
    let pieces: Vec<&str> = (0..255)
        .map(|i| &text[(i * text.len() / 255)..((i + 1) * text.len() / 255)])
        .collect();
    assert!(pieces.iter().all(|p| !p.is_empty()) && size > 0);
    let header = pieces
        .iter()
        .enumerate()
        .map(|(i, p)| {
            if i == 0 {
                format!("s={p}")
            } else {
                format!("s.{i}={p}")
            }
        })
        .collect::<Vec<_>>()
        .join("; ");
    let session = load(&s, &header);
    assert_eq!(session.load_error(), None);
    assert_eq!(session.cookie_count(), 255);
    // There is no chunk 255 (indices stop at 254): `s.255` is another cookie.
    let extra = load(&s, &format!("{header}; s.255=AAAA"));
    assert_eq!((extra.load_error(), extra.cookie_count()), (None, 255));
    // Dropping any one chunk, or an empty one, is refused.
    for drop in [0, 1, 127, 254] {
        let fewer: Vec<&str> = header
            .split("; ")
            .enumerate()
            .filter(|(i, _)| *i != drop)
            .map(|(_, c)| c)
            .collect();
        assert_invalid(&s, &fewer.join("; "));
    }
    // A real session spanning the whole budget round-trips.
    let mut session = __private::load_at(&s, None::<&str>, NOW);
    let big: String = (0..700_000)
        .map(|i| char::from(b'a' + (i * 7 % 26) as u8))
        .collect();
    session.insert("big", &big).unwrap();
    let cookies = pairs(&__private::save_at(&s, &mut session, NOW).unwrap());
    assert!(cookies.len() > 200, "{}", cookies.len());
    let loaded = load(&s, &cookies.join("; "));
    assert_eq!(
        loaded.get::<String>("big").unwrap().as_deref(),
        Some(big.as_str())
    );
}

#[test]
fn nul_bytes_and_non_ascii_in_names_and_values() {
    let s = store(Algorithm::Xaes256Gcm);
    let cookie = save_at(&s, NOW, "alice", 10).remove(0);
    let v = value(&cookie);
    // Look-alike names are other cookies: ignored around the real one.
    for name in [
        "s\0",
        "\0s",
        "s\u{301}",
        "ſ",
        "Ｓ",
        "s\u{200b}",
        "s.\u{0}1",
        "s.١",
    ] {
        assert_opens(&s, &format!("{name}={v}x; {cookie}"), "alice");
        // Alone, it is not our cookie at all: a fresh session, no error.
        let alone = load(&s, &format!("{name}={v}"));
        assert!(alone.is_new() && alone.load_error().is_none(), "{name:?}");
    }
    // Our name with a damaged value.
    for bad in [
        format!("{v}\0"),
        format!("\0{v}"),
        format!("{}\0{}", &v[..10], &v[10..]),
        format!("{v}é"),
        format!("é{v}"),
        v.replacen('A', "Å", 1),
        format!("{v}\u{fffd}"),
    ] {
        assert_invalid(&s, &format!("s={bad}"));
    }
    // Non-ASCII values and names are stored and returned intact.
    let mut session = __private::load_at(&s, None::<&str>, NOW);
    session.insert("nöm\0", "välue\0✓").unwrap();
    let cookie = pairs(&__private::save_at(&s, &mut session, NOW).unwrap()).remove(0);
    assert!(cookie.is_ascii());
    let loaded = load(&s, &cookie);
    assert_eq!(
        loaded.get::<String>("nöm\0").unwrap().as_deref(),
        Some("välue\0✓")
    );
}

#[test]
fn every_single_bit_flip_is_rejected_for_each_algorithm() {
    for alg in Algorithm::ALL {
        let s = store(alg);
        let cookie = save_at(&s, NOW, "alice", 3).remove(0);
        let bytes = raw(value(&cookie));
        for bit in 0..bytes.len() * 8 {
            let mut bad = bytes.clone();
            bad[bit / 8] ^= 1 << (bit % 8);
            let text = b64(&bad);
            assert!(
                __private::open_envelope(&s, &text, 1).is_err(),
                "{alg} bit {bit}"
            );
            assert_invalid(&s, &format!("s={text}"));
        }
        // And every bit of every character of the text.
        let text = value(&cookie).as_bytes();
        for bit in 0..text.len() * 8 {
            let mut bad = text.to_vec();
            bad[bit / 8] ^= 1 << (bit % 8);
            let bad = String::from_utf8_lossy(&bad);
            assert_invalid(&s, &format!("s={bad}"));
        }
    }
}

#[test]
fn every_single_byte_truncation_is_rejected_for_each_algorithm() {
    for alg in Algorithm::ALL {
        let s = store(alg);
        let cookie = save_at(&s, NOW, "alice", 3).remove(0);
        let bytes = raw(value(&cookie));
        for len in 0..bytes.len() {
            let text = b64(&bytes[..len]);
            assert!(
                __private::open_envelope(&s, &text, 1).is_err(),
                "{alg} len {len}"
            );
            assert_invalid(&s, &format!("s={text}"));
        }
        // Removing any single byte (not only at the end).
        for at in 0..bytes.len() {
            let mut bad = bytes.clone();
            bad.remove(at);
            assert_invalid(&s, &format!("s={}", b64(&bad)));
        }
    }
}

/// Every rendering of `x` that a log line could show.
fn renderings(x: &(impl std::fmt::Debug + ?Sized)) -> String {
    format!("{x:?}\n{x:#?}")
}

/// Ways key bytes could show up in text: hex, base64 (both alphabets),
/// a Rust byte-slice `Debug`, and the raw bytes.
fn leaks(bytes: &[u8]) -> Vec<String> {
    let mut forms = vec![
        hex::encode(bytes),
        hex::encode_upper(bytes),
        URL_SAFE_NO_PAD.encode(bytes),
        STANDARD_NO_PAD.encode(bytes),
        format!("{:?}", &bytes[..8])
            .trim_end_matches(']')
            .to_owned(),
    ];
    if let Ok(s) = std::str::from_utf8(bytes) {
        forms.push(s.to_owned());
    }
    forms
}

#[test]
fn errors_and_debug_output_never_contain_keys_plaintext_or_cbor() {
    // Distinctive keys, so any rendering of them is recognisable.
    let hash: Vec<u8> = (0..32).map(|i| 0x80 | (i * 37 % 127) as u8).collect();
    let block: Vec<u8> = (0..32).map(|i| (i * 53 % 251) as u8 ^ 0x5c).collect();
    let pair = KeyPair::new(&hash, Some(&block), Algorithm::Xaes256Gcm).unwrap();
    let config = pair.to_config_entry();
    let keyring = Keyring::new(vec![pair]).unwrap();
    let secret = "plaintext-secret-42";
    let builder = CookieStore::builder("s", keyring)
        .allow_non_host_name()
        .with_idle_timeout(Duration::from_secs(60));
    let builder_debug = renderings(&builder);
    let s = builder.build().unwrap();

    let mut session = __private::load_at(&s, None::<&str>, NOW);
    session.insert("token", secret).unwrap();
    session.add_flash(secret).unwrap();
    let cbor = __private::session_state(&session);
    let cookie = pairs(&__private::save_at(&s, &mut session, NOW).unwrap()).remove(0);
    let loaded = load(&s, &cookie);
    let forged = load(&s, &format!("s={}", &value(&cookie)[1..]));
    let value_error = loaded.get::<u64>("token").unwrap_err();
    let mut too_big = __private::load_at(&s, None::<&str>, NOW);
    too_big
        .insert("big", &format!("{secret}{}", "x".repeat(10_000)))
        .unwrap();
    let save_error = __private::save_at(&s, &mut too_big, NOW).unwrap_err();
    // A configuration error on a line holding a real key.
    let bad_config = format!("{}:!!!", config.as_str());
    let config_error = Keyring::from_config(&bad_config).unwrap_err();
    let dup_error =
        Keyring::from_config(&format!("{}\n{}", config.as_str(), config.as_str())).unwrap_err();
    let key_error = KeyPair::new(&hash, Some(&block[..31]), Algorithm::Xaes256Gcm).unwrap_err();
    let store_error =
        CookieStore::builder("bad name", Keyring::from_config(config.as_str()).unwrap())
            .build()
            .unwrap_err();

    let outputs = [
        renderings(&Keyring::from_config(config.as_str()).unwrap()),
        renderings(&KeyPair::new(&hash, Some(&block), Algorithm::Xaes256Gcm).unwrap()),
        builder_debug,
        renderings(&s),
        renderings(&session),
        renderings(&loaded),
        renderings(&forged),
        renderings(&forged.load_error()),
        format!("{}", forged.load_error().unwrap()),
        format!("{value_error}\n{value_error:?}"),
        format!("{save_error}\n{save_error:?}"),
        format!("{config_error}\n{config_error:?}"),
        format!("{dup_error}\n{dup_error:?}"),
        format!("{key_error}\n{key_error:?}"),
        format!("{store_error}\n{store_error:?}"),
    ];
    let mut forbidden = leaks(&hash);
    forbidden.extend(leaks(&block));
    forbidden.push(secret.to_owned());
    forbidden.push(hex::encode(&cbor));
    forbidden.push(format!("{:?}", &cbor[..8]).trim_end_matches(']').to_owned());
    forbidden.push(value(&cookie)[..16].to_owned());
    for out in &outputs {
        for f in &forbidden {
            assert!(!out.contains(f.as_str()), "{f:?} leaked in:\n{out}");
        }
    }
    // The renderings are not vacuous: they do say what they are about.
    assert!(outputs[3].contains("CookieStore") && outputs[5].contains("token"));
    assert!(matches!(loaded.get::<String>("token").unwrap().as_deref(), Some(x) if x == secret));
}

/// A valid payload whose data map is `{"b": value}` (`value` is CBOR).
fn payload_with_value(value: &[u8]) -> Vec<u8> {
    let mut p = payload(NOW - 10, NOW + 10, 0);
    // Replace the data map {"pad": ""} with {"b": value}.
    p.truncate(p.len() - 6);
    p.extend_from_slice(&[0xa1, 0x61, b'b']);
    p.extend_from_slice(value);
    p
}

#[test]
fn every_accepted_float_has_exactly_one_encoding() {
    // Regression (fuzz target `payload`): `f9 fd f9`, a signalling
    // half-precision NaN, was accepted and re-encoded as `f9 ff f9` (the
    // conversion through f64 sets the quiet bit): two encodings of one
    // payload. Now a float passes only as the encoder's own bytes.
    let crash = payload_with_value(&[0xf9, 0xfd, 0xf9]);
    assert!(!__private::decode_payload(&crash));
    let canonical = |p: &[u8]| {
        !__private::decode_payload(p) || __private::reencode_payload(p).as_deref() == Some(p)
    };
    let mut accepted = 0;
    for bits in 0..=u16::MAX {
        let p = payload_with_value(&[&[0xf9][..], &bits.to_be_bytes()].concat());
        assert!(canonical(&p), "f16 {bits:#06x}");
        accepted += usize::from(__private::decode_payload(&p));
    }
    assert!(accepted > 60_000, "{accepted}");
    let f32s = [
        f32::NAN,
        -f32::NAN,
        f32::from_bits(0x7fc0_0001),
        f32::from_bits(0xff80_0001),
        1.5e-40,
    ];
    for f in f32s {
        let p = payload_with_value(&[&[0xfa][..], &f.to_bits().to_be_bytes()].concat());
        assert!(canonical(&p), "f32 {:#010x}", f.to_bits());
    }
    for f in [
        f64::NAN,
        -f64::NAN,
        f64::from_bits(0x7ff8_0000_0000_0001),
        0.1,
    ] {
        let p = payload_with_value(&[&[0xfb][..], &f.to_bits().to_be_bytes()].concat());
        assert!(canonical(&p), "f64 {:#018x}", f.to_bits());
    }
}
