//! Positive vectors: sessions that open (`positive.json`, `chunked.json`).

use super::*;

pub(super) fn positive_vectors(k: &Keys) -> Vec<Vector> {
    let mut out = Vec::new();
    let basic = [
        (
            "xaes-256-gcm",
            "XAES-256-GCM (the default algorithm), one cookie.",
            &k.xaes,
            json!({"count": 3, "user": "alice"}),
        ),
        (
            "xchacha20-poly1305",
            "XChaCha20-Poly1305, one cookie.",
            &k.xchacha,
            json!({"cart": [{"qty": 2, "sku": "A-1"}], "user": "bob"}),
        ),
        (
            "aes-256-gcm",
            "AES-256-GCM (96-bit nonce), one cookie; the hash key is 48 bytes.",
            &k.aes,
            json!({"lang": "de", "user_id": 4242}),
        ),
        (
            "hmac-sha256-sign-only",
            "Sign-only HMAC-SHA256 (not encrypted: the CBOR payload is in the clear after the 7-byte header), one cookie; the hash key is 64 bytes.",
            &k.hmac,
            json!({"theme": "dark", "user": "carol"}),
        ),
        (
            "empty-data",
            "The smallest payload: issued-at, expires-at, id and an empty data map. It opens; the reference store deletes an empty session's cookies on its next save.",
            &k.xaes,
            json!({}),
        ),
    ];
    for (name, description, key, data) in basic {
        out.push(
            Gen::new(name, description, &[key.as_str()], key).sealed(&base_payload(name, &data)),
        );
    }

    let name = "flashes";
    let mut p = base_payload(name, &json!({"user": "alice"}));
    p.flashes = flashes(&json!({
        "_flash": ["saved", "welcome back"],
        "errors": [{"field": "email", "message": "already taken"}],
    }));
    out.push(
        Gen::new(
            name,
            "Flash messages in two buckets (the default bucket is \"_flash\"); each bucket is a non-empty array.",
            &[k.xaes.as_str()],
            &k.xaes,
        )
        .sealed(&p),
    );

    let name = "idle-deadline-and-max-age";
    let mut p = base_payload(name, &json!({"remember_me": true, "user": "dave"}));
    p.max_age = Some(30 * DAY);
    p.expires_at = ISSUED + 30 * DAY;
    p.idle_deadline = Some(NOW + 20 * 60);
    out.push(
        Gen::new(
            name,
            "An idle deadline (a store with a 30-minute idle timeout, last saved 10 minutes ago) and a per-session max-age override of 30 days.",
            &[k.xaes.as_str()],
            &k.xaes,
        )
        .sealed(&p),
    );

    let name = "data-types";
    let data = json!({
        "bool": true,
        "float-half": 1.5,
        "float-double": 0.1,
        "negative": -7,
        "big": u64::MAX,
        "list": [1, "two", null, false],
        "map": {"b": 1, "a": [2]},
        "null": null,
        "unicode": "grüße ✓",
    });
    out.push(
        Gen::new(
            name,
            "Data values of every JSON-representable CBOR kind; floats use the shortest exact encoding (1.5 as half precision).",
            &[k.xaes.as_str()],
            &k.xaes,
        )
        .sealed(&base_payload(name, &data)),
    );

    let name = "data-keys-bytewise-order";
    let data = json!({"B": 1, "aa": 2, "b": 3, "é": 4});
    out.push(
        Gen::new(
            name,
            "Data keys are ordered by their UTF-8 bytes (\"B\" < \"aa\" < \"b\" < \"é\"), not length-first as in RFC 8949 §4.2.1 deterministic encoding.",
            &[k.xaes.as_str()],
            &k.xaes,
        )
        .sealed(&base_payload(name, &data)),
    );

    let name = "max-depth";
    out.push(
        Gen::new(
            name,
            "A data value nested exactly MAX_DEPTH (32) deep: 32 arrays, the innermost empty (a data value is at depth 1).",
            &[k.xaes.as_str()],
            &k.xaes,
        )
        .sealed(&base_payload(
            name,
            &json!({"deep": nested_arrays(MAX_DEPTH)}),
        )),
    );

    let name = "rotation-non-primary-key";
    out.push(
        Gen::new(
            name,
            "Sealed by the second (older) pair of the keyring: it opens, and the next save re-seals it with the first pair, keeping issued-at and expires-at.",
            &[k.rotated_new.as_str(), k.rotated_old.as_str()],
            &k.rotated_old,
        )
        .sealed(&base_payload(name, &json!({"user": "erin"}))),
    );

    let name = "rotation-from-sign-only";
    out.push(
        Gen::new(
            name,
            "Migration from a sign-only pair: sealed by the second pair (HMAC-SHA256) of a keyring whose first pair encrypts. It opens (the key id's configuration says sign-only) and is re-sealed encrypted on save.",
            &[k.migrated_new.as_str(), k.legacy_sign_only.as_str()],
            &k.legacy_sign_only,
        )
        .sealed(&base_payload(name, &json!({"user": "frank"}))),
    );

    let name = "issued-at-at-clock-skew-boundary";
    let mut p = base_payload(name, &json!({"user": "grace"}));
    p.issued_at = NOW + SKEW;
    p.expires_at = NOW + SKEW + 3600;
    out.push(
        Gen::new(
            name,
            "Still opens: issued-at = now + skew (from the future only when issued-at > now + skew).",
            &[k.xaes.as_str()],
            &k.xaes,
        )
        .sealed(&p),
    );

    let name = "expires-at-at-clock-skew-boundary";
    let mut p = base_payload(name, &json!({"user": "grace"}));
    p.issued_at = NOW - 7200;
    p.expires_at = NOW - SKEW;
    p.idle_deadline = Some(NOW - SKEW);
    out.push(
        Gen::new(
            name,
            "Still opens: expires-at = idle-deadline = now - skew (expired only when now > deadline + skew).",
            &[k.xaes.as_str()],
            &k.xaes,
        )
        .sealed(&p),
    );

    let name = "expires-at-u64-max";
    let mut p = base_payload(name, &json!({"user": "heidi"}));
    p.expires_at = u64::MAX;
    out.push(
        Gen::new(
            name,
            "expires-at = 2^64 - 1: the skew addition saturates instead of overflowing.",
            &[k.xaes.as_str()],
            &k.xaes,
        )
        .sealed(&p),
    );
    out
}

