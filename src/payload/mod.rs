//! The payload: session state <-> CBOR bytes (SECURITY.md, "Payload").
//!
//! Opening builds no value tree. The decrypted bytes stay in one zeroized
//! buffer; one strict pass ([`validate`]) checks everything the format
//! requires and records where each data key and value and each flash bucket
//! sits, into an index allocated once from the map's declared size (checked
//! against the bytes left first). A value is deserialized from its bytes
//! only when the application asks for it ([`Payload::get`], then [`read`]),
//! in place by a serde deserializer that trusts the strict pass ([`de`]):
//! text and byte strings are borrowed from the buffer, not copied through a
//! scratch buffer, and every type reads as `ciborium`'s deserializer reads
//! it (a differential test and a fuzz target hold the two equal); an inserted
//! value is encoded once and kept as its bytes ([`raw`]); saving writes
//! every value's bytes as they are ([`encode`]). The bytes are exactly those
//! of the schema's serde encoding through `ciborium`, so the wire format is
//! unchanged (the test vectors pin it).

mod de;
mod encode;
mod raw;
#[cfg(any(test, fuzzing))]
pub(crate) mod tree;
mod validate;

use zeroize::{Zeroize, Zeroizing};

use crate::wipe::WipedBytes;

#[cfg(any(test, fuzzing, feature = "unstable-internals"))]
pub(crate) use validate::MAX_DEPTH;

/// Top-level map keys (SECURITY.md, "Payload").
const K_ISSUED_AT: u64 = 1;
const K_EXPIRES_AT: u64 = 2;
const K_IDLE_DEADLINE: u64 = 3;
const K_ID: u64 = 4;
const K_DATA: u64 = 5;
const K_FLASHES: u64 = 6;
const K_MAX_AGE: u64 = 7;

/// The payload is not valid. Carries no detail by design.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Malformed;

/// Where the bytes of a key, a value or a bucket's flashes are: a range of
/// the opened buffer, or bytes of their own (stored since the session was
/// opened). Owned bytes are wiped on drop, like the buffer.
#[derive(Clone)]
pub(crate) enum Src {
    Span { start: usize, end: usize },
    Owned(Box<[u8]>),
}

impl Drop for Src {
    fn drop(&mut self) {
        if let Src::Owned(bytes) = self {
            bytes.zeroize();
        }
    }
}

/// A data entry: a text key and its value's CBOR bytes.
#[derive(Clone)]
pub(crate) struct Entry {
    /// The key's first 8 bytes, big-endian, zero-padded ([`key_prefix`]):
    /// most steps of a lookup compare these alone, without reaching into
    /// the buffer.
    prefix: u64,
    key: Src,
    value: Src,
}

/// The first 8 bytes of `key` as a big-endian number, zeros past its end.
/// Two keys whose prefixes differ are ordered as their prefixes are (a
/// shorter key's padding is at most the other's byte there); equal
/// prefixes leave the order to the whole bytes.
fn key_prefix(key: &[u8]) -> u64 {
    if let Some(first) = key.first_chunk::<8>() {
        return u64::from_be_bytes(*first);
    }
    let mut bytes = [0u8; 8];
    for (b, k) in bytes.iter_mut().zip(key) {
        *b = *k;
    }
    u64::from_be_bytes(bytes)
}

/// A flash bucket: its name and its `count` values' CBOR bytes, one after
/// the other (the array's items without the array head).
#[derive(Clone)]
pub(crate) struct Bucket {
    name: Src,
    items: Src,
    count: usize,
}

/// The lifetimes sealed with a session, passed to the encoder on their own
/// so saving can seal new ones before committing them to the session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Lifetimes {
    pub(crate) issued_at: u64,
    pub(crate) expires_at: u64,
    pub(crate) idle_deadline: Option<u64>,
}

/// Everything sealed in a session cookie.
#[derive(Clone, Default)]
pub(crate) struct Payload {
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
    /// The opened plaintext the spans below point into (empty when fresh).
    buf: WipedBytes,
    /// The user's map, sorted by key bytes (the encoding's order).
    data: Vec<Entry>,
    /// Where the next lookup in `data` looks first.
    hint: raw::Hint,
    /// Flash buckets, sorted by name bytes.
    flashes: Vec<Bucket>,
}

impl Payload {
    /// Validates `plaintext` strictly and indexes it, keeping it as the
    /// session's buffer (no copy).
    pub(crate) fn open(plaintext: Zeroizing<Vec<u8>>) -> Result<Payload, Malformed> {
        let index = validate::index(&plaintext, true)?;
        Ok(Payload {
            issued_at: index.issued_at,
            expires_at: index.expires_at,
            idle_deadline: index.idle_deadline,
            id: index.id,
            max_age: index.max_age,
            buf: WipedBytes::take(plaintext),
            data: index.data,
            hint: raw::Hint::default(),
            flashes: index.flashes,
        })
    }

