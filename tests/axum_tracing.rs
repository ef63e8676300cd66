//! The axum layer logs a failed response-time save through `tracing`
//! (cookie name and sizes, never session contents). Its own test binary:
//! `tracing` caches callsite interest process-wide, so a scoped subscriber
//! is reliable only without other tests logging from other threads.
#![cfg(all(feature = "axum", feature = "tracing"))]
// Test helpers outside #[test] functions: clippy.toml's allow-*-in-tests
// does not reach them in an integration-test crate.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::routing::post;
use sealed_session::axum::{Session, SessionLayer};
use sealed_session::{CookieStore, Keyring};
use tower::ServiceExt as _;

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

const SECRET: &str = "hunter2-session-secret";

async fn too_big(session: Session) -> &'static str {
    session.insert("hint", SECRET).unwrap();
    session.insert("pad", &"p".repeat(8 * 1024)).unwrap();
    "stored"
}

#[test]
fn failed_response_time_save_is_logged_without_contents() {
    let keyring =
        Keyring::from_config(&Keyring::generate_entry(Default::default()).unwrap()).unwrap();
    let store = CookieStore::builder("sid", keyring)
        .allow_non_host_name()
        .build()
        .unwrap();
    let app = Router::new()
        .route("/", post(too_big))
        .layer(SessionLayer::new(store));

    let out = Captured::default();
    let writer = out.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let response = tracing::subscriber::with_default(subscriber, || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        runtime.block_on(app.oneshot(Request::post("/").body(Body::empty()).unwrap()))
    })
    .unwrap();
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert!(response.headers().get("set-cookie").is_none());

    let log = String::from_utf8(out.0.lock().unwrap().clone()).unwrap();
    let line = log
        .lines()
        .find(|l| l.contains("saving the session failed"))
        .unwrap_or_else(|| panic!("no failure event in:\n{log}"));
    assert!(line.contains("ERROR"), "{line}");
    assert!(line.contains("cookie=\"sid\""), "{line}");
    assert!(line.contains("session too large"), "{line}");
    assert!(!log.contains(SECRET), "{log}");
    assert!(!log.contains("pppp"), "{log}");
}
