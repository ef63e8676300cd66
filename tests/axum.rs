//! The tower/axum integration over real HTTP: axum servers on loopback
//! (port 0), driven by reqwest with a real cookie jar.
#![cfg(feature = "axum")]
// Test code: the helpers below are as free to unwrap and index as the tests.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::http::StatusCode;
use axum::http::header::{CACHE_CONTROL, SET_COOKIE, VARY};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use sealed_session::axum::{Session, SessionLayer, Sessions};
use sealed_session::{CookieStore, Keyring, LoadError, SaveError};

mod integration_client;
use integration_client::{Client, get_with_cookies, get_with_raw_cookies, set_cookies};

type HandlerResult = Result<String, (StatusCode, String)>;

fn err(e: impl std::fmt::Display) -> (StatusCode, String) {
    (StatusCode::INTERNAL_SERVER_ERROR, e.to_string())
}

/// A store for plain HTTP. (Loopback happens to be a secure context for the
/// jar, as for browsers, but a test should not lean on that.)
fn store(name: &str) -> CookieStore {
    let keyring =
        Keyring::from_config(&Keyring::generate_entry(Default::default()).unwrap()).unwrap();
    CookieStore::builder(name, keyring)
        .with_secure(false)
        .build()
        .unwrap()
}

async fn count(session: Session) -> HandlerResult {
    let n: u32 = session.get("count").map_err(err)?.unwrap_or(0);
    session.insert("count", &(n + 1)).map_err(err)?;
    Ok((n + 1).to_string())
}

async fn read(session: Session) -> HandlerResult {
    let n: Option<u32> = session.get("count").map_err(err)?;
    Ok(format!(
        "{n:?} new={} error={:?}",
        session.is_new(),
        session.load_error()
    ))
}

async fn flash(session: Session) -> HandlerResult {
    session.add_flash("saved").map_err(err)?;
    session.add_flash_to("errors", &vec![1u8, 2]).map_err(err)?;
    Ok(String::new())
}

async fn show_flashes(session: Session) -> HandlerResult {
    let messages: Vec<String> = session.flashes().map_err(err)?;
    let errors: Vec<Vec<u8>> = session.flashes_from("errors").map_err(err)?;
    Ok(format!("{messages:?} {errors:?}"))
}

/// Adds `n` KiB of notes and saves early, reporting a too-large session.
async fn big_early(
    session: Session,
    axum::extract::Path(n): axum::extract::Path<usize>,
) -> HandlerResult {
    session
        .insert("notes", &"x".repeat(n * 1024))
        .map_err(err)?;
    match session.save() {
        Ok(()) => Ok(format!("saved {} cookies", session.cookie_count())),
        Err(SaveError::TooLarge { needed, allowed }) => Err((
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("too large: {needed} > {allowed}"),
        )),
        Err(e) => Err(err(e)),
    }
}

/// Adds `n` KiB of notes and leaves saving to the layer.
async fn big(
    session: Session,
    axum::extract::Path(n): axum::extract::Path<usize>,
) -> HandlerResult {
    session
        .insert("notes", &"x".repeat(n * 1024))
        .map_err(err)?;
    Ok("stored".into())
}

async fn logout(session: Session) -> StatusCode {
    session.destroy();
    StatusCode::NO_CONTENT
}

