//! Heap allocations per seal and per open of the S workload
//! (benches/README.md), counted with a counting global allocator.
//!
//! `cargo test --all-features --test alloc_count -- --nocapture` prints the
//! counts; the bounds below pin them so an avoidable allocation creeping back
//! into the hot path fails a test rather than a benchmark nobody runs. The
//! counter is process-wide, so this binary holds a single test.
//!
//! The crate forbids `unsafe_code` in every target (Cargo.toml `[lints]`),
//! so the counting allocator comes from `stats_alloc` instead of a local
//! `unsafe impl GlobalAlloc`.
#![allow(clippy::expect_used, clippy::unwrap_used)]

#[path = "../benches/common/mod.rs"]
mod common;

use std::alloc::System;

use common::Workload;
use sealed_session::__private::{bench_open, bench_seal};
use sealed_session::Algorithm;
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// Allocations made by one call of `f` (after a warm-up call, so one-time
/// costs such as seeding the thread's generator are not counted). The
/// counter is process-wide and the test harness has threads of its own, so
/// this is the least of several calls: `f` is deterministic, the noise is not.
fn allocations<T>(mut f: impl FnMut() -> T) -> usize {
    drop(f());
    (0..8)
        .map(|_| {
            let region = Region::new(GLOBAL);
            let out = f();
            let count = region.change().allocations;
            drop(out);
            count
        })
        .min()
        .unwrap_or(usize::MAX)
}

#[test]
fn allocations_per_seal_and_open_of_s() {
    let mut report = Vec::new();
    for alg in Algorithm::ALL {
        let store = common::store(alg, Workload::S);
        let session = common::session(&store, Workload::S);
        let (text, chunks) = bench_seal(&store, &session).unwrap();
        let seal = allocations(|| bench_seal(&store, &session).unwrap());
        let open = allocations(|| bench_open(&store, &text, chunks.len()).unwrap());
        report.push((alg, seal, open));
        println!(
            "S {:<20} seal: {seal:>2} allocations   open: {open:>2} allocations",
            alg.name()
        );
    }
    for (alg, seal, open) in report {
        assert!(
            seal <= SEAL_MAX,
            "{}: {seal} allocations per seal",
            alg.name()
        );
        assert!(
            open <= OPEN_MAX,
            "{}: {open} allocations per open",
            alg.name()
        );
    }
}

/// Seal: the sealed buffer (the payload is encoded straight into it), the
/// base64url text, the chunk lengths. (Was 5: a separate CBOR buffer and a
/// heap-built associated data.)
const SEAL_MAX: usize = 3;
/// Open: the decoded buffer; S's data (4 keys, 3 strings, 1 array, the
/// map's node); the session's store name. (Was 17: a heap-built associated
/// data and a clone of every top-level key.)
const OPEN_MAX: usize = 12;
