//! Payload vectors (`payload.json`): the decoder's rules that the frozen
//! files leave open (SECURITY.md, "Payload": nesting depth, which maps are
//! ordered, NaN, UTF-8 at any depth, tags) and the per-cookie size on read
//! ("Chunks"). Each is a genuine sealed cookie whose payload is hand-built
//! CBOR, with the outcome and the misreading it catches.

use super::*;

/// The file's name and its SHA-256 (pinned like the frozen v1 files:
/// change it only with a deliberate, reviewed regeneration).
pub(super) const PAYLOAD_FILE: (&str, &str) = (
    "payload.json",
    "983bff139a4f6f87ea94f6c684404c628175698f200ba17024bdf42df2924c96",
);

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub(super) struct PayloadFile {
    pub(super) format: String,
    pub(super) description: String,
    pub(super) generated_by: String,
    pub(super) vectors: Vec<PayloadVector>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub(super) struct PayloadVector {
    pub(super) name: String,
    pub(super) description: String,
    /// The rule of SECURITY.md the vector pins.
    pub(super) rule: String,
    /// A plausible misreading of that rule that this vector fails.
    pub(super) misreading: String,
    pub(super) keys: String,
    pub(super) cookie_name: String,
    pub(super) size_limit: usize,
    pub(super) clock_skew: u64,
    pub(super) now: u64,
    /// Hex of the nonce the cookie was sealed with.
    pub(super) nonce: String,
    /// Hex of the payload sealed in the cookie.
    pub(super) payload_cbor: String,
    /// The `Cookie` header value to load.
    pub(super) cookie_header: String,
    /// `ok` or `invalid`.
    pub(super) expected: Expected,
}

/// A data map of one value, `value` under `"v"`, in a valid payload.
fn one_value(value: Vec<u8>) -> Vec<u8> {
    with_data(cbor::map(&[(cbor::text("v"), value)]))
}

/// A valid payload with a flash bucket `"_flash"` holding `message`.
fn one_flash(message: Vec<u8>) -> Vec<u8> {
    use cbor::{array, map, text};
    let mut fields = good_fields();
    fields.push((6, map(&[(text("_flash"), array(&[message]))])));
    cbor::top(&fields)
}

/// `depth` nested arrays around `inner` (0: `inner` itself).
fn arrays(depth: usize, inner: Vec<u8>) -> Vec<u8> {
    (0..depth).fold(inner, |inner, _| [vec![0x81], inner].concat())
}

fn b(hex_text: &str) -> Vec<u8> {
    hex::decode(hex_text).unwrap()
}

/// name, rule, description, misreading, whether it opens, payload.
type PayloadCase = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    bool,
    Vec<u8>,
);

