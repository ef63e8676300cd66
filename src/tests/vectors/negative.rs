//! Negative vectors: cookies that must not open (`negative.json`).

use super::*;

#[allow(clippy::too_many_lines)]
pub(super) fn negative_vectors(k: &Keys) -> Vec<Vector> {
    use Expected::{Expired, Invalid};
    let keys = k.negative();
    let ring = [k.xaes.as_str(), k.hmac.as_str()];
    let neg =
        |name: &str, description: &str| Gen::new(name, description, &ring, &k.xaes).expect(Invalid);
    let mut out = Vec::new();

    // Base values: one genuine seal per algorithm under the negative keyring.
    let base_of = |label: &str, sealer: &str, data: serde_json::Value| {
        let p = base_payload(label, &data);
        let cbor = p.encode().unwrap();
        seal_chunks(
            sealer,
            NAME,
            1,
            &nonce_for(label, algorithm_of(sealer)),
            &cbor,
        )
    };
    // Pick padding so the value has a partial final base64 group (padding and
    // trailing bits exist) and uses both '-' and '_'.
    let base = (0..64)
        .map(|pad| {
            base_of(
                "base",
                &k.xaes,
                json!({"pad": "x".repeat(pad), "user": "mallory"}),
            )
        })
        .find(|t| t.len() % 4 == 2 && t.contains('-') && t.contains('_'))
        .unwrap();
    let base_chacha = base_of("base xchacha", &k.xchacha, json!({"user": "mallory"}));
    let base_aes = base_of("base aes-gcm", &k.aes, json!({"user": "mallory"}));
    let base_hmac = base_of(
        "base hmac",
        &k.hmac,
        json!({"role": "user", "user": "mallory"}),
    );
    {
        // The bases open: every rejection below is the mutation's doing.
        for (b, keys) in [
            (&base, keys.as_str()),
            (&base_chacha, k.xchacha.as_str()),
            (&base_aes, k.aes.as_str()),
            (&base_hmac, keys.as_str()),
        ] {
            let store = store_for(keys, NAME, DEFAULT_SIZE_LIMIT, SKEW);
            assert!(store.load_at([cookie(b)], NOW).load_error().is_none());
        }
    }
    let base_desc = "A genuine XAES-256-GCM seal under the first pair";

    // Base64url canonical form.
    let padded = URL_SAFE.encode(URL_SAFE_NO_PAD.decode(&base).unwrap());
    assert!(padded.ends_with("=="));
    out.push(intended(
        neg(
            "base64-padding",
            &format!("{base_desc}, with its '==' padding: padding is refused."),
        )
        .header(cookie(&padded)),
        "base64",
    ));
    out.push(intended(
        neg(
            "base64-standard-alphabet-plus",
            &format!("{base_desc}, its first '-' written '+' (standard alphabet)."),
        )
        .header(cookie(&base.replacen('-', "+", 1))),
        "base64",
    ));
    out.push(intended(
        neg(
            "base64-standard-alphabet-slash",
            &format!("{base_desc}, its first '_' written '/' (standard alphabet)."),
        )
        .header(cookie(&base.replacen('_', "/", 1))),
        "base64",
    ));
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let last = base.as_bytes()[base.len() - 1];
    let sextet = alphabet.iter().position(|c| *c == last).unwrap();
    assert_eq!(sextet & 0x0f, 0);
    let trailing = format!(
        "{}{}",
        &base[..base.len() - 1],
        char::from(alphabet[sextet | 1])
    );
    out.push(intended(
        neg("base64-nonzero-trailing-bits", &format!("{base_desc}, its last character changed so that an unused trailing bit is 1 (decodes to the same bytes in a lenient decoder)."))
            .header(cookie(&trailing)),
        "base64",
    ));
    let mid = base.len() / 2;
    out.push(intended(
        neg("base64-inner-space", &format!("{base_desc}, with a space inserted in the middle (leading and trailing spaces of a cookie value are trimmed by the Cookie-header parser; inner ones are not)."))
            .header(cookie(&format!("{} {}", &base[..mid], &base[mid..]))),
        "base64",
    ));
    out.push(intended(
        neg(
            "base64-inner-tab",
            &format!("{base_desc}, with a tab inserted in the middle."),
        )
        .header(cookie(&format!("{}\t{}", &base[..mid], &base[mid..]))),
        "base64",
    ));
    out.push(intended(
        neg(
            "base64-invalid-character",
            &format!("{base_desc}, its first character replaced by '.'."),
        )
        .header(cookie(&format!(".{}", &base[1..]))),
        "base64",
    ));
    out.push(intended(
        neg(
            "base64-impossible-length",
            &format!("{base_desc}, minus its last character: a length of 1 mod 4 is never base64."),
        )
        .header(cookie(&base[..base.len() - 1])),
        "base64",
    ));

    // Lengths.
    let name = "over-length-limit";
    let over = Gen::new(
        name,
        "A genuine seal whose text is longer than the maximum (4096 bytes: most chunks x 4096 with a 256-byte budget, one chunk): refused before decoding. Under a larger budget the same cookie would open.",
        &ring,
        &k.xaes,
    )
    .expect(Invalid)
    .size_limit(crate::store::MIN_SIZE_LIMIT);
    let p = base_payload(name, &json!({"notes": filler(2990)}));
    let v = intended(over.sealed_cbor(&p.encode().unwrap()), "too-long");
    let text_len = v.sealed.as_ref().unwrap().len();
    assert!(
        text_len > MAX_COOKIE_LEN && text_len < MAX_COOKIE_LEN + 16,
        "{text_len}"
    );
    let larger = store_for(&keys, NAME, DEFAULT_SIZE_LIMIT, SKEW);
    let header = v.cookie_header.as_deref().unwrap();
    assert_eq!(larger.load_at([header], NOW).load_error(), None);
    out.push(v);
    out.push(intended(
        neg("empty-value", "A `session` cookie with an empty value.").header(cookie("")),
        "empty-chunk",
    ));
    out.push(intended(
        neg(
            "truncated-header",
            &format!(
                "{base_desc}, cut to its first 6 bytes (shorter than the 7-byte fixed header)."
            ),
        )
        .header(cookie(&mutate(&base, |r| r.truncate(6)))),
        "truncated",
    ));
    out.push(intended(
        neg(
            "truncated-to-header-and-nonce",
            &format!("{base_desc}, cut after its nonce: no body, no tag."),
        )
        .header(cookie(&mutate(&base, |r| r.truncate(7 + 24)))),
        "truncated",
    ));
    out.push(intended(
        neg(
            "truncated-tag",
            &format!("{base_desc}, minus the last byte of its tag."),
        )
        .header(cookie(&mutate(&base, |r| {
            r.pop();
        }))),
        "tag",
    ));

    // Header fields.
    for (name, version) in [("version-0", 0u8), ("version-2", 2)] {
        out.push(intended(
            neg(
                name,
                &format!("{base_desc}, its version byte set to {version}."),
            )
            .header(cookie(&mutate(&base, |r| r[0] = version))),
            "version",
        ));
    }
    for (name, alg, what) in [
        ("algorithm-byte-0", 0u8, "0 (no such algorithm)"),
        ("algorithm-byte-5", 5, "5 (no such algorithm)"),
        (
            "algorithm-byte-xchacha20-poly1305",
            2,
            "2 (XChaCha20-Poly1305) while the key id's pair is configured for XAES-256-GCM",
        ),
        (
            "algorithm-byte-aes-256-gcm",
            3,
            "3 (AES-256-GCM) while the key id's pair is configured for XAES-256-GCM",
        ),
        (
            "downgrade-to-sign-only",
            4,
            "4 (sign-only HMAC-SHA256) while the key id's pair encrypts",
        ),
    ] {
        out.push(intended(
            neg(
                name,
                &format!("{base_desc}, its algorithm byte set to {what}."),
            )
            .header(cookie(&mutate(&base, |r| r[1] = alg))),
            "algorithm",
        ));
    }
    // Forgeries that a reader trusting the header's algorithm would accept:
    // they are correctly sealed under the first pair's PRK, for another algorithm.
    let pair = reference::parse(&k.xaes);
    let xaes_id = reference::key_id(&pair);
    let forged_payload = base_payload("forged", &json!({"role": "admin", "user": "mallory"}))
        .encode()
        .unwrap();
    // (name, description, header algorithm byte, cipher, subkey label, nonce length)
    type Forgery = (&'static str, &'static str, u8, u8, &'static [u8], usize);
    let forgeries: [Forgery; 3] = [
        (
            "forged-algorithm-confusion",
            "Header: algorithm 2 (XChaCha20-Poly1305) with the key id of the XAES-256-GCM pair; sealed with XChaCha20-Poly1305 under that pair's subkey derived for label XCHACHA20-POLY1305. A reader that took the algorithm from the header would open it.",
            2,
            2,
            b"XCHACHA20-POLY1305",
            24,
        ),
        (
            "forged-downgrade-sign-only",
            "Header: algorithm 4 (HMAC-SHA256) with the key id of the XAES-256-GCM pair; a correct HMAC under that pair's subkey derived for label HMAC-SHA256. A reader that took the algorithm from the header would accept it.",
            4,
            4,
            b"HMAC-SHA256",
            0,
        ),
        (
            "forged-downgrade-sign-only-same-subkey",
            "Header: algorithm 4 (HMAC-SHA256) with the key id of the XAES-256-GCM pair; a correct HMAC keyed with that pair's XAES-256-GCM subkey. A reader that switched the primitive but kept the key would accept it.",
            4,
            4,
            b"XAES-256-GCM",
            0,
        ),
    ];
    for (name, description, header_alg, cipher, label, nonce_len) in forgeries {
        let nonce = derived(&format!("{name};nonce"), nonce_len);
        let raw = reference::seal(
            &pair,
            header_alg,
            xaes_id,
            cipher,
            label,
            NAME,
            1,
            &nonce,
            &forged_payload,
        );
        out.push(intended(
            neg(name, description).header(cookie(&URL_SAFE_NO_PAD.encode(raw))),
            "algorithm",
        ));
    }
    out.push(intended(
        neg(
            "unknown-key-id",
            &format!("{base_desc}, one bit of its key id flipped."),
        )
        .header(cookie(&mutate(&base, |r| r[2] ^= 0x01))),
        "unknown-key",
    ));
    let retired = base_of("retired", &k.retired, json!({"user": "mallory"}));
    out.push(intended(
        neg(
            "retired-key",
            "A genuine XAES-256-GCM seal by a pair that is not (or no longer) in the keyring.",
        )
        .header(cookie(&retired)),
        "unknown-key",
    ));
    for (name, n) in [("header-chunk-count-0", 0u8), ("header-chunk-count-2", 2)] {
        out.push(intended(
            neg(
                name,
                &format!("{base_desc}, its chunk count set to {n} while one cookie is sent."),
            )
            .header(cookie(&mutate(&base, |r| r[6] = n))),
            "chunk-count",
        ));
    }
    let other_name = seal_chunks(
        &k.xaes,
        "other",
        1,
        &nonce_for("wrong cookie name", Algorithm::Xaes256Gcm),
        &base_payload("wrong cookie name", &json!({"user": "mallory"}))
            .encode()
            .unwrap(),
    );
    out.push(intended(
        neg("wrong-cookie-name", "A genuine seal by the first pair for the cookie name \"other\", sent as `session`: the name is bound by the subkey and the associated data.")
            .header(cookie(&other_name)),
        "tag",
    ));

    // Single-bit flips past the checked header fields.
    let flips: [(&str, &String, &[&str], usize); 4] = [
        ("xaes-256-gcm", &base, &ring, 24),
        (
            "xchacha20-poly1305",
            &base_chacha,
            &[k.xchacha.as_str()],
            24,
        ),
        ("aes-256-gcm", &base_aes, &[k.aes.as_str()], 12),
        ("hmac-sha256", &base_hmac, &ring, 0),
    ];
    for (alg, text, keyring, nonce_len) in flips {
        let len = URL_SAFE_NO_PAD.decode(text).unwrap().len();
        let tag_len = if nonce_len == 0 { 32 } else { 16 };
        let mut places = Vec::new();
        if nonce_len > 0 {
            places.push(("nonce", 7 + nonce_len / 2));
        }
        let body = if nonce_len == 0 { "body" } else { "ciphertext" };
        places.push((body, 7 + nonce_len + 3));
        places.push(("tag", len - tag_len / 2));
        for (part, at) in places {
            let name = format!("bitflip-{part}-{alg}");
            out.push(intended(
                Gen::new(
                    &name,
                    &format!("A genuine {alg} seal, bit 0 of byte {at} ({part}) flipped."),
                    keyring,
                    keyring[0],
                )
                .expect(Invalid)
                .header(cookie(&mutate(text, |r| r[at] ^= 0x01))),
                "tag",
            ));
        }
    }
    let plain = URL_SAFE_NO_PAD.decode(&base_hmac).unwrap();
    let needle = cbor::text("user");
    let at = plain
        .windows(needle.len())
        .position(|w| w == needle)
        .unwrap();
    out.push(intended(
        neg("tampered-sign-only-data", "A genuine sign-only seal whose readable body was edited: the value of data key \"role\" changed from \"user\" to \"root\" (same length; the MAC covers the body).")
            .header(cookie(&mutate(&base_hmac, |r| {
                r[at + 1..at + 5].copy_from_slice(b"root");
            }))),
        "tag",
    ));

    // Chunks (a 12288-byte budget: up to four chunks are read).
    let chunked = |name: &str, description: &str| neg(name, description).size_limit(CHUNKED_LIMIT);
    let split_of = |label: &str, len: usize, sealer: &str| {
        let p = base_payload(label, &json!({"notes": filler(len)}));
        let nonce = nonce_for(label, algorithm_of(sealer));
        seal_split(sealer, NAME, CHUNKED_LIMIT, &nonce, &p.encode().unwrap()).1
    };
    let two = split_of("chunk base two", 3500, &k.xaes);
    let two_other = split_of("chunk base two, other session", 3500, &k.xaes);
    let three = split_of("chunk base three", 6500, &k.xaes);
    assert_eq!((two.len(), three.len()), (2, 3));
    let value = |c: &String| c.split_once('=').unwrap().1.to_owned();
    out.push(intended(
        chunked(
            "chunk-missing-last",
            "A genuine two-chunk session with only `session` sent.",
        )
        .header(two[0].clone()),
        "chunk-count",
    ));
    out.push(intended(
        chunked(
            "chunk-missing-first",
            "A genuine two-chunk session with only `session.1` sent.",
        )
        .header(two[1].clone()),
        "chunk-gap",
    ));
    out.push(intended(
        chunked(
            "chunk-missing-middle",
            "A genuine three-chunk session with `session.1` missing.",
        )
        .header(format!("{}; {}", three[0], three[2])),
        "chunk-gap",
    ));
    out.push(intended(
        chunked(
            "chunk-extra",
            "A genuine two-chunk session plus a third cookie `session.2=AAAA`.",
        )
        .header(format!("{}; {}; {NAME}.2=AAAA", two[0], two[1])),
        "chunk-count",
    ));
    out.push(intended(
        chunked(
            "chunk-extra-on-single",
            &format!("{base_desc}, plus a second cookie `session.1=AAAA`."),
        )
        .header(format!("{}; {NAME}.1=AAAA", cookie(&base))),
        "chunk-count",
    ));
    let v = chunked(
        "chunks-reordered",
        "A genuine two-chunk session with the values of `session` and `session.1` swapped.",
    )
    .header(format!(
        "{NAME}={}; {NAME}.1={}",
        value(&two[1]),
        value(&two[0])
    ));
    assert_ne!(v.rule, "ok");
    out.push(v);
    let v = chunked("chunks-reordered-tail", "A genuine three-chunk session with the values of `session.1` and `session.2` swapped (the header chunk stays in place).")
        .header(format!("{}; {NAME}.1={}; {NAME}.2={}", three[0], value(&three[2]), value(&three[1])));
    assert_ne!(v.rule, "ok");
    out.push(v);
    out.push(intended(
        chunked("chunk-from-another-session", "`session` of one genuine two-chunk session with `session.1` of another (same key, same data, another nonce).")
            .header(format!("{}; {}", two[0], two_other[1])),
        "tag",
    ));

    // Lifetimes, checked only after authentication.
    let lifetime = |name: &str, description: &str, expected, f: &dyn Fn(&mut Payload)| {
        let mut p = base_payload(name, &json!({"user": "mallory"}));
        f(&mut p);
        Gen::new(name, description, &ring, &k.xaes)
            .expect(expected)
            .sealed(&p)
    };
    out.push(intended(
        lifetime(
            "expired-absolute",
            "Authentic, but expires-at = now - skew - 1.",
            Expired,
            &|p| {
                p.expires_at = NOW - SKEW - 1;
            },
        ),
        "expired",
    ));
    out.push(intended(
        lifetime(
            "expired-idle",
            "Authentic, absolute expiry in the future, but idle-deadline = now - skew - 1.",
            Expired,
            &|p| {
                p.idle_deadline = Some(NOW - SKEW - 1);
            },
        ),
        "expired",
    ));
    let expired = out.last().unwrap().sealed.clone().unwrap();
    out.push(intended(
        neg("expired-and-forged", "The expired-idle vector's value with its last tag byte flipped: authentication comes first, so Invalid, not Expired.")
            .header(cookie(&mutate(&expired, |r| {
                let last = r.len() - 1;
                r[last] ^= 0x80;
            }))),
        "tag",
    ));
    out.push(intended(
        lifetime(
            "issued-in-future",
            "Authentic, but issued-at = now + skew + 1.",
            Invalid,
            &|p| {
                p.issued_at = NOW + SKEW + 1;
                p.expires_at = p.issued_at + DAY;
            },
        ),
        "issued-in-future",
    ));
    out.push(intended(
        lifetime(
            "issued-far-in-future",
            "Authentic, but issued-at ten years after now.",
            Invalid,
            &|p| {
                p.issued_at = NOW + 3650 * DAY;
                p.expires_at = p.issued_at + DAY;
            },
        ),
        "issued-in-future",
    ));

    // CBOR that is malformed or breaks the limits, sealed under a valid key.
    for (name, description, bytes) in bad_payloads() {
        out.push(intended(
            neg(name, description).sealed_cbor(&bytes),
            "payload",
        ));
    }
    out
}
