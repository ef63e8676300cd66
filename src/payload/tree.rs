//! The full decoder kept for tests and fuzzing only: the strict reader
//! that builds a `ciborium::Value` tree, which the library used before it
//! opened payloads lazily. The lazy pass must accept exactly what this
//! accepts, and read back the same values (`payload` fuzz target, tests);
//! the test vectors are generated from this form.
//!
//! Decoding is a strict reader over `ciborium-ll` heads: it rejects what
//! serde would tolerate (duplicate keys, unknown fields, indefinite
//! lengths, non-preferred encodings, trailing bytes) and stops at the
//! nesting depth limit (SECURITY.md, "Payload").
#![allow(dead_code)]

use std::collections::BTreeMap;

use ciborium::Value;
use ciborium::value::Integer;
use ciborium_ll::{Decoder, Encoder, Header, simple};
use serde::ser::{SerializeMap, Serializer};

use super::{
    K_DATA, K_EXPIRES_AT, K_FLASHES, K_ID, K_IDLE_DEADLINE, K_ISSUED_AT, K_MAX_AGE, MAX_DEPTH,
    Malformed,
};

/// Everything sealed in a session cookie.
#[derive(Clone, Debug, PartialEq, Default)]
pub(crate) struct TreePayload {
    /// Seconds since the Unix epoch when the session was first issued.
    pub(crate) issued_at: u64,
    /// Absolute expiry, seconds since the Unix epoch.
    pub(crate) expires_at: u64,
    /// Idle deadline, seconds since the Unix epoch, if an idle timeout is set.
    pub(crate) idle_deadline: Option<u64>,
    /// The random 128-bit session id.
    pub(crate) id: [u8; 16],
    /// A per-session max-age override in seconds ("remember me").
    pub(crate) max_age: Option<u64>,
    /// The user's map.
    pub(crate) data: BTreeMap<String, Value>,
    /// Flash messages by bucket.
    pub(crate) flashes: BTreeMap<String, Vec<Value>>,
}

struct Bytes<'a>(&'a [u8]);

impl serde::Serialize for Bytes<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(self.0)
    }
}

impl serde::Serialize for TreePayload {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let len = 4
            + usize::from(self.idle_deadline.is_some())
            + usize::from(!self.flashes.is_empty())
            + usize::from(self.max_age.is_some());
        let mut map = s.serialize_map(Some(len))?;
        map.serialize_entry(&K_ISSUED_AT, &self.issued_at)?;
        map.serialize_entry(&K_EXPIRES_AT, &self.expires_at)?;
        if let Some(idle) = self.idle_deadline {
            map.serialize_entry(&K_IDLE_DEADLINE, &idle)?;
        }
        map.serialize_entry(&K_ID, &Bytes(&self.id))?;
        map.serialize_entry(&K_DATA, &self.data)?;
        if !self.flashes.is_empty() {
            map.serialize_entry(&K_FLASHES, &self.flashes)?;
        }
        if let Some(max_age) = self.max_age {
            map.serialize_entry(&K_MAX_AGE, &max_age)?;
        }
        map.end()
    }
}

impl TreePayload {
    /// Encodes to CBOR.
    pub(crate) fn encode(&self) -> Result<Vec<u8>, ()> {
        let mut out = Vec::with_capacity(128);
        self.encode_into(&mut out)?;
        Ok(out)
    }

