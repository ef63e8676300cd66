//! Entry points for the fuzz targets and benchmarks. Not public API: no
//! stability promise, hidden from the docs, and compiled only with the
//! `unstable-internals` cargo feature (off by default: an application never
//! ships a sealer that takes any payload, nor an opener that says why a
//! cookie failed).
//!
//! They reach the strict payload decoder and the envelope directly, seal
//! arbitrary payload bytes under a store's primary key (as if the key had
//! leaked), and load or save at an injected time, so fuzz targets and the
//! adversarial tests in `tests/` need no sleeping and no copy of the crate.

use std::collections::BTreeMap;

use ciborium::Value;

use crate::payload::Payload;
use crate::session::Session;
use crate::store::{CookieStore, SaveError};

/// The deepest nesting the payload decoder accepts (`payload::MAX_DEPTH`).
pub const MAX_DEPTH: usize = crate::payload::MAX_DEPTH;

/// Whether `bytes` is a valid payload for the strict decoder: the pass
/// [`CookieStore::load`] runs, building the index of entries it keeps.
#[must_use]
pub fn decode_payload(bytes: &[u8]) -> bool {
    Payload::opens(bytes)
}

/// Decodes `bytes` strictly and encodes the result again; `None` if the
/// decoder rejects them. A strict decoder of a canonical encoding returns
/// the input unchanged.
#[must_use]
pub fn reencode_payload(bytes: &[u8]) -> Option<Vec<u8>> {
    Some(Payload::decode(bytes).ok()?.encode())
}

/// The deepest nesting of any value in the decoded payload, counted as the
/// decoder counts it (a top-level data value or flash is at depth 1);
/// `Some(0)` for a payload with no values, `None` if the decoder rejects it.
#[must_use]
pub fn payload_depth(bytes: &[u8]) -> Option<usize> {
    let p = Payload::decode(bytes).ok()?;
    Some(crate::payload::max_depth(&p))
}

/// Each value of a valid payload as the lazy path holds it: data values by
/// key, then flash values by bucket, each as its own CBOR bytes (what
/// `Session::get` deserializes from); `None` if the decoder rejects the
/// payload.
#[must_use]
pub fn lazy_values(bytes: &[u8]) -> Option<Vec<(String, Vec<u8>)>> {
    let p = Payload::decode(bytes).ok()?;
    let data = p.entries().map(|(k, v)| (k.to_owned(), v.to_vec()));
    let flashes = p.buckets().flat_map(|(name, bucket)| {
        p.flash_items(bucket)
            .map(move |item| (name.to_owned(), item.to_vec()))
    });
    Some(data.chain(flashes).collect())
}

/// The same values as [`lazy_values`], from the full decoder that builds a
/// value tree (kept for fuzzing and tests only): `None` if it rejects the
/// payload.
#[cfg(fuzzing)]
#[must_use]
pub fn tree_values(bytes: &[u8]) -> Option<Vec<(String, Value)>> {
    let p = crate::payload::tree::TreePayload::decode(bytes).ok()?;
    let data = p.data.into_iter();
    let flashes = p
        .flashes
        .into_iter()
        .flat_map(|(name, items)| items.into_iter().map(move |v| (name.clone(), v)));
    Some(data.chain(flashes).collect())
}

/// Seals arbitrary payload bytes under `store`'s primary key, for a value
/// split into `chunks` cookies: what an attacker holding the key could send.
/// Returns the whole base64url text (split it into chunk cookies yourself).
#[must_use]
pub fn seal_payload(store: &CookieStore, payload: &[u8], chunks: u8) -> Option<String> {
    store.envelope().seal(payload, chunks).ok()
}

/// Seals payload bytes under `store`'s primary key as its save would (the
/// greedy split over `NAME`, `NAME.1`, ... within the budget): the
/// `name=value` cookies in chunk order. With `nonce`, that nonce instead of
/// a random one (the CLI's `seal --nonce`, for reproducible test vectors: a
/// nonce used twice under one key breaks the AEAD's security).
///
/// # Errors
///
/// [`SaveError::TooLarge`] over the budget, [`SaveError::Random`] or
/// [`SaveError::Encode`] when sealing fails (a nonce of the wrong length).
pub fn seal_cookies(
    store: &CookieStore,
    payload: &[u8],
    nonce: Option<&[u8]>,
) -> Result<Vec<String>, SaveError> {
    let envelope = store.envelope();
    let text_len = (envelope.sealed_len(payload.len()) * 4).div_ceil(3);
    let lens = store.split(text_len)?;
    let chunks = u8::try_from(lens.len()).map_err(|_| SaveError::Encode)?;
    let sealed = match nonce {
        Some(nonce) => envelope.seal_with_nonce(payload, chunks, nonce),
        None => envelope.seal(payload, chunks),
    };
    let text = sealed.map_err(|e| match e {
        crate::envelope::SealError::Random => SaveError::Random,
        crate::envelope::SealError::Cipher => SaveError::Encode,
    })?;
    let mut rest = text.as_str();
    let mut cookies = Vec::with_capacity(lens.len());
    for (i, len) in lens.into_iter().enumerate() {
        let (piece, tail) = rest.split_at(len.min(rest.len()));
        rest = tail;
        let name = if i == 0 {
            store.name().to_owned()
        } else {
            format!("{}.{i}", store.name())
        };
        cookies.push(format!("{name}={piece}"));
    }
    Ok(cookies)
}