fn app(store: CookieStore) -> Router {
    Router::new()
        .route("/count", get(count))
        .route("/read", get(read))
        .route("/nothing", get(|| async { "no session used" }))
        .route("/flash", post(flash))
        .route("/flashes", get(show_flashes))
        .route("/big-early/{n}", post(big_early))
        .route("/big/{n}", post(big))
        .route("/logout", post(logout))
        .route(
            "/public",
            get(|session: Session| async move {
                session.insert("seen", &true).map_err(err)?;
                Ok::<_, (StatusCode, String)>(
                    (
                        [
                            (CACHE_CONTROL, "public, max-age=60, s-maxage=600"),
                            (VARY, "Accept-Encoding"),
                        ],
                        "cached?",
                    )
                        .into_response(),
                )
            }),
        )
        .route(
            "/qualified-private",
            get(|session: Session| async move {
                session.insert("qualified", &true).map_err(err)?;
                Ok::<_, (StatusCode, String)>(
                    (
                        [(
                            CACHE_CONTROL,
                            r#"public, max-age=3600, private="X-Internal""#,
                        )],
                        "cached?",
                    )
                        .into_response(),
                )
            }),
        )
        .route(
            "/no-store",
            get(|session: Session| async move {
                let n: u32 = session.get("n").map_err(err)?.unwrap_or(0);
                session.insert("n", &(n + 1)).map_err(err)?;
                Ok::<_, (StatusCode, String)>(([(CACHE_CONTROL, "no-store")], "").into_response())
            }),
        )
        .layer(SessionLayer::new(store))
}

async fn serve(app: Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    addr
}

#[tokio::test]
async fn counter_persists_across_requests() {
    let client = Client::new(serve(app(store("session"))).await);
    for expected in ["1", "2", "3"] {
        let (status, headers, body) = client.get("/count").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body, expected);
        let lines = set_cookies(&headers);
        assert!(lines[0].starts_with("session="), "{lines:?}");
        assert!(
            lines[0].ends_with("; Path=/; HttpOnly; SameSite=Lax"),
            "{lines:?}"
        );
    }
    assert_eq!(client.cookie_names(), ["session"]);
}

#[tokio::test]
async fn default_store_sets_secure_cookies() {
    let keyring =
        Keyring::from_config(&Keyring::generate_entry(Default::default()).unwrap()).unwrap();
    let secure = CookieStore::new("__Host-session", keyring).unwrap();
    let client = Client::new(serve(app(secure)).await);
    let (_, headers, _) = client.get("/count").await;
    let lines = set_cookies(&headers);
    assert!(
        lines[0].ends_with("; Path=/; Secure; HttpOnly; SameSite=Lax"),
        "{lines:?}"
    );
    assert!(lines[0].starts_with("__Host-session="), "{lines:?}");
    // Loopback is a secure context for the jar, as for browsers, so even
    // Secure cookies come back over http://127.0.0.1.
    assert_eq!(client.get("/count").await.2, "2");
}

#[tokio::test]
async fn flash_is_shown_once() {
    let client = Client::new(serve(app(store("session"))).await);
    assert_eq!(client.post("/flash").await.0, StatusCode::OK);
    assert_eq!(client.get("/flashes").await.2, r#"["saved"] [[1, 2]]"#);
    let (_, headers, body) = client.get("/flashes").await;
    assert_eq!(body, "[] []");
    // Consuming the last flash emptied the session: its cookie is deleted.
    let lines = set_cookies(&headers);
    assert!(lines.iter().all(|l| l.contains("Max-Age=0")), "{lines:?}");
    assert!(client.cookie_names().is_empty());
}

#[tokio::test]
async fn unchanged_session_sets_no_cookie() {
    let client = Client::new(serve(app(store("session"))).await);
    // A fresh session that stays empty writes nothing.
    let (_, headers, body) = client.get("/read").await;
    assert_eq!(body, "None new=true error=None");
    assert!(headers.get(SET_COOKIE).is_none());
    assert!(headers.get(CACHE_CONTROL).is_none());

    client.get("/count").await;
    let (_, headers, body) = client.get("/read").await;
    assert_eq!(body, "Some(1) new=false error=None");
    assert!(headers.get(SET_COOKIE).is_none());
    assert!(headers.get(CACHE_CONTROL).is_none());
    // The page was rendered from the session: it varies on the cookie.
    assert_eq!(headers[VARY], "Cookie");
    // A handler that never touches the session: nothing at all.
    let (_, headers, body) = client.get("/nothing").await;
    assert_eq!(body, "no session used");
    assert!(headers.get(SET_COOKIE).is_none());
    assert!(headers.get(VARY).is_none());
}

#[tokio::test]
async fn too_large_session_is_a_handler_error_with_an_early_save() {
    let client = Client::new(serve(app(store("session"))).await);
    assert_eq!(client.get("/count").await.2, "1");
    let before = client.cookie_header();

    // 3 KiB fits (two cookies of the 6 KiB budget); the early save reports it.
    let (status, headers, body) = client.post("/big-early/3").await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "saved 2 cookies"));
    assert_eq!(set_cookies(&headers).len(), 2);
    assert_eq!(client.cookie_names(), ["session", "session.1"]);
    let two_chunks = client.cookie_header();

    let (status, headers, body) = client.post("/big-early/8").await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(body.starts_with("too large: "), "{body}");
    assert!(body.ends_with(" > 6144"), "{body}");
    assert!(headers.get(SET_COOKIE).is_none());
    // The previous session is intact and keeps working.
    assert_eq!(client.cookie_header(), two_chunks);
    assert_ne!(before, two_chunks);
    assert_eq!(client.get("/count").await.2, "2");
}

