//! Revocation (benches/README.md, "Revocation"): the per-request check
//! through `CookieStore::load` against no check, an empty copy and a copy
//! of 1M entries; the propagation of a sign-out from one instance to
//! another over a real `redis-server` on loopback (p50/p99); the memory of
//! the copy per 100,000 entries.
// A bench that cannot build its fixed inputs should stop loudly.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

mod common;

use std::alloc::System;
use std::hint::black_box;
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use common::{Workload, cookie_header, keyring, session};
use criterion::{Criterion, criterion_group, criterion_main};
use sealed_session::revocation::{RevocationList, RevocationOptions};
use sealed_session::{Algorithm, CookieStore};
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

// Counts the copy's memory; every variant below pays the same counting.
#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

const LIFETIME: Duration = Duration::from_secs(14 * 24 * 3600);

/// Workload S's store, with `list` checking the `username` value.
fn store(list: Option<&RevocationList>) -> CookieStore {
    let builder = CookieStore::builder("__Host-session", keyring(Algorithm::default()));
    let builder = match list {
        Some(list) => builder
            .with_revocation_check(list.check(|s| s.get::<String>("username").ok().flatten())),
        None => builder,
    };
    builder.build().unwrap()
}

/// `n` users signed out everywhere and `n` ids denied (none of them the
/// benchmarked session's).
fn filled(list: &RevocationList, users: usize, ids: usize) {
    let now = SystemTime::now();
    let ids_from = store(None);
    pollster::block_on(async {
        for i in 0..users {
            list.sign_out_everywhere(&format!("user{i:07}"), now)
                .await
                .unwrap();
        }
        for _ in 0..ids {
            list.deny(ids_from.new_session().id(), now + LIFETIME)
                .await
                .unwrap();
        }
    });
}

fn check(c: &mut Criterion) {
    let mut group = c.benchmark_group("revocation-check");
    let empty = RevocationList::in_process(RevocationOptions::new(LIFETIME));
    let full = RevocationList::in_process(RevocationOptions::new(LIFETIME));
    filled(&full, 500_000, 500_000);
    assert_eq!(full.status().entries, 1_000_000);
    for (name, list) in [
        ("none", None),
        ("empty", Some(&empty)),
        ("1M-entries", Some(&full)),
    ] {
        let store = store(list);
        let header = cookie_header(&store, &session(&store, Workload::S));
        group.bench_function(name, |b| {
            b.iter(|| {
                let session = store.load(Some(black_box(header.as_str())));
                assert!(session.load_error().is_none());
                session
            });
        });
    }
    group.finish();
}

/// A redis-server on a free loopback port, killed when dropped.
struct Redis(Child, u16);

impl Redis {
    fn start() -> Redis {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new("redis-server")
            .args([
                "--port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
            ])
            .args(["--appendonly", "no"])
            .stdout(Stdio::null())
            .spawn()
            .expect("redis-server (apt-get install redis-server)");
        let redis = Redis(child, port);
        for _ in 0..400 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return redis;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        panic!("redis-server did not start");
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The `per_mille`-th of `sorted` (nearest rank).
fn percentile(sorted: &[Duration], per_mille: usize) -> Duration {
    let i = (sorted.len() - 1) * per_mille / 1000;
    sorted.get(i).copied().unwrap_or_default()
}

/// From the call of `sign_out_everywhere` on instance A to instance B's
/// copy holding it (B's check refuses from then on), and the write alone.
fn propagation(c: &mut Criterion) {
    let redis = Redis::start();
    let url = format!("redis://127.0.0.1:{}/", redis.1);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (a, b) = runtime.block_on(async {
        let a = RevocationList::redis(&url, RevocationOptions::new(LIFETIME))
            .await
            .unwrap();
        let b = RevocationList::redis(&url, RevocationOptions::new(LIFETIME))
            .await
            .unwrap();
        (a, b)
    });
    let mut n = 0u64;
    let mut once = |a: &RevocationList, b: &RevocationList| -> (Duration, Duration) {
        n += 1;
        let user = format!("p{n}");
        runtime.block_on(async {
            let start = Instant::now();
            a.sign_out_everywhere(&user, SystemTime::now())
                .await
                .unwrap();
            let written = start.elapsed();
            while b.valid_from(&user).is_none() {
                tokio::task::yield_now().await;
            }
            (written, start.elapsed())
        })
    };
    let mut group = c.benchmark_group("revocation-propagation");
    group.bench_function("sign-out-on-a-seen-on-b", |bench| {
        bench.iter_custom(|iters| (0..iters).map(|_| once(&a, &b).1).sum());
    });
    group.finish();
    let (mut writes, mut seen): (Vec<_>, Vec<_>) = (0..2000).map(|_| once(&a, &b)).unzip();
    writes.sort();
    seen.sort();
    println!(
        "revocation propagation over loopback, 2000 sign-outs: seen on B p50 {:?} p99 {:?}; \
         the write on A alone p50 {:?} p99 {:?}",
        percentile(&seen, 500),
        percentile(&seen, 990),
        percentile(&writes, 500),
        percentile(&writes, 990),
    );
}

/// Net bytes the copy holds for 100,000 users, and for 100,000 denied ids.
fn memory(_: &mut Criterion) {
    let ids_store = store(None);
    drop(ids_store.new_session());
    for (what, users, ids) in [
        ("users (names of 11 bytes)", 100_000, 0),
        ("denied ids", 0, 100_000),
    ] {
        let region = Region::new(GLOBAL);
        let list = RevocationList::in_process(RevocationOptions::new(LIFETIME));
        filled(&list, users, ids);
        let change = region.change();
        let bytes = change.bytes_allocated + change.bytes_reallocated.max(0) as usize
            - change.bytes_deallocated;
        println!(
            "revocation copy memory: 100,000 {what}: {:.1} MB ({} bytes per entry)",
            bytes as f64 / 1e6,
            bytes / 100_000
        );
        black_box(list);
    }
}

criterion_group! {
    name = benches;
    config = common::criterion();
    targets = memory, check, propagation
}
criterion_main!(benches);
