//! CSRF protection in Rocket over real HTTP: a Rocket server on loopback
//! with `SessionFairing` and `CsrfFairing`, attacked and used by reqwest
//! clients with cookie jars (`tests/csrf_support`), the same scenarios and
//! refusal reasons as the axum and actix-web suites.
#![cfg(all(feature = "rocket", feature = "csrf"))]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

// Rocket runs the scenarios its 512-byte window allows (see
// `the_token_must_be_within_the_first_512_bytes`).
#[allow(dead_code)]
mod csrf_support;

use std::net::SocketAddr;

use reqwest::{Method as HttpMethod, StatusCode};
use rocket::data::{Data, ToByteUnit as _};
use rocket::fairing::AdHoc;
use rocket::http::Method;
use rocket::tokio::io::AsyncReadExt as _;
use rocket::{Build, Rocket, delete, get, patch, post, put, routes};
use sealed_session::ValueError;
use sealed_session::csrf::CsrfToken;
use sealed_session::csrf::rocket::{CsrfFairing, refusal};
use sealed_session::rocket::{Session, SessionFairing};

#[get("/token")]
fn token(token: CsrfToken) -> String {
    token.to_string()
}

#[get("/state")]
fn state(session: Session) -> Result<String, ValueError> {
    let count: u32 = session.get("count")?.unwrap_or(0);
    let user: Option<String> = session.get("user")?;
    Ok(format!(
        "count={count} user={}",
        user.as_deref().unwrap_or("-")
    ))
}

async fn counted(session: Session, method: Method, data: Data<'_>) -> Result<String, ValueError> {
    let body = data.open(8.mebibytes()).into_bytes().await;
    let body = body.map(|b| b.into_inner()).unwrap_or_default();
    let n: u32 = session.get("count")?.unwrap_or(0);
    session.insert("count", &(n + 1))?;
    Ok(format!(
        "{method} {} {}",
        body.len(),
        String::from_utf8_lossy(&body)
    ))
}

#[post("/count", data = "<data>")]
async fn count_post(session: Session, data: Data<'_>) -> Result<String, ValueError> {
    counted(session, Method::Post, data).await
}

#[put("/count", data = "<data>")]
async fn count_put(session: Session, data: Data<'_>) -> Result<String, ValueError> {
    counted(session, Method::Put, data).await
}

#[patch("/count", data = "<data>")]
async fn count_patch(session: Session, data: Data<'_>) -> Result<String, ValueError> {
    counted(session, Method::Patch, data).await
}

#[delete("/count", data = "<data>")]
async fn count_delete(session: Session, data: Data<'_>) -> Result<String, ValueError> {
    counted(session, Method::Delete, data).await
}

#[post("/hooks/ping", data = "<data>")]
async fn ping(session: Session, data: Data<'_>) -> Result<String, ValueError> {
    counted(session, Method::Post, data).await
}

#[post("/login")]
fn login(session: Session) -> Result<&'static str, ValueError> {
    session.regenerate_id();
    session.insert("user", "alice")?;
    Ok("welcome")
}

/// Streams the body and answers its length (a fairing sees at most the
/// first 512 bytes, in Rocket's own peek buffer).
#[post("/upload", data = "<data>")]
async fn upload(data: Data<'_>) -> std::io::Result<String> {
    let mut stream = data.open(64.mebibytes());
    let mut buf = vec![0u8; 64 * 1024];
    let mut total = 0;
    loop {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            break;
        }
        total += n;
    }
    Ok(total.to_string())
}

fn app() -> Rocket<Build> {
    let store = csrf_support::store();
    let config = csrf_support::config();
    let rocket_config = rocket::Config {
        port: 0,
        log_level: rocket::config::LogLevel::Off,
        cli_colors: false,
        shutdown: rocket::config::Shutdown {
            ctrlc: false,
            ..Default::default()
        },
        ..rocket::Config::debug_default()
    };
    rocket::custom(rocket_config)
        .mount(
            "/",
            routes![
                token,
                state,
                count_post,
                count_put,
                count_patch,
                count_delete,
                ping,
                login,
                upload
            ],
        )
        .attach(SessionFairing::new(store))
        .attach(CsrfFairing::with_config(config))
        // What an application does to log or render the refusal.
        .attach(AdHoc::on_response("csrf reason", |request, response| {
            Box::pin(async move {
                if let Some(reason) = refusal(request) {
                    response.set_raw_header("x-csrf-reason", reason.code());
                }
            })
        }))
}

/// A real Rocket server on loopback; shut down on drop.
struct Server {
    addr: SocketAddr,
    shutdown: rocket::Shutdown,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.shutdown.clone().notify();
    }
}

async fn serve_app(rocket: Rocket<Build>) -> Server {
    let (tx, rx) = rocket::tokio::sync::oneshot::channel();
    let rocket = rocket
        .attach(AdHoc::on_liftoff("port", |rocket| {
            Box::pin(async move {
                let config = rocket.config();
                tx.send(SocketAddr::new(config.address, config.port))
                    .unwrap();
            })
        }))
        .ignite()
        .await
        .unwrap();
    let shutdown = rocket.shutdown();
    rocket::tokio::spawn(rocket.launch());
    Server {
        addr: rx.await.unwrap(),
        shutdown,
    }
}

