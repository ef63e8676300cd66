//! The JSON form of a session payload, lossless both ways: `inspect` prints
//! it, `seal` reads it back, and the same payload bytes come out (README,
//! "Key rotation", the `inspect` and `seal` JSON shape).
//!
//! A payload (SECURITY.md "Payload") is an object:
//!
//! - `id`: the 16-byte session id in hex;
//! - `issued_at_unix`, `expires_at_unix`: Unix seconds, as numbers (any
//!   `u64`, `2^64 - 1` included);
//! - `idle_deadline_unix`, `max_age`: the same, or `null` when absent;
//! - `data`: an object, key → item, in the payload's order (ascending
//!   UTF-8 bytes);
//! - `flashes`: an object, bucket → array of items.
//!
//! An item (any CBOR value the payload allows) is plain JSON where JSON is
//! exact, and otherwise a one-member wrapper object (so a JSON object is
//! always a wrapper, never a map):
//!
//! - text → string; `true`, `false`, `null` → themselves; array → array;
//! - integer `n` with `|n| < 2^53` → number; any other integer (down to
//!   `-2^64`, up to `2^64 - 1`) → `{"int": "<decimal>"}`, whatever its sign;
//! - float → `{"float": <number>}`, or `{"float": "NaN"}`, `"-NaN"`,
//!   `"Infinity"`, `"-Infinity"` (`-0.0` stays `-0.0`);
//! - byte string → `{"bytes": "<unpadded base64url>"}`;
//! - map (inside a value) → `{"map": [[key, value], ...]}`, entries in wire
//!   order, keys items themselves (text `"1"` and integer `1` differ);
//! - tag → `{"tag": N, "value": item}`, `N` a number below `2^53`, else a
//!   decimal string (tags 2 and 3 keep their tag: a bignum is not turned
//!   into an integer).
//!
//! Reading accepts the same forms, and also any JSON number with a
//! fraction or an exponent as a float.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value as Json, json};

/// Below this magnitude an integer is exact in every JSON parser.
const EXACT: u64 = 1 << 53;

fn int_json(n: i128) -> Json {
    match i64::try_from(n) {
        Ok(small) if small.unsigned_abs() < EXACT => Json::from(small),
        _ => json!({ "int": n.to_string() }),
    }
}

fn tag_json(n: u64) -> Json {
    if n < EXACT {
        Json::from(n)
    } else {
        Json::String(n.to_string())
    }
}

/// An IEEE 754 half-precision value, exactly.
fn half(bits: u16) -> f64 {
    let sign = if bits & 0x8000 == 0 { 1.0 } else { -1.0 };
    let exp = i32::from((bits >> 10) & 0x1f);
    let frac = f64::from(bits & 0x3ff);
    match exp {
        0 => sign * frac * 2f64.powi(-24),
        31 if frac == 0.0 => sign * f64::INFINITY,
        31 => f64::NAN.copysign(sign),
        _ => sign * (1.0 + frac / 1024.0) * 2f64.powi(exp - 15),
    }
}

fn float_json(f: f64) -> Json {
    let text = if f.is_nan() {
        if f.is_sign_negative() { "-NaN" } else { "NaN" }
    } else if f.is_infinite() {
        if f > 0.0 { "Infinity" } else { "-Infinity" }
    } else {
        return json!({ "float": f });
    };
    json!({ "float": text })
}