    /// Appends the CBOR encoding to `out` (sealing writes it straight into
    /// the envelope's buffer): the bytes of the serde `Serialize` impl above
    /// through `ciborium` (a test pins the two equal), written directly,
    /// since serde's dispatch cost as much as the AEAD for a small session.
    /// Values `ciborium` encodes its own way (floats in their shortest
    /// lossless width, tags, integers beyond 64 bits) still go through it.
    pub(crate) fn encode_into(&self, out: &mut Vec<u8>) -> Result<(), ()> {
        let fields = 4
            + usize::from(self.idle_deadline.is_some())
            + usize::from(!self.flashes.is_empty())
            + usize::from(self.max_age.is_some());
        head(out, Header::Map(Some(fields)))?;
        head(out, Header::Positive(K_ISSUED_AT))?;
        head(out, Header::Positive(self.issued_at))?;
        head(out, Header::Positive(K_EXPIRES_AT))?;
        head(out, Header::Positive(self.expires_at))?;
        if let Some(idle) = self.idle_deadline {
            head(out, Header::Positive(K_IDLE_DEADLINE))?;
            head(out, Header::Positive(idle))?;
        }
        head(out, Header::Positive(K_ID))?;
        head(out, Header::Bytes(Some(self.id.len())))?;
        out.extend_from_slice(&self.id);
        head(out, Header::Positive(K_DATA))?;
        head(out, Header::Map(Some(self.data.len())))?;
        for (key, value) in &self.data {
            text(out, key)?;
            encode_value(out, value)?;
        }
        if !self.flashes.is_empty() {
            head(out, Header::Positive(K_FLASHES))?;
            head(out, Header::Map(Some(self.flashes.len())))?;
            for (bucket, values) in &self.flashes {
                text(out, bucket)?;
                head(out, Header::Array(Some(values.len())))?;
                for value in values {
                    encode_value(out, value)?;
                }
            }
        }
        if let Some(max_age) = self.max_age {
            head(out, Header::Positive(K_MAX_AGE))?;
            head(out, Header::Positive(max_age))?;
        }
        Ok(())
    }

    /// Decodes strictly; any deviation from the schema is an error.
    pub(crate) fn decode(input: &[u8]) -> Result<TreePayload, Malformed> {
        let mut r = Reader { input, pos: 0 };
        let fields = match r.header()? {
            Header::Map(Some(n)) if n <= 7 => n,
            _ => return Err(Malformed),
        };
        let mut p = TreePayload::default();
        let mut last_key = 0;
        let mut seen = 0u8;
        for _ in 0..fields {
            let key = match r.header()? {
                // Strictly ascending: rejects duplicates and reordering.
                Header::Positive(k) if k > last_key && k <= K_MAX_AGE => k,
                _ => return Err(Malformed),
            };
            last_key = key;
            seen |= 1 << key;
            match key {
                K_ISSUED_AT => p.issued_at = r.uint()?,
                K_EXPIRES_AT => p.expires_at = r.uint()?,
                K_IDLE_DEADLINE => p.idle_deadline = Some(r.uint()?),
                K_ID => match r.header()? {
                    Header::Bytes(Some(16)) => r.read_exact(&mut p.id)?,
                    _ => return Err(Malformed),
                },
                K_DATA => p.data = r.text_map(|r| r.value(1))?,
                K_FLASHES => {
                    p.flashes = r.text_map(|r| match r.header()? {
                        Header::Array(Some(n)) if n > 0 => r.array_items(n, 1),
                        _ => Err(Malformed),
                    })?;
                }
                _ => p.max_age = Some(r.uint()?),
            }
        }
        let required = (1 << K_ISSUED_AT) | (1 << K_EXPIRES_AT) | (1 << K_ID) | (1 << K_DATA);
        // One encoding per payload: the encoder omits an empty flash map, and
        // never writes an expiry before the issue time.
        let empty_flashes = seen & (1 << K_FLASHES) != 0 && p.flashes.is_empty();
        if seen & required != required
            || r.remaining() != 0
            || empty_flashes
            || p.expires_at < p.issued_at
        {
            return Err(Malformed);
        }
        Ok(p)
    }
}

/// Writes one head through `ciborium-ll`, which always uses the preferred
/// (shortest) form.
fn head(out: &mut Vec<u8>, header: Header) -> Result<(), ()> {
    let (buf, len) = encode_head(header).ok_or(())?;
    out.extend_from_slice(buf.get(..len).ok_or(())?);
    Ok(())
}

/// `header` as `ciborium-ll` encodes it, into a stack buffer (a head is at
/// most 9 bytes): the bytes and their length.
fn encode_head(header: Header) -> Option<([u8; 9], usize)> {
    let mut buf = [0u8; 9];
    let mut w: &mut [u8] = &mut buf;
    Encoder::from(&mut w).push(header).ok()?;
    let len = 9 - w.len();
    Some((buf, len))
}

/// The length of the preferred (shortest) head for argument `n` (RFC 8949
/// §4.2.1), which is what `ciborium-ll` writes.
fn preferred_head_len(n: u64) -> usize {
    match n {
        0..24 => 1,
        24..=0xff => 2,
        0x100..=0xffff => 3,
        0x1_0000..=0xffff_ffff => 5,
        _ => 9,
    }
}