async fn serve() -> Server {
    serve_app(app()).await
}

macro_rules! scenarios {
    ($($name:ident),* $(,)?) => {$(
        #[rocket::async_test]
        async fn $name() {
            let server = serve().await;
            csrf_support::$name(server.addr).await;
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
    large_forms_need_the_header_and_exempt_routes_pass,
    trusted_origins_pass_whatever_fetch_metadata_says,
    multipart_filename_cannot_pose_as_the_token,
);

/// Rocket itself waits for the first 14 body bytes of a POST (its
/// `_method` form override) before any fairing runs; after those, the
/// anonymous POST is refused without waiting for the rest.
#[rocket::async_test]
async fn anonymous_post_is_refused_before_the_body_is_read() {
    let server = serve().await;
    csrf_support::anonymous_stalled_post_is_refused(server.addr, 64).await;
    let wait = std::time::Duration::from_millis(500);
    assert!(
        csrf_support::stalled_post(server.addr, None, 0, wait)
            .await
            .is_none(),
        "Rocket answered before any body byte: the 14-byte wait is gone, test 0 bytes here"
    );
}

#[rocket::async_test]
async fn token_first_upload_streams_to_the_handler() {
    let server = serve().await;
    let size = 8 << 20;
    let (total, _) = csrf_support::token_first_upload(server.addr, size).await;
    assert!(total > size);
}

/// The form's token is found only in the bytes a fairing can see: first
/// field, yes; after a file, no (the header works for that form).
#[rocket::async_test]
async fn the_token_must_be_within_the_first_512_bytes() {
    let server = serve().await;
    let client = csrf_support::Client::new(server.addr);
    let token = client.token().await;
    let (content_type, body) = csrf_support::multipart(Some(&token));
    let reply = client
        .send(
            HttpMethod::POST,
            "/count",
            &[],
            Some((&content_type, body.clone())),
        )
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(reply.reason.as_deref(), Some("body-too-large"));
    let ok = client
        .send(
            HttpMethod::POST,
            "/count",
            &[("x-csrf-token", &token)],
            Some((&content_type, body.clone())),
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    assert!(ok.body.starts_with(&format!("POST {} ", body.len())));
}

/// A cross-site POST carrying the session cookie and a valid token never
/// reaches the handler, and the refusal route cannot be called directly.
#[rocket::async_test]
async fn cross_site_post_is_refused_with_its_reason() {
    let server = serve().await;
    let client = csrf_support::Client::new(server.addr);
    let token = client.token().await;
    let reply = client
        .post_form(
            &token,
            &[
                ("sec-fetch-site", "cross-site"),
                ("origin", "https://evil.test"),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(reply.reason.as_deref(), Some("cross-site"));
    assert!(reply.body.contains("cross-site"), "{}", reply.body);
    assert_eq!(client.state().await, "count=0 user=-");
    let direct = client
        .send(HttpMethod::GET, "/__sealed-session/csrf-refused", &[], None)
        .await;
    assert_eq!(direct.status, StatusCode::NOT_FOUND);
}

/// Without a `SessionFairing` before it, the fairing cannot check: a 500
/// that says what to fix, never a pass.
#[rocket::async_test]
async fn without_the_session_fairing_unsafe_requests_fail() {
    let rocket_config = rocket::Config {
        port: 0,
        log_level: rocket::config::LogLevel::Off,
        ..rocket::Config::debug_default()
    };
    let rocket = rocket::custom(rocket_config)
        .mount("/", routes![ping])
        .attach(CsrfFairing::new());
    let server = serve_app(rocket).await;
    let client = csrf_support::Client::new(server.addr);
    let reply = client
        .send(HttpMethod::POST, "/hooks/ping", &[], None)
        .await;
    assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(reply.body.contains("SessionFairing"), "{}", reply.body);
}

/// PUT, PATCH and DELETE are checked like POST, and so is a form POST that
/// Rocket turns into a PUT with a leading `_method=put` field.
#[rocket::async_test]
async fn every_unsafe_method_is_checked_including_method_overrides() {
    let server = serve().await;
    let client = csrf_support::Client::new(server.addr);
    let token = client.token().await;
    for method in [HttpMethod::PUT, HttpMethod::PATCH, HttpMethod::DELETE] {
        let reply = client.send(method.clone(), "/count", &[], None).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{method}");
        assert_eq!(reply.reason.as_deref(), Some("missing-token"));
        let ok = client
            .send(
                method.clone(),
                "/count",
                &[("x-csrf-token", &token)],
                Some(("text/plain", b"abc".to_vec())),
            )
            .await;
        assert_eq!(ok.status, StatusCode::OK);
        assert_eq!(ok.body, format!("{method} 3 abc"));
    }
    let form = "application/x-www-form-urlencoded";
    let reply = client
        .send(
            HttpMethod::POST,
            "/count",
            &[],
            Some((form, b"_method=put&note=x".to_vec())),
        )
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(reply.reason.as_deref(), Some("missing-token"));
    let body = format!("_method=put&csrf_token={token}");
    let ok = client
        .send(
            HttpMethod::POST,
            "/count",
            &[],
            Some((form, body.clone().into_bytes())),
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    assert_eq!(ok.body, format!("PUT {} {body}", body.len()));
    assert_eq!(client.state().await, "count=4 user=-");
}
