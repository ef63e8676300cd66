//! Entry points for the fuzz targets and benchmarks. Not public API: no
//! stability promise, hidden from the docs.
//!
//! They reach the strict payload decoder and the envelope directly, seal
//! arbitrary payload bytes under a store's primary key (as if the key had
//! leaked), and load or save at an injected time, so fuzz targets and the
//! adversarial tests in `tests/` need no sleeping and no copy of the crate.

use ciborium::Value;

use crate::payload::Payload;
use crate::session::Session;
use crate::store::{CookieStore, SaveError};

/// The deepest nesting the payload decoder accepts (`payload::MAX_DEPTH`).
pub const MAX_DEPTH: usize = crate::payload::MAX_DEPTH;

/// Whether `bytes` is a valid payload for the strict decoder.
#[must_use]
pub fn decode_payload(bytes: &[u8]) -> bool {
    Payload::decode(bytes).is_ok()
}

/// Decodes `bytes` strictly and encodes the result again; `None` if the
/// decoder rejects them. A strict decoder of a canonical encoding returns
/// the input unchanged.
#[must_use]
pub fn reencode_payload(bytes: &[u8]) -> Option<Vec<u8>> {
    Payload::decode(bytes).ok()?.encode().ok()
}

/// The deepest nesting of any value in the decoded payload, counted as the
/// decoder counts it (a top-level data value or flash is at depth 1);
/// `Some(0)` for a payload with no values, `None` if the decoder rejects it.
#[must_use]
pub fn payload_depth(bytes: &[u8]) -> Option<usize> {
    let p = Payload::decode(bytes).ok()?;
    let data = p.data.values().map(|v| value_depth(v, 1));
    let flashes = p.flashes.values().flatten().map(|v| value_depth(v, 1));
    Some(data.chain(flashes).max().unwrap_or(0))
}

/// Depth of `v` when it sits at `depth`, with an explicit stack (no
/// recursion on attacker-shaped data).
fn value_depth(v: &Value, depth: usize) -> usize {
    let mut deepest = 0;
    let mut stack = vec![(v, depth)];
    while let Some((v, d)) = stack.pop() {
        deepest = deepest.max(d);
        match v {
            Value::Array(items) => stack.extend(items.iter().map(|i| (i, d + 1))),
            Value::Map(entries) => {
                for (k, v) in entries {
                    stack.push((k, d + 1));
                    stack.push((v, d + 1));
                }
            }
            Value::Tag(_, inner) => stack.push((inner, d + 1)),
            _ => {}
        }
    }
    deepest
}

/// Seals arbitrary payload bytes under `store`'s primary key, for a value
/// split into `chunks` cookies: what an attacker holding the key could send.
/// Returns the whole base64url text (split it into chunk cookies yourself).
#[must_use]
pub fn seal_payload(store: &CookieStore, payload: &[u8], chunks: u8) -> Option<String> {
    store.envelope().seal(payload, chunks).ok()
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
    session.payload.encode().unwrap_or_default()
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
    store.seal_payload(&session.payload, true)
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

/// The session's values, by key, as stored.
#[must_use]
pub fn session_data(session: &Session) -> &std::collections::BTreeMap<String, Value> {
    &session.payload.data
}

/// The session's flash messages, by bucket, without consuming them.
#[must_use]
pub fn session_flashes(session: &Session) -> &std::collections::BTreeMap<String, Vec<Value>> {
    &session.payload.flashes
}