fn text(out: &mut Vec<u8>, s: &str) -> Result<(), ()> {
    head(out, Header::Text(Some(s.len())))?;
    out.extend_from_slice(s.as_bytes());
    Ok(())
}

/// One value, as `ciborium`'s `Serialize` for `Value` encodes it.
fn encode_value(out: &mut Vec<u8>, value: &Value) -> Result<(), ()> {
    match value {
        Value::Text(s) => text(out, s)?,
        Value::Bytes(b) => {
            head(out, Header::Bytes(Some(b.len())))?;
            out.extend_from_slice(b);
        }
        Value::Bool(false) => head(out, Header::Simple(simple::FALSE))?,
        Value::Bool(true) => head(out, Header::Simple(simple::TRUE))?,
        Value::Null => head(out, Header::Simple(simple::NULL))?,
        Value::Integer(i) => match (u64::try_from(*i), i64::try_from(*i)) {
            (Ok(n), _) => head(out, Header::Positive(n))?,
            // -1 - n, i.e. !n, for a negative n.
            (_, Ok(n)) => head(out, Header::Negative(u64::try_from(!n).map_err(|_| ())?))?,
            _ => ciborium::into_writer(value, &mut *out).map_err(|_| ())?,
        },
        Value::Array(items) => {
            head(out, Header::Array(Some(items.len())))?;
            for item in items {
                encode_value(out, item)?;
            }
        }
        Value::Map(entries) => {
            head(out, Header::Map(Some(entries.len())))?;
            for (k, v) in entries {
                encode_value(out, k)?;
                encode_value(out, v)?;
            }
        }
        // Floats, tags, integers beyond 64 bits: ciborium's own encoding.
        other => ciborium::into_writer(other, &mut *out).map_err(|_| ())?,
    }
    Ok(())
}

