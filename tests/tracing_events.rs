//! The `tracing` events of loads and saves: outcomes, key ids, chunk counts
//! and sizes, the internal rejection reason at debug level, and never key
//! bytes or session contents. Its own test binary: `tracing` caches
//! callsite interest process-wide, so a scoped subscriber is reliable only
//! without other tests logging from other threads.
#![cfg(feature = "tracing")]
// Test helpers outside #[test] functions: clippy.toml's allow-*-in-tests
// does not reach them in an integration-test crate.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::io::Write;
use std::sync::{Arc, Mutex};

use sealed_session::__private::{load_at, save_at};
use sealed_session::{CookieStore, Keyring};

const T0: u64 = 1_700_000_000;

/// Collects formatted events.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn capture(f: impl FnOnce()) -> String {
    let out = Captured::default();
    let writer = out.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    tracing::subscriber::with_default(subscriber, f);
    let bytes = out.0.lock().unwrap().clone();
    String::from_utf8(bytes).unwrap()
}

#[test]
fn events_describe_outcomes_without_secrets() {
    let old = Keyring::generate_entry(Default::default()).unwrap();
    let new = Keyring::generate_entry(Default::default()).unwrap();
    let store = |config: &str| {
        CookieStore::builder("sid", Keyring::from_config(config).unwrap())
            .allow_non_host_name()
            .with_size_limit(8 * 1024)
            .allow_large_cookie_header()
            .build()
            .unwrap()
    };
    let (old_store, rotated) = (store(&old), store(&format!("{}\n{}", *new, *old)));
    let old_id = Keyring::from_config(&old).unwrap().primary_id().to_string();
    let secret = "hunter2-session-secret";

    let log = capture(|| {
        let mut session = load_at(&old_store, None::<&str>, T0);
        session.insert("password_hint", secret).unwrap();
        session.insert("pad", &"p".repeat(5000)).unwrap();
        let lines = save_at(&old_store, &mut session, T0).unwrap();
        let header: Vec<&str> = lines
            .iter()
            .filter(|l| !l.contains("Max-Age=0"))
            .map(|l| l.split(';').next().unwrap())
            .collect();
        let header = header.join("; ");
        let mut session = load_at(&rotated, [header.as_str()], T0 + 1);
        save_at(&rotated, &mut session, T0 + 1).unwrap();
        load_at(&rotated, ["sid=AAAA"], T0 + 2);
        // Chunk 0 alone: the second cookie never arrived (a client that
        // caps its Cookie header drops what does not fit).
        let first_only = header.split("; ").next().unwrap();
        load_at(&rotated, [first_only], T0 + 2);
        load_at(&rotated, [header.as_str()], T0 + 30 * 24 * 3600);
        session.insert("pad", &"q".repeat(9000)).unwrap();
        let _ = save_at(&rotated, &mut session, T0 + 3);
    });

    assert!(log.contains("no session cookie"), "{log}");
    assert!(log.contains("session opened"), "{log}");
    assert!(log.contains(&format!("key_id={old_id}")), "{log}");
    assert!(log.contains("primary=false"), "{log}");
    assert!(log.contains("chunks=2"), "{log}");
    assert!(log.contains("resealed=true"), "{log}");
    assert!(
        log.contains("session saved") && log.contains("bytes="),
        "{log}"
    );
    // Too short to hold the chunk count: refused before any decoding.
    assert!(log.contains("reason=\"chunk count mismatch\""), "{log}");
    // Missing chunks say so, and what usually causes them.
    assert!(
        log.contains(
            "reason=\"chunks missing: the first cookie names more chunks than the request carried"
        ),
        "{log}"
    );
    assert!(log.contains("outcome=session cookie expired"), "{log}");
    assert!(
        log.contains("session too large") && log.contains("needed="),
        "{log}"
    );
    assert!(log.contains("WARN"), "{log}");

    assert!(!log.contains(secret), "session contents leaked: {log}");
    assert!(!log.contains("ppppp"), "session contents leaked");
    for config in [&old, &new] {
        for key in config.split(':').skip(1) {
            assert!(!log.contains(&key[..10]), "key bytes leaked: {log}");
        }
    }
}
