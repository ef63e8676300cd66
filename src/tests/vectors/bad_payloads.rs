//! Hand-built payloads the decoder must refuse, sealed under a valid key.

use super::*;

/// Valid top-level fields (keys 1, 2, 4, 5), for the malformed-CBOR vectors.
pub(super) fn good_fields() -> Vec<(u64, Vec<u8>)> {
    use cbor::{bytes, map, text, uint};
    vec![
        (1, uint(ISSUED)),
        (2, uint(EXPIRES)),
        (4, bytes(&session_id("cbor"))),
        (5, map(&[(text("user"), text("mallory"))])),
    ]
}

pub(super) fn with_data(data: Vec<u8>) -> Vec<u8> {
    let mut f = good_fields();
    f[3].1 = data;
    cbor::top(&f)
}

#[allow(clippy::too_many_lines)]
pub(super) fn bad_payloads() -> Vec<(&'static str, &'static str, Vec<u8>)> {
    use cbor::{array, bytes, head, map, text, top, uint};
    let good = top(&good_fields());
    // The builder matches the encoder: the good map is a valid payload.
    assert_eq!(Payload::decode(&good).unwrap().encode().unwrap(), good);
    let f = good_fields;
    let mut out = Vec::new();
    let mut add = |name, description, bytes: Vec<u8>| out.push((name, description, bytes));

    let mut dup = f();
    dup.insert(1, (1, uint(ISSUED)));
    add(
        "cbor-duplicate-top-level-key",
        "Top-level key 1 twice.",
        top(&dup),
    );
    let mut swapped = f();
    swapped.swap(0, 1);
    add(
        "cbor-top-level-keys-out-of-order",
        "Top-level keys 2, 1, 4, 5: keys must be strictly ascending.",
        top(&swapped),
    );
    let mut unknown = f();
    unknown.push((8, uint(1)));
    add(
        "cbor-unknown-top-level-key",
        "An unknown top-level key 8.",
        top(&unknown),
    );
    for (name, description, index) in [
        ("cbor-missing-issued-at", "No issued-at (key 1).", 0),
        ("cbor-missing-expires-at", "No expires-at (key 2).", 1),
        ("cbor-missing-id", "No id (key 4).", 2),
        ("cbor-missing-data", "No data (key 5).", 3),
    ] {
        let mut missing = f();
        missing.remove(index);
        add(name, description, top(&missing));
    }
    let mut indefinite = vec![0xbf];
    for (k, v) in f() {
        indefinite.extend(uint(k));
        indefinite.extend(v);
    }
    indefinite.push(0xff);
    add(
        "cbor-indefinite-length-map",
        "The top-level map with indefinite length (0xbf ... 0xff).",
        indefinite,
    );
    add(
        "cbor-indefinite-length-text",
        "A data value as an indefinite-length text string (0x7f, one chunk, 0xff).",
        with_data(map(&[(
            text("user"),
            [vec![0x7f], text("mallory"), vec![0xff]].concat(),
        )])),
    );
    let mut long_uint = f();
    long_uint[0].1 = [vec![0x1b], ISSUED.to_be_bytes().to_vec()].concat();
    add(
        "cbor-non-preferred-integer",
        "issued-at encoded in 8 bytes (0x1b) where 4 suffice.",
        top(&long_uint),
    );
    let mut long_head = vec![0xb8, 0x04];
    for (k, v) in f() {
        long_head.extend(uint(k));
        long_head.extend(v);
    }
    add(
        "cbor-non-preferred-map-length",
        "The top-level map's length 4 encoded in a following byte (0xb8 0x04) instead of 0xa4.",
        long_head,
    );
    add(
        "cbor-non-preferred-float",
        "The data value 1.5 as a double (0xfb 3ff8000000000000); its preferred form is half precision (0xf9 3e00).",
        with_data(map(&[(
            text("f"),
            [vec![0xfb], 1.5f64.to_be_bytes().to_vec()].concat(),
        )])),
    );
    add(
        "cbor-trailing-bytes",
        "A valid payload followed by one more byte (0x00).",
        [good.clone(), vec![0x00]].concat(),
    );
    let mut deep = vec![0x80];
    for _ in 1..=MAX_DEPTH {
        deep = [vec![0x81], deep].concat();
    }
    add(
        "cbor-nesting-too-deep",
        "A data value of 33 nested arrays: one deeper than MAX_DEPTH (32); compare the positive max-depth vector.",
        with_data(map(&[(text("deep"), deep)])),
    );
    add(
        "cbor-declared-length-beyond-input",
        "The last data value is a text string declaring 1000 bytes with 3 present.",
        with_data(map(&[(
            text("user"),
            [head(3, 1000), b"abc".to_vec()].concat(),
        )])),
    );
    add(
        "cbor-huge-array-length",
        "A data value declaring an array of 2^64 - 1 items (must be refused without allocating).",
        with_data(map(&[(text("a"), head(4, u64::MAX))])),
    );
    for (name, description, id) in [
        (
            "cbor-id-15-bytes",
            "The id is a 15-byte string.",
            bytes(&[7; 15]),
        ),
        (
            "cbor-id-17-bytes",
            "The id is a 17-byte string.",
            bytes(&[7; 17]),
        ),
        (
            "cbor-id-text",
            "The id is a 16-byte text string, not a byte string.",
            text("0123456789abcdef"),
        ),
    ] {
        let mut fields = f();
        fields[2].1 = id;
        add(name, description, top(&fields));
    }
    add(
        "cbor-duplicate-data-key",
        "The data map has the key \"user\" twice.",
        with_data(map(&[(text("user"), text("a")), (text("user"), text("b"))])),
    );
    add(
        "cbor-data-keys-length-first",
        "Data keys in RFC 8949 §4.2.1 deterministic order (\"b\" before \"aa\"): this format orders text keys by their UTF-8 bytes.",
        with_data(map(&[(text("b"), uint(1)), (text("aa"), uint(2))])),
    );
    add(
        "cbor-duplicate-key-in-nested-map",
        "A map inside a data value has the key \"x\" twice.",
        with_data(map(&[(
            text("m"),
            map(&[(text("x"), uint(1)), (text("x"), uint(2))]),
        )])),
    );
    add(
        "cbor-data-key-not-text",
        "The data map has an integer key.",
        with_data(map(&[(uint(1), uint(2))])),
    );
    add(
        "cbor-undefined-value",
        "A data value is `undefined` (0xf7).",
        with_data(map(&[(text("u"), vec![0xf7])])),
    );
    add(
        "cbor-invalid-utf8",
        "A data value is a text string of invalid UTF-8 (0xff 0xfe).",
        with_data(map(&[(text("t"), vec![0x62, 0xff, 0xfe])])),
    );
    let mut empty_bucket = f();
    empty_bucket.push((6, map(&[(text("_flash"), array(&[]))])));
    add(
        "cbor-empty-flash-bucket",
        "A flash bucket with an empty array (buckets are omitted when empty).",
        top(&empty_bucket),
    );
    let mut empty_flashes = f();
    empty_flashes.push((6, map(&[])));
    add(
        "cbor-empty-flashes-map",
        "Key 6 present with an empty map (the flashes field is omitted when empty: one encoding per payload).",
        top(&empty_flashes),
    );
    let mut backwards = f();
    backwards[1].1 = uint(ISSUED - 1);
    add(
        "cbor-expires-before-issued",
        "expires-at is one second before issued-at.",
        top(&backwards),
    );
    let mut negative = f();
    negative[0].1 = vec![0x20];
    add(
        "cbor-negative-issued-at",
        "issued-at is the negative integer -1.",
        top(&negative),
    );
    add(
        "cbor-not-a-map",
        "The payload is an array of the four field values.",
        array(&f().into_iter().map(|(_, v)| v).collect::<Vec<_>>()),
    );
    add(
        "cbor-self-described-tag",
        "The valid map wrapped in the self-described CBOR tag 55799 (0xd9d9f7).",
        [vec![0xd9, 0xd9, 0xf7], good.clone()].concat(),
    );
    add("cbor-empty", "An empty payload (zero bytes).", Vec::new());
    out
}