#[tokio::test]
async fn too_large_session_without_early_save_is_a_500_without_cookies() {
    let client = Client::new(serve(app(store("session"))).await);
    assert_eq!(client.get("/count").await.2, "1");
    let before = client.cookie_header();

    let (status, headers, body) = client.post("/big/8").await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(body.is_empty(), "no session detail in the body: {body:?}");
    assert!(headers.get(SET_COOKIE).is_none());
    assert_eq!(headers[CACHE_CONTROL], "no-store");
    assert_eq!(client.cookie_header(), before);
    assert_eq!(client.get("/count").await.2, "2");
}

#[tokio::test]
async fn responses_setting_cookies_are_private_and_vary_on_cookie() {
    let client = Client::new(serve(app(store("session"))).await);
    let (_, headers, _) = client.get("/count").await;
    assert_eq!(headers[CACHE_CONTROL], "private");
    assert_eq!(headers[VARY], "Cookie");

    // A handler's public caching is narrowed; its Vary is kept and extended.
    let (_, headers, body) = client.get("/public").await;
    assert_eq!(body, "cached?");
    assert_eq!(headers[CACHE_CONTROL], "private, max-age=60");
    let vary: Vec<_> = headers.get_all(VARY).iter().collect();
    assert_eq!(vary, ["Accept-Encoding", "Cookie"]);

    // A stricter directive is left alone.
    let (_, headers, _) = client.get("/no-store").await;
    assert!(headers.get(SET_COOKIE).is_some());
    assert_eq!(headers[CACHE_CONTROL], "no-store");
}

#[tokio::test]
async fn item5_a_qualified_private_does_not_keep_public_caching() {
    // `private="X"` lets a shared cache store the rest of the response
    // (RFC 9111 §5.2.2.7), so the session cookie's response is narrowed.
    let client = Client::new(serve(app(store("session"))).await);
    let (_, headers, _) = client.get("/qualified-private").await;
    assert!(headers.get(SET_COOKIE).is_some());
    assert_eq!(headers[CACHE_CONTROL], "private, max-age=3600");
}

#[tokio::test]
async fn missing_layer_is_a_500_that_says_what_to_fix() {
    let app = Router::new()
        .route("/count", get(count))
        .route("/many", get(|_: Sessions| async { "" }));
    let client = Client::new(serve(app).await);
    for path in ["/count", "/many"] {
        let (status, _, body) = client.get(path).await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(
            body.contains("is `SessionLayer` (axum/tower) or `SessionMiddleware` (actix-web) installed on this route?"),
            "{body}"
        );
    }
}

