//! The actix-web integration over real HTTP: `HttpServer` on loopback
//! (port 0) in its own actix system thread, driven by reqwest with a real
//! cookie jar.
#![cfg(feature = "actix")]
// Test code: the helpers below are as free to unwrap and index as the tests.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::net::SocketAddr;
use std::sync::mpsc;
use std::thread::JoinHandle;

use actix_web::dev::ServerHandle;
use actix_web::http::header::{CACHE_CONTROL, VARY};
use actix_web::{App, HttpResponse, HttpServer, web};
use reqwest::StatusCode;
use reqwest::header::SET_COOKIE;
use sealed_session::actix::{Session, SessionMiddleware, Sessions};
use sealed_session::{CookieStore, Keyring, SaveError};

mod integration_client;
use integration_client::{Client, get_with_cookies, get_with_raw_cookies, set_cookies};

/// A running actix-web server; stopped (and its thread joined) on drop.
struct Server {
    addr: SocketAddr,
    handle: ServerHandle,
    thread: Option<JoinHandle<std::io::Result<()>>>,
}

impl Server {
    /// Serves `routes`, wrapped in `middleware` when there is one.
    fn start(middleware: Option<SessionMiddleware>, routes: fn(&mut web::ServiceConfig)) -> Self {
        let (tx, rx) = mpsc::channel();
        let thread = std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                let server = HttpServer::new(move || {
                    App::new()
                        .wrap(actix_web::middleware::Condition::new(
                            middleware.is_some(),
                            middleware
                                .clone()
                                .unwrap_or_else(|| SessionMiddleware::new(store("unused"))),
                        ))
                        .configure(routes)
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
        Server {
            addr,
            handle,
            thread: Some(thread),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // `stop` sends the command at once; its future only waits for it.
        drop(self.handle.stop(false));
        if let Some(thread) = self.thread.take() {
            // No panic here: this may run while a failed test unwinds.
            let stopped = thread.join();
            if !std::thread::panicking() {
                stopped.unwrap().unwrap();
            }
        }
    }
}

fn store(name: &str) -> CookieStore {
    let keyring =
        Keyring::from_config(&Keyring::generate_entry(Default::default()).unwrap()).unwrap();
    CookieStore::builder(name, keyring)
        .with_secure(false)
        .build()
        .unwrap()
}

fn internal(e: impl std::fmt::Debug + std::fmt::Display + 'static) -> actix_web::Error {
    actix_web::error::ErrorInternalServerError(e.to_string())
}

async fn count(session: Session) -> actix_web::Result<String> {
    let n: u32 = session.get("count").map_err(internal)?.unwrap_or(0);
    session.insert("count", &(n + 1)).map_err(internal)?;
    Ok((n + 1).to_string())
}

async fn read(session: Session) -> actix_web::Result<String> {
    let n: Option<u32> = session.get("count").map_err(internal)?;
    Ok(format!(
        "{n:?} new={} error={:?}",
        session.is_new(),
        session.load_error()
    ))
}

async fn flash(session: Session) -> actix_web::Result<String> {
    session.add_flash("saved").map_err(internal)?;
    Ok(String::new())
}

async fn show_flashes(session: Session) -> actix_web::Result<String> {
    let messages: Vec<String> = session.flashes().map_err(internal)?;
    Ok(format!("{messages:?}"))
}

async fn big_early(session: Session, n: web::Path<usize>) -> actix_web::Result<HttpResponse> {
    session
        .insert("notes", &"x".repeat(*n * 1024))
        .map_err(internal)?;
    Ok(match session.save() {
        Ok(()) => HttpResponse::Ok().body(format!("saved {} cookies", session.cookie_count())),
        Err(SaveError::TooLarge { needed, allowed }) => {
            HttpResponse::PayloadTooLarge().body(format!("too large: {needed} > {allowed}"))
        }
        Err(e) => return Err(internal(e)),
    })
}

async fn big(session: Session, n: web::Path<usize>) -> actix_web::Result<String> {
    session
        .insert("notes", &"x".repeat(*n * 1024))
        .map_err(internal)?;
    Ok("stored".into())
}

async fn logout(session: Session) -> HttpResponse {
    session.destroy();
    HttpResponse::NoContent().finish()
}

async fn public(session: Session) -> actix_web::Result<HttpResponse> {
    let n: u32 = session.get("n").map_err(internal)?.unwrap_or(0);
    session.insert("n", &(n + 1)).map_err(internal)?;
    Ok(HttpResponse::Ok()
        .insert_header((CACHE_CONTROL, "public, max-age=60"))
        .insert_header((VARY, "Accept-Encoding"))
        .body("cached?"))
}

fn routes(config: &mut web::ServiceConfig) {
    config
        .route("/count", web::get().to(count))
        .route("/read", web::get().to(read))
        .route("/nothing", web::get().to(|| async { "no session used" }))
        .route("/flash", web::post().to(flash))
        .route("/flashes", web::get().to(show_flashes))
        .route("/big-early/{n}", web::post().to(big_early))
        .route("/big/{n}", web::post().to(big))
        .route("/logout", web::post().to(logout))
        .route("/public", web::get().to(public));
}

fn start() -> Server {
    Server::start(Some(SessionMiddleware::new(store("session"))), routes)
}

#[tokio::test]
async fn counter_persists_and_responses_are_private() {
    let server = start();
    let client = Client::new(server.addr);
    for expected in ["1", "2", "3"] {
        let (status, headers, body) = client.get("/count").await;
        assert_eq!((status, body.as_str()), (StatusCode::OK, expected));
        let lines = set_cookies(&headers);
        assert!(lines[0].starts_with("session="), "{lines:?}");
        assert!(
            lines[0].ends_with("; Path=/; HttpOnly; SameSite=Lax"),
            "{lines:?}"
        );
        assert_eq!(headers["cache-control"], "private");
        assert_eq!(headers["vary"], "Cookie");
    }
    let (_, headers, _) = client.get("/public").await;
    assert_eq!(headers["cache-control"], "private, max-age=60");
    let vary: Vec<_> = headers.get_all("vary").iter().collect();
    assert_eq!(vary, ["Accept-Encoding", "Cookie"]);
}

#[tokio::test]
async fn default_store_sets_secure_cookies() {
    let keyring =
        Keyring::from_config(&Keyring::generate_entry(Default::default()).unwrap()).unwrap();
    let secure = CookieStore::new("__Host-session", keyring).unwrap();
    let server = Server::start(Some(SessionMiddleware::new(secure)), routes);
    let (_, headers, _) = Client::new(server.addr).get("/count").await;
    let lines = set_cookies(&headers);
    assert!(
        lines[0].ends_with("; Path=/; Secure; HttpOnly; SameSite=Lax"),
        "{lines:?}"
    );
}

#[tokio::test]
async fn flash_is_shown_once_and_unchanged_sessions_set_nothing() {
    let server = start();
    let client = Client::new(server.addr);
    let (_, headers, _) = client.get("/read").await;
    assert!(headers.get(SET_COOKIE).is_none());
    let (_, headers, _) = client.get("/nothing").await;
    assert!(headers.get(SET_COOKIE).is_none());
    assert!(headers.get("vary").is_none());

    client.post("/flash").await;
    client.get("/count").await;
    let (_, headers, body) = client.get("/read").await;
    assert_eq!(body, "Some(1) new=false error=None");
    assert!(headers.get(SET_COOKIE).is_none());
    assert!(headers.get(CACHE_CONTROL.as_str()).is_none());
    // Rendered from the session: the response varies on the cookie.
    assert_eq!(headers["vary"], "Cookie");
    assert_eq!(client.get("/flashes").await.2, r#"["saved"]"#);
    assert_eq!(client.get("/flashes").await.2, "[]");
}

#[tokio::test]
async fn too_large_sessions_leave_the_previous_cookies() {
    let server = start();
    let client = Client::new(server.addr);
    assert_eq!(client.get("/count").await.2, "1");
    let before = client.cookie_header();

    // Early save: the handler sees the error.
    let (status, headers, body) = client.post("/big-early/8").await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(body.ends_with(" > 6144"), "{body}");
    assert!(headers.get(SET_COOKIE).is_none());
    assert_eq!(client.cookie_header(), before);

    // No early save: a 500 with no session detail and no cookies.
    let (status, headers, body) = client.post("/big/8").await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(body.is_empty(), "{body:?}");
    assert!(headers.get(SET_COOKIE).is_none());
    assert_eq!(headers["cache-control"], "no-store");
    assert_eq!(client.cookie_header(), before);
    assert_eq!(client.get("/count").await.2, "2");
}

#[tokio::test]
async fn destroy_deletes_every_chunk_cookie() {
    let server = start();
    let client = Client::new(server.addr);
    assert_eq!(client.post("/big-early/4").await.2, "saved 2 cookies");
    assert_eq!(client.cookie_names(), ["session", "session.1"]);
    let (status, headers, _) = client.post("/logout").await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let lines = set_cookies(&headers);
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(
        lines[0].starts_with("session=; Max-Age=0; Path=/"),
        "{lines:?}"
    );
    assert!(
        lines[1].starts_with("session.1=; Max-Age=0; Path=/"),
        "{lines:?}"
    );
    assert!(client.cookie_names().is_empty());
}

/// Header values are the request's bytes, shared rather than copied: bytes
/// outside ASCII in other cookies leave the session readable; in the
/// session's value they make it invalid.
#[tokio::test]
async fn bytes_outside_ascii_in_cookie_headers() {
    let server = start();
    let client = Client::new(server.addr);
    client.get("/count").await;
    let cookie = client.cookie_header();
    let url = server.url("/read");
    let junk = [
        b"junk=\xff\xfe; ".as_slice(),
        cookie.as_bytes(),
        b"; x\xc0=1",
    ]
    .concat();
    assert_eq!(
        get_with_raw_cookies(&url, &[&junk]).await,
        (StatusCode::OK, "Some(1) new=false error=None".to_owned())
    );
    let broken = [cookie.as_bytes(), b"\xff"].concat();
    assert_eq!(
        get_with_raw_cookies(&url, &[b"a=\xe9", &broken]).await,
        (
            StatusCode::OK,
            "None new=true error=Some(Invalid)".to_owned()
        )
    );
}

#[tokio::test]
async fn tampered_cookie_gives_a_fresh_session() {
    let server = start();
    let client = Client::new(server.addr);
    client.get("/count").await;
    let cookie = client.cookie_header();
    let (name, value) = cookie.split_once('=').unwrap();
    let mut bytes = value.as_bytes().to_vec();
    let i = bytes.len() / 2;
    bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
    let tampered = format!("{name}={}", String::from_utf8(bytes).unwrap());
    let url = server.url("/read");
    assert_eq!(
        get_with_cookies(&url, &[&cookie]).await.2,
        "Some(1) new=false error=None"
    );
    assert_eq!(
        get_with_cookies(&url, &["a=b", &tampered]).await.2,
        "None new=true error=Some(Invalid)"
    );
}

#[tokio::test]
async fn missing_middleware_is_a_500_that_says_what_to_fix() {
    let server = Server::start(None, |config| {
        config
            .route("/count", web::get().to(count))
            .route("/many", web::get().to(|_: Sessions| async { "" }));
    });
    let client = Client::new(server.addr);
    for path in ["/count", "/many"] {
        let (status, _, body) = client.get(path).await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(
            body.contains("`SessionMiddleware` (actix-web) installed on this route?"),
            "{body}"
        );
    }
}

#[tokio::test]
async fn several_named_sessions_are_isolated() {
    let auth = store("auth");
    let prefs = auth.for_name("prefs").unwrap();
    let server = Server::start(
        Some(SessionMiddleware::new(auth).with_store(prefs).unwrap()),
        |config| {
            config
                .route(
                    "/set",
                    web::post().to(|sessions: Sessions, session: Session| async move {
                        session.insert("user", "alice").map_err(internal)?;
                        let prefs = sessions.get("prefs").unwrap();
                        prefs.insert("theme", "dark").map_err(internal)?;
                        Ok::<_, actix_web::Error>(session.name().to_owned())
                    }),
                )
                .route(
                    "/get",
                    web::get().to(|sessions: Sessions| async move {
                        let auth = sessions.get("auth").unwrap();
                        let prefs = sessions.get("prefs").unwrap();
                        let user: Option<String> = auth.get("user").map_err(internal)?;
                        let theme: Option<String> = prefs.get("theme").map_err(internal)?;
                        let leak: Option<String> = prefs.get("user").map_err(internal)?;
                        Ok::<_, actix_web::Error>(format!(
                            "{user:?} {theme:?} {leak:?} {:?}",
                            prefs.load_error()
                        ))
                    }),
                );
        },
    );
    let client = Client::new(server.addr);
    assert_eq!(client.post("/set").await.2, "auth");
    assert_eq!(client.cookie_names(), ["auth", "prefs"]);
    assert_eq!(
        client.get("/get").await.2,
        r#"Some("alice") Some("dark") None None"#
    );
    let cookie = client.cookie_header();
    let auth_value = cookie
        .split("; ")
        .find_map(|c| c.strip_prefix("auth="))
        .unwrap();
    let copied = format!("prefs={auth_value}");
    assert_eq!(
        get_with_cookies(&server.url("/get"), &[&copied]).await.2,
        "None None None Some(Invalid)"
    );
}

#[tokio::test]
async fn value_and_save_errors_become_plain_500s() {
    let server = Server::start(Some(SessionMiddleware::new(store("session"))), |config| {
        config
            .route("/count", web::get().to(count))
            .route(
                "/wrong-type",
                web::get().to(|session: Session| async move {
                    session.get::<String>("count").map(|v| format!("{v:?}"))
                }),
            )
            .route(
                "/too-big",
                web::post().to(|session: Session| async move {
                    session.insert("x", &"x".repeat(8 * 1024)).ok();
                    session.save()?;
                    Ok::<_, SaveError>("saved")
                }),
            );
    });
    let client = Client::new(server.addr);
    client.get("/count").await;
    let before = client.cookie_header();
    for (status, headers, body) in [
        client.get("/wrong-type").await,
        client.post("/too-big").await,
    ] {
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(body.is_empty(), "no session detail: {body:?}");
        assert!(headers.get(SET_COOKIE).is_none());
    }
    assert_eq!(client.cookie_header(), before);
    assert_eq!(client.get("/count").await.2, "2");
}

#[tokio::test]
async fn optional_session_is_none_without_the_middleware() {
    let server = Server::start(None, |config| {
        config.route(
            "/",
            web::get().to(|session: Option<Session>| async move {
                session.map_or("none".to_owned(), |s| s.name().to_owned())
            }),
        );
    });
    assert_eq!(Client::new(server.addr).get("/").await.2, "none");
}

#[cfg(feature = "reload")]
#[path = "reload_support/mod.rs"]
mod reload_support;

/// The key file rewritten under a running server: the session survives
/// promote and retire, re-sealed under the new key, with no restart.
#[cfg(feature = "reload")]
#[tokio::test]
async fn a_reloaded_key_file_rotates_the_running_server() {
    let keys = reload_support::Rotating::new("session");
    let server = Server::start(Some(SessionMiddleware::new(keys.store.clone())), routes);
    let client = Client::new(server.addr);
    assert_eq!(client.get("/count").await.2, "1");
    let sealed_by = |client: &Client| reload_support::sealed_by(&client.cookie_header(), "session");
    assert_eq!(sealed_by(&client), keys.old_id());
    keys.promote();
    assert_eq!(client.get("/count").await.2, "2");
    assert_eq!(sealed_by(&client), keys.new_id());
    keys.retire();
    assert_eq!(client.get("/count").await.2, "3");
    assert_eq!(keys.store.stats().reloads_applied, 2);
}
