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

mod adversarial_support;

use std::time::Duration;

use adversarial_support::*;
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};
use sealed_session::{__private, Algorithm, CookieStore, KeyPair, Keyring, LoadError};

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
