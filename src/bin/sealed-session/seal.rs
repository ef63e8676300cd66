//! `seal`: the writer counterpart of `inspect`. A JSON description of a
//! payload (the shape `inspect` prints; see `cbor_json`) is sealed under the
//! key list's first entry, as a store with that name and budget would, and
//! printed as the `Cookie` header a browser sends back (`NAME=...;
//! NAME.1=...`). With `--at` and `--nonce` the output is reproducible: test
//! vectors for another implementation, checked from the command line.

use std::io::{self, Read as _};
use std::time::{SystemTime, UNIX_EPOCH};

use sealed_session::{CookieStore, SaveError};
use serde_json::Value as Json;

use crate::payload_json::{Defaults, payload_from_json};
use crate::{Fail, KeySource, out};

/// What `seal` is told besides the keys and the description.
pub(crate) struct Sealing {
    pub(crate) name: String,
    pub(crate) size_limit: usize,
    pub(crate) max_age: u64,
    pub(crate) at: SystemTime,
    /// Hex; `None`: a random nonce.
    pub(crate) nonce: Option<String>,
}

fn usage(message: impl Into<String>) -> Fail {
    Fail {
        code: 2,
        message: message.into(),
    }
}

pub(crate) fn seal(
    source: &KeySource,
    sealing: &Sealing,
    description: Option<String>,
) -> Result<u8, Fail> {
    let keyring = source.load()?;
    // Reproduces what an application's store seals, whatever name it uses
    // (vectors and other implementations are checked under `session`).
    let store = CookieStore::builder(sealing.name.as_str(), keyring)
        .allow_non_host_name()
        .with_size_limit(sealing.size_limit)
        .allow_large_cookie_header()
        .build()
        .map_err(|e| usage(format!("the store options: {e}")))?;
    let text = match description.as_deref() {
        None | Some("-") => {
            let mut text = String::new();
            io::stdin()
                .read_to_string(&mut text)
                .map_err(|e| usage(format!("cannot read standard input: {e}")))?;
            text
        }
        Some(text) => text.to_owned(),
    };
    let Json::Object(desc) = serde_json::from_str(&text)
        .map_err(|e| usage(format!("the description is not JSON: {e}")))?
    else {
        return Err(usage("the description is not a JSON object"));
    };
    let nonce = match &sealing.nonce {
        None => None,
        Some(h) => Some(hex(h).ok_or_else(|| usage("--nonce: not hex digits"))?),
    };
    let mut id = [0u8; 16];
    if !sealed_session::__private::fill_nonce(&mut id) {
        return Err(Fail::write("the operating system's random source failed"));
    }
    let defaults = Defaults {
        at: sealing
            .at
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()),
        max_age: sealing.max_age,
        id,
    };
    let payload =
        payload_from_json(&desc, &defaults).map_err(|e| usage(format!("the description: {e}")))?;
    if !sealed_session::__private::decode_payload(&payload) {
        return Err(usage(
            "the description is not a payload a store opens (SECURITY.md \"Payload\": e.g. expires_at before issued_at, a NaN float other than NaN/-NaN, nesting deeper than 32)",
        ));
    }
    let cookies = sealed_session::__private::seal_cookies(&store, &payload, nonce.as_deref())
        .map_err(|e| match e {
            SaveError::TooLarge { .. } => usage(format!("{e}")),
            SaveError::Random => Fail::write(format!("{e}")),
            other => usage(format!(
                "cannot seal: {other} (a --nonce must have the algorithm's length)"
            )),
        })?;
    out(&format!("{}\n", cookies.join("; ")))?;
    Ok(0)
}

fn hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}
