//! Unit tests of the keyring: parsing, key ids, derivation, refusals.

use super::*;

fn entry(alg: Algorithm) -> String {
    Keyring::generate_entry(alg).unwrap().to_string()
}

#[test]
fn debug_does_not_leak_key() {
    let pair = KeyPair::new(&[0xAB; 32], Some(&[0xCD; 32]), Algorithm::Xaes256Gcm).unwrap();
    let keyring = Keyring::new(vec![pair]).unwrap();
    let pair = KeyPair::new(&[0xAB; 32], Some(&[0xCD; 32]), Algorithm::Xaes256Gcm).unwrap();
    for dbg in [format!("{pair:?}"), format!("{keyring:?}")] {
        for needle in ["171", "205", "ab", "AB", "cd", "CD", "q6ur", "zc3N"] {
            assert!(!dbg.contains(needle), "{dbg} leaks {needle}");
        }
    }
}

#[test]
fn ids_are_deterministic_and_depend_on_keys_and_algorithm() {
    let a = Keyring::from_pairs(&[&[1; 32], &[2; 32]], Algorithm::Xaes256Gcm).unwrap();
    let b = Keyring::from_pairs(&[&[1; 32], &[2; 32]], Algorithm::Xaes256Gcm).unwrap();
    let c = Keyring::from_pairs(&[&[1; 32], &[2; 32]], Algorithm::Aes256Gcm).unwrap();
    let d = Keyring::from_pairs(&[&[1; 32], &[3; 32]], Algorithm::Xaes256Gcm).unwrap();
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
    assert!(KeyPair::new(&[0; 64], Some(&[0; 32]), Algorithm::Aes256Gcm).is_ok());
    assert!(Keyring::new(Vec::new()).is_err());
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
        let hash: Vec<u8> = (0..hash_len)
            .map(|i| u8::try_from((i * 7 + 3) % 251).unwrap())
            .collect();
        for alg in Algorithm::ALL {
            let block = alg.encrypts().then_some(&[0x5a; BLOCK_KEY_LEN][..]);
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