pub(super) fn chunked_vectors(k: &Keys) -> Vec<Vector> {
    let name = "two-chunks";
    let two = Gen::new(
        name,
        "A session of two cookies under the default 6144-byte budget: `session` filled to 4096 bytes of name=value, the rest in `session.1`.",
        &[k.xaes.as_str()],
        &k.xaes,
    )
    .sealed(&base_payload(name, &json!({"notes": filler(3500)})));

    let name = "two-chunks-sign-only";
    let two_signed = Gen::new(
        name,
        "Sign-only HMAC-SHA256 over two cookies.",
        &[k.hmac.as_str()],
        &k.hmac,
    )
    .sealed(&base_payload(name, &json!({"notes": filler(3200)})));

    let name = "three-chunks";
    let three = Gen::new(
        name,
        "A session of three cookies (`session`, `session.1`, `session.2`) under a 12288-byte budget (at most four chunks).",
        &[k.xchacha.as_str()],
        &k.xchacha,
    )
    .size_limit(CHUNKED_LIMIT)
    .sealed(&base_payload(name, &json!({"notes": filler(6500), "user": "ivan"})));

    for (v, chunks) in [(&two, 2), (&two_signed, 2), (&three, 3)] {
        assert_eq!(v.cookies.as_ref().unwrap().len(), chunks, "{}", v.name);
    }
    vec![two, two_signed, three]
}
