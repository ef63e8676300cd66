//! The workloads S, M and L (benches/README.md), built in this one place and
//! shared by every bench, for this crate, the floor and the peers alike.
//!
//! Not every bench uses every helper (each bench includes this module).
#![allow(
    dead_code,
    reason = "shared by several bench targets; each uses a subset"
)]

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use criterion::Criterion;
use sealed_session::{Algorithm, CookieStore, KeyPair, Keyring, Session};
use serde_json::{Value, json};

/// The cookie name every store (ours and the peers') uses.
pub const COOKIE_NAME: &str = "session";

/// The size budget of the L workload's store (the default 6 KiB cannot hold
/// L's ~10 KiB of sealed text).
pub const L_SIZE_LIMIT: usize = 16 * 1024;

/// One of the three fixed session contents.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Workload {
    /// A typical login session: `user_id`, `username`, `csrf`, `roles`.
    S,
    /// 24 string keys with 40-character values (~1 KiB).
    M,
    /// 150 string keys with 40-character values (~7 KiB; several cookies).
    L,
}

impl Workload {
    /// Every workload, smallest first.
    pub const ALL: [Workload; 3] = [Workload::S, Workload::M, Workload::L];

    /// The workload's name in bench ids.
    pub fn name(self) -> &'static str {
        match self {
            Workload::S => "S",
            Workload::M => "M",
            Workload::L => "L",
        }
    }

    /// The session's entries, in key order, as JSON values (which serialize
    /// through serde to CBOR exactly as the typed values would).
    pub fn entries(self) -> Vec<(String, Value)> {
        match self {
            Workload::S => vec![
                ("csrf".to_owned(), json!(CSRF)),
                ("roles".to_owned(), json!(["admin", "dev"])),
                ("user_id".to_owned(), json!(42)),
                ("username".to_owned(), json!("alice")),
            ],
            Workload::M => string_entries(24),
            Workload::L => string_entries(150),
        }
    }

    /// The key the request-cycle bench reads (and then modifies).
    pub fn read_key(self) -> &'static str {
        match self {
            Workload::S => "username",
            Workload::M | Workload::L => "key_000",
        }
    }
}

/// S's `csrf`: the unpadded base64url of the bytes 0..32 (43 characters).
pub const CSRF: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8";

/// `n` entries `key_000`, `key_001`, ... whose values are 40 characters:
/// `value_000_` then the alphabet `abc...xyz0123` (30 characters).
pub fn string_entries(n: usize) -> Vec<(String, Value)> {
    (0..n)
        .map(|i| {
            let value = format!("value_{i:03}_abcdefghijklmnopqrstuvwxyz0123");
            debug_assert_eq!(value.len(), 40);
            (format!("key_{i:03}"), Value::String(value))
        })
        .collect()
}

/// Fixed key material (benchmarks need no secrecy, only repeatability):
/// pair `index` has the SHA-256 of `[index, 0]` as its hash key and of
/// `[index, 1]` as its block key (key pairs refuse placeholder bytes).
pub fn key_pair(index: u8, algorithm: Algorithm) -> KeyPair {
    use sha2::Digest as _;
    let hash: [u8; 32] = sha2::Sha256::digest([index, 0]).into();
    let block: [u8; 32] = sha2::Sha256::digest([index, 1]).into();
    let block = algorithm.encrypts().then_some(&block[..]);
    KeyPair::new(&hash, block, algorithm).expect("fixed key material is valid")
}

/// A one-key keyring for `algorithm`.
pub fn keyring(algorithm: Algorithm) -> Keyring {
    Keyring::new(vec![key_pair(0, algorithm)]).expect("one key")
}

/// The store for `workload` under `keyring`: default options, with the
/// size budget raised for L only.
pub fn store_with(keyring: Keyring, workload: Workload) -> CookieStore {
    let builder = CookieStore::builder(COOKIE_NAME, keyring).allow_non_host_name();
    let builder = match workload {
        Workload::L => builder
            .with_size_limit(L_SIZE_LIMIT)
            .allow_large_cookie_header(),
        Workload::S | Workload::M => builder,
    };
    builder.build().expect("valid store options")
}

/// The store for `workload` with a one-key keyring of `algorithm`.
pub fn store(algorithm: Algorithm, workload: Workload) -> CookieStore {
    store_with(keyring(algorithm), workload)
}

/// A fresh session of `store` holding `workload`.
pub fn session(store: &CookieStore, workload: Workload) -> Session {
    session_from(store, &workload.entries())
}

/// A fresh session of `store` holding `entries`.
pub fn session_from(store: &CookieStore, entries: &[(String, Value)]) -> Session {
    let mut session = store.new_session();
    for (key, value) in entries {
        session.insert(key, value).expect("JSON values serialize");
    }
    session
}

/// The `Cookie` header a browser sends back after `store` saved `session`
/// (a copy with a new id, so the save writes).
pub fn cookie_header(store: &CookieStore, session: &Session) -> String {
    let mut session = session.clone();
    session.regenerate_id();
    store
        .save(&mut session)
        .expect("the workload fits its store")
        .iter()
        .filter(|line| !line.contains("Max-Age=0"))
        .filter_map(|line| line.split(';').next())
        .collect::<Vec<_>>()
        .join("; ")
}

/// The workload as actix-session holds it: each value JSON-encoded into a
/// string (`actix_session::Session::insert` does `serde_json::to_string`).
pub fn actix_state(workload: Workload) -> HashMap<String, String> {
    workload
        .entries()
        .into_iter()
        .map(|(k, v)| (k, v.to_string()))
        .collect()
}

/// The workload as a hand-rolled `PrivateJar` + serde_json session holds it.
pub fn json_map(workload: Workload) -> BTreeMap<String, Value> {
    workload.entries().into_iter().collect()
}

/// The plaintext bytes a workload seals for this crate (its CBOR payload):
/// every bench's `Throughput::Bytes` for that workload, so throughputs of
/// ours, the floor and the peers compare directly.
pub fn payload_len(workload: Workload) -> u64 {
    let store = store(Algorithm::default(), workload);
    let session = session(&store, workload);
    sealed_session::__private::session_state(&session).len() as u64
}

/// Criterion settings for this 2-core machine: short warm-up and
/// measurement (command-line flags such as `--measurement-time` override).
pub fn criterion() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(50)
}
