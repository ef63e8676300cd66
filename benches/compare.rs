//! Side-by-side, in one run, on the same workloads (benches/README.md),
//! each through the API its users call:
//!
//! - `sealed-session`: seal = `Session::insert` of one small value (a
//!   handler's change) then `CookieStore::save` into `Set-Cookie` lines; open = `CookieStore::load` from the `Cookie` header
//!   (authenticated, every rule checked, values indexed: a handler then
//!   pays for the values it reads, each on its own);
//! - `sealed-session-read-all`: `load`, then every value read as a
//!   `serde_json::Value`: the same work as the peers' opens, which decode
//!   every value whether the handler reads it or not;
//! - `sealed-session-read-shuffled`: the same, the keys read in a fixed
//!   scrambled order (each lookup a search, none a neighbour of the last);
//! - `sealed-session-internal`: the internal cut (`__private::bench_seal` /
//!   `bench_open`: no plan, no `Set-Cookie`, no header parsing), secondary;
//! - `cookie-private-json`: the `cookie` crate's `PrivateJar` (AES-256-GCM)
//!   over `serde_json`, state -> `Set-Cookie` line and `Cookie` header ->
//!   map, the hand-rolled way to seal a session;
//! - `actix-session`: actix-session's real `CookieSessionStore` through its
//!   `SessionStore` trait plus the `PrivateJar` step its middleware runs
//!   (`set_session_cookie` / `extract_session_key`), with the cookie crate
//!   version actix-web uses, from the state to the `Set-Cookie` line and
//!   from the `Cookie` header to every value deserialized;
//! - `actix-session-lazy`: the same open without deserializing the values
//!   (actix-session keeps them as JSON text until `get`): the like-for-like
//!   peer of `sealed-session`'s lazy `load`, as `actix-session` is of
//!   `sealed-session-read-all`.
//!
//! The floor is not a bench here: it is the sum of the cheapest components,
//! each measured below in the same run (`component-*`: direct encode, one
//! OS nonce, XAES-256-GCM, SIMD base64url, strict validation), added up by
//! `benches/report.py`.
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
    base64url_decode, base64url_encode, bench_open, bench_seal, decode_payload, encode_payload,
    fill_nonce, session_state, validate_payload,
};
use sealed_session::{Algorithm, CookieStore};
use xaes_256_gcm::Xaes256Gcm;
use xaes_256_gcm::aead::{AeadInOut, KeyInit};

const NONCE: usize = 24;
const TAG: usize = 16;

/// The value of cookie `name` in a `Cookie` header.
fn cookie_value<'h>(header: &'h str, name: &str) -> &'h str {
    header
        .split("; ")
        .find_map(|pair| pair.strip_prefix(name)?.strip_prefix('='))
        .unwrap()
}

/// This crate's open through the public API: `load`, then every value.
fn load_and_read(store: &CookieStore, header: &str) -> usize {
    let session = store.load([header]);
    let mut read = 0;
    for key in session.keys() {
        let value: Option<serde_json::Value> = session.get(key).unwrap();
        read += usize::from(value.is_some());
    }
    read
}

/// `load`, then every value read as a `serde_json::Value` in the order of
/// `keys` (a fixed shuffle of the session's keys): each lookup a search,
/// where reading in key order finds each next key where the last one ended.
fn load_and_read_shuffled(store: &CookieStore, header: &str, keys: &[String]) -> usize {
    let session = store.load([header]);
    let mut read = 0;
    for key in keys {
        let value: Option<serde_json::Value> = session.get(key).unwrap();
        read += usize::from(value.is_some());
    }
    read
}

/// `keys` in a fixed scrambled order: sorted by the SHA-256 of each key,
/// the same in every run.
fn shuffled(mut keys: Vec<String>) -> Vec<String> {
    use sha2::Digest as _;
    keys.sort_by_cached_key(|k| sha2::Sha256::digest(k.as_bytes()));
    keys
}

/// `cookie` 0.18 `PrivateJar` + `serde_json`.
mod jar {
    use super::{BTreeMap, COOKIE_NAME};
    use cookie::{Cookie, CookieJar, Key};
    use serde_json::Value;

    pub fn key() -> Key {
        Key::from(&[9; 64])
    }

    /// The map sealed into its `Set-Cookie` line (same attributes as ours).
    pub fn seal(key: &Key, map: &BTreeMap<String, Value>) -> String {
        let json = serde_json::to_string(map).unwrap();
        let mut cookie = Cookie::new(COOKIE_NAME, json);
        cookie.set_path("/");
        cookie.set_secure(true);
        cookie.set_http_only(true);
        cookie.set_same_site(cookie::SameSite::Lax);
        cookie.set_max_age(cookie::time::Duration::days(14));
        let mut jar = CookieJar::new();
        jar.private_mut(key).add(cookie);
        jar.delta().next().unwrap().to_string()
    }