/// Reads CBOR items that the payload decoder has already accepted.
pub(crate) struct Items<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Items<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        Items { bytes, pos: 0 }
    }

    /// The next `n` bytes.
    pub(crate) fn bytes(&mut self, n: usize) -> Result<&'a [u8], String> {
        let end = self.pos.checked_add(n);
        let out = end.and_then(|end| self.bytes.get(self.pos..end));
        let out = out.ok_or("the payload ends inside an item")?;
        self.pos += n;
        Ok(out)
    }

    /// A head: major type, additional information, argument.
    pub(crate) fn head(&mut self) -> Result<(u8, u8, u64), String> {
        let first = self.bytes(1)?.first().copied().unwrap_or_default();
        let (major, info) = (first >> 5, first & 31);
        let len = match info {
            0..=23 => return Ok((major, info, u64::from(info))),
            24 => 1,
            25 => 2,
            26 => 4,
            27 => 8,
            _ => return Err("an indefinite or reserved head".to_owned()),
        };
        let arg = self
            .bytes(len)?
            .iter()
            .fold(0u64, |n, b| (n << 8) | u64::from(*b));
        Ok((major, info, arg))
    }

    fn len(arg: u64) -> Result<usize, String> {
        usize::try_from(arg).map_err(|_| "a length beyond memory".to_owned())
    }

    /// The next item as JSON.
    pub(crate) fn item(&mut self) -> Result<Json, String> {
        let (major, info, arg) = self.head()?;
        Ok(match major {
            0 => int_json(i128::from(arg)),
            1 => int_json(-1 - i128::from(arg)),
            2 => json!({ "bytes": URL_SAFE_NO_PAD.encode(self.bytes(Self::len(arg)?)?) }),
            3 => Json::String(self.text(arg)?),
            4 => Json::Array((0..arg).map(|_| self.item()).collect::<Result<_, _>>()?),
            5 => {
                let entries = (0..arg)
                    .map(|_| Ok(Json::Array(vec![self.item()?, self.item()?])))
                    .collect::<Result<Vec<_>, String>>()?;
                json!({ "map": entries })
            }
            6 => json!({ "tag": tag_json(arg), "value": self.item()? }),
            _ => match (info, arg) {
                (20, _) => Json::Bool(false),
                (21, _) => Json::Bool(true),
                (22, _) => Json::Null,
                (25, bits) => float_json(half(u16::try_from(bits).map_err(|e| e.to_string())?)),
                (26, bits) => float_json(f64::from(f32::from_bits(
                    u32::try_from(bits).map_err(|e| e.to_string())?,
                ))),
                (27, bits) => float_json(f64::from_bits(bits)),
                _ => return Err("a simple value the payload does not allow".to_owned()),
            },
        })
    }

    /// A text string's content, after its head.
    pub(crate) fn text(&mut self, len: u64) -> Result<String, String> {
        let bytes = self.bytes(Self::len(len)?)?;
        String::from_utf8(bytes.to_vec()).map_err(|_| "text that is not UTF-8".to_owned())
    }

    /// An unsigned integer item.
    pub(crate) fn uint(&mut self) -> Result<u64, String> {
        match self.head()? {
            (0, _, n) => Ok(n),
            _ => Err("a field that is not an unsigned integer".to_owned()),
        }
    }
}

// ---------------------------------------------------------------------------
// JSON -> CBOR.

/// A head in preferred serialization.
pub(crate) fn head(out: &mut Vec<u8>, major: u8, n: u64) {
    let bytes = n.to_be_bytes();
    let (info, len) = match n {
        0..=23 => (bytes[7], 0),
        24..=0xff => (24, 1),
        0x100..=0xffff => (25, 2),
        0x1_0000..=0xffff_ffff => (26, 4),
        _ => (27, 8),
    };
    out.push((major << 5) | info);
    out.extend(bytes.get(8 - len..).unwrap_or_default());
}

fn int_cbor(n: i128, out: &mut Vec<u8>) -> Result<(), String> {
    if let Ok(u) = u64::try_from(n) {
        head(out, 0, u);
    } else if let Ok(u) = u64::try_from(-1 - n) {
        head(out, 1, u);
    } else {
        return Err(format!("the integer {n} is outside CBOR's range"));
    }
    Ok(())
}

fn float_cbor(f: f64, out: &mut Vec<u8>) -> Result<(), String> {
    // ciborium writes the shortest width that holds the value exactly, and
    // a NaN as f9 7e00 (f9 fe00 negative): the encodings the payload allows.
    ciborium::into_writer(&f, out).map_err(|e| e.to_string())
}