    /// An empty payload.
    pub(crate) fn fresh(issued_at: u64, expires_at: u64, id: [u8; 16]) -> Payload {
        Payload {
            issued_at,
            expires_at,
            id,
            ..Payload::default()
        }
    }

    /// [`Payload::open`] on a copy of `bytes`.
    #[cfg(any(test, fuzzing, feature = "unstable-internals"))]
    pub(crate) fn decode(bytes: &[u8]) -> Result<Payload, Malformed> {
        Payload::open(Zeroizing::new(bytes.to_vec()))
    }

    /// Whether `bytes` is a valid payload: the same pass as
    /// [`Payload::open`], without building the index.
    #[cfg(any(test, fuzzing, feature = "unstable-internals"))]
    pub(crate) fn is_valid(bytes: &[u8]) -> bool {
        validate::index(bytes, false).is_ok()
    }

    /// Whether `bytes` is a valid payload, by exactly the work of
    /// [`Payload::open`] (the index built, then dropped) but in place.
    #[cfg(any(test, fuzzing, feature = "unstable-internals"))]
    pub(crate) fn opens(bytes: &[u8]) -> bool {
        validate::index(bytes, true).is_ok()
    }

    /// The lifetimes as they are now.
    pub(crate) fn lifetimes(&self) -> Lifetimes {
        Lifetimes {
            issued_at: self.issued_at,
            expires_at: self.expires_at,
            idle_deadline: self.idle_deadline,
        }
    }

    /// Commits lifetimes (after they were sealed).
    pub(crate) fn set_lifetimes(&mut self, lifetimes: Lifetimes) {
        self.issued_at = lifetimes.issued_at;
        self.expires_at = lifetimes.expires_at;
        self.idle_deadline = lifetimes.idle_deadline;
    }
}

/// Equal when the sealed state is: the same fields, keys, values' bytes and
/// flashes, wherever the bytes are held.
impl PartialEq for Payload {
    fn eq(&self, other: &Payload) -> bool {
        self.lifetimes() == other.lifetimes()
            && self.id == other.id
            && self.max_age == other.max_age
            && self.data.len() == other.data.len()
            && self.flashes.len() == other.flashes.len()
            && self.data.iter().zip(&other.data).all(|(a, b)| {
                self.bytes(&a.key) == other.bytes(&b.key)
                    && self.bytes(&a.value) == other.bytes(&b.value)
            })
            && self.flashes.iter().zip(&other.flashes).all(|(a, b)| {
                a.count == b.count
                    && self.bytes(&a.name) == other.bytes(&b.name)
                    && self.bytes(&a.items) == other.bytes(&b.items)
            })
    }
}

impl std::fmt::Debug for Payload {
    // Keys only: values may be secrets.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Payload")
            .field("lifetimes", &self.lifetimes())
            .field("keys", &self.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

/// The CBOR kind of the value whose bytes start with `first` (its head),
/// for error messages: the major type, and for major type 7 the value.
pub(crate) fn kind(first: Option<u8>) -> &'static str {
    match first {
        Some(b) => match b >> 5 {
            0 | 1 => "integer",
            2 => "byte string",
            3 => "text",
            4 => "array",
            5 => "map",
            6 => "tagged value",
            _ => match b {
                0xf4 | 0xf5 => "bool",
                0xf6 => "null",
                0xf9..=0xfb => "float",
                _ => "value",
            },
        },
        None => "value",
    }
}

/// Reads a `T` from a value's bytes, which the strict pass accepted: in
/// place, strings borrowed from them ([`de`]).
pub(crate) fn read<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, de::Error> {
    de::from_slice(bytes)
}

/// Checks that `bytes` are exactly one value the strict decoder accepts at
/// the top of the data map or a flash bucket (nesting, repeated map keys,
/// preferred encoding, no indefinite lengths).
pub(crate) fn check_value(bytes: &[u8]) -> Result<(), Malformed> {
    validate::check_value(bytes)
}

/// The deepest nesting of any value in a valid payload, counted as the
/// decoder counts it (a top-level value is at depth 1); 0 with no values.
#[cfg(any(test, fuzzing, feature = "unstable-internals"))]
pub(crate) fn max_depth(payload: &Payload) -> usize {
    let data = payload
        .data
        .iter()
        .map(|e| validate::depth(payload.bytes(&e.value)));
    let flashes = payload.flashes.iter().flat_map(|b| {
        payload
            .flash_items(b)
            .map(validate::depth)
            .collect::<Vec<_>>()
    });
    data.chain(flashes).max().unwrap_or(0)
}

#[cfg(test)]
mod tests;
