//! CSRF protection in actix-web over real HTTP: an `HttpServer` on loopback
//! with `SessionMiddleware` and `CsrfMiddleware`, attacked and used by
//! reqwest clients with cookie jars (`tests/csrf_support`).
#![cfg(all(feature = "actix", feature = "csrf"))]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod csrf_support;

use std::future::poll_fn;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::task::{Context, Poll};
use std::thread::JoinHandle;
use std::time::Duration;

use actix_web::dev::{Payload, ServerHandle, Service as _};
use actix_web::error::PayloadError;
use actix_web::http::header::HeaderValue;
use actix_web::rt::time::{Instant, Sleep, sleep};
use actix_web::{App, HttpMessage as _, HttpRequest, HttpServer, web};
use futures_core::Stream;
use reqwest::Method;
use sealed_session::actix::{Session, SessionMiddleware};
use sealed_session::csrf::actix::CsrfMiddleware;
use sealed_session::csrf::{CsrfToken, Reason};

fn internal(e: impl std::fmt::Display) -> actix_web::Error {
    actix_web::error::ErrorInternalServerError(e.to_string())
}

async fn token(token: CsrfToken) -> String {
    token.to_string()
}

async fn state(session: Session) -> actix_web::Result<String> {
    let count: u32 = session.get("count").map_err(internal)?.unwrap_or(0);
    let user: Option<String> = session.get("user").map_err(internal)?;
    Ok(format!(
        "count={count} user={}",
        user.as_deref().unwrap_or("-")
    ))
}

async fn count(session: Session, req: HttpRequest, body: web::Bytes) -> actix_web::Result<String> {
    let n: u32 = session.get("count").map_err(internal)?.unwrap_or(0);
    session.insert("count", &(n + 1)).map_err(internal)?;
    Ok(format!(
        "{} {} {}",
        req.method(),
        body.len(),
        String::from_utf8_lossy(&body)
    ))
}

async fn login(session: Session) -> actix_web::Result<&'static str> {
    session.regenerate_id();
    session.insert("user", "alice").map_err(internal)?;
    Ok("welcome")
}

/// Bytes pulled from request payloads on the connection side of every
/// middleware.
#[derive(Clone, Default)]
struct BytesRead(Arc<AtomicUsize>);

/// A payload that counts what is read from it.
struct Counting {
    inner: Payload,
    read: BytesRead,
}

impl Stream for Counting {
    type Item = Result<web::Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let next = Pin::new(&mut self.inner).poll_next(cx);
        if let Poll::Ready(Some(Ok(chunk))) = &next {
            self.read.0.fetch_add(chunk.len(), Ordering::SeqCst);
        }
        next
    }
}

/// Streams the payload, counting; answers `TOTAL HELD` where HELD is what
/// had been read from the connection when the first piece arrived here.
async fn upload(
    read: web::Data<BytesRead>,
    mut payload: web::Payload,
) -> actix_web::Result<String> {
    let (mut total, mut held) = (0, None);
    while let Some(chunk) = poll_fn(|cx| Pin::new(&mut payload).poll_next(cx)).await {
        let chunk = chunk?;
        held.get_or_insert_with(|| read.0.load(Ordering::SeqCst));
        total += chunk.len();
    }
    Ok(format!("{total} {}", held.unwrap_or(0)))
}

async fn bytes_read(read: web::Data<BytesRead>) -> String {
    read.0.load(Ordering::SeqCst).to_string()
}

/// The payload, failing when nothing arrives for `idle` (the recipe in
/// the `sealed_session::csrf::actix` docs).
struct IdleTimeout {
    inner: Payload,
    idle: Duration,
    timer: Pin<Box<Sleep>>,
}

impl Stream for IdleTimeout {
    type Item = Result<web::Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if let Poll::Ready(next) = Pin::new(&mut self.inner).poll_next(cx) {
            let deadline = Instant::now() + self.idle;
            self.timer.as_mut().reset(deadline);
            return Poll::Ready(next);
        }
        match self.timer.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Some(Err(PayloadError::Io(
                std::io::ErrorKind::TimedOut.into(),
            )))),
            Poll::Pending => Poll::Pending,
        }
    }
}

/// A running server; stopped, and its thread joined, on drop.
struct Server {
    addr: SocketAddr,
    handle: ServerHandle,
    thread: Option<JoinHandle<std::io::Result<()>>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        // `stop` sends the command at once; its future only waits for it.
        drop(self.handle.stop(false));
        if let Some(thread) = self.thread.take() {
            let stopped = thread.join();
            if !std::thread::panicking() {
                stopped.unwrap().unwrap();
            }
        }
    }
}

/// Serves the app on a thread of its own.
fn serve() -> Server {
    serve_with(None)
}

