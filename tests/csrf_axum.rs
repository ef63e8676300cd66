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
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, Method, Request, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use http_body_util::BodyExt as _;
use sealed_session::axum::{Session, SessionLayer};
use sealed_session::csrf::axum::CsrfLayer;
use sealed_session::csrf::{CsrfToken, Reason};

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

/// Bytes pulled from request bodies on the connection side of every layer.
#[derive(Clone, Default)]
struct BytesRead(Arc<AtomicUsize>);

/// Streams the body, counting; answers `TOTAL HELD` where HELD is what had
/// been read from the connection when the first piece arrived here.
async fn upload(
    axum::extract::State(read): axum::extract::State<BytesRead>,
    body: Body,
) -> Result<String> {
    let mut body = body;
    let (mut total, mut held) = (0, None);
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(err)?;
        held.get_or_insert_with(|| read.0.load(Ordering::SeqCst));
        total += frame.data_ref().map_or(0, |d| d.len());
    }
    Ok(format!("{total} {}", held.unwrap_or(0)))
}

async fn serve() -> SocketAddr {
    serve_with(None).await
}

/// The app, with tower-http's body-read timeout outermost if given.
async fn serve_with(body_timeout: Option<std::time::Duration>) -> SocketAddr {
    let store = csrf_support::store();
    let config = csrf_support::config();
    let read = BytesRead::default();
    let counter = read.clone();
    let app = Router::new()
        .route("/token", get(token))
        .route("/state", get(state))
        .route("/count", post(count).put(count).patch(count).delete(count))
        .route("/login", post(login))
        .route("/hooks/ping", post(count))
        .route("/upload", post(upload))
        .route(
            "/bytes-read",
            get(
                |axum::extract::State(read): axum::extract::State<BytesRead>| async move {
                    read.0.load(Ordering::SeqCst).to_string()
                },
            ),
        )
        .with_state(read)
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
        ))
        // Outermost: counts the body bytes anything inside reads.
        .layer(axum::middleware::map_request(move |req: Request<Body>| {
            let counter = counter.clone();
            async move {
                req.map(|body| {
                    Body::new(body.map_frame(move |frame| {
                        let n = frame.data_ref().map_or(0, |d| d.len());
                        counter.0.fetch_add(n, Ordering::SeqCst);
                        frame
                    }))
                })
            }
        }));
    let app = match body_timeout {
        Some(timeout) => app.layer(tower_http::timeout::RequestBodyTimeoutLayer::new(timeout)),
        None => app,
    };
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
    trusted_origins_pass_whatever_fetch_metadata_says,
    anonymous_post_is_refused_before_the_body_is_read,
    multipart_filename_cannot_pose_as_the_token,
);

#[tokio::test]
async fn anonymous_megabyte_post_is_refused_without_reading_its_body() {
    let addr = serve().await;
    csrf_support::anonymous_megabyte_post(addr).await;
    let client = csrf_support::Client::new(addr);
    let read = client.send(Method::GET, "/bytes-read", &[], None).await;
    println!(
        "anonymous 1 MiB POST: {} body bytes read by the server",
        read.body
    );
    assert_eq!(read.body, "0");
}

#[tokio::test]
async fn token_first_upload_streams_to_the_handler() {
    let addr = serve().await;
    let size = 8 << 20;
    let (total, held) = csrf_support::token_first_upload(addr, size).await;
    assert!(total > size);
    // Far less than the upload, and less than the 1 MiB default limit.
    let held = held.unwrap();
    assert!(held < 1 << 20, "{held}");
}

/// A session with a secret makes the layer wait for the body: without a
/// body-read timeout a stalled body holds the request; with tower-http's
/// (the recipe in the layer's docs) it is refused when the timeout ends.
#[tokio::test]
async fn stalled_body_ends_at_the_body_read_timeout() {
    let wait = std::time::Duration::from_millis(700);
    for timeout in [None, Some(std::time::Duration::from_millis(200))] {
        let addr = serve_with(timeout).await;
        let client = csrf_support::Client::new(addr);
        client.token().await;
        let cookie = client.cookie_header();
        let answer = csrf_support::stalled_post(addr, Some(&cookie), 0, wait).await;
        match timeout {
            None => assert_eq!(answer, None, "answered without the body"),
            Some(_) => {
                let (status, took) = answer.expect("no answer after the body timeout");
                assert!(status.contains(" 403 "), "{status}");
                println!("stalled body, 200 ms body timeout: {status:?} after {took:?}");
            }
        }
    }
}
