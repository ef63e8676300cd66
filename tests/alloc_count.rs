//! Heap allocations per seal and per open of the S and L workloads
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
use sealed_session::__private::{bench_open, bench_seal, load_at, save_at};
use sealed_session::Algorithm;
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// Allocations and reallocations (a buffer growing) made by one call of
/// `f` (after a warm-up call, so one-time
/// costs such as seeding the thread's generator are not counted). The
/// counter is process-wide and the test harness has threads of its own, so
/// this is the least of several calls: `f` is deterministic, the noise is not.
fn allocations<T>(mut f: impl FnMut() -> T) -> usize {
    drop(f());
    (0..8)
        .map(|_| {
            let region = Region::new(GLOBAL);
            let out = f();
            let change = region.change();
            let count = change.allocations + change.reallocations;
            drop(out);
            count
        })
        .min()
        .unwrap_or(usize::MAX)
}

/// The `Cookie` header a browser sends back after `store.save` wrote `lines`.
fn cookie_header(lines: &[String]) -> String {
    lines
        .iter()
        .filter(|l| !l.contains("Max-Age=0"))
        .map(|l| l.split(';').next().unwrap())
        .collect::<Vec<_>>()
        .join("; ")
}

#[test]
fn allocations_per_seal_and_open_of_s_and_l() {
    let now = 1_800_000_000;
    let mut report = Vec::new();
    for workload in [Workload::S, Workload::L] {
        for alg in Algorithm::ALL {
            let store = common::store(alg, workload);
            let session = common::session(&store, workload);
            let (text, chunks) = bench_seal(&store, &session).unwrap();
            let seal = allocations(|| bench_seal(&store, &session).unwrap());
            let open = allocations(|| bench_open(&store, &text, chunks.len()).unwrap());
            let mut saved = session.clone();
            let header = cookie_header(
                &sealed_session::__private::save_at(&store, &mut saved, now).unwrap(),
            );
            assert!(!load_at(&store, [header.as_str()], now).is_new());
            let load = allocations(|| load_at(&store, [header.as_str()], now));
            // The public save of a changed session (a clone made outside the
            // count each time, so every save has something to write).
            let save = {
                let mut fresh = session.clone();
                drop(save_at(&store, &mut fresh, now));
                (0..8)
                    .map(|_| {
                        let mut s = session.clone();
                        let region = Region::new(GLOBAL);
                        let lines = save_at(&store, &mut s, now).unwrap();
                        let change = region.change();
                        drop(lines);
                        change.allocations + change.reallocations
                    })
                    .min()
                    .unwrap_or(usize::MAX)
            };
            println!(
                "{} {:<20} seal: {seal:>2}  save: {save:>2}  open: {open:>2}  load: {load:>2} allocations ({} chunks)",
                workload.name(),
                alg.name(),
                chunks.len()
            );
            report.push((workload, alg, seal, save, open, load));
        }
    }
    for (workload, alg, seal, save, open, load) in report {
        let (seal_max, open_max, load_max) = match workload {
            Workload::L => (SEAL_MAX, OPEN_MAX, LOAD_MAX_L),
            _ => (SEAL_MAX, OPEN_MAX, LOAD_MAX_S),
        };
        let name = format!("{} {}", workload.name(), alg.name());
        assert!(seal <= seal_max, "{name}: {seal} allocations per seal");
        let save_max = if workload == Workload::L {
            SAVE_MAX_L
        } else {
            SAVE_MAX_S
        };
        assert!(save <= save_max, "{name}: {save} allocations per save");
        assert!(open <= open_max, "{name}: {open} allocations per open");
        assert!(load <= load_max, "{name}: {load} allocations per load");
    }
}

/// Seal, for any number of items: the sealed buffer and the base64url text
/// (each at its exact size: the payload's length is computed before it is
/// written) and the chunk lengths. (Was 5: a separate CBOR buffer and a
/// heap-built associated data.)
const SEAL_MAX: usize = 3;
/// `CookieStore::save` of a changed session: the seal above, the list of
/// lines, and one allocation per line at its exact length (the session's
/// cookies, and the deletions of the budget's unused chunk indexes): S has
/// 1 + 1 lines, L 3 + 2.
const SAVE_MAX_S: usize = 6;
const SAVE_MAX_L: usize = 9;
/// Open (the envelope's text to a session), for any number of items: the
/// decoded buffer, which becomes the session's plaintext, and the index of
/// its data entries, sized from the data map's header. (Was 12 for S and
/// 327 for L: a `ciborium::Value` tree, one or more allocations per value,
/// and a copy of the store name.)
const OPEN_MAX: usize = 2;
/// `CookieStore::load` from the `Cookie` header: the open above and nothing
/// else for one cookie (the chunk values are borrowed from the header and a
/// single chunk is opened where it lies). (Was 17 allocations, then 7.)
const LOAD_MAX_S: usize = 2;
/// L: three chunk cookies joined into one buffer of exactly their length.
/// (Was 336 allocations, then 13.)
const LOAD_MAX_L: usize = 3;