#[allow(clippy::too_many_lines)]
fn cases() -> Vec<PayloadCase> {
    use cbor::{array, map, text, uint};
    vec![
        (
            "depth-scalar-at-32",
            "depth",
            "A data value of 31 nested arrays around the integer 0: the value is at depth 1, the integer at depth 32, the limit.",
            "the data map's values are at depth 2 (the integer would be at 33)",
            true,
            one_value(arrays(31, uint(0))),
        ),
        (
            "depth-scalar-at-33",
            "depth",
            "A data value of 32 nested arrays around the integer 0: the integer is at depth 33.",
            "depth counts containers only (32 arrays would pass)",
            false,
            one_value(arrays(32, uint(0))),
        ),
        (
            "depth-tag-counts",
            "depth",
            "A data value of 31 nested arrays around tag 1 around the integer 0: the tag is at depth 32, its content at 33.",
            "tags add no depth",
            false,
            one_value(arrays(31, [b("c1"), uint(0)].concat())),
        ),
        (
            "depth-map-entries-count",
            "depth",
            "A data value of 31 nested arrays around the map {0: 0}: the map is at depth 32, its key and value at 33.",
            "a map's entries are at the map's own depth",
            false,
            one_value(arrays(31, map(&[(uint(0), uint(0))]))),
        ),
        (
            "flash-depth-32",
            "depth",
            "A flash message of 32 nested arrays, the innermost empty: a message is at depth 1 (the bucket's array does not count), the innermost array at 32.",
            "the bucket's array is at depth 1 (the innermost array would be at 33)",
            true,
            one_flash(arrays(31, array(&[]))),
        ),
        (
            "flash-depth-33",
            "depth",
            "A flash message of 32 nested arrays around the integer 0: the integer is at depth 33.",
            "depth counts containers only",
            false,
            one_flash(arrays(32, uint(0))),
        ),
        (
            "nested-map-unsorted",
            "ordering",
            "A data value that is the map {\"b\": 1, \"a\": 2}, in that order: maps inside values keep their order and open.",
            "every map of a payload is sorted",
            true,
            one_value(map(&[(text("b"), uint(1)), (text("a"), uint(2))])),
        ),
        (
            "nested-map-int-keys-descending",
            "ordering",
            "A data value that is the map {2: \"x\", 1: \"y\"}: integer keys in descending order inside a value open.",
            "nested maps follow RFC 8949 deterministic (sorted) order",
            true,
            one_value(map(&[(uint(2), text("x")), (uint(1), text("y"))])),
        ),
        (
            "flash-buckets-unsorted",
            "ordering",
            "Flash buckets \"b\" then \"a\": the flashes map is one of the three ordered maps.",
            "only the top level and the data keys are ordered",
            false,
            {
                let mut fields = good_fields();
                fields.push((
                    6,
                    map(&[
                        (text("b"), array(&[uint(1)])),
                        (text("a"), array(&[uint(1)])),
                    ]),
                ));
                cbor::top(&fields)
            },
        ),
        (
            "data-keys-utf8-not-utf16",
            "ordering",
            "Data keys U+FFFD (ef bf bd) then U+1F600 (f0 9f 98 80): ascending by their UTF-8 bytes. In UTF-16 code units the order is the reverse (U+1F600 is d83d de00, before fffd).",
            "text keys compared as UTF-16 code units (a JavaScript, Java or C# string comparison)",
            true,
            with_data(map(&[
                (text("\u{fffd}"), uint(1)),
                (text("\u{1f600}"), uint(2)),
            ])),
        ),
        (
            "data-keys-utf16-order-refused",
            "ordering",
            "Data keys U+1F600 then U+FFFD: ascending in UTF-16 code units, descending in UTF-8 bytes, so refused.",
            "text keys compared as UTF-16 code units (a JavaScript, Java or C# string comparison)",
            false,
            with_data(map(&[
                (text("\u{1f600}"), uint(2)),
                (text("\u{fffd}"), uint(1)),
            ])),
        ),
        (
            "flash-buckets-utf8-not-utf16",
            "ordering",
            "Flash buckets U+FFFD then U+1F600: ascending by their UTF-8 bytes, like data keys.",
            "bucket names compared as UTF-16 code units",
            true,
            {
                let mut fields = good_fields();
                fields.push((
                    6,
                    map(&[
                        (text("\u{fffd}"), array(&[uint(1)])),
                        (text("\u{1f600}"), array(&[uint(2)])),
                    ]),
                ));
                cbor::top(&fields)
            },
        ),
        (
            "nan-half-quiet",
            "nan",
            "The data value NaN as 0xf9 0x7e00: the encoding written for f64::NAN.",
            "NaN is refused altogether",
            true,
            one_value(b("f97e00")),
        ),
        (
            "nan-half-quiet-negative",
            "nan",
            "The data value NaN as 0xf9 0xfe00 (sign bit set): written for -f64::NAN, and what x86 arithmetic produces.",
            "only the positive NaN is accepted",
            true,
            one_value(b("f9fe00")),
        ),
        (
            "nan-single",
            "nan",
            "The data value NaN as 0xfa 0x7fc00000: the same NaN in single precision.",
            "any NaN encoding is accepted",
            false,
            one_value(b("fa7fc00000")),
        ),
        (
            "nan-double",
            "nan",
            "The data value NaN as 0xfb 0x7ff8000000000000: the same NaN in double precision.",
            "any NaN encoding is accepted",
            false,
            one_value(b("fb7ff8000000000000")),
        ),
        (
            "nan-half-payload",
            "nan",
            "The data value NaN as 0xf9 0x7e01: a quiet half-precision NaN with a payload.",
            "any half-precision NaN is accepted",
            false,
            one_value(b("f97e01")),
        ),
        (
            "nan-double-payload",
            "nan",
            "The data value NaN as 0xfb 0x7ff8000000000001: a payload only double precision holds.",
            "a NaN is accepted in the shortest width that keeps its payload",
            false,
            one_value(b("fb7ff8000000000001")),
        ),
        (
            "utf8-invalid-nested-value",
            "utf-8",
            "A data value [{\"k\": <text 0xff>}]: invalid UTF-8 two levels down.",
            "only data keys and top-level values are checked for UTF-8",
            false,
            one_value(array(&[map(&[(text("k"), b("61ff"))])])),
        ),
        (
            "utf8-invalid-nested-key",
            "utf-8",
            "A data value that is a map whose key is the text 0xc3 0x28 (a truncated sequence).",
            "map keys inside values are not checked",
            false,
            one_value(map(&[(b("62c328"), uint(1))])),
        ),
        (
            "utf8-overlong",
            "utf-8",
            "A data value that is the text 0xc0 0x80 (an overlong NUL).",
            "a lenient UTF-8 decoder (overlong forms)",
            false,
            one_value(b("62c080")),
        ),
        (
            "utf8-surrogate",
            "utf-8",
            "A data value that is the text 0xed 0xa0 0x80 (a UTF-16 surrogate, U+D800).",
            "a lenient UTF-8 decoder (CESU-8 surrogates)",
            false,
            one_value(b("63eda080")),
        ),
        (
            "tag-1-on-text",
            "tags",
            "A data value tag 1 (epoch time) around the text \"2026\": any tag number with any valid content.",
            "tag contents are checked against the tag's registered meaning",
            true,
            one_value([b("c1"), text("2026")].concat()),
        ),
        (
            "tag-bignum-long",
            "tags",
            "A data value tag 2 (bignum) around a 20-byte string, and tag 3 around a 1-byte one with a leading zero.",
            "bignums must be in preferred (shortest, or integer) form",
            true,
            one_value(array(&[
                [b("c2"), cbor::bytes(&[0xab; 20])].concat(),
                [b("c3"), cbor::bytes(&[0x00])].concat(),
            ])),
        ),
        (
            "tag-largest-number",
            "tags",
            "A data value tag 2^64 - 1 around the integer 0.",
            "only registered tags are accepted",
            true,
            one_value(b("dbffffffffffffffff00")),
        ),
        (
            "tag-non-preferred-head",
            "tags",
            "A data value tag 1 written in two bytes (0xd8 0x01) around the integer 0.",
            "a tag number's head is not held to preferred serialization",
            false,
            one_value(b("d80100")),
        ),
    ]
}

