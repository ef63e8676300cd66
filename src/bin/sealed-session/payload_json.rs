//! A whole payload as JSON and back (the shape is described in
//! `cbor_json`): what `inspect` prints, what `seal` reads.

use serde_json::{Map, Value as Json};

use crate::cbor_json::{Items, head, item_cbor};

/// The payload's fields as JSON: `id`, `issued_at_unix`, `expires_at_unix`,
/// `idle_deadline_unix`, `max_age`, `data`, `flashes`.
pub(crate) fn payload_to_json(bytes: &[u8]) -> Result<Map<String, Json>, String> {
    let mut r = Items::new(bytes);
    let (major, _, fields) = r.head()?;
    if major != 5 {
        return Err("the payload is not a map".to_owned());
    }
    let mut out = Map::new();
    out.insert("id".to_owned(), Json::Null);
    out.insert("issued_at_unix".to_owned(), Json::Null);
    out.insert("expires_at_unix".to_owned(), Json::Null);
    out.insert("idle_deadline_unix".to_owned(), Json::Null);
    out.insert("max_age".to_owned(), Json::Null);
    out.insert("data".to_owned(), Json::Object(Map::new()));
    out.insert("flashes".to_owned(), Json::Object(Map::new()));
    for _ in 0..fields {
        let key = r.uint()?;
        let (name, value) = match key {
            1 => ("issued_at_unix", Json::from(r.uint()?)),
            2 => ("expires_at_unix", Json::from(r.uint()?)),
            3 => ("idle_deadline_unix", Json::from(r.uint()?)),
            4 => match r.head()? {
                (2, _, 16) => {
                    let id = r.bytes(16)?;
                    (
                        "id",
                        Json::String(id.iter().map(|b| format!("{b:02x}")).collect()),
                    )
                }
                _ => return Err("an id that is not 16 bytes".to_owned()),
            },
            5 => ("data", Json::Object(text_map(&mut r, |r| r.item())?)),
            6 => (
                "flashes",
                Json::Object(text_map(&mut r, |r| match r.head()? {
                    (4, _, n) => (0..n)
                        .map(|_| r.item())
                        .collect::<Result<Vec<_>, _>>()
                        .map(Json::Array),
                    _ => Err("a flash bucket that is not an array".to_owned()),
                })?),
            ),
            7 => ("max_age", Json::from(r.uint()?)),
            other => return Err(format!("an unknown payload key {other}")),
        };
        out.insert(name.to_owned(), value);
    }
    Ok(out)
}

