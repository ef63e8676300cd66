//! Unit tests of the keyring: parsing, key ids, derivation, refusals.

use super::*;
use crate::tests::jar::key_bytes;

fn entry(alg: Algorithm) -> String {
    Keyring::generate_entry(alg).unwrap().to_string()
}

#[test]
fn debug_does_not_leak_key() {
    let (hash, block) = (key_bytes(1, b'h'), key_bytes(1, b'b'));
    let pair = KeyPair::new(&hash, Some(&block), Algorithm::Xaes256Gcm).unwrap();
    let keyring = Keyring::new(vec![pair]).unwrap();
    let pair = KeyPair::new(&hash, Some(&block), Algorithm::Xaes256Gcm).unwrap();
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    for dbg in [format!("{pair:?}"), format!("{keyring:?}")] {
        for key in [&hash, &block] {
            let needles = [
                hex(key),
                hex(key).to_ascii_uppercase(),
                b64.encode(key),
                format!("{:?}", &key[..4]),
                format!("{}, {}", key[0], key[1]),
            ];
            for needle in needles {
                assert!(!dbg.contains(&needle), "{dbg} leaks {needle}");
            }
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn ids_are_deterministic_and_depend_on_keys_and_algorithm() {
    let (k1, k2, k3) = (key_bytes(1, 0), key_bytes(2, 0), key_bytes(3, 0));
    let a = Keyring::from_pairs(&[&k1, &k2], Algorithm::Xaes256Gcm).unwrap();
    let b = Keyring::from_pairs(&[&k1, &k2], Algorithm::Xaes256Gcm).unwrap();
    let c = Keyring::from_pairs(&[&k1, &k2], Algorithm::Aes256Gcm).unwrap();
    let d = Keyring::from_pairs(&[&k1, &k3], Algorithm::Xaes256Gcm).unwrap();
    assert_eq!(a.primary_id(), b.primary_id());
    assert_ne!(a.primary_id(), c.primary_id());
    assert_ne!(a.primary_id(), d.primary_id());
}

#[test]
fn duplicate_keys_are_refused() {
    let e = entry(Algorithm::Xaes256Gcm);
    let err =
        Keyring::from_config(&format!("{e}\n{}\n{e}", entry(Algorithm::HmacSha256))).unwrap_err();
    assert_eq!(err.entry(), 3);
    assert!(matches!(
        err.kind(),
        ConfigErrorKind::Key(KeyError::DuplicateKeyId {
            first: 1,
            second: 3,
            ..
        })
    ));
}

#[test]
fn config_format() {
    let x = entry(Algorithm::Xaes256Gcm);
    let c = entry(Algorithm::XChaCha20Poly1305);
    let s = entry(Algorithm::HmacSha256);
    let bare = x.trim_start_matches("xaes-256-gcm:").to_owned();
    let text = format!("# keys\n\n  {c}  # newest\n{x}\n{s}\n");
    let k = Keyring::from_config(&text).unwrap();
    let algs: Vec<_> = k.ids().map(|(_, a)| a).collect();
    assert_eq!(
        algs,
        [
            Algorithm::XChaCha20Poly1305,
            Algorithm::Xaes256Gcm,
            Algorithm::HmacSha256
        ]
    );
    // Comma-separated (environment variables) and bare pairs work too.
    let k2 = Keyring::from_config(&format!("{bare},{s}")).unwrap();
    assert_eq!(k2.primary_algorithm(), Algorithm::Xaes256Gcm);
    assert_eq!(k2.primary_id(), k.ids().nth(1).unwrap().0);
    // Standard alphabet with padding is accepted for operator convenience.
    let std_hash = base64::engine::general_purpose::STANDARD.encode(random_bytes(1, 32));
    let k3 = Keyring::from_config(&format!("hmac-sha256:{std_hash}")).unwrap();
    assert_eq!(k3.primary_algorithm(), Algorithm::HmacSha256);
}

/// Fixed bytes that look random (SHA-256 in counter mode over `seed`).
fn random_bytes(seed: u8, len: usize) -> Vec<u8> {
    use sha2::Digest as _;
    (0u8..)
        .flat_map(|i| Sha256::digest([seed, i]))
        .take(len)
        .collect()
}

fn url(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

#[test]
fn item6_a_lone_key_is_refused_and_sign_only_must_be_named() {
    let hash = url(&random_bytes(1, 32));
    let block = url(&random_bytes(2, 32));
    let err = Keyring::from_config(&hash).unwrap_err();
    assert_eq!(err.kind(), &ConfigErrorKind::MissingAlgorithm);
    assert!(err.to_string().contains("hmac-sha256:<key>"), "{err}");
    // Also when rotated in front of an encrypting pair.
    let err = Keyring::from_config(&format!("{hash}\nxaes-256-gcm:{hash}:{block}")).unwrap_err();
    assert_eq!(
        (err.entry(), err.kind()),
        (1, &ConfigErrorKind::MissingAlgorithm)
    );
    for name in ["hmac-sha256", "HMAC-SHA256", "sign-only"] {
        let k = Keyring::from_config(&format!("{name}:{hash}")).unwrap();
        assert_eq!(k.primary_algorithm(), Algorithm::HmacSha256, "{name}");
    }
    // A bare pair always means xaes-256-gcm.
    let k = Keyring::from_config(&format!("{hash}:{block}")).unwrap();
    let named = Keyring::from_config(&format!("xaes-256-gcm:{hash}:{block}")).unwrap();
    assert_eq!(k.primary_id(), named.primary_id());
    // Three fields need an algorithm first.
    let err = Keyring::from_config(&format!("{hash}:{hash}:{block}")).unwrap_err();
    assert_eq!(err.kind(), &ConfigErrorKind::UnknownAlgorithm);
}

#[test]
fn item6_placeholder_keys_are_refused() {
    let good = url(&random_bytes(3, 32));
    let counting: Vec<u8> = (0u8..32).collect();
    let down: Vec<u8> = (0u8..32).map(|i| 200u8.wrapping_sub(i * 3)).collect();
    let pattern: Vec<u8> = (0u8..16).map(|i| i.wrapping_mul(0x9d) ^ 0x5a).collect();
    let pattern = pattern.repeat(2);
    let few: Vec<u8> = (0u8..32).map(|i| i % 15 * 17).collect();
    // The step is taken modulo 256 (SECURITY.md "Key configuration text"):
    // f0 f1 .. ff 00 01 .. 0f is one run.
    let wrapping: Vec<u8> = (0u8..32).map(|i| 0xf0u8.wrapping_add(i)).collect();
    let cases: [(String, &str); 7] = [
        ("A".repeat(43), "distinct"),
        (url(&counting), "counting"),
        (url(&down), "counting"),
        (url(&wrapping), "counting"),
        (url(&pattern), "repeated"),
        (url(&few), "distinct"),
        (url(b"Tr0ub4dor&3-My.Passw0rd/2026:Qz!"), "printable"),
    ];
    for (weak, needle) in cases {
        for (text, field) in [
            (format!("xaes-256-gcm:{weak}:{good}"), "hash key"),
            (format!("xaes-256-gcm:{good}:{weak}"), "block key"),
            (format!("hmac-sha256:{weak}"), "hash key"),
        ] {
            let err = Keyring::from_config(&text).unwrap_err();
            let ConfigErrorKind::WeakKey { field: f, reason } = err.kind() else {
                panic!("{text}: {err}")
            };
            assert_eq!((*f, err.entry()), (field, 1), "{text}");
            assert!(reason.contains(needle), "{reason} for {weak}");
            assert!(
                !err.to_string().contains(&weak[..8]),
                "{err} echoes the key"
            );
        }
    }
    // Generated keys always pass.
    for alg in Algorithm::ALL {
        for _ in 0..64 {
            assert!(Keyring::from_config(&entry(alg)).is_ok());
        }
    }
}

#[test]
fn config_errors_name_the_entry_and_never_echo_keys() {
    let good = entry(Algorithm::Xaes256Gcm);
    let cases = [
        (format!("{good}\nxaes-256-gcm:AAAA"), 2, "at least 32 bytes"),
        (format!("xaes-256-gcm:{}", "A".repeat(43)), 1, "block key"),
        (format!("{good}\n{good}:more"), 2, "too many"),
        (
            format!("hmac-sha256:{}:{}", "A".repeat(43), "A".repeat(43)),
            1,
            "sign-only",
        ),
        (format!("hmac-sha256:{}!!", "A".repeat(43)), 1, "base64"),
        (String::from("# nothing\n"), 0, "no key"),
    ];
    for (text, entry_no, needle) in cases {
        let err = Keyring::from_config(&text).unwrap_err();
        let msg = err.to_string();
        assert_eq!(err.entry(), entry_no, "{msg}");
        assert!(msg.contains(needle), "{msg} lacks {needle}");
        assert!(!msg.contains("AAAA"), "{msg} echoes key material");
        assert!(!msg.contains(&good[14..30]), "{msg} echoes key material");
    }
}

#[test]
fn key_lengths() {
    assert!(matches!(
        KeyPair::new(&[0; 31], None, Algorithm::HmacSha256),
        Err(KeyError::HashKeyTooShort { len: 31 })
    ));
    assert!(matches!(
        KeyPair::new(&[0; 32], Some(&[0; 16]), Algorithm::Aes256Gcm),
        Err(KeyError::BlockKeyLength { len: 16 })
    ));
    assert!(matches!(
        KeyPair::new(&[0; 32], None, Algorithm::Xaes256Gcm),
        Err(KeyError::MissingBlockKey { .. })
    ));
    let long: Vec<u8> = [key_bytes(4, 0), key_bytes(4, 1)].concat();
    assert!(KeyPair::new(&long, Some(&key_bytes(4, 2)), Algorithm::Aes256Gcm).is_ok());
    assert!(Keyring::new(Vec::new()).is_err());
}

/// Issue 19: `KeyPair::new` applies the configuration text's placeholder
/// rule to both keys, for every algorithm (a zeroed buffer from a failed
/// key-management call must not become a key).
#[test]
fn key_pair_new_refuses_zeroed_and_placeholder_keys() {
    let good = key_bytes(5, 0);
    let placeholders: [(&str, Vec<u8>); 6] = [
        ("zeroed", vec![0; 32]),
        ("one byte repeated", vec![0xA5; 32]),
        (
            "repeated pattern",
            b"abcdefghabcdefghabcdefghabcdefgh".to_vec(),
        ),
        ("counting", (0u8..32).collect()),
        ("printable", b"correct horse battery staple!!?!".to_vec()),
        ("zeroed 64 bytes", vec![0; 64]),
    ];
    for alg in Algorithm::ALL {
        let block = alg.encrypts().then_some(&good[..]);
        for (what, bad) in &placeholders {
            let err = KeyPair::new(bad, block, alg).unwrap_err();
            assert!(
                matches!(
                    err,
                    KeyError::WeakKey {
                        field: "hash key",
                        ..
                    }
                ),
                "{alg} {what} hash key: {err:?}"
            );
            assert!(err.to_string().contains("not random"), "{err}");
            if alg.encrypts() && bad.len() == 32 {
                let err = KeyPair::new(&key_bytes(5, 1), Some(bad), alg).unwrap_err();
                assert!(
                    matches!(
                        err,
                        KeyError::WeakKey {
                            field: "block key",
                            ..
                        }
                    ),
                    "{alg} {what} block key: {err:?}"
                );
            }
        }
        assert!(KeyPair::new(&key_bytes(5, 1), block, alg).is_ok(), "{alg}");
    }
}

/// Issue 19: the flat `from_pairs` list refuses placeholders too, and an
/// odd count is an error, never a silent sign-only pair.
#[test]
fn from_pairs_refuses_odd_counts_and_placeholders() {
    let (h1, b1, h2) = (key_bytes(6, 0), key_bytes(6, 1), key_bytes(6, 2));
    for alg in [
        Algorithm::Xaes256Gcm,
        Algorithm::XChaCha20Poly1305,
        Algorithm::Aes256Gcm,
    ] {
        assert_eq!(
            Keyring::from_pairs(&[&h1], alg).unwrap_err(),
            KeyError::OddKeyCount { len: 1 }
        );
        assert_eq!(
            Keyring::from_pairs(&[&h1, &b1, &h2], alg).unwrap_err(),
            KeyError::OddKeyCount { len: 3 }
        );
        let keyring = Keyring::from_pairs(&[&h1, &b1], alg).unwrap();
        assert_eq!(keyring.ids().map(|(_, a)| a).collect::<Vec<_>>(), [alg]);
        for bad in [[0u8; 32], [0x41; 32]] {
            for keys in [[&bad, &b1], [&h1, &bad]] {
                let err = Keyring::from_pairs(&[keys[0], keys[1]], alg).unwrap_err();
                assert!(matches!(err, KeyError::WeakKey { .. }), "{alg}: {err:?}");
            }
        }
    }
    assert_eq!(
        Keyring::from_pairs(&[], Algorithm::Xaes256Gcm).unwrap_err(),
        KeyError::Empty
    );
    // Sign-only is asked for by name: every key is a sign-only pair.
    let signed = Keyring::from_pairs(&[&h1, &h2], Algorithm::HmacSha256).unwrap();
    let algs: Vec<_> = signed.ids().map(|(_, a)| a).collect();
    assert_eq!(algs, [Algorithm::HmacSha256, Algorithm::HmacSha256]);
    assert!(matches!(
        Keyring::from_pairs(&[&h1, &[0; 32]], Algorithm::HmacSha256),
        Err(KeyError::WeakKey {
            field: "hash key",
            ..
        })
    ));
}

/// Configuration text keeps reporting a placeholder as `WeakKey` of its
/// entry (the rule now lives in `KeyPair::new`).
#[test]
fn config_text_placeholder_is_still_a_weak_key_entry() {
    let good = Keyring::generate_entry(Algorithm::Xaes256Gcm).unwrap();
    let zeroed = format!("xaes-256-gcm:{}:{}", "A".repeat(43), "A".repeat(43));
    let err = Keyring::from_config(&format!("{}\n{zeroed}", *good)).unwrap_err();
    assert_eq!(err.entry(), 2);
    assert!(matches!(
        err.kind(),
        ConfigErrorKind::WeakKey {
            field: "hash key",
            ..
        }
    ));
}

/// Issue 11 item 10: the grammar of SECURITY.md "Key configuration text".
#[test]
fn key_text_base64_flavours() {
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE};
    // Bytes whose encodings use `-`/`_` (URL-safe) or `+`/`/` (standard).
    let hash = random_bytes(5, 32);
    let block = random_bytes(6, 32);
    let id = Keyring::from_config(&format!("xaes-256-gcm:{}:{}", url(&hash), url(&block)))
        .unwrap()
        .primary_id();
    let same = |h: &str, b: &str| {
        Keyring::from_config(&format!("xaes-256-gcm:{h}:{b}"))
            .map(|k| k.primary_id() == id)
            .map_err(|e| e.kind().clone())
    };
    assert_eq!(same(&URL_SAFE.encode(&hash), &url(&block)), Ok(true));
    assert_eq!(same(&STANDARD.encode(&hash), &url(&block)), Ok(true));
    assert_eq!(
        same(&STANDARD_NO_PAD.encode(&hash), &STANDARD.encode(&block)),
        Ok(true)
    );
    let bad = Err(ConfigErrorKind::BadBase64 { field: "hash key" });
    // Wrong padding, padding inside, blanks inside, both alphabets at once,
    // non-zero bits after the last byte.
    let padded = STANDARD.encode(&hash);
    assert_eq!(same(&format!("{padded}="), &url(&block)), bad);
    assert_eq!(same(&format!("{}=A", &padded[..42]), &url(&block)), bad);
    assert_eq!(
        same(
            &format!("{} {}", &padded[..20], &padded[20..]),
            &url(&block)
        ),
        bad
    );
    let mixed = format!("-+{}", &url(&hash)[2..]);
    assert_eq!(same(&mixed, &url(&block)), bad);
    let mut loose = url(&hash);
    let last = loose.pop().unwrap();
    let alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let index = alphabet.find(last).unwrap();
    // 43 characters carry 258 bits: the last character's low 2 bits are spare.
    let flipped = alphabet.chars().nth(index ^ 1).unwrap();
    assert_eq!(same(&format!("{loose}{flipped}"), &url(&block)), bad);
}

#[test]
fn key_text_separators_comments_blanks_and_bom() {
    let a = format!(
        "xaes-256-gcm:{}:{}",
        url(&random_bytes(7, 32)),
        url(&random_bytes(8, 32))
    );
    let b = format!("hmac-sha256:{}", url(&random_bytes(9, 48)));
    let ids = |text: &str| {
        Keyring::from_config(text)
            .map(|k| k.ids().map(|(id, _)| id).collect::<Vec<_>>())
            .map_err(|e| (e.entry(), e.kind().clone()))
    };
    let expected = ids(&format!("{a}\n{b}")).unwrap();
    for text in [
        format!("{a},{b}"),
        format!(" \t{a} ,\t{b}\t"),
        format!("{a}\r\n\r\n{b}\r\n"),
        format!("\u{feff}{a}\n{b}"),
        format!("# keys, newest first\n{a} # current, primary\n\n{b},  # old\n"),
        format!(",,{a},\n ,{b},"),
        format!("XAES-256-GCM{}\n{b}", &a[12..]),
        format!("xaes-256-gcm : {} : {}\n{b}", &a[13..56], &a[57..]),
    ] {
        assert_eq!(ids(&text), Ok(expected.clone()), "{text:?}");
    }
    // Only space, tab and CR are blanks; a comment ends at its line.
    let nbsp = format!("\u{a0}{a}");
    assert_eq!(ids(&nbsp), Err((1, ConfigErrorKind::UnknownAlgorithm)));
    assert_eq!(ids(&format!("{a}\u{b}")).map_err(|e| e.0), Err(1));
    assert_eq!(ids(&format!("# {a}\n{b}")).map(|v| v.len()), Ok(1));
    // A BOM counts only at the very start.
    assert!(ids(&format!("{a}\n\u{feff}{b}")).is_err());
    // Entries are numbered from 1 in order, ignoring blanks and comments.
    assert_eq!(
        ids(&format!("# c\n\n{a},\n{b}\nhmac-sha256")),
        Err((3, ConfigErrorKind::MissingHashKey))
    );
}

#[test]
fn item13_config_entry_is_written_without_reallocating() {
    for hash_len in [MIN_HASH_KEY_LEN, 100, MAX_HASH_KEY_LEN] {
        let hash: Vec<u8> = (0..=255u8)
            .flat_map(|seed| key_bytes(seed, b'l'))
            .take(hash_len)
            .collect();
        for alg in Algorithm::ALL {
            let block = key_bytes(7, 0);
            let block = alg.encrypts().then_some(&block[..]);
            let entry = KeyPair::new(&hash, block, alg).unwrap().to_config_entry();
            // Capacity reserved up front equals the final length, so the
            // buffer never grew (a growth would have freed a partial copy).
            assert_eq!(
                entry.capacity(),
                entry.len(),
                "{alg} with {hash_len}-byte hash key"
            );
        }
    }
}

#[test]
fn algorithm_names_round_trip() {
    for alg in Algorithm::ALL {
        assert_eq!(alg.name().parse::<Algorithm>(), Ok(alg));
        assert_eq!(alg.to_string(), alg.name());
    }
    assert_eq!("sign-only".parse(), Ok(Algorithm::HmacSha256));
}

/// Issue 19: the development fallback's decisions, for every kind of value
/// the variable can have, in a development and in a release build.
#[test]
fn dev_key_fallback_refuses_blank_and_release_without_the_switch() {
    use std::env::VarError;

    use super::env::fallback;
    for blank in ["", " ", "\t\r\n", "  \n  "] {
        for may_generate in [true, false] {
            let err = fallback("KEYS", Ok(blank.to_owned()), may_generate).unwrap_err();
            assert_eq!(
                err.kind(),
                &ConfigErrorKind::BlankVariable("KEYS".to_owned()),
                "{blank:?}"
            );
            assert!(err.to_string().contains("KEYS is set but blank"), "{err}");
        }
    }
    // Missing: a fresh key in a development build (or with the switch) ...
    let a = fallback("KEYS", Err(VarError::NotPresent), true).unwrap();
    let b = fallback("KEYS", Err(VarError::NotPresent), true).unwrap();
    assert_eq!(a.len(), 1);
    assert_ne!(
        a.primary_id(),
        b.primary_id(),
        "each call draws a fresh key"
    );
    // ... and an error in a release build without it, naming the switch.
    let err = fallback("KEYS", Err(VarError::NotPresent), false).unwrap_err();
    assert_eq!(
        err.kind(),
        &ConfigErrorKind::GeneratedKeyInRelease("KEYS".to_owned())
    );
    assert!(
        err.to_string().contains(crate::ALLOW_GENERATED_KEY_VAR),
        "{err}"
    );
    // Set: parsed strictly, never replaced by a fresh key.
    let good = Keyring::generate_entry(Algorithm::Xaes256Gcm).unwrap();
    let expected = Keyring::from_config(&good).unwrap().primary_id();
    for may_generate in [true, false] {
        let k = fallback("KEYS", Ok(good.to_string()), may_generate).unwrap();
        assert_eq!(k.primary_id(), expected);
        let err = fallback("KEYS", Ok("not-a-key".to_owned()), may_generate).unwrap_err();
        assert_eq!(err.kind(), &ConfigErrorKind::MissingAlgorithm);
        let not_unicode = Err(VarError::NotUnicode(std::ffi::OsString::from("x")));
        let err = fallback("KEYS", not_unicode, may_generate).unwrap_err();
        assert_eq!(
            err.kind(),
            &ConfigErrorKind::MissingVariable("KEYS".to_owned())
        );
    }
}