fn render_payload(vectors: Vec<PayloadVector>) -> String {
    let file = PayloadFile {
        format: "sealed-session v1 payload".to_owned(),
        description: "Cookies whose payload pins a decoder rule of SECURITY.md \"Payload\" (nesting depth, ordered maps, NaN, UTF-8, tags) or \"Chunks\" (per-cookie size on read): `expected` is `ok` or `invalid`; `misreading` is a plausible misreading that fails the vector.".to_owned(),
        generated_by: COMMAND.to_owned(),
        vectors,
    };
    let mut text = serde_json::to_string_pretty(&file).unwrap();
    text.push('\n');
    text
}

fn payload_vectors(k: &Keys) -> Vec<PayloadVector> {
    let alg = algorithm_of(&k.xaes);
    let vector =
        |name: &str, rule: &str, description: &str, misreading: &str, ok, cbor: Vec<u8>| {
            let nonce = nonce_for(&format!("payload {name}"), alg);
            let (_, cookies) = seal_split(&k.xaes, NAME, DEFAULT_SIZE_LIMIT, &nonce, &cbor);
            PayloadVector {
                name: name.to_owned(),
                description: description.to_owned(),
                rule: rule.to_owned(),
                misreading: misreading.to_owned(),
                keys: k.xaes.clone(),
                cookie_name: NAME.to_owned(),
                size_limit: DEFAULT_SIZE_LIMIT,
                clock_skew: SKEW,
                now: NOW,
                nonce: hex::encode(&nonce),
                payload_cbor: hex::encode(&cbor),
                cookie_header: cookies.join("; "),
                expected: if ok { Expected::Ok } else { Expected::Invalid },
            }
        };
    let mut out: Vec<PayloadVector> = cases()
        .into_iter()
        .map(|(name, rule, description, misreading, ok, cbor)| {
            vector(name, rule, description, misreading, ok, cbor)
        })
        .collect();
    // One cookie longer than 4096 bytes: sealed for one chunk, it opens.
    let cbor = one_value(cbor::text(&filler(3020)));
    let mut long = vector(
        "cookie-longer-than-4096-opens",
        "per-cookie-size",
        "One cookie of more than 4096 bytes of name=value (its value sealed for N = 1) under the default budget (two chunks, 8192 characters): the 4096-byte limit is the writer's, and the reader opens it.",
        "a reader refuses a cookie longer than 4096 bytes",
        true,
        cbor.clone(),
    );
    let nonce = nonce_for("payload cookie-longer-than-4096-opens", alg);
    long.cookie_header = format!("{NAME}={}", seal_chunks(&k.xaes, NAME, 1, &nonce, &cbor));
    assert!(long.cookie_header.len() > MAX_COOKIE_LEN);
    out.push(long);
    out
}

