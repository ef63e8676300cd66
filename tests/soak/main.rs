//! Soak: three demo instances behind nginx on loopback and 64 concurrent
//! clients, each with its own cookie jar, writing and reading its session
//! for `SOAK_SECONDS` (default 50) while the fleet rolls the three key
//! rotation phases (stage, promote, retire: SECURITY.md "Key rotation for a
//! fleet") and one instance is killed with SIGKILL and restarted.
//!
//! The rotation restarts nothing: each phase is one `sealed-session ...
//! --in-place` rewrite of the key file all three instances watch
//! (`rotation.rs`), and the time from the rewrite to every instance acting
//! on it is measured.
//!
//! Asserted: no session lost (every read shows exactly the writes the
//! client saw acknowledged, under the same session id), no unexpected
//! status or transport error, no instance restarted by the rotation and no
//! 502 during it, and every session sealed under the new key at the end.
//! Printed: requests, responses by status and by instance, 502s by cause,
//! p50/p99 latency, the reload times. `client.rs` says which requests a
//! client retries and why.
//!
//! The SIGKILL is the one restart: the demo has no graceful shutdown, so
//! requests in flight on the killed instance are cut.
//!
//! Ignored by a plain `cargo test` (a minute of load); `.ci/test` runs it:
//! `cargo test --all-features --test soak -- --ignored --nocapture`.

// The rotation runs the operator CLI, built only with the `cli` feature.
#![cfg(feature = "cli")]
// Test code: a failed expectation is a panic with a message.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "../e2e_support/mod.rs"]
mod e2e_support;

mod client;
mod figures;
mod rotation;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use e2e_support::cluster::{Cluster, INSTANCES};
use e2e_support::free_port;
use e2e_support::nginx::{NginxOptions, start_nginx};
use reqwest::Url;

use client::LoadClient;
use figures::Figures;
use rotation::{KeyFile, Phase, Prober};

const CLIENTS: usize = 64;
const DEFAULT_SECONDS: u64 = 50;

/// What the orchestrator and the clients share.
#[derive(Debug)]
pub struct Shared {
    stop: AtomicBool,
    logged_in: AtomicUsize,
    /// Bumped by the orchestrator; a client stores in `seen` the epoch at
    /// the start of its last completed round, so `seen >= epoch` means it
    /// made a whole round (and had its session re-sealed) since the bump.
    epoch: AtomicU64,
    seen: Vec<AtomicU64>,
}

