//! Side-by-side, in one run, on the same workloads (benches/README.md):
//!
//! - `sealed-session`: this crate's seal (CBOR encode + envelope) and open
//!   (envelope + strict decode + lifetime checks, into a `Session`);
//! - `floor`: the same CBOR bytes through the same AEAD (XAES-256-GCM) and
//!   base64url, with the same nonce source, and no envelope (no header, no
//!   associated data, no chunking) — the physical limit of this design;
//! - `cookie-private-json`: the `cookie` crate's `PrivateJar` (AES-256-GCM)
//!   over `serde_json`, the hand-rolled way to seal a session;
//! - `actix-session`: actix-session's real `CookieSessionStore` through its
//!   `SessionStore` trait, plus the `PrivateJar` step its middleware runs
//!   (`set_session_cookie` / `extract_session_key`), with the cookie crate
//!   version actix-web uses.
//!
//! Every "seal" ends at the cookie value text and every "open" starts from
//! it: building `Set-Cookie` lines and parsing the `Cookie` header are left
//! out on all sides. `benches/report.py` turns the results into ratios.
// A bench that cannot build its fixed inputs should stop loudly.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

mod common;

use std::collections::{BTreeMap, HashMap};
use std::hint::black_box;

use actix_session::storage::{CookieSessionStore, SessionKey, SessionStore};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::{COOKIE_NAME, Workload};
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use sealed_session::__private::{
    bench_open, bench_seal, decode_payload, fill_nonce, session_state,
};
use sealed_session::{Algorithm, Session};
use xaes_256_gcm::Xaes256Gcm;
use xaes_256_gcm::aead::{AeadInOut, KeyInit};

const NONCE: usize = 24;
const TAG: usize = 16;

/// The floor: XAES-256-GCM over the session's CBOR bytes, `nonce || ct || tag`.
struct Floor(Xaes256Gcm);

impl Floor {
    fn new() -> Self {
        Floor(Xaes256Gcm::new_from_slice(&[7; 32]).unwrap())
    }

    fn seal(&self, session: &Session) -> String {
        let cbor = session_state(session);
        let mut buf = Vec::with_capacity(NONCE + cbor.len() + TAG);
        buf.resize(NONCE, 0);
        assert!(fill_nonce(&mut buf));
        buf.extend_from_slice(&cbor);
        let (nonce, body) = buf.split_at_mut(NONCE);
        let nonce = xaes_256_gcm::Nonce::try_from(&*nonce).unwrap();
        let tag = self
            .0
            .encrypt_inout_detached(&nonce, b"", body.into())
            .unwrap();
        buf.extend_from_slice(&tag);
        URL_SAFE_NO_PAD.encode(&buf)
    }

    fn open(&self, text: &str) -> bool {
        let mut buf = URL_SAFE_NO_PAD.decode(text).unwrap();
        let (nonce, rest) = buf.split_at_mut(NONCE);
        let (body, tag) = rest.split_at_mut(rest.len() - TAG);
        let nonce = xaes_256_gcm::Nonce::try_from(&*nonce).unwrap();
        let tag = xaes_256_gcm::Tag::try_from(&*tag).unwrap();
        self.0
            .decrypt_inout_detached(&nonce, b"", body.into(), &tag)
            .unwrap();
        decode_payload(body)
    }
}

/// `cookie` 0.18 `PrivateJar` + `serde_json`.
mod jar {
    use super::{BTreeMap, COOKIE_NAME};
    use cookie::{Cookie, CookieJar, Key};
    use serde_json::Value;

    pub fn key() -> Key {
        Key::from(&[9; 64])
    }

    pub fn seal(key: &Key, map: &BTreeMap<String, Value>) -> String {
        let json = serde_json::to_string(map).unwrap();
        let mut jar = CookieJar::new();
        jar.private_mut(key).add(Cookie::new(COOKIE_NAME, json));
        jar.delta().next().unwrap().value().to_owned()
    }

    pub fn open(key: &Key, value: &str) -> BTreeMap<String, Value> {
        let mut jar = CookieJar::new();
        jar.add_original(Cookie::new(COOKIE_NAME, value.to_owned()));
        let cookie = jar.private(key).get(COOKIE_NAME).unwrap();
        serde_json::from_str(cookie.value()).unwrap()
    }
}

/// actix-session 0.11: `CookieSessionStore` + its middleware's cookie step.
mod actix {
    use super::{CookieSessionStore, HashMap, SessionKey, SessionStore};
    use actix_web::cookie::time::Duration;
    use actix_web::cookie::{Cookie, CookieJar, Key, SameSite};