/// A map with text keys, each value read by `value`.
fn text_map(
    r: &mut Items<'_>,
    mut value: impl FnMut(&mut Items<'_>) -> Result<Json, String>,
) -> Result<Map<String, Json>, String> {
    let (major, _, n) = r.head()?;
    if major != 5 {
        return Err("data or flashes that is not a map".to_owned());
    }
    let mut out = Map::new();
    for _ in 0..n {
        let key = match r.head()? {
            (3, _, len) => r.text(len)?,
            _ => return Err("a key that is not text".to_owned()),
        };
        let v = value(r)?;
        out.insert(key, v);
    }
    Ok(out)
}

/// What `seal` fills in when the description leaves it out.
pub(crate) struct Defaults {
    /// `issued_at` (Unix seconds).
    pub(crate) at: u64,
    /// The store's max-age in seconds, for `expires_at`.
    pub(crate) max_age: u64,
    /// A fresh random id.
    pub(crate) id: [u8; 16],
}

/// Fields of `inspect`'s output that are not payload fields: read and
/// ignored, so its output can be fed back as it is.
const REPORT_ONLY: [&str; 7] = [
    "status",
    "key_id",
    "primary_key",
    "cookies",
    "issued_at",
    "expires_at",
    "idle_deadline",
];

fn opt_u64(desc: &Map<String, Json>, field: &str) -> Result<Option<u64>, String> {
    match desc.get(field) {
        None | Some(Json::Null) => Ok(None),
        Some(v) => v
            .as_u64()
            .map(Some)
            .ok_or_else(|| format!("{field}: not an unsigned integer")),
    }
}

/// The payload bytes a description stands for (SECURITY.md "Payload": keys
/// 1 to 7 ascending, data keys and bucket names by their UTF-8 bytes).
pub(crate) fn payload_from_json(desc: &Map<String, Json>, d: &Defaults) -> Result<Vec<u8>, String> {
    for key in desc.keys() {
        let known = [
            "id",
            "issued_at_unix",
            "expires_at_unix",
            "idle_deadline_unix",
            "max_age",
            "data",
            "flashes",
        ];
        if !known.contains(&key.as_str()) && !REPORT_ONLY.contains(&key.as_str()) {
            return Err(format!("unknown field {key:?}"));
        }
    }
    let id: [u8; 16] = match desc.get("id") {
        None | Some(Json::Null) => d.id,
        Some(Json::String(h)) if h.len() == 32 && h.bytes().all(|b| b.is_ascii_hexdigit()) => {
            let mut id = [0u8; 16];
            for (i, slot) in id.iter_mut().enumerate() {
                *slot = u8::from_str_radix(&h[2 * i..2 * i + 2], 16).map_err(|e| e.to_string())?;
            }
            id
        }
        Some(other) => return Err(format!("id: {other} is not 32 hex digits")),
    };
    let max_age = opt_u64(desc, "max_age")?;
    let issued = opt_u64(desc, "issued_at_unix")?.unwrap_or(d.at);
    let expires = match opt_u64(desc, "expires_at_unix")? {
        Some(e) => e,
        None => issued
            .checked_add(max_age.unwrap_or(d.max_age))
            .ok_or("expires_at would overflow")?,
    };
    let idle = opt_u64(desc, "idle_deadline_unix")?;
    let empty = Map::new();
    let object = |field: &str| match desc.get(field) {
        None | Some(Json::Null) => Ok(&empty),
        Some(Json::Object(o)) => Ok(o),
        Some(_) => Err(format!("{field}: not an object")),
    };
    let (data, flashes) = (object("data")?, object("flashes")?);
    let mut fields: Vec<(u64, Vec<u8>)> = Vec::new();
    let uint = |n: u64| {
        let mut b = Vec::new();
        head(&mut b, 0, n);
        b
    };
    fields.push((1, uint(issued)));
    fields.push((2, uint(expires)));
    if let Some(idle) = idle {
        fields.push((3, uint(idle)));
    }
    let mut id_bytes = Vec::new();
    head(&mut id_bytes, 2, 16);
    id_bytes.extend(id);
    fields.push((4, id_bytes));
    fields.push((5, text_map_cbor(data, item_cbor)?));
    if !flashes.is_empty() {
        let bucket = |v: &Json, out: &mut Vec<u8>| match v {
            Json::Array(items) if !items.is_empty() => item_cbor(v, out),
            _ => Err("a flash bucket must be a non-empty array".to_owned()),
        };
        fields.push((6, text_map_cbor(flashes, bucket)?));
    }
    if let Some(m) = max_age {
        fields.push((7, uint(m)));
    }
    let mut out = Vec::new();
    head(&mut out, 5, fields.len() as u64);
    for (k, v) in fields {
        head(&mut out, 0, k);
        out.extend(v);
    }
    Ok(out)
}

/// A map of text keys in ascending order of their UTF-8 bytes.
fn text_map_cbor(
    map: &Map<String, Json>,
    value: impl Fn(&Json, &mut Vec<u8>) -> Result<(), String>,
) -> Result<Vec<u8>, String> {
    let mut entries: Vec<(&String, &Json)> = map.iter().collect();
    entries.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    let mut out = Vec::new();
    head(&mut out, 5, entries.len() as u64);
    for (k, v) in entries {
        head(&mut out, 3, k.len() as u64);
        out.extend(k.as_bytes());
        value(v, &mut out).map_err(|e| format!("{k:?}: {e}"))?;
    }
    Ok(out)
}