/// A cursor over the input; heads are decoded by `ciborium-ll`.
struct Reader<'a> {
    input: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn remaining(&self) -> usize {
        self.input.len().saturating_sub(self.pos)
    }

    /// The next `len` input bytes, consumed.
    fn take(&mut self, len: usize) -> Result<&'a [u8], Malformed> {
        let end = self.pos.checked_add(len).ok_or(Malformed)?;
        let bytes = self.input.get(self.pos..end).ok_or(Malformed)?;
        self.pos = end;
        Ok(bytes)
    }

    /// The next head. It must be byte for byte what `ciborium-ll` encodes
    /// for the value it decodes to: the preferred (shortest) form, so equal
    /// values have equal bytes (a NaN has many encodings of one width, so
    /// the bytes are compared, not only the length). Indefinite lengths,
    /// breaks and reserved additional information are rejected.
    fn header(&mut self) -> Result<Header, Malformed> {
        let rest = self.input.get(self.pos..).ok_or(Malformed)?;
        let mut dec = Decoder::from(rest);
        let header = dec.pull().map_err(|_| Malformed)?;
        if matches!(
            header,
            Header::Break
                | Header::Bytes(None)
                | Header::Text(None)
                | Header::Array(None)
                | Header::Map(None)
        ) {
            return Err(Malformed);
        }
        let used = dec.offset();
        let canonical = match header {
            Header::Positive(n) | Header::Negative(n) | Header::Tag(n) => {
                used == preferred_head_len(n)
            }
            Header::Bytes(Some(len))
            | Header::Text(Some(len))
            | Header::Array(Some(len))
            | Header::Map(Some(len)) => {
                used == preferred_head_len(u64::try_from(len).map_err(|_| Malformed)?)
            }
            Header::Float(f) if f.is_nan() => super::validate::is_plain_nan(rest.get(..used)),
            // Floats and simple values: compare the exact bytes.
            _ => encode_head(header)
                .is_some_and(|(buf, len)| len == used && rest.get(..used) == buf.get(..len)),
        };
        if !canonical {
            return Err(Malformed);
        }
        self.pos += used;
        Ok(header)
    }

    fn read_exact(&mut self, out: &mut [u8]) -> Result<(), Malformed> {
        out.copy_from_slice(self.take(out.len())?);
        Ok(())
    }

    fn uint(&mut self) -> Result<u64, Malformed> {
        match self.header()? {
            Header::Positive(n) => Ok(n),
            _ => Err(Malformed),
        }
    }

    /// Reads `len` bytes, after checking they are there: a declared length
    /// never causes an allocation larger than the input.
    fn bytes(&mut self, len: usize) -> Result<Vec<u8>, Malformed> {
        Ok(self.take(len)?.to_vec())
    }

    fn text(&mut self, len: usize) -> Result<String, Malformed> {
        let bytes = self.take(len)?;
        Ok(std::str::from_utf8(bytes)
            .map_err(|_| Malformed)?
            .to_owned())
    }

    /// A map with text keys in strictly ascending order (so no duplicates).
    fn text_map<T>(
        &mut self,
        mut item: impl FnMut(&mut Self) -> Result<T, Malformed>,
    ) -> Result<BTreeMap<String, T>, Malformed> {
        let n = match self.header()? {
            Header::Map(Some(n)) => n,
            _ => return Err(Malformed),
        };
        let mut map = BTreeMap::new();
        for _ in 0..n {
            let key = match self.header()? {
                Header::Text(Some(len)) => self.text(len)?,
                _ => return Err(Malformed),
            };
            // Strictly after the map's greatest key so far (no duplicates).
            if map.last_key_value().is_some_and(|(last, _)| *last >= key) {
                return Err(Malformed);
            }
            let value = item(self)?;
            map.insert(key, value);
        }
        Ok(map)
    }

    /// `n` values; no capacity is reserved from `n` (it is attacker-chosen).
    fn array_items(&mut self, n: usize, depth: usize) -> Result<Vec<Value>, Malformed> {
        if n > self.remaining() {
            return Err(Malformed);
        }
        let mut items = Vec::new();
        for _ in 0..n {
            items.push(self.value(depth)?);
        }
        Ok(items)
    }

    /// Any value, at nesting `depth`.
    fn value(&mut self, depth: usize) -> Result<Value, Malformed> {
        if depth > MAX_DEPTH {
            return Err(Malformed);
        }
        Ok(match self.header()? {
            Header::Positive(n) => Value::Integer(Integer::from(n)),
            Header::Negative(n) => {
                Value::Integer(Integer::try_from(-1 - i128::from(n)).map_err(|_| Malformed)?)
            }
            Header::Float(f) => Value::Float(f),
            Header::Simple(ciborium_ll::simple::FALSE) => Value::Bool(false),
            Header::Simple(ciborium_ll::simple::TRUE) => Value::Bool(true),
            Header::Simple(ciborium_ll::simple::NULL) => Value::Null,
            Header::Bytes(Some(len)) => Value::Bytes(self.bytes(len)?),
            Header::Text(Some(len)) => Value::Text(self.text(len)?),
            Header::Array(Some(n)) => Value::Array(self.array_items(n, depth + 1)?),
            Header::Map(Some(n)) => {
                // Each entry takes at least two bytes.
                if n > self.remaining() / 2 {
                    return Err(Malformed);
                }
                let mut entries = Vec::new();
                let mut key_spans = Vec::new();
                for _ in 0..n {
                    let start = self.pos;
                    let key = self.value(depth + 1)?;
                    key_spans.push((start, self.pos));
                    entries.push((key, self.value(depth + 1)?));
                }
                self.reject_duplicate_keys(&mut key_spans)?;
                Value::Map(entries)
            }
            Header::Tag(tag) => Value::Tag(tag, Box::new(self.value(depth + 1)?)),
            // Indefinite lengths, breaks, `undefined` and other simple values.
            _ => return Err(Malformed),
        })
    }

    /// Preferred encoding is enforced, so equal keys have equal bytes.
    fn reject_duplicate_keys(&self, spans: &mut [(usize, usize)]) -> Result<(), Malformed> {
        // The decoder has consumed these bytes; compare them in the input.
        let input = self.input;
        let key = |&(s, e): &(usize, usize)| input.get(s..e);
        spans.sort_unstable_by(|a, b| key(a).cmp(&key(b)));
        if spans.windows(2).any(|w| match w {
            [a, b] => key(a) == key(b),
            _ => false,
        }) {
            return Err(Malformed);
        }
        Ok(())
    }
}

impl TreePayload {
    /// The same payload, opened lazily.
    pub(crate) fn lazy(&self) -> super::Payload {
        self.encode()
            .ok()
            .and_then(|bytes| super::Payload::decode(&bytes).ok())
            .unwrap_or_default()
    }

    /// The tree of a lazily opened payload.
    pub(crate) fn of(payload: &super::Payload) -> Result<TreePayload, Malformed> {
        TreePayload::decode(&payload.encode())
    }
}