fn number(j: &Json, what: &str) -> Result<i128, String> {
    match j {
        Json::Number(n) if n.is_u64() => Ok(i128::from(n.as_u64().unwrap_or_default())),
        Json::Number(n) if n.is_i64() => Ok(i128::from(n.as_i64().unwrap_or_default())),
        Json::String(s) => s
            .parse()
            .map_err(|_| format!("{what}: {s:?} is not an integer")),
        other => Err(format!("{what}: {other} is not an integer")),
    }
}

/// Appends the CBOR of an item's JSON form.
pub(crate) fn item_cbor(j: &Json, out: &mut Vec<u8>) -> Result<(), String> {
    match j {
        Json::Null => out.push(0xf6),
        Json::Bool(b) => out.push(if *b { 0xf5 } else { 0xf4 }),
        Json::Number(n) => match (n.as_u64(), n.as_i64(), n.as_f64()) {
            (Some(u), _, _) => head(out, 0, u),
            (_, Some(i), _) => int_cbor(i128::from(i), out)?,
            (_, _, Some(f)) => float_cbor(f, out)?,
            _ => return Err(format!("the number {n} has no CBOR form")),
        },
        Json::String(s) => {
            head(out, 3, s.len() as u64);
            out.extend(s.as_bytes());
        }
        Json::Array(items) => {
            head(out, 4, items.len() as u64);
            for item in items {
                item_cbor(item, out)?;
            }
        }
        Json::Object(o) => wrapper_cbor(o, out)?,
    }
    Ok(())
}