/// Opens `text` (arrived in `chunks` cookies) with `store`'s envelope only:
/// the authenticated payload bytes, or the internal rejection reason (for
/// tests that must prove *which* check refused an input).
///
/// # Errors
///
/// The reason the envelope rejected the text.
pub fn open_envelope(
    store: &CookieStore,
    text: &str,
    chunks: usize,
) -> Result<Vec<u8>, &'static str> {
    store
        .envelope()
        .open(text, chunks, store.max_text_len())
        .map(|opened| opened.payload.to_vec())
        .map_err(crate::envelope::Reject::as_str)
}

/// [`CookieStore::load`] at `now` (seconds since the Unix epoch).
pub fn load_at<I>(store: &CookieStore, cookie_headers: I, now: u64) -> Session
where
    I: IntoIterator,
    I::Item: AsRef<str>,
{
    store.load_at(cookie_headers, now)
}

/// [`CookieStore::save`] at `now` (seconds since the Unix epoch).
///
/// # Errors
///
/// As [`CookieStore::save`].
pub fn save_at(
    store: &CookieStore,
    session: &mut Session,
    now: u64,
) -> Result<Vec<String>, SaveError> {
    store.save_at(session, now)
}

/// The session's whole sealed state (times, id, data, flashes, max-age) as
/// payload bytes, to compare two sessions for identity.
#[must_use]
pub fn session_state(session: &Session) -> Vec<u8> {
    session.payload.encode()
}

// ---------------------------------------------------------------------------
// Benchmark entry points (issue 6; used by `benches/`). Each one is the exact
// code path the public API runs, cut at the point the peers are cut at, so a
// comparison measures like with like.
// ---------------------------------------------------------------------------

/// Benchmarks' "seal": the session's payload encoded (CBOR) and sealed under
/// the primary key into the cookie value text, split over as many chunks as
/// the store's budget needs — what [`CookieStore::save`] does before writing
/// `Set-Cookie` lines. Returns the text and its chunk lengths.
///
/// # Errors
///
/// As [`CookieStore::save`] (e.g. too large for the budget).
pub fn bench_seal(
    store: &CookieStore,
    session: &Session,
) -> Result<(String, Vec<usize>), SaveError> {
    store.seal_payload(&session.payload, &session.payload.lifetimes(), true)
}

/// Benchmarks' "open": the cookie value text (arrived in `chunks` cookies)
/// opened, decoded and checked into a [`Session`] — what
/// [`CookieStore::load`] does after finding the cookies. `None` if rejected.
#[must_use]
pub fn bench_open(store: &CookieStore, text: &str, chunks: usize) -> Option<Session> {
    let now = crate::session::unix_secs(std::time::SystemTime::now());
    store.open_text(text, chunks, now).ok()
}

/// Fills `out` from the crate's nonce source (`getrandom`, per call), so the
/// benchmarks' floor draws its nonces exactly as the envelope does. `false`
/// if the OS random source failed.
#[must_use]
pub fn fill_nonce(out: &mut [u8]) -> bool {
    crate::rng::fill(out).is_ok()
}

// --- The `sealed-session` CLI (issue 7): read-only views of a session's
// values as CBOR, for `inspect` to print them as JSON without a public
// `ciborium::Value` API.

/// The session's values, by key, each decoded from its stored bytes.
#[must_use]
pub fn session_data(session: &Session) -> BTreeMap<String, Value> {
    session
        .payload
        .entries()
        .map(|(k, v)| (k.to_owned(), read_value(v)))
        .collect()
}

/// The session's flash messages, by bucket, without consuming them.
#[must_use]
pub fn session_flashes(session: &Session) -> BTreeMap<String, Vec<Value>> {
    let p = &session.payload;
    p.buckets()
        .map(|(name, bucket)| {
            (
                name.to_owned(),
                p.flash_items(bucket).map(read_value).collect(),
            )
        })
        .collect()
}

/// A stored value's bytes as a `Value` (they were validated when stored or
/// opened, so this reads; `Null` otherwise).
fn read_value(bytes: &[u8]) -> Value {
    ciborium::from_reader(bytes).unwrap_or(Value::Null)
}

/// Whether `bytes` are one value the strict pass accepts as a data value
/// (what [`Session::insert`] checks before storing).
#[must_use]
pub fn value_is_valid(bytes: &[u8]) -> bool {
    crate::payload::check_value(bytes).is_ok()
}

/// Reads a `T` from a valid value's bytes as [`Session::get`] does; `None`
/// where `get` fails.
#[must_use]
pub fn get_value<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Option<T> {
    crate::payload::read(bytes).ok()
}

// ---------------------------------------------------------------------------
// Bench-only hooks: the cheapest components of the data path, each alone,
// so the benchmarks can measure the floor the public API is compared with.
// ---------------------------------------------------------------------------

/// Bench only: the strict one-pass validation of a payload, without
/// building the index (no allocation for a payload whose maps hold at
/// most 8 entries each).
#[must_use]
pub fn validate_payload(bytes: &[u8]) -> bool {
    Payload::is_valid(bytes)
}

/// Bench only: the session's payload encoded directly into a buffer of its
/// exact length (what sealing writes into the sealed buffer).
#[must_use]
pub fn encode_payload(session: &Session) -> Vec<u8> {
    session.payload.encode()
}

/// Bench only: the crate's base64url encoder (unpadded, URL-safe, SIMD).
#[must_use]
pub fn base64url_encode(bytes: &[u8]) -> String {
    crate::envelope::base64url_encode(bytes)
}

/// Bench only: the crate's canonical base64url decoder; `None` for any
/// text that is not canonical unpadded base64url.
#[must_use]
pub fn base64url_decode(text: &str) -> Option<Vec<u8>> {
    crate::envelope::base64url_decode(text)
}