#[tokio::test]
async fn tampered_cookie_gives_a_fresh_session() {
    let addr = serve(app(store("session"))).await;
    let client = Client::new(addr);
    client.get("/count").await;
    client.get("/count").await;
    let cookie = client.cookie_header();
    let (name, value) = cookie.split_once('=').unwrap();
    // Flip one character in the middle of the sealed value.
    let mut bytes = value.as_bytes().to_vec();
    let i = bytes.len() / 2;
    bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
    let tampered = format!("{name}={}", String::from_utf8(bytes).unwrap());

    let url = format!("http://{addr}/read");
    let (_, _, body) = get_with_cookies(&url, &[&cookie]).await;
    assert_eq!(body, "Some(2) new=false error=None");
    let (_, headers, body) = get_with_cookies(&url, &[&tampered]).await;
    assert_eq!(
        body,
        format!("None new=true error={:?}", Some(LoadError::Invalid))
    );
    // The core's save clears the cookie that did not open.
    let lines = set_cookies(&headers);
    assert!(!lines.is_empty());
    assert!(
        lines.iter().all(|l| l.contains("=; Max-Age=0;")),
        "{lines:?}"
    );
}

#[tokio::test]
async fn several_cookie_headers_are_all_read() {
    let addr = serve(app(store("session"))).await;
    let client = Client::new(addr);
    client.get("/count").await;
    let cookie = client.cookie_header();
    // As an HTTP/2 client may: one `Cookie` field per cookie.
    let url = format!("http://{addr}/read");
    let (_, _, body) = get_with_cookies(&url, &["theme=dark", &cookie]).await;
    assert_eq!(body, "Some(1) new=false error=None");
}

/// Header values are the request's bytes, shared rather than copied; bytes
/// outside ASCII (obs-text, which HTTP allows) leave every ASCII pair as
/// it is: other cookies carrying them do not hide the session, and a
/// session cookie carrying them does not open.
#[tokio::test]
async fn bytes_outside_ascii_in_cookie_headers() {
    let addr = serve(app(store("session"))).await;
    let client = Client::new(addr);
    client.get("/count").await;
    let cookie = client.cookie_header();
    let url = format!("http://{addr}/read");
    let opened = "Some(1) new=false error=None";
    let invalid = "None new=true error=Some(Invalid)";
    let with = |before: &[u8], after: &[u8]| [before, cookie.as_bytes(), after].concat();
    let cases: [(Vec<Vec<u8>>, &str); 6] = [
        (vec![with(b"junk=\xff\xfe; ", b"; x\xc0y=1")], opened),
        (vec![b"a=\xe9t\xe9".to_vec(), with(b"", b"")], opened),
        (vec![with(b"\xc3\xa9=\xf0\x9f\x8d\xaa; ", b"")], opened),
        // The session's own value with a byte outside ASCII appended.
        (vec![with(b"", b"\xff")], invalid),
        (vec![with(b"", b"\xc3\xa9")], invalid),
        // Its name with one: not this store's cookie at all.
        (
            vec![[b"\xff".as_slice(), cookie.as_bytes()].concat()],
            "None new=true error=None",
        ),
    ];
    for (headers, expected) in cases {
        let headers: Vec<&[u8]> = headers.iter().map(Vec::as_slice).collect();
        let (status, body) = get_with_raw_cookies(&url, &headers).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body, expected, "{headers:?}");
    }
}

#[tokio::test]
async fn destroy_deletes_every_chunk_cookie() {
    let client = Client::new(serve(app(store("session"))).await);
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
    assert_eq!(client.get("/read").await.2, "None new=true error=None");
}