impl Shared {
    /// Waits (bounded) until every client still working completed a round
    /// that started after now.
    fn wait_for_a_round_from_everyone(&self, clients: &[std::thread::JoinHandle<client::Tally>]) {
        let epoch = self.epoch.fetch_add(1, Ordering::SeqCst) + 1;
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            let behind = self
                .seen
                .iter()
                .zip(clients)
                .filter(|(seen, handle)| {
                    !handle.is_finished() && seen.load(Ordering::SeqCst) < epoch
                })
                .count();
            if behind == 0 {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("clients did not complete a round within 60 s");
    }
}

fn soak_seconds() -> u64 {
    match std::env::var("SOAK_SECONDS") {
        Ok(s) => s.parse().expect("SOAK_SECONDS: a number of seconds"),
        Err(_) => DEFAULT_SECONDS,
    }
}

/// Sleeps until `at` after `start` (no-op if already past).
fn sleep_until(start: Instant, at: Duration) {
    if let Some(rest) = (start + at).checked_duration_since(Instant::now()) {
        std::thread::sleep(rest);
    }
}

/// nginx's `[error]` lines counted by message (the part between the
/// connection number and `, client:`), e.g. a refused connect to an instance
/// that is down (passed to the next one) or an instance that died with the
/// request in flight.
fn nginx_errors(text: &str) -> std::collections::BTreeMap<String, u64> {
    let mut counts = std::collections::BTreeMap::new();
    for line in text.lines().filter(|l| l.contains("[error]")) {
        let message = line
            .split_once(": *")
            .and_then(|(_, rest)| rest.split_once(' '))
            .map_or(line, |(_, rest)| rest);
        let message = message.split(", client:").next().unwrap_or(message);
        *counts.entry(message.to_owned()).or_default() += 1;
    }
    counts
}

#[test]
#[ignore = "a minute of load: .ci/test runs it with --ignored"]
fn sixty_four_clients_through_rotation_and_a_crash_lose_no_session() {
    let seconds = soak_seconds();
    let total = Duration::from_secs(seconds);
    let dir = tempfile::tempdir().expect("a temp dir");
    let mut keys = KeyFile::create(dir.path());

    let mut cluster = Cluster::start_watching(dir.path(), &keys.path);
    let nginx_port = free_port();
    let _nginx = start_nginx(
        dir.path(),
        nginx_port,
        &cluster.ports,
        &NginxOptions {
            worker_connections: 1024,
            upstream_keepalive: 32,
            // The default conditions, spelled out: connection failures and
            // timeouts go to the next instance; a POST already sent is not
            // repeated by nginx (no `non_idempotent`), see client.rs.
            next_upstream: "error timeout",
        },
    );
    let base = Url::parse(&format!("http://127.0.0.1:{nginx_port}/")).unwrap();

    let shared = Arc::new(Shared {
        stop: AtomicBool::new(false),
        logged_in: AtomicUsize::new(0),
        epoch: AtomicU64::new(0),
        seen: (0..CLIENTS).map(|_| AtomicU64::new(0)).collect(),
    });
    let setup = Instant::now();
    let clients: Vec<_> = (0..CLIENTS)
        .map(|id| {
            let client = LoadClient::new(id, &base);
            let shared = shared.clone();
            std::thread::Builder::new()
                .name(format!("client {id}"))
                .spawn(move || client.run(&shared))
                .expect("spawning a client thread")
        })
        .collect();
    while shared.logged_in.load(Ordering::SeqCst) < CLIENTS {
        assert!(
            setup.elapsed() < Duration::from_secs(300),
            "clients did not log in within 300 s"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let setup = setup.elapsed();

    // The timeline, as fractions of the load time.
    let start = Instant::now();
    let at = |fraction: f64| total.mul_f64(fraction);
    let mut events: Vec<(Duration, String)> = Vec::new();
    let mut log = |what: String| events.push((start.elapsed(), what));
    let pids: Vec<_> = (0..INSTANCES.len()).map(|i| cluster.pid(i)).collect();
    let mut reloads: Vec<(Phase, Vec<Duration>)> = Vec::new();
    let mut prober = None;
    let error_log = dir.path().join("error.log");
    let log_len = || std::fs::read(&error_log).map_or(0, |bytes| bytes.len());
    let rotation_log_start = log_len();
    let rotation_start = Instant::now();
    for (phase, begin) in Phase::ALL.into_iter().zip([0.10, 0.30, 0.55]) {
        sleep_until(start, at(begin));
        let written = keys.rewrite(phase);
        log(format!("{}: key file rewritten", phase.name()));
        let prober = prober.get_or_insert_with(|| Prober::new(&keys));
        let times = prober.wait(&cluster.ports, phase, written);
        log(format!(
            "{}: every instance reloaded ({})",
            phase.name(),
            times
                .iter()
                .map(|t| format!("{:.0} ms", t.as_secs_f64() * 1000.0))
                .collect::<Vec<_>>()
                .join(", ")
        ));
        reloads.push((phase, times));
        if phase == Phase::Promote {
            // Retire only once no live session depends on the old key:
            // every client has made a request since the last instance
            // promoted, which re-sealed its session under the new key.
            shared.wait_for_a_round_from_everyone(&clients);
            log("promote: every client re-sealed under the new key".to_owned());
        }
    }
    let rotation_end = Instant::now();
    let rotation_log_end = log_len();
    let restarted: Vec<_> = (0..INSTANCES.len())
        .filter(|&i| cluster.pid(i) != pids[i])
        .map(|i| INSTANCES[i])
        .collect();
    assert!(
        restarted.is_empty(),
        "restarted by the rotation: {restarted:?}"
    );
    // The CLI replaces the file atomically: no instance ever read half of it.
    for (i, instance) in INSTANCES.iter().enumerate() {
        let log = cluster.instances[i]
            .as_ref()
            .map(|demo| demo.proc.log_text());
        let log = log.unwrap_or_default();
        assert!(
            !log.contains("reload refused"),
            "instance {instance} refused a key file:\n{log}"
        );
        assert_eq!(
            log.matches("key file reloaded").count(),
            Phase::ALL.len(),
            "instance {instance}: one reload per phase:\n{log}"
        );
    }
    sleep_until(start, at(0.75));
    let victim = 1;
    let killed = Instant::now();
    cluster.stop(victim);
    log(format!("instance {} killed (SIGKILL)", INSTANCES[victim]));
    std::thread::sleep(at(0.05));
    cluster.restart(victim, "");
    log(format!("instance {} restarted", INSTANCES[victim]));
    // Enough load after the restart for the instance to take its share.
    shared.wait_for_a_round_from_everyone(&clients);
    log("every client made a round after the restart".to_owned());
    sleep_until(start, total);
    shared.stop.store(true, Ordering::SeqCst);
    let tallies: Vec<_> = clients
        .into_iter()
        .map(|handle| handle.join().expect("a client thread panicked"))
        .collect();
    let elapsed = start.elapsed();

    let figures = Figures::from_tallies(tallies, elapsed, setup);
    let error_text = std::fs::read_to_string(&error_log).unwrap_or_default();
    println!("\nsoak timeline (s since load start):");
    for (when, what) in &events {
        println!("  {:>6.1}  {what}", when.as_secs_f64());
    }
    println!("\n{}", figures.table());
    println!(
        "key file rewrite -> every instance acting on it (stage: opens the new key; promote: seals with it; retire: refuses the old one):"
    );
    for (phase, times) in &reloads {
        let ms: Vec<String> = times
            .iter()
            .map(|t| format!("{:.1}", t.as_secs_f64() * 1000.0))
            .collect();
        let max = times.iter().max().copied().unwrap_or_default();
        println!(
            "  {:<8} per instance {} ms; all {:.1} ms",
            phase.name(),
            ms.join(" / "),
            max.as_secs_f64() * 1000.0
        );
    }
    let during = |from: Instant, to: Instant| {
        figures
            .bad_gateway_at
            .iter()
            .filter(|&&t| t >= from && t < to)
            .count()
    };
    let far_future = Instant::now() + Duration::from_secs(3600);
    let from_rotation = during(rotation_start, rotation_end);
    let from_kill = during(killed, far_future);
    let other = figures.bad_gateway_at.len() - from_rotation - from_kill;
    println!("502s by cause:");
    println!("  {from_rotation:>6}  key rotation (three key file rewrites, no restart)");
    println!(
        "  {from_kill:>6}  SIGKILL of instance {} (requests in flight cut)",
        INSTANCES[victim]
    );
    println!("  {other:>6}  other");
    let rotation_errors = nginx_errors(
        error_text
            .get(rotation_log_start..rotation_log_end)
            .unwrap_or_default(),
    );
    println!("nginx error.log during the key rotation, by message:");
    for (message, n) in &rotation_errors {
        println!("  {n:>6}  {message}");
    }
    if rotation_errors.is_empty() {
        println!("       0  (none: no refused connection, no request cut)");
    }
    println!("nginx error.log, by message:");
    let errors = nginx_errors(&error_text);
    for (message, n) in &errors {
        println!("  {n:>6}  {message}");
    }
    // Every 502 a client retried is one of nginx's own records of an
    // instance that died with a request in flight (the GETs among those
    // nginx passed on itself).
    let died_mid_request: u64 = errors
        .iter()
        .filter(|(message, _)| message.contains("while reading response header from upstream"))
        .map(|(_, n)| n)
        .sum();
    assert!(
        figures.retried_posts <= died_mid_request,
        "{} POSTs answered 502, nginx saw {died_mid_request} requests cut by a dying instance",
        figures.retried_posts
    );
    assert_eq!(
        figures.by_status.get(&502).copied().unwrap_or(0),
        figures.retried_posts,
        "every 502 is a retried POST"
    );

    assert_eq!(from_rotation, 0, "502s during the key rotation");
    assert!(
        rotation_errors.is_empty(),
        "nginx errors during the key rotation: {rotation_errors:?}"
    );
    assert_eq!(other, 0, "502s outside the rotation and the kill");
    assert!(
        figures.unexpected.is_empty(),
        "unexpected: {:#?}",
        figures.unexpected
    );
    assert!(
        figures.lost.is_empty(),
        "sessions lost: {:#?}",
        figures.lost
    );
    assert_eq!(figures.clients, CLIENTS);
    assert!(
        figures.min_rounds >= 3,
        "every client worked through the run: {} rounds for the slowest",
        figures.min_rounds
    );
    assert_eq!(
        figures.instances.len(),
        INSTANCES.len(),
        "every instance served: {:?}",
        figures.instances
    );
    let new_id = keys.new_id();
    assert!(
        figures.final_key_ids.iter().all(|id| id == &new_id),
        "every session sealed under the new key {new_id} at the end: {:?}",
        figures.final_key_ids
    );
}