    /// The map back from a `Cookie` header.
    pub fn open(key: &Key, header: &str) -> BTreeMap<String, Value> {
        let value = super::cookie_value(header, COOKIE_NAME);
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

    /// `SessionStore::save`, then `set_session_cookie` up to the `Set-Cookie` line.
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
        cookie.set_max_age(ttl);
        let mut jar = CookieJar::new();
        jar.private_mut(key).add(cookie);
        Ok(jar.delta().next().unwrap().to_string())
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

    /// `extract_session_key` from the `Cookie` header, `SessionStore::load`,
    /// then, with `read_all`, every value deserialized
    /// (`actix_session::Session::get` runs `serde_json::from_str` on the
    /// stored string); without, the values stay JSON text (its lazy cut).
    pub fn open(store: &CookieSessionStore, key: &Key, header: &str, read_all: bool) -> usize {
        let value = super::cookie_value(header, NAME);
        let mut jar = CookieJar::new();
        jar.add_original(Cookie::new(NAME, value.to_owned()));
        let verified = jar.private(key).get(NAME).unwrap();
        let session_key: SessionKey = verified.value().to_owned().try_into().unwrap();
        let state = pollster::block_on(store.load(&session_key))
            .unwrap()
            .unwrap();
        if !read_all {
            return state.len();
        }
        let mut read = 0;
        for value in state.values() {
            let value: serde_json::Value = serde_json::from_str(value).unwrap();
            read += usize::from(!value.is_null());
        }
        read
    }

    /// The `Cookie` header a browser sends back for a `Set-Cookie` line.
    pub fn header(set_cookie: &str) -> String {
        set_cookie.split(';').next().unwrap().to_owned()
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
        let entries = map.len();

        let ours_header = common::cookie_header(&store, &session);
        assert_eq!(load_and_read(&store, &ours_header), entries);
        let scrambled = shuffled(
            store
                .load([ours_header.as_str()])
                .keys()
                .map(str::to_owned)
                .collect(),
        );
        assert_eq!(
            load_and_read_shuffled(&store, &ours_header, &scrambled),
            entries
        );
        let (internal_text, chunks) = bench_seal(&store, &session).unwrap();
        let jar_line = jar::seal(&jar_key, &map);
        let jar_header = actix::header(&jar_line);
        assert_eq!(jar::open(&jar_key, &jar_header), map);
        let actix_line = actix::seal(&actix_store, &actix_key, state.clone());
        notes.add(
            workload,
            "sealed-session",
            "value_len",
            internal_text.len().to_string(),
        );
        notes.add(
            workload,
            "sealed-session",
            "cookies",
            chunks.len().to_string(),
        );
        notes.add(
            workload,
            "cookie-private-json",
            "value_len",
            (jar_header.len() - COOKIE_NAME.len() - 1).to_string(),
        );
        // A browser drops a cookie whose `name=value` exceeds 4096 bytes.
        let jar_fits = jar_header.len() <= BROWSER_COOKIE_LIMIT;
        if !jar_fits {
            notes.add(
                workload,
                "cookie-private-json",
                "refused",
                format!(
                    "one cookie of {} bytes exceeds the {BROWSER_COOKIE_LIMIT}-byte browser limit (no chunking)",
                    jar_header.len()
                ),
            );
        }
        let actix_header = actix_line.as_deref().map(actix::header);
        match &actix_header {
            Ok(header) => {
                assert_eq!(actix::open(&actix_store, &actix_key, header, true), entries);
                notes.add(
                    workload,
                    "actix-session",
                    "value_len",
                    (header.len() - 3).to_string(),
                );
            }
            Err(e) => notes.add(workload, "actix-session", "refused", (*e).clone()),
        }

        let mut seal = c.benchmark_group(format!("compare-seal-{}", workload.name()));
        seal.throughput(Throughput::Bytes(bytes));
        // `save` writes only a changed session: each iteration changes one
        // small value (as a handler would) and saves.
        let mut changed = session.clone();
        let mut n = 0u64;
        seal.bench_function("sealed-session", |b| {
            b.iter(|| {
                n += 1;
                changed.insert("n", &n).unwrap();
                store.save(black_box(&mut changed)).unwrap()
            });
        });
        seal.bench_function("sealed-session-internal", |b| {
            b.iter(|| bench_seal(black_box(&store), black_box(&session)).unwrap());
        });
        if jar_fits {
            seal.bench_function("cookie-private-json", |b| {
                b.iter(|| jar::seal(black_box(&jar_key), black_box(&map)));
            });
        }
        if actix_line.is_ok() {
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
            b.iter(|| store.load([black_box(ours_header.as_str())]));
        });
        open.bench_function("sealed-session-read-all", |b| {
            b.iter(|| load_and_read(black_box(&store), black_box(&ours_header)));
        });
        open.bench_function("sealed-session-read-shuffled", |b| {
            b.iter(|| {
                load_and_read_shuffled(black_box(&store), black_box(&ours_header), &scrambled)
            });
        });
        open.bench_function("sealed-session-internal", |b| {
            b.iter(|| {
                bench_open(black_box(&store), black_box(&internal_text), chunks.len()).unwrap()
            });
        });
        if jar_fits {
            open.bench_function("cookie-private-json", |b| {
                b.iter(|| jar::open(black_box(&jar_key), black_box(&jar_header)));
            });
        }
        if let Ok(header) = &actix_header {
            open.bench_function("actix-session", |b| {
                b.iter(|| {
                    actix::open(&actix_store, black_box(&actix_key), black_box(header), true)
                });
            });
            open.bench_function("actix-session-lazy", |b| {
                b.iter(|| {
                    actix::open(
                        &actix_store,
                        black_box(&actix_key),
                        black_box(header),
                        false,
                    )
                });
            });
        }
        open.finish();
    }
    notes.write();
}