#[tokio::test]
async fn several_named_sessions_are_isolated() {
    let auth = store("auth");
    let prefs = auth.for_name("prefs").unwrap();
    let app = Router::new()
        .route(
            "/set",
            post(|sessions: Sessions, session: Session| async move {
                assert_eq!(session.name(), "auth");
                session.insert("user", "alice").map_err(err)?;
                let prefs = sessions.get("prefs").unwrap();
                prefs.insert("theme", "dark").map_err(err)?;
                Ok::<_, (StatusCode, String)>(String::new())
            }),
        )
        .route(
            "/get",
            get(|sessions: Sessions| async move {
                let auth = sessions.get("auth").unwrap();
                let prefs = sessions.get("prefs").unwrap();
                assert!(sessions.get("other").is_none());
                let user: Option<String> = auth.get("user").map_err(err)?;
                let theme: Option<String> = prefs.get("theme").map_err(err)?;
                let leak: Option<String> = prefs.get("user").map_err(err)?;
                Ok::<_, (StatusCode, String)>(format!(
                    "{user:?} {theme:?} {leak:?} {:?} {:?}",
                    auth.load_error(),
                    prefs.load_error()
                ))
            }),
        )
        .route(
            "/logout",
            post(|sessions: Sessions| async move {
                sessions.get("auth").unwrap().destroy();
                ""
            }),
        )
        .layer(SessionLayer::new(auth).with_store(prefs).unwrap());
    let addr = serve(app).await;
    let client = Client::new(addr);
    let (_, headers, _) = client.post("/set").await;
    // Each session: its cookie (no cookie came, so none is deleted).
    let names: Vec<String> = set_cookies(&headers)
        .iter()
        .map(|l| l.split('=').next().unwrap().to_owned())
        .collect();
    assert_eq!(names, ["auth", "prefs"]);
    assert_eq!(headers.get_all(VARY).iter().count(), 1);
    assert_eq!(client.cookie_names(), ["auth", "prefs"]);
    assert_eq!(
        client.get("/get").await.2,
        r#"Some("alice") Some("dark") None None None"#
    );

    // A cookie copied under the other name never opens.
    let cookie = client.cookie_header();
    let auth_value = cookie
        .split("; ")
        .find_map(|c| c.strip_prefix("auth="))
        .unwrap();
    let prefs_cookie = format!("prefs={auth_value}");
    let (_, _, body) = get_with_cookies(&format!("http://{addr}/get"), &[&prefs_cookie]).await;
    assert_eq!(body, "None None None None Some(Invalid)");

    // Destroying one leaves the other.
    client.post("/logout").await;
    assert_eq!(client.cookie_names(), ["prefs"]);
    assert_eq!(
        client.get("/get").await.2,
        r#"None Some("dark") None None None"#
    );
}

#[tokio::test]
async fn regenerate_id_and_max_age_reach_the_cookie() {
    let app = Router::new()
        .route(
            "/login",
            post(|session: Session| async move {
                let before = session.id();
                session.regenerate_id();
                assert_ne!(session.id(), before);
                session.insert("user", "alice").map_err(err)?;
                session.set_max_age(Duration::from_secs(3600));
                Ok::<_, (StatusCode, String)>(session.id().to_string())
            }),
        )
        .route(
            "/id",
            get(|session: Session| async move { session.id().to_string() }),
        )
        .layer(SessionLayer::new(store("session")));
    let client = Client::new(serve(app).await);
    let (_, headers, id) = client.post("/login").await;
    assert!(set_cookies(&headers)[0].contains("; Max-Age=3600;"));
    assert_eq!(client.get("/id").await.2, id);
}

#[tokio::test]
async fn handle_clones_share_the_session_across_tasks() {
    let app = Router::new()
        .route(
            "/spawn",
            post(|session: Session| async move {
                let clone = session.clone();
                tokio::spawn(async move { clone.insert("from_task", &7u8) })
                    .await
                    .map_err(err)?
                    .map_err(err)?;
                session.with(|s| s.insert("direct", &1u8)).map_err(err)?;
                Ok::<_, (StatusCode, String)>(session.keys().join(","))
            }),
        )
        .route(
            "/read",
            get(|session: Session| async move {
                let v: Option<u8> = session.get("from_task").map_err(err)?;
                Ok::<_, (StatusCode, String)>(format!("{v:?} {}", session.len()))
            }),
        )
        .layer(SessionLayer::new(store("session")));
    let client = Client::new(serve(app).await);
    assert_eq!(client.post("/spawn").await.2, "direct,from_task");
    assert_eq!(client.get("/read").await.2, "Some(7) 2");
}

