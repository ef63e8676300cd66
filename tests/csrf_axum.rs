//! CSRF protection in axum over real HTTP: an axum server on loopback with
//! `SessionLayer` and `CsrfLayer`, attacked and used by reqwest clients with
//! cookie jars (`tests/csrf_support`).
#![cfg(all(feature = "axum", feature = "csrf"))]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod csrf_support;

use std::net::SocketAddr;

use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderValue, Method, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use sealed_session::axum::{Session, SessionLayer};
use sealed_session::csrf::axum::CsrfLayer;
use sealed_session::csrf::{CsrfConfig, CsrfToken, Reason};
use sealed_session::{CookieStore, Keyring};

type Result<T> = std::result::Result<T, (StatusCode, String)>;

fn err(e: impl std::fmt::Display) -> (StatusCode, String) {
    (StatusCode::INTERNAL_SERVER_ERROR, e.to_string())
}

async fn token(token: CsrfToken) -> String {
    token.to_string()
}

async fn state(session: Session) -> Result<String> {
    let count: u32 = session.get("count").map_err(err)?.unwrap_or(0);
    let user: Option<String> = session.get("user").map_err(err)?;
    Ok(format!(
        "count={count} user={}",
        user.as_deref().unwrap_or("-")
    ))
}

async fn count(session: Session, method: Method, body: Bytes) -> Result<String> {
    let n: u32 = session.get("count").map_err(err)?.unwrap_or(0);
    session.insert("count", &(n + 1)).map_err(err)?;
    Ok(format!(
        "{method} {} {}",
        body.len(),
        String::from_utf8_lossy(&body)
    ))
}

async fn login(session: Session) -> Result<&'static str> {
    session.regenerate_id();
    session.insert("user", "alice").map_err(err)?;
    Ok("welcome")
}

async fn serve() -> SocketAddr {
    let keyring =
        Keyring::from_config(&Keyring::generate_entry(Default::default()).unwrap()).unwrap();
    let store = CookieStore::builder("session", keyring)
        .with_secure(false)
        .build()
        .unwrap();
    let config = CsrfConfig::new()
        .with_body_limit(csrf_support::LIMIT)
        .with_exempt_path("/hooks/")
        .unwrap();
    let app = Router::new()
        .route("/token", get(token))
        .route("/state", get(state))
        .route("/count", post(count).put(count).patch(count).delete(count))
        .route("/login", post(login))
        .route("/hooks/ping", post(count))
        .layer(CsrfLayer::with_config(config))
        .layer(SessionLayer::new(store))
        // What an application does to log or render the refusal.
        .layer(axum::middleware::map_response(
            |mut res: Response| async move {
                if let Some(reason) = res.extensions().get::<Reason>().copied() {
                    res.headers_mut()
                        .insert("x-csrf-reason", HeaderValue::from_static(reason.code()));
                }
                res
            },
        ));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    addr
}

macro_rules! scenarios {
    ($($name:ident),* $(,)?) => {$(
        #[tokio::test]
        async fn $name() {
            csrf_support::$name(serve().await).await;
        }
    )*};
}

scenarios!(
    missing_token_is_refused,
    forged_and_malformed_tokens_are_refused,
    another_sessions_token_is_refused,
    stale_token_after_regenerate_id_is_refused,
    cross_origin_requests_are_refused,
    json_needs_the_header,
    right_token_is_accepted_and_the_body_arrives_whole,
    large_forms_need_the_header_and_exempt_routes_pass,
);