/// The app, with the body-read timeout recipe outermost if given.
fn serve_with(body_timeout: Option<Duration>) -> Server {
    // No timeout: one longer than any test.
    let idle = body_timeout.unwrap_or(Duration::from_secs(3600));
    let store = csrf_support::store();
    let config = csrf_support::config();
    let read = BytesRead::default();
    let (tx, rx) = mpsc::channel();
    let thread = std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let server = HttpServer::new(move || {
                App::new()
                    .route("/token", web::get().to(token))
                    .route("/state", web::get().to(state))
                    .route("/count", web::route().to(count))
                    .route("/login", web::post().to(login))
                    .route("/hooks/ping", web::post().to(count))
                    .route("/upload", web::post().to(upload))
                    .route("/bytes-read", web::get().to(bytes_read))
                    .app_data(web::Data::new(read.clone()))
                    // Large forms with the header token reach the handler.
                    .app_data(web::PayloadConfig::new(1 << 20))
                    .wrap(CsrfMiddleware::with_config(config.clone()))
                    .wrap(SessionMiddleware::new(store.clone()))
                    // What an application does to log or render the refusal.
                    .wrap_fn(|req, srv| {
                        let response = srv.call(req);
                        async move {
                            let mut res = response.await?;
                            let reason = res.response().extensions().get::<Reason>().copied();
                            if let Some(reason) = reason {
                                res.headers_mut().insert(
                                    "x-csrf-reason".parse().unwrap(),
                                    HeaderValue::from_static(reason.code()),
                                );
                            }
                            Ok(res)
                        }
                    })
                    // Outermost: counts the payload bytes anything inside reads.
                    .wrap_fn({
                        let read = read.clone();
                        move |mut req, srv| {
                            let inner = req.take_payload();
                            let counting: Pin<Box<dyn Stream<Item = _>>> = Box::pin(Counting {
                                inner,
                                read: read.clone(),
                            });
                            req.set_payload(Payload::from(counting));
                            srv.call(req)
                        }
                    })
                    .wrap_fn(move |mut req, srv| {
                        let inner = req.take_payload();
                        let timed: Pin<Box<dyn Stream<Item = _>>> = Box::pin(IdleTimeout {
                            inner,
                            idle,
                            timer: Box::pin(sleep(idle)),
                        });
                        req.set_payload(Payload::from(timed));
                        srv.call(req)
                    })
            })
            .workers(1)
            .bind(("127.0.0.1", 0))
            .unwrap();
            let addr = server.addrs()[0];
            let server = server.run();
            tx.send((addr, server.handle())).unwrap();
            server.await
        })
    });
    let (addr, handle) = rx.recv().unwrap();
    Server {
        addr,
        handle,
        thread: Some(thread),
    }
}

macro_rules! scenarios {
    ($($name:ident),* $(,)?) => {$(
        #[tokio::test]
        async fn $name() {
            let server = serve();
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
    right_token_is_accepted_and_the_body_arrives_whole,
    large_forms_need_the_header_and_exempt_routes_pass,
    trusted_origins_pass_whatever_fetch_metadata_says,
    anonymous_post_is_refused_before_the_body_is_read,
    multipart_filename_cannot_pose_as_the_token,
);

#[tokio::test]
async fn anonymous_megabyte_post_is_refused_without_reading_its_body() {
    let server = serve();
    csrf_support::anonymous_megabyte_post(server.addr).await;
    let client = csrf_support::Client::new(server.addr);
    let read = client.send(Method::GET, "/bytes-read", &[], None).await;
    println!(
        "anonymous 1 MiB POST: {} body bytes read by the server",
        read.body
    );
    assert_eq!(read.body, "0");
}

#[tokio::test]
async fn token_first_upload_streams_to_the_handler() {
    let server = serve();
    let size = 8 << 20;
    let (total, held) = csrf_support::token_first_upload(server.addr, size).await;
    assert!(total > size);
    // Far less than the upload, and less than the 1 MiB default limit.
    let held = held.unwrap();
    assert!(held < 1 << 20, "{held}");
}

/// A session with a secret makes the middleware wait for the body: without
/// a body-read timeout a stalled body holds the request; with the recipe's
/// payload wrapper it is refused when the timeout ends.
#[tokio::test]
async fn stalled_body_ends_at_the_body_read_timeout() {
    let wait = Duration::from_millis(700);
    for timeout in [None, Some(Duration::from_millis(200))] {
        let server = serve_with(timeout);
        let client = csrf_support::Client::new(server.addr);
        client.token().await;
        let cookie = client.cookie_header();
        let answer = csrf_support::stalled_post(server.addr, Some(&cookie), 0, wait).await;
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