#[tokio::test]
async fn nested_layers_with_the_same_store_save_once() {
    let store = store("session");
    let app = Router::new()
        .route("/count", get(count).layer(SessionLayer::new(store.clone())))
        .layer(SessionLayer::new(store));
    let client = Client::new(serve(app).await);
    let (_, headers, body) = client.get("/count").await;
    assert_eq!(body, "1");
    assert_eq!(set_cookies(&headers).len(), 1); // the cookie, once
    assert_eq!(headers.get_all(VARY).iter().count(), 1);
    assert_eq!(client.get("/count").await.2, "2");
}

#[tokio::test]
async fn header_transport_for_clients_without_cookies() {
    let keyring =
        Keyring::from_config(&Keyring::generate_entry(Default::default()).unwrap()).unwrap();
    let store = CookieStore::builder("session", keyring)
        .allow_non_host_name()
        .with_header_transport("x-session")
        .build()
        .unwrap();
    let addr = serve(app(store)).await;
    let http = reqwest::Client::new();
    let url = format!("http://{addr}/count");

    // The client opts in by sending the header, empty at first.
    let response = http.get(&url).header("x-session", "").send().await.unwrap();
    assert!(response.headers().get("set-cookie").is_none());
    assert_eq!(response.headers()["vary"], "x-session");
    let sealed = response.headers()["x-session"].to_str().unwrap().to_owned();
    assert!(!sealed.is_empty());
    assert_eq!(response.text().await.unwrap(), "1");

    let response = http
        .get(&url)
        .header("x-session", &sealed)
        .send()
        .await
        .unwrap();
    assert_eq!(response.text().await.unwrap(), "2");

    // Without the header the store's cookies are used as usual.
    let response = http.get(&url).send().await.unwrap();
    assert!(response.headers().get("set-cookie").is_some());
    assert_eq!(response.text().await.unwrap(), "1");
}

#[tokio::test]
async fn value_and_save_errors_become_plain_500s() {
    async fn wrong_type(session: Session) -> Result<String, sealed_session::ValueError> {
        session.get::<String>("count").map(|v| format!("{v:?}"))
    }
    async fn too_big(session: Session) -> Result<&'static str, SaveError> {
        session.insert("x", &"x".repeat(8 * 1024)).ok();
        session.save()?;
        Ok("saved")
    }
    let app = Router::new()
        .route("/count", get(count))
        .route("/wrong-type", get(wrong_type))
        .route("/too-big", post(too_big))
        .layer(SessionLayer::new(store("session")));
    let client = Client::new(serve(app).await);
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
async fn optional_session_is_none_without_the_layer() {
    async fn page(session: Option<Session>) -> String {
        session.map_or("none".into(), |s| s.name().to_owned())
    }
    let app = Router::new()
        .route(
            "/with",
            get(page).layer(SessionLayer::new(store("session"))),
        )
        .route("/without", get(page));
    let client = Client::new(serve(app).await);
    assert_eq!(client.get("/with").await.2, "session");
    assert_eq!(client.get("/without").await.2, "none");
}

#[test]
fn colliding_store_names_are_refused() {
    // `auth.1` is the name of `auth`'s second chunk: the stores would read
    // and delete each other's cookies.
    let err = SessionLayer::new(store("auth"))
        .with_store(store("auth.1"))
        .unwrap_err();
    assert_eq!(
        err,
        sealed_session::StoreError::NameCollision {
            name: "auth.1".into(),
            other: "auth".into()
        }
    );
    assert!(
        SessionLayer::new(store("auth"))
            .with_store(store("auth.x"))
            .is_ok()
    );
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
    let client = Client::new(serve(app(keys.store.clone())).await);
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
