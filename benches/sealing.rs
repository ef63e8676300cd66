//! This crate's own suite (benches/README.md): seal and open per workload
//! and algorithm, the full request cycle, keyring depth, and chunk counts.
// A bench that cannot build its fixed inputs should stop loudly.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

mod common;

use std::hint::black_box;

use common::{Workload, key_pair, session, session_from, store, store_with, string_entries};
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use sealed_session::__private::{bench_open, bench_seal};
use sealed_session::{Algorithm, CookieStore, Keyring};

/// `Cookie` request header carrying the cookies of `Set-Cookie` lines.
fn cookie_header(set_cookie: &[String]) -> String {
    set_cookie
        .iter()
        .filter(|line| !line.contains("Max-Age=0"))
        .map(|line| line.split(';').next().unwrap_or_default())
        .collect::<Vec<_>>()
        .join("; ")
}

/// Seal and open of every workload under every algorithm (incl. sign-only).
fn seal_open(c: &mut Criterion) {
    for workload in Workload::ALL {
        let bytes = common::payload_len(workload);
        let mut seal = c.benchmark_group(format!("seal-{}", workload.name()));
        seal.throughput(Throughput::Bytes(bytes));
        for alg in Algorithm::ALL {
            let store = store(alg, workload);
            let session = session(&store, workload);
            seal.bench_function(alg.name(), |b| {
                b.iter(|| bench_seal(black_box(&store), black_box(&session)).unwrap());
            });
        }
        seal.finish();
        let mut open = c.benchmark_group(format!("open-{}", workload.name()));
        open.throughput(Throughput::Bytes(bytes));
        for alg in Algorithm::ALL {
            let store = store(alg, workload);
            let (text, chunks) = bench_seal(&store, &session(&store, workload)).unwrap();
            open.bench_function(alg.name(), |b| {
                b.iter(|| bench_open(black_box(&store), black_box(&text), chunks.len()).unwrap());
            });
        }
        open.finish();
    }
}

/// The full request cycle with the public API: `load` the `Cookie` header,
/// read one key, modify it, `save` into `Set-Cookie` lines.
fn request_cycle(c: &mut Criterion) {
    let mut group = c.benchmark_group("cycle");
    for workload in Workload::ALL {
        let store = store(Algorithm::default(), workload);
        let mut first = session(&store, workload);
        let header = cookie_header(&store.save(&mut first).unwrap());
        group.throughput(Throughput::Bytes(common::payload_len(workload)));
        group.bench_function(workload.name(), |b| {
            b.iter(|| {
                let mut session = store.load([black_box(header.as_str())]);
                let value: String = session.get(workload.read_key()).unwrap().unwrap();
                black_box(value);
                session.insert(workload.read_key(), "changed").unwrap();
                store.save(&mut session).unwrap()
            });
        });
    }
    group.finish();
}

/// Opening with the primary key vs the 16th and 64th of a 64-key keyring:
/// keys are found by id through a sorted index, so this must be flat.
fn keyring_depth(c: &mut Criterion) {
    let alg = Algorithm::default();
    let pairs = (0..64).map(|i| key_pair(i, alg)).collect();
    let opener = store_with(Keyring::new(pairs).unwrap(), Workload::S);
    let mut group = c.benchmark_group("keyring-open");
    group.throughput(Throughput::Bytes(common::payload_len(Workload::S)));
    for position in [1u8, 16, 64] {
        let sealer = store_with(
            Keyring::new(vec![key_pair(position - 1, alg)]).unwrap(),
            Workload::S,
        );
        let (text, _) = bench_seal(&sealer, &session(&sealer, Workload::S)).unwrap();
        let opened = bench_open(&opener, &text, 1).expect("a keyring key opens");
        assert_eq!(opened.opened_with(), Some(sealer.keyring_primary()));
        group.bench_function(format!("key-{position}"), |b| {
            b.iter(|| bench_open(black_box(&opener), black_box(&text), 1).unwrap());
        });
    }
    group.finish();
}

/// Sessions spanning 1 to 4 cookies: `save` into chunk cookies, and `load`
/// from a `Cookie` header carrying them.
fn chunk_counts(c: &mut Criterion) {
    let mut save = c.benchmark_group("chunks-save");
    let store: CookieStore = store(Algorithm::default(), Workload::L);
    let mut cases = Vec::new();
    for chunks in 1..=4usize {
        // Each 40-character entry takes 50 CBOR bytes (about 67 of base64);
        // 61 of them fill a 4096-byte cookie.
        let session = session_from(&store, &string_entries(chunks * 60 - 20));
        let lines = store.save(&mut session.clone()).unwrap();
        let header = cookie_header(&lines);
        assert_eq!(
            header.matches('=').count(),
            chunks,
            "workload spans {chunks} cookies"
        );
        cases.push((chunks, session, header));
    }
    for (chunks, session, header) in &cases {
        save.throughput(Throughput::Bytes(header.len() as u64));
        save.bench_function(chunks.to_string(), |b| {
            b.iter_batched(
                || session.clone(),
                |mut s| store.save(&mut s).unwrap(),
                BatchSize::SmallInput,
            );
        });
    }
    save.finish();
    let mut load = c.benchmark_group("chunks-load");
    for (chunks, _, header) in &cases {
        load.throughput(Throughput::Bytes(header.len() as u64));
        load.bench_function(chunks.to_string(), |b| {
            b.iter(|| {
                let session = store.load([black_box(header.as_str())]);
                assert!(!session.is_new());
                session
            });
        });
    }
    load.finish();
}

/// The primary key id of a store (the id a session it seals is opened with).
trait PrimaryId {
    fn keyring_primary(&self) -> sealed_session::KeyId;
}

impl PrimaryId for CookieStore {
    fn keyring_primary(&self) -> sealed_session::KeyId {
        let mut s = self.new_session();
        s.insert("k", &1).unwrap();
        let (text, _) = bench_seal(self, &s).unwrap();
        bench_open(self, &text, 1).unwrap().opened_with().unwrap()
    }
}

criterion_group! {
    name = benches;
    config = common::criterion();
    targets = seal_open, request_cycle, keyring_depth, chunk_counts
}
criterion_main!(benches);