fn verify_payload(text: &str) {
    let file: PayloadFile = serde_json::from_str(text).unwrap();
    assert_eq!(file.generated_by, COMMAND);
    let mut rules: Vec<&str> = Vec::new();
    for v in &file.vectors {
        let cbor = hex::decode(&v.payload_cbor).unwrap();
        let ok = v.expected == Expected::Ok;
        assert_eq!(
            crate::payload::Payload::decode(&cbor).is_ok(),
            ok,
            "{}: lazy decoder",
            v.name
        );
        assert_eq!(
            Payload::decode(&cbor).is_ok(),
            ok,
            "{}: full decoder",
            v.name
        );
        let store = store_for(&v.keys, &v.cookie_name, v.size_limit, v.clock_skew);
        let mut session = store.load_at([v.cookie_header.as_str()], v.now);
        let got = match session.load_error() {
            None if !session.is_new() => Expected::Ok,
            Some(LoadError::Invalid) => Expected::Invalid,
            other => panic!("{}: {other:?}", v.name),
        };
        assert_eq!(got, v.expected, "{}: load", v.name);
        if ok && session.contains_key("v") {
            // A change elsewhere and a save keep the value's bytes as they
            // were (a nested map is not reordered).
            let before = session.payload.get("v").unwrap().to_vec();
            session.insert("w", &1).unwrap();
            let lines = store.save_at(&mut session, v.now).unwrap();
            let cookies: Vec<&str> = lines.iter().map(|l| l.split(';').next().unwrap()).collect();
            let again = store.load_at([cookies.join("; ").as_str()], v.now);
            assert_eq!(
                again.payload.get("v").unwrap(),
                before.as_slice(),
                "{}: kept",
                v.name
            );
        }
        rules.push(&v.rule);
    }
    for rule in [
        "depth",
        "ordering",
        "nan",
        "utf-8",
        "tags",
        "per-cookie-size",
    ] {
        assert!(rules.contains(&rule), "no payload vector pins {rule}");
    }
}

#[test]
fn vectors_v1_payload() {
    let text = render_payload(payload_vectors(&Keys::new()));
    check_pinned_file(PAYLOAD_FILE, &text, verify_payload);
}

#[test]
fn a_nan_other_than_the_plain_one_is_refused_when_stored() {
    let store = store_for(&Keys::new().xaes, NAME, DEFAULT_SIZE_LIMIT, SKEW);
    let mut session = store.load_at(std::iter::empty::<&str>(), NOW);
    session.insert("nan", &f64::NAN).unwrap();
    session.insert("negative", &-f64::NAN).unwrap();
    session.insert("f32", &f32::NAN).unwrap();
    for bits in [0x7ff8_0000_0000_0001, 0x7ff0_0000_0000_0001] {
        assert!(
            session.insert("payload", &f64::from_bits(bits)).is_err(),
            "{bits:#x}"
        );
    }
    assert!(!session.contains_key("payload"));
}