fn wrapper_cbor(o: &Map<String, Json>, out: &mut Vec<u8>) -> Result<(), String> {
    let keys: Vec<&str> = o.keys().map(String::as_str).collect();
    match (keys.as_slice(), o.get("tag"), o.get("value")) {
        (["int"], ..) => int_cbor(number(&o["int"], "int")?, out),
        (["float"], ..) => match &o["float"] {
            Json::Number(n) => float_cbor(n.as_f64().ok_or("a float out of range")?, out),
            Json::String(s) => match s.as_str() {
                "NaN" => float_cbor(f64::NAN, out),
                "-NaN" => float_cbor(-f64::NAN, out),
                "Infinity" => float_cbor(f64::INFINITY, out),
                "-Infinity" => float_cbor(f64::NEG_INFINITY, out),
                other => Err(format!(
                    "float: {other:?} is not NaN, -NaN, Infinity or -Infinity"
                )),
            },
            other => Err(format!("float: {other} is not a number")),
        },
        (["bytes"], ..) => {
            let text = o["bytes"].as_str().ok_or("bytes: not a string")?;
            let bytes = URL_SAFE_NO_PAD
                .decode(text)
                .map_err(|_| format!("bytes: {text:?} is not unpadded base64url"))?;
            head(out, 2, bytes.len() as u64);
            out.extend(bytes);
            Ok(())
        }
        (["map"], ..) => {
            let entries = o["map"].as_array().ok_or("map: not an array")?;
            head(out, 5, entries.len() as u64);
            for entry in entries {
                match entry.as_array().map(Vec::as_slice) {
                    Some([k, v]) => {
                        item_cbor(k, out)?;
                        item_cbor(v, out)?;
                    }
                    _ => return Err("map: an entry that is not [key, value]".to_owned()),
                }
            }
            Ok(())
        }
        (_, Some(tag), Some(value)) if keys.len() == 2 => {
            let n = u64::try_from(number(tag, "tag")?).map_err(|_| "tag: out of range")?;
            head(out, 6, n);
            item_cbor(value, out)
        }
        _ => Err(format!(
            "an object must be {{\"int\"}}, {{\"float\"}}, {{\"bytes\"}}, {{\"map\"}} or {{\"tag\", \"value\"}}, not {keys:?}"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Any integer CBOR holds.
    fn int() -> impl Strategy<Value = i128> {
        let min = -(1i128 << 64);
        let max = (1i128 << 64) - 1;
        prop_oneof![min..=max, -300i128..300, Just(min), Just(max)]
    }

    /// Any float, NaNs only in the two forms the payload allows.
    fn float() -> impl Strategy<Value = f64> {
        prop_oneof![
            any::<u64>().prop_map(f64::from_bits),
            any::<u32>().prop_map(|b| f64::from(f32::from_bits(b))),
            any::<u16>().prop_map(half),
            Just(-0.0),
        ]
        .prop_map(|f| if f.is_nan() { f64::NAN.copysign(f) } else { f })
    }

    /// Items in the JSON form `inspect` prints.
    fn item() -> impl Strategy<Value = Json> {
        let leaf = prop_oneof![
            int().prop_map(int_json),
            float().prop_map(float_json),
            proptest::collection::vec(any::<u8>(), 0..20)
                .prop_map(|b| json!({ "bytes": URL_SAFE_NO_PAD.encode(b) })),
            ".{0,12}".prop_map(Json::String),
            any::<bool>().prop_map(Json::Bool),
            Just(Json::Null),
        ];
        leaf.prop_recursive(6, 48, 4, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4).prop_map(Json::Array),
                proptest::collection::vec((inner.clone(), inner.clone()), 0..4).prop_map(
                    |entries| {
                        // Keys unique by their encoding, as a payload requires.
                        let mut seen = Vec::new();
                        let entries: Vec<Json> = entries
                            .into_iter()
                            .filter(|(k, _)| {
                                let mut b = Vec::new();
                                item_cbor(k, &mut b).unwrap();
                                let fresh = !seen.contains(&b);
                                seen.push(b);
                                fresh
                            })
                            .map(|(k, v)| json!([k, v]))
                            .collect();
                        json!({ "map": entries })
                    }
                ),
                (any::<u64>(), inner).prop_map(|(n, v)| json!({ "tag": tag_json(n), "value": v })),
            ]
        })
    }

    /// A payload holding `value` under the data key "v".
    fn payload_with(value: &[u8]) -> Vec<u8> {
        let mut p = vec![0xa4, 0x01, 0x00, 0x02, 0x00, 0x04, 0x50];
        p.extend([7u8; 16]);
        p.extend([0x05, 0xa1, 0x61, b'v']);
        p.extend(value);
        p
    }

    proptest! {
        #[test]
        fn json_and_cbor_round_trip_exactly(j in item()) {
            let mut cbor = Vec::new();
            item_cbor(&j, &mut cbor).unwrap();
            let mut items = Items::new(&cbor);
            let back = items.item().unwrap();
            prop_assert_eq!(&back, &j);
            prop_assert_eq!(items.pos, cbor.len());
            let mut again = Vec::new();
            item_cbor(&back, &mut again).unwrap();
            prop_assert_eq!(&again, &cbor);
            // What seal writes is what a store opens (preferred heads, the
            // shortest exact float, the allowed NaNs).
            prop_assert!(sealed_session::__private::decode_payload(&payload_with(&cbor)));
        }
    }

    #[test]
    fn the_documented_forms() {
        let cases = [
            (json!(1), "01"),
            (json!(-1), "20"),
            (json!({"int": "18446744073709551615"}), "1bffffffffffffffff"),
            (
                json!({"int": "-18446744073709551616"}),
                "3bffffffffffffffff",
            ),
            (json!({"float": 1.5}), "f93e00"),
            (json!({"float": "NaN"}), "f97e00"),
            (json!({"float": "-NaN"}), "f9fe00"),
            (json!({"float": "-Infinity"}), "f9fc00"),
            (json!({"bytes": "AQ"}), "4101"),
            (json!({"tag": 2, "value": {"bytes": "AQ"}}), "c24101"),
            (json!({"map": [["1", 1], [1, 1]]}), "a26131010101"),
        ];
        for (j, hex_text) in cases {
            let mut cbor = Vec::new();
            item_cbor(&j, &mut cbor).unwrap();
            let got: String = cbor.iter().map(|b| format!("{b:02x}")).collect();
            assert_eq!(got, hex_text, "{j}");
            assert_eq!(Items::new(&cbor).item().unwrap(), j);
        }
    }
}