    /// actix-session's default cookie name.
    const NAME: &str = "id";

    pub fn key() -> Key {
        Key::from(&[9; 64])
    }

    /// `SessionStore::save`, then `set_session_cookie` up to the encrypted value.
    pub fn seal(
        store: &CookieSessionStore,
        key: &Key,
        state: HashMap<String, String>,
    ) -> Result<String, String> {
        let ttl = Duration::days(1);
        let session_key = pollster::block_on(store.save(state, &ttl)).map_err(|e| chain(&e))?;
        let value: String = session_key.into();
        let mut cookie = Cookie::new(NAME, value);
        cookie.set_secure(true);
        cookie.set_http_only(true);
        cookie.set_same_site(SameSite::Lax);
        cookie.set_path("/");
        let mut jar = CookieJar::new();
        jar.private_mut(key).add(cookie);
        Ok(jar.delta().next().unwrap().value().to_owned())
    }

    /// An error and its sources, as one line.
    fn chain(e: &dyn std::error::Error) -> String {
        let mut text = e.to_string();
        let mut source = e.source();
        while let Some(s) = source {
            text.push_str(": ");
            text.push_str(&s.to_string());
            source = s.source();
        }
        text
    }

    /// `extract_session_key` from the cookie value, then `SessionStore::load`.
    pub fn open(store: &CookieSessionStore, key: &Key, value: &str) -> HashMap<String, String> {
        let mut jar = CookieJar::new();
        jar.add_original(Cookie::new(NAME, value.to_owned()));
        let verified = jar.private(key).get(NAME).unwrap();
        let session_key: SessionKey = verified.value().to_owned().try_into().unwrap();
        pollster::block_on(store.load(&session_key))
            .unwrap()
            .unwrap()
    }
}

/// What the report needs beyond timings: cookie value sizes, and why a
/// peer cannot store a workload.
#[derive(Default)]
struct Notes(Vec<String>);

impl Notes {
    fn add(&mut self, workload: Workload, who: &str, field: &str, value: String) {
        println!("note: {} {who} {field}: {value}", workload.name());
        self.0.push(format!(
            "{{\"workload\":\"{}\",\"who\":\"{who}\",\"{field}\":{}}}",
            workload.name(),
            serde_json::Value::String(value)
        ));
    }

    fn write(&self) {
        let dir = std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| "target".to_owned());
        let dir = std::path::Path::new(&dir).join("criterion");
        std::fs::create_dir_all(&dir).unwrap();
        let body = format!("[\n{}\n]\n", self.0.join(",\n"));
        std::fs::write(dir.join("compare-notes.json"), body).unwrap();
    }
}

/// The largest `name=value` a browser stores (RFC 6265bis §5.6).
const BROWSER_COOKIE_LIMIT: usize = 4096;

