//! Test vectors (test-vectors/v1): generation and verification.
//!
//! The files in `test-vectors/v1/` are written by this module, never by hand:
//!
//! ```text
//! REGENERATE_TEST_VECTORS=1 cargo test --all-features --lib vectors
//! ```
//!
//! Without the variable, the test generates the vectors in memory and fails
//! unless every file is byte-for-byte what it would write, then checks every
//! vector from the file text alone:
//!
//! - a positive vector seals to exactly its `sealed` text and `cookies` split,
//!   both with this crate's envelope and store and with an independent
//!   reference sealer written from SECURITY.md ("Wire format, version 1"),
//!   and opens through [`CookieStore`] at its `now` to its payload;
//! - a negative vector is rejected by the store as `expected` (`Invalid` or
//!   `Expired`), by the rule it names (`rule`), and, when it carries a
//!   `payload-cbor`, that hand-built CBOR seals to exactly its `sealed` text.
//!
//! Wire format v1 is frozen (SECURITY.md): the files' SHA-256 digests are
//! pinned in [`FROZEN`], so even a deliberate regeneration that changes a v1
//! file fails until the pin is edited too.

use std::collections::BTreeMap;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::{URL_SAFE, URL_SAFE_NO_PAD};
use ciborium::Value;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest as _, Sha256};

use crate::LoadError;
use crate::envelope::{Envelope, Reject};
use crate::keyring::{Algorithm, KeyPair, Keyring};
use crate::payload::MAX_DEPTH;
// Vectors are generated and described from the full decoder's tree; the
// store opens them lazily (`check_positive` compares the two).
use crate::payload::tree::TreePayload as Payload;
use crate::store::{CookieStore, DEFAULT_SIZE_LIMIT, MAX_COOKIE_LEN};

/// Where the vector files live.
const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/test-vectors/v1");
/// The environment variable that makes the test rewrite the files.
const REGENERATE: &str = "REGENERATE_TEST_VECTORS";
/// The command that regenerates the files (also written into them).
const COMMAND: &str = "REGENERATE_TEST_VECTORS=1 cargo test --all-features --lib vectors";

/// SHA-256 of each v1 file. Wire format v1 is frozen: change these only
/// together with a deliberate, reviewed regeneration (the regenerating run
/// prints the new digests).
const FROZEN: [(&str, &str); 3] = [
    (
        "positive.json",
        "c072798f139df87cba37287f87d9e75675a40f942c24045c59eb02169d012b7c",
    ),
    (
        "chunked.json",
        "f749a9cdda9ebb58679a556d0b5a49e6a466045e95b0bfc5a79ddc12c32c13f0",
    ),
    (
        "negative.json",
        "6273f040fc263af89f01fdcbf943c1acc70706555b4ab10907f2beceff7d4f56",
    ),
];

/// The vectors' "now": 2026-01-01T00:00:00Z.
const NOW: u64 = 1_767_225_600;
const HOUR: u64 = 3_600;
const DAY: u64 = 86_400;
const ISSUED: u64 = NOW - HOUR;
const EXPIRES: u64 = ISSUED + 14 * DAY;
const SKEW: u64 = 60;
const NAME: &str = "session";
/// A size budget of four chunks under [`NAME`], for the chunk vectors.
const CHUNKED_LIMIT: usize = 12 * 1024;

mod bad_payloads;
mod cbor;
mod check;
mod diagnose;
mod generate;
mod inputs;
mod misreading;
mod model;
mod model_payload;
pub(crate) mod model_reader;
mod model_writer;
mod mutation;
mod negative;
mod payload_rules;
mod positive;
mod reader;
mod reader_cases;
mod reader_conflicts;
mod reader_more_cases;
mod reference;
mod writer;
mod writer_boundaries;
mod writer_cases;

use bad_payloads::*;
use check::*;
use diagnose::*;
use generate::*;
use inputs::*;
use model::*;
use negative::*;
use positive::*;
use reader::*;
use reader_cases::*;
use reader_conflicts::*;
use reader_more_cases::*;

fn render(description: &str, vectors: Vec<Vector>) -> String {
    let file = VectorFile {
        format: "sealed-session v1".to_owned(),
        description: description.to_owned(),
        generated_by: COMMAND.to_owned(),
        vectors,
    };
    let mut text = serde_json::to_string_pretty(&file).unwrap();
    text.push('\n');
    text
}

/// Every file, as (file name, contents).
fn generate() -> Vec<(&'static str, String)> {
    let keys = Keys::new();
    vec![
        (
            "positive.json",
            render(
                "Sessions that open: each algorithm, flashes, lifetimes, data encoding, and keys other than the first. Each seals to exactly `sealed` and `cookies` and opens to `payload`.",
                positive_vectors(&keys),
            ),
        ),
        (
            "chunked.json",
            render(
                "Sessions split over several cookies. Each seals to exactly `sealed` and `cookies` and opens to `payload`.",
                chunked_vectors(&keys),
            ),
        ),
        (
            "negative.json",
            render(
                "Cookies that must not open: `expected` is `invalid` or `expired`; `rule` names the rejection rule of SECURITY.md, \"Opening\".",
                negative_vectors(&keys),
            ),
        ),
    ]
}

/// The check every vector file beside the frozen three gets: `text` (as
/// generated) verifies, is written when regenerating, equals the file on
/// disk, which verifies from its own text, and has the pinned SHA-256.
fn check_pinned_file(file: (&str, &str), text: &str, verify: fn(&str)) {
    verify(text);
    let (name, pinned) = file;
    let path = format!("{DIR}/{name}");
    if std::env::var_os(REGENERATE).is_some() {
        std::fs::write(&path, text).unwrap();
        println!("wrote {path}: sha256 {}", digest(text));
    }
    let on_disk = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{path}: {e}; generate it with `{COMMAND}`"));
    assert!(
        on_disk == text,
        "{path} is not what the generator writes (regenerate with `{COMMAND}`, deliberately)"
    );
    verify(&on_disk);
    assert_eq!(
        digest(&on_disk),
        pinned,
        "{path} changed: update its pin only for a deliberate, reviewed change"
    );
}

fn digest(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

#[test]
fn vectors_v1() {
    let generated = generate();
    // Never write vectors that do not verify.
    verify(&generated);
    if std::env::var_os(REGENERATE).is_some() {
        std::fs::create_dir_all(DIR).unwrap();
        for (name, text) in &generated {
            std::fs::write(format!("{DIR}/{name}"), text).unwrap();
            println!("wrote {DIR}/{name}: sha256 {}", digest(text));
        }
    }
    let on_disk: Vec<(&str, String)> = generated
        .iter()
        .map(|(name, _)| {
            let path = format!("{DIR}/{name}");
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("{path}: {e}; generate it with `{COMMAND}`"));
            (*name, text)
        })
        .collect();
    for ((name, text), (_, fresh)) in on_disk.iter().zip(&generated) {
        assert!(
            text == fresh,
            "test-vectors/v1/{name} is not what the generator writes: vector files are never edited by hand (regenerate with `{COMMAND}`, deliberately)"
        );
    }
    // The files as read, independently of the generator above.
    verify(&on_disk);
    for (name, text) in &on_disk {
        let pinned = FROZEN.iter().find(|(n, _)| n == name).unwrap().1;
        assert_eq!(
            digest(text),
            pinned,
            "test-vectors/v1/{name} changed: wire format v1 is frozen; update FROZEN in src/tests/vectors/ only for a deliberate, reviewed change"
        );
    }
}
