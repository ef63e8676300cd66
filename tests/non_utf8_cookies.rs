//! A cookie whose bytes are not UTF-8, beside the session cookie in the
//! same `Cookie` header field, over real HTTP: the axum and actix-web
//! integrations read the header's bytes themselves, so only the offending
//! cookie is lost and the session opens (SECURITY.md, "Rocket and
//! non-UTF-8 cookies", contrasts Rocket 0.5, which drops the whole field:
//! `tests/rocket.rs`).
// Test helpers outside #[test] functions: clippy.toml's allow-*-in-tests
// does not reach them in an integration-test crate.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::net::SocketAddr;

use reqwest::header::{COOKIE, HeaderValue, SET_COOKIE};
use sealed_session::{CookieStore, Keyring};

fn store() -> CookieStore {
    let keyring =
        Keyring::from_config(&Keyring::generate_entry(Default::default()).unwrap()).unwrap();
    CookieStore::builder("session", keyring)
        .with_secure(false)
        .build()
        .unwrap()
}

/// GETs `path` with exactly one `Cookie` field of these raw bytes (none
/// when empty); (body, the `name=value` of the first `Set-Cookie`).
async fn get(addr: SocketAddr, path: &str, cookie: &[u8]) -> (String, Option<String>) {
    let mut request = reqwest::Client::new().get(format!("http://{addr}{path}"));
    if !cookie.is_empty() {
        request = request.header(COOKIE, HeaderValue::from_bytes(cookie).unwrap());
    }
    let response = request.send().await.unwrap();
    let set_cookie = response
        .headers()
        .get(SET_COOKIE)
        .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_owned());
    (response.text().await.unwrap(), set_cookie)
}

/// The checks, against a server whose `/count` increments `count` and whose
/// `/read` answers `"{count:?} new={is_new}"`.
async fn only_the_offending_cookie_is_lost(addr: SocketAddr) {
    let (body, cookie) = get(addr, "/count", b"").await;
    assert_eq!(body, "1");
    let session = cookie.unwrap();
    let bad: [&[u8]; 3] = [b"junk=\xff", b"tracker=caf\xe9", b"session.9=\xc3\x28"];
    for extra in bad {
        for header in [
            [session.as_bytes(), b"; ", extra].concat(),
            [extra, b"; ", session.as_bytes()].concat(),
        ] {
            let (body, set_cookie) = get(addr, "/read", &header).await;
            assert_eq!(body, "Some(1) new=false", "{header:?}");
            assert_eq!(set_cookie, None);
        }
    }
}

#[cfg(feature = "axum")]
#[tokio::test]
async fn axum_reads_the_session_beside_a_non_utf8_cookie() {
    use axum::Router;
    use axum::routing::get as route;
    use sealed_session::axum::{Session, SessionLayer};

    let app = Router::new()
        .route(
            "/count",
            route(|session: Session| async move {
                let n: u32 = session.get("count").unwrap().unwrap_or(0);
                session.insert("count", &(n + 1)).unwrap();
                (n + 1).to_string()
            }),
        )
        .route(
            "/read",
            route(|session: Session| async move {
                let n: Option<u32> = session.get("count").unwrap();
                format!("{n:?} new={}", session.is_new())
            }),
        )
        .layer(SessionLayer::new(store()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    only_the_offending_cookie_is_lost(addr).await;
    server.abort();
}

#[cfg(feature = "actix")]
#[tokio::test]
async fn actix_reads_the_session_beside_a_non_utf8_cookie() {
    use actix_web::{App, HttpServer, web};
    use sealed_session::actix::{Session, SessionMiddleware};

    async fn count(session: Session) -> String {
        let n: u32 = session.get("count").unwrap().unwrap_or(0);
        session.insert("count", &(n + 1)).unwrap();
        (n + 1).to_string()
    }
    async fn read(session: Session) -> String {
        let n: Option<u32> = session.get("count").unwrap();
        format!("{n:?} new={}", session.is_new())
    }

    let middleware = SessionMiddleware::new(store());
    let (tx, rx) = std::sync::mpsc::channel();
    let thread = std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let server = HttpServer::new(move || {
                App::new()
                    .wrap(middleware.clone())
                    .route("/count", web::get().to(count))
                    .route("/read", web::get().to(read))
            })
            .workers(1)
            .bind(("127.0.0.1", 0))?;
            let addr = server.addrs()[0];
            let server = server.run();
            tx.send((addr, server.handle())).unwrap();
            server.await
        })
    });
    let (addr, handle) = rx.recv().unwrap();
    only_the_offending_cookie_is_lost(addr).await;
    handle.stop(true).await;
    thread.join().unwrap().unwrap();
}