/// The cheapest components of a seal and an open of each workload,
/// measured in the same run as the comparison; `report.py` adds them up
/// into the floor. Seal: `encode` (the payload written directly at its
/// exact length), `nonce` (24 bytes from the operating system),
/// `xaes-256-gcm-encrypt`, `base64-simd-encode`. Open: `base64-simd-decode`,
/// `xaes-256-gcm-decrypt`, `validate` (the strict one-pass check, no
/// allocation). For reference: the `base64` crate, AES-256-GCM, and the
/// lazy decode that keeps its index (`decode`).
fn components(c: &mut Criterion) {
    let xaes = Xaes256Gcm::new_from_slice(&[7; 32]).unwrap();
    let aes = aes_gcm::Aes256Gcm::new_from_slice(&[7; 32]).unwrap();
    for workload in Workload::ALL {
        let store = common::store(Algorithm::default(), workload);
        let session = common::session(&store, workload);
        let cbor = encode_payload(&session);
        assert_eq!(cbor, session_state(&session));
        assert!(validate_payload(&cbor));
        let nonce = xaes_256_gcm::Nonce::default();
        let mut sealed = cbor.clone();
        let tag = xaes
            .encrypt_inout_detached(&nonce, b"", (&mut sealed[..]).into())
            .unwrap();
        let sealed_len = NONCE + cbor.len() + TAG;
        let text = base64url_encode(&vec![0x5a; sealed_len]);
        let mut group = c.benchmark_group(format!("component-{}", workload.name()));
        group.throughput(Throughput::Bytes(cbor.len() as u64));
        group.bench_function("encode", |b| b.iter(|| encode_payload(black_box(&session))));
        group.bench_function("validate", |b| {
            b.iter(|| assert!(validate_payload(black_box(&cbor))));
        });
        group.bench_function("decode", |b| {
            b.iter(|| assert!(decode_payload(black_box(&cbor))));
        });
        let mut body = cbor.clone();
        group.bench_function("xaes-256-gcm-encrypt", |b| {
            b.iter(|| {
                xaes.encrypt_inout_detached(&nonce, b"", black_box(&mut body[..]).into())
                    .unwrap()
            });
        });
        group.bench_function("xaes-256-gcm-decrypt", |b| {
            b.iter_batched_ref(
                || sealed.clone(),
                |ct| {
                    xaes.decrypt_inout_detached(&nonce, b"", black_box(&mut ct[..]).into(), &tag)
                        .unwrap();
                },
                BatchSize::SmallInput,
            );
        });
        let aes_nonce = aes_gcm::Nonce::<aes_gcm::aead::consts::U12>::default();
        group.bench_function("aes-256-gcm-encrypt", |b| {
            b.iter(|| {
                aes.encrypt_inout_detached(&aes_nonce, b"", black_box(&mut body[..]).into())
                    .unwrap()
            });
        });
        let raw = vec![0x5a; sealed_len];
        group.bench_function("base64-simd-encode", |b| {
            b.iter(|| base64url_encode(black_box(&raw)));
        });
        group.bench_function("base64-simd-decode", |b| {
            b.iter(|| base64url_decode(black_box(&text)).unwrap());
        });
        group.bench_function("base64-encode", |b| {
            b.iter(|| URL_SAFE_NO_PAD.encode(black_box(&raw)));
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
        group.finish();
    }
}

criterion_group! {
    name = benches;
    config = common::criterion();
    targets = compare, components
}
criterion_main!(benches);