fn compare(c: &mut Criterion) {
    let floor = Floor::new();
    let jar_key = jar::key();
    let actix_key = actix::key();
    let actix_store = CookieSessionStore::default();
    let mut notes = Notes::default();
    for workload in Workload::ALL {
        let bytes = common::payload_len(workload);
        let store = common::store(Algorithm::default(), workload);
        let session = common::session(&store, workload);
        let map = common::json_map(workload);
        let state = common::actix_state(workload);

        let (ours_text, chunks) = bench_seal(&store, &session).unwrap();
        let floor_text = floor.seal(&session);
        let jar_text = jar::seal(&jar_key, &map);
        assert_eq!(jar::open(&jar_key, &jar_text), map);
        let actix_text = actix::seal(&actix_store, &actix_key, state.clone());
        notes.add(
            workload,
            "sealed-session",
            "value_len",
            ours_text.len().to_string(),
        );
        notes.add(
            workload,
            "sealed-session",
            "cookies",
            chunks.len().to_string(),
        );
        notes.add(workload, "floor", "value_len", floor_text.len().to_string());
        notes.add(
            workload,
            "cookie-private-json",
            "value_len",
            jar_text.len().to_string(),
        );
        // A browser drops a cookie whose `name=value` exceeds 4096 bytes.
        let jar_fits = COOKIE_NAME.len() + 1 + jar_text.len() <= BROWSER_COOKIE_LIMIT;
        if !jar_fits {
            notes.add(
                workload,
                "cookie-private-json",
                "refused",
                format!(
                    "one cookie of {} bytes exceeds the {BROWSER_COOKIE_LIMIT}-byte browser limit (no chunking)",
                    COOKIE_NAME.len() + 1 + jar_text.len()
                ),
            );
        }
        match &actix_text {
            Ok(text) => {
                assert_eq!(actix::open(&actix_store, &actix_key, text), state);
                notes.add(
                    workload,
                    "actix-session",
                    "value_len",
                    text.len().to_string(),
                );
            }
            Err(e) => notes.add(workload, "actix-session", "refused", e.clone()),
        }

        let mut seal = c.benchmark_group(format!("compare-seal-{}", workload.name()));
        seal.throughput(Throughput::Bytes(bytes));
        seal.bench_function("sealed-session", |b| {
            b.iter(|| bench_seal(black_box(&store), black_box(&session)).unwrap());
        });
        seal.bench_function("floor", |b| b.iter(|| floor.seal(black_box(&session))));
        if jar_fits {
            seal.bench_function("cookie-private-json", |b| {
                b.iter(|| jar::seal(black_box(&jar_key), black_box(&map)));
            });
        }
        if actix_text.is_ok() {
            seal.bench_function("actix-session", |b| {
                b.iter_batched(
                    || state.clone(),
                    |state| actix::seal(&actix_store, black_box(&actix_key), state).unwrap(),
                    BatchSize::SmallInput,
                );
            });
        }
        seal.finish();

        let mut open = c.benchmark_group(format!("compare-open-{}", workload.name()));
        open.throughput(Throughput::Bytes(bytes));
        open.bench_function("sealed-session", |b| {
            b.iter(|| bench_open(black_box(&store), black_box(&ours_text), chunks.len()).unwrap());
        });
        open.bench_function("floor", |b| {
            b.iter(|| assert!(floor.open(black_box(&floor_text))));
        });
        if jar_fits {
            open.bench_function("cookie-private-json", |b| {
                b.iter(|| jar::open(black_box(&jar_key), black_box(&jar_text)));
            });
        }
        if let Ok(text) = &actix_text {
            open.bench_function("actix-session", |b| {
                b.iter(|| actix::open(&actix_store, black_box(&actix_key), black_box(text)));
            });
        }
        open.finish();
    }
    notes.write();
}

/// Where the time of a seal and an open of each workload goes, by
/// component, measured in the same run as the comparison: CBOR encode and
/// strict decode, the AEAD alone (XAES-256-GCM; AES-256-GCM for reference),
/// base64url, one nonce from the per-thread CSPRNG, and one heap allocation
/// of the sealed size.
fn components(c: &mut Criterion) {
    let aes = aes_gcm::Aes256Gcm::new_from_slice(&[7; 32]).unwrap();
    let floor = Floor::new();
    for workload in Workload::ALL {
        let store = common::store(Algorithm::default(), workload);
        let session = common::session(&store, workload);
        let cbor = session_state(&session);
        let sealed_len = NONCE + cbor.len() + TAG;
        let text = URL_SAFE_NO_PAD.encode(vec![0x5a; sealed_len]);
        let mut group = c.benchmark_group(format!("component-{}", workload.name()));
        group.throughput(Throughput::Bytes(cbor.len() as u64));
        group.bench_function("cbor-encode", |b| {
            b.iter(|| session_state(black_box(&session)))
        });
        group.bench_function("cbor-decode", |b| {
            b.iter(|| assert!(decode_payload(black_box(&cbor))));
        });
        let mut body = cbor.clone();
        let nonce = xaes_256_gcm::Nonce::default();
        group.bench_function("xaes-256-gcm-encrypt", |b| {
            b.iter(|| {
                floor
                    .0
                    .encrypt_inout_detached(&nonce, b"", black_box(&mut body[..]).into())
                    .unwrap()
            });
        });
        let aes_nonce = aes_gcm::Nonce::<aes_gcm::aead::consts::U12>::default();
        group.bench_function("aes-256-gcm-encrypt", |b| {
            b.iter(|| {
                aes.encrypt_inout_detached(&aes_nonce, b"", black_box(&mut body[..]).into())
                    .unwrap()
            });
        });
        group.bench_function("base64-encode", |b| {
            b.iter(|| URL_SAFE_NO_PAD.encode(black_box(&body)));
        });
        group.bench_function("base64-decode", |b| {
            b.iter(|| URL_SAFE_NO_PAD.decode(black_box(&text)).unwrap());
        });
        group.bench_function("nonce", |b| {
            b.iter(|| {
                let mut nonce = [0u8; NONCE];
                assert!(fill_nonce(black_box(&mut nonce)));
                nonce
            });
        });
        group.bench_function("alloc", |b| {
            b.iter(|| Vec::<u8>::with_capacity(black_box(sealed_len)));
        });
        group.finish();
    }
}

criterion_group! {
    name = benches;
    config = common::criterion();
    targets = compare, components
}
criterion_main!(benches);
