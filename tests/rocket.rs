//! The Rocket integration: every scenario runs twice, through Rocket's
//! local asynchronous client and against a real Rocket server on loopback
//! driven by reqwest with a real cookie jar (`rocket_support`).
#![cfg(feature = "rocket")]
// Test code: the helpers below are as free to unwrap and index as the tests.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::time::Duration;

use rocket::http::{Header, Status};
use rocket::{Build, Responder, Rocket, get, post, routes};
use sealed_session::rocket::{Session, SessionFairing, Sessions};
use sealed_session::{CookieStore, Keyring, SaveError, ValueError};

mod rocket_support;
use rocket_support::{Driver, Http, Local, config, logged};

fn keys() -> String {
    Keyring::generate_entry(Default::default())
        .unwrap()
        .to_string()
}

fn store_with(name: &str, keys: &str) -> CookieStore {
    CookieStore::builder(name, Keyring::from_config(keys).unwrap())
        .with_secure(false)
        .build()
        .unwrap()
}

fn store(name: &str) -> CookieStore {
    store_with(name, &keys())
}

#[get("/count")]
fn count(session: Session) -> Result<String, ValueError> {
    let n: u32 = session.get("count")?.unwrap_or(0);
    session.insert("count", &(n + 1))?;
    Ok((n + 1).to_string())
}

#[get("/read")]
fn read(session: Session) -> Result<String, ValueError> {
    let n: Option<u32> = session.get("count")?;
    Ok(format!(
        "{n:?} new={} error={:?}",
        session.is_new(),
        session.load_error()
    ))
}

#[get("/key")]
fn key(session: Session) -> String {
    session
        .opened_with()
        .map(|k| k.to_string())
        .unwrap_or_default()
}

#[get("/nothing")]
fn nothing() -> &'static str {
    "no session used"
}

#[post("/flash")]
fn flash(session: Session) -> Result<(), ValueError> {
    session.add_flash("saved")
}

#[get("/flashes")]
fn flashes(session: Session) -> Result<String, ValueError> {
    Ok(format!("{:?}", session.flashes::<String>()?))
}

#[post("/big-early/<n>")]
fn big_early(session: Session, n: usize) -> Result<(Status, String), ValueError> {
    session.insert("notes", &"x".repeat(n * 1024))?;
    Ok(match session.save() {
        Ok(()) => (
            Status::Ok,
            format!("saved {} cookies", session.cookie_count()),
        ),
        Err(SaveError::TooLarge { needed, allowed }) => (
            Status::PayloadTooLarge,
            format!("too large: {needed} > {allowed}"),
        ),
        Err(e) => (Status::InternalServerError, e.to_string()),
    })
}

#[post("/big/<n>")]
fn big(session: Session, n: usize) -> Result<&'static str, ValueError> {
    session.insert("notes", &"x".repeat(n * 1024))?;
    Ok("stored")
}

#[get("/notes")]
fn notes(session: Session) -> Result<String, ValueError> {
    let notes: Option<String> = session.get("notes")?;
    Ok(format!(
        "{} bytes in {} cookies",
        notes.map_or(0, |n| n.len()),
        session.cookie_count()
    ))
}

#[post("/logout")]
fn logout(session: Session) -> Status {
    session.destroy();
    Status::NoContent
}

#[post("/login")]
fn login(session: Session) -> Result<String, ValueError> {
    session.regenerate_id();
    session.insert("user", "alice")?;
    session.set_max_age(Duration::from_secs(3600));
    Ok(session.id().to_string())
}

#[get("/id")]
fn id(session: Session) -> String {
    session.id().to_string()
}

#[derive(Responder)]
struct Public {
    body: &'static str,
    cache_control: Header<'static>,
    vary: Header<'static>,
}

#[get("/public")]
fn public(session: Session) -> Result<Public, ValueError> {
    let n: u32 = session.get("n")?.unwrap_or(0);
    session.insert("n", &(n + 1))?;
    Ok(Public {
        body: "cached?",
        cache_control: Header::new("Cache-Control", "public, max-age=60"),
        vary: Header::new("Vary", "Accept-Encoding"),
    })
}

#[get("/wrong-type")]
fn wrong_type(session: Session) -> Result<String, ValueError> {
    session.get::<String>("count").map(|v| format!("{v:?}"))
}

#[post("/too-big")]
fn too_big(session: Session) -> Result<&'static str, SaveError> {
    session.insert("x", &"x".repeat(8 * 1024)).ok();
    session.save()?;
    Ok("saved")
}

#[get("/optional")]
fn optional(session: Option<Session>) -> String {
    session.map_or("none".to_owned(), |s| s.name().to_owned())
}

#[post("/set")]
fn set_both(sessions: Sessions, session: Session) -> Result<String, ValueError> {
    session.insert("user", "alice")?;
    sessions.get("prefs").unwrap().insert("theme", "dark")?;
    Ok(session.name().to_owned())
}

#[get("/get")]
fn get_both(sessions: Sessions) -> Result<String, ValueError> {
    let auth = sessions.get("auth").unwrap();
    let prefs = sessions.get("prefs").unwrap();
    let user: Option<String> = auth.get("user")?;
    let theme: Option<String> = prefs.get("theme")?;
    let leak: Option<String> = prefs.get("user")?;
    Ok(format!(
        "{user:?} {theme:?} {leak:?} {:?}",
        prefs.load_error()
    ))
}

fn app(fairing: Option<SessionFairing>) -> Rocket<Build> {
    let rocket = rocket::custom(config()).mount(
        "/",
        routes![
            count, read, key, nothing, flash, flashes, big_early, big, notes, logout, login, id,
            public, wrong_type, too_big, optional, set_both, get_both
        ],
    );
    match fairing {
        Some(fairing) => rocket.attach(fairing),
        None => rocket,
    }
}

async fn start<D: Driver>() -> D {
    D::start(app(Some(SessionFairing::new(store("session"))))).await
}

/// Runs a scenario `async fn name<D: Driver>()` with each driver.
macro_rules! both {
    ($($name:ident),* $(,)?) => {
        mod local {
            $(#[tokio::test]
            async fn $name() {
                super::$name::<super::Local>().await;
            })*
        }
        mod http {
            $(#[tokio::test]
            async fn $name() {
                super::$name::<super::Http>().await;
            })*
        }
    };
}

both!(
    counter_persists_and_responses_are_private,
    flash_is_shown_once_and_unchanged_sessions_set_nothing,
    regenerate_id_at_login_and_max_age_reach_the_cookie,
    chunked_session_round_trips_and_destroy_deletes_every_chunk,
    too_large_sessions_leave_the_previous_cookies,
    rotation_reseals_with_the_new_key,
    tampered_cookie_gives_a_fresh_session,
    missing_fairing_is_a_logged_500_and_optional_is_none,
    several_named_sessions_are_isolated,
    value_and_save_errors_become_plain_500s,
    two_fairings_with_one_store_save_it_once,
);

async fn counter_persists_and_responses_are_private<D: Driver>() {
    let client: D = start().await;
    for expected in ["1", "2", "3"] {
        let reply = client.get("/count").await;
        assert_eq!((reply.status, reply.body.as_str()), (200, expected));
        let lines = reply.set_cookies();
        assert!(lines[0].starts_with("session="), "{lines:?}");
        assert!(
            lines[0].ends_with("; Path=/; HttpOnly; SameSite=Lax"),
            "{lines:?}"
        );
        assert_eq!(reply.header("cache-control"), Some("private"));
        assert_eq!(reply.header("vary"), Some("Cookie"));
    }
    let reply = client.get("/public").await;
    assert_eq!(reply.header("cache-control"), Some("private, max-age=60"));
    assert_eq!(reply.all("vary"), ["Accept-Encoding", "Cookie"]);
}

async fn flash_is_shown_once_and_unchanged_sessions_set_nothing<D: Driver>() {
    let client: D = start().await;
    let reply = client.get("/read").await;
    assert_eq!(reply.body, "None new=true error=None");
    assert!(reply.set_cookies().is_empty());
    let reply = client.get("/nothing").await;
    assert!(reply.set_cookies().is_empty());
    assert!(reply.header("vary").is_none());

    client.post("/flash").await;
    client.get("/count").await;
    let reply = client.get("/read").await;
    assert_eq!(reply.body, "Some(1) new=false error=None");
    assert!(reply.set_cookies().is_empty());
    assert!(reply.header("cache-control").is_none());
    // Rendered from the session: the response varies on the cookie.
    assert_eq!(reply.header("vary"), Some("Cookie"));
    assert_eq!(client.get("/flashes").await.body, r#"["saved"]"#);
    assert_eq!(client.get("/flashes").await.body, "[]");
}

async fn regenerate_id_at_login_and_max_age_reach_the_cookie<D: Driver>() {
    let client: D = start().await;
    let before = client.get("/count").await;
    assert_eq!(before.body, "1");
    let anonymous = client.get("/id").await.body;
    let reply = client.post("/login").await;
    assert_ne!(reply.body, anonymous);
    assert!(
        reply.set_cookies()[0].contains("; Max-Age=3600;"),
        "{:?}",
        reply.set_cookies()
    );
    assert_eq!(client.get("/id").await.body, reply.body);
    // The data survives the new id.
    assert_eq!(client.get("/count").await.body, "2");
}

async fn chunked_session_round_trips_and_destroy_deletes_every_chunk<D: Driver>() {
    let client: D = start().await;
    assert_eq!(client.post("/big-early/4").await.body, "saved 2 cookies");
    assert_eq!(client.cookie_names(), ["session", "session.1"]);
    assert_eq!(client.get("/notes").await.body, "4096 bytes in 2 cookies");
    let reply = client.post("/logout").await;
    assert_eq!(reply.status, 204);
    let lines = reply.set_cookies();
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
    // (Rocket's tracked jar still sends the deleted cookies, empty.)
    let notes = client.get("/notes").await.body;
    assert!(notes.starts_with("0 bytes in "), "{notes}");
}

async fn too_large_sessions_leave_the_previous_cookies<D: Driver>() {
    let client: D = start().await;
    assert_eq!(client.get("/count").await.body, "1");
    let before = client.cookie_header();

    // Early save: the handler sees the error.
    let reply = client.post("/big-early/8").await;
    assert_eq!(reply.status, 413);
    assert!(reply.body.ends_with(" > 6144"), "{}", reply.body);
    assert!(reply.set_cookies().is_empty());
    assert_eq!(client.cookie_header(), before);

    // No early save: a bare 500, no session detail and no cookies. (9 KiB:
    // no other test's session needs as many bytes, so the log line checked
    // below is this request's.)
    let reply = client.post("/big/9").await;
    assert_eq!(reply.status, 500);
    assert!(reply.body.is_empty(), "{:?}", reply.body);
    assert!(reply.set_cookies().is_empty());
    assert_eq!(reply.header("cache-control"), Some("no-store"));
    assert_eq!(client.cookie_header(), before);
    // Rocket's own log says why, with the sizes (Rocket logs "200 OK" for
    // the handler and nothing else of the 500).
    let needs = |line: &str| -> Option<usize> {
        let rest = line.split("it needs ").nth(1)?;
        rest.split(' ').next()?.parse().ok()
    };
    let log = logged();
    assert!(
        log.iter()
            .any(|line| line.contains("saving the session failed")
                && needs(line).is_some_and(|n| n > 9 * 1024 * 4 / 3)
                && line.contains("but the budget is 6144 bytes")
                && line.ends_with("answering 500 and leaving the client's cookies unchanged")),
        "{log:?}"
    );
    assert_eq!(client.get("/count").await.body, "2");
}

async fn rotation_reseals_with_the_new_key<D: Driver>() {
    let (old, new) = (keys(), keys());
    let before: D = D::start(app(Some(SessionFairing::new(store_with("session", &old))))).await;
    assert_eq!(before.get("/count").await.body, "1");
    let old_cookie = before.cookie_header();
    let old_key = before.get("/key").await.body;
    assert!(!old_key.is_empty());

    // The new key first, the old one still accepted: an unchanged session
    // is re-sealed under the new key.
    let rotated = format!("{new}\n{old}");
    let during: D = D::start(app(Some(SessionFairing::new(store_with(
        "session", &rotated,
    )))))
    .await;
    let reply = during.get_with_cookies("/key", &[&old_cookie]).await;
    assert_eq!(reply.body, old_key);
    let lines = reply.set_cookies();
    assert!(lines[0].starts_with("session="), "{lines:?}");
    let new_cookie = lines[0].split(';').next().unwrap().to_owned();
    assert_ne!(new_cookie, old_cookie);

    // The old key retired: the re-sealed cookie opens, the old one does not.
    let after: D = D::start(app(Some(SessionFairing::new(store_with("session", &new))))).await;
    let reply = after.get_with_cookies("/key", &[&new_cookie]).await;
    assert!(
        !reply.body.is_empty() && reply.body != old_key,
        "{}",
        reply.body
    );
    assert!(reply.set_cookies().is_empty(), "no second re-seal");
    assert_eq!(
        after.get_with_cookies("/read", &[&new_cookie]).await.body,
        "Some(1) new=false error=None"
    );
    assert_eq!(
        after.get_with_cookies("/read", &[&old_cookie]).await.body,
        "None new=true error=Some(Invalid)"
    );
}

async fn tampered_cookie_gives_a_fresh_session<D: Driver>() {
    let client: D = start().await;
    client.get("/count").await;
    let cookie = client.cookie_header();
    let (name, value) = cookie.split_once('=').unwrap();
    let mut bytes = value.as_bytes().to_vec();
    let i = bytes.len() / 2;
    bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
    let tampered = format!("{name}={}", String::from_utf8(bytes).unwrap());
    assert_eq!(
        client.get_with_cookies("/read", &[&cookie]).await.body,
        "Some(1) new=false error=None"
    );
    assert_eq!(
        client
            .get_with_cookies("/read", &["a=b", &tampered])
            .await
            .body,
        "None new=true error=Some(Invalid)"
    );
}

async fn missing_fairing_is_a_logged_500_and_optional_is_none<D: Driver>() {
    let client: D = D::start(app(None)).await;
    for path in ["/count", "/get"] {
        assert_eq!(client.get(path).await.status, 500);
    }
    let log = logged();
    assert!(
        log.iter()
            .any(|line| line.contains("(Rocket: attach `SessionFairing`.)")),
        "{log:?}"
    );
    assert_eq!(client.get("/optional").await.body, "none");
    let with: D = start().await;
    assert_eq!(with.get("/optional").await.body, "session");
}

async fn several_named_sessions_are_isolated<D: Driver>() {
    let auth = store("auth");
    let prefs = auth.for_name("prefs").unwrap();
    let fairing = SessionFairing::new(auth).with_store(prefs).unwrap();
    let client: D = D::start(app(Some(fairing))).await;
    assert_eq!(client.post("/set").await.body, "auth");
    assert_eq!(client.cookie_names(), ["auth", "prefs"]);
    assert_eq!(
        client.get("/get").await.body,
        r#"Some("alice") Some("dark") None None"#
    );
    let cookie = client.cookie_header();
    let auth_value = cookie
        .split("; ")
        .find_map(|c| c.strip_prefix("auth="))
        .unwrap();
    let copied = format!("prefs={auth_value}");
    assert_eq!(
        client.get_with_cookies("/get", &[&copied]).await.body,
        "None None None Some(Invalid)"
    );
}

async fn value_and_save_errors_become_plain_500s<D: Driver>() {
    let client: D = start().await;
    client.get("/count").await;
    let before = client.cookie_header();
    for reply in [
        client.get("/wrong-type").await,
        client.post("/too-big").await,
    ] {
        assert_eq!(reply.status, 500);
        assert!(reply.body.is_empty(), "no session detail: {:?}", reply.body);
        assert!(reply.set_cookies().is_empty());
    }
    assert_eq!(client.cookie_header(), before);
    assert_eq!(client.get("/count").await.body, "2");
}

async fn two_fairings_with_one_store_save_it_once<D: Driver>() {
    let store = store("session");
    let rocket = app(Some(SessionFairing::new(store.clone()))).attach(SessionFairing::new(store));
    let client: D = D::start(rocket).await;
    let reply = client.get("/count").await;
    assert_eq!(reply.body, "1");
    // The cookie, once (no cookie came: nothing to delete); one `Vary`.
    assert_eq!(reply.set_cookies().len(), 1, "{:?}", reply.set_cookies());
    assert_eq!(reply.all("vary"), ["Cookie"]);
    assert_eq!(client.get("/count").await.body, "2");
}

/// Rocket 0.5 drops a whole `Cookie` header field whose bytes are not
/// UTF-8 (whatever the cookie's name) before any fairing or its own jar
/// sees it: the session then looks absent, exactly as the module docs and
/// SECURITY.md ("Rocket and non-UTF-8 cookies") say. Over a real server:
/// Rocket's local client cannot send such bytes.
#[tokio::test]
async fn non_utf8_cookie_drops_the_whole_cookie_header_as_documented() {
    let client: Http = start().await;
    assert_eq!(client.get("/count").await.body, "1");
    let session = client.cookie_header();
    assert!(session.starts_with("session="), "{session}");
    let with = |extra: &[u8], first: bool| -> Vec<u8> {
        let (a, b) = if first {
            (extra, session.as_bytes())
        } else {
            (session.as_bytes(), extra)
        };
        [a, b"; ", b].concat()
    };
    // Control: a UTF-8 neighbour (even a non-ASCII one) changes nothing.
    for extra in [&b"theme=dark"[..], "note=caf\u{e9}".as_bytes()] {
        let reply = client
            .get_with_raw_cookies("/read", &[&with(extra, false)])
            .await;
        assert_eq!(reply.body, "Some(1) new=false error=None");
    }
    // One non-UTF-8 cookie of any name, before or after the session cookie,
    // in the same field: the session is absent (no error: it was not seen),
    // and a read-only request writes nothing, so the user's cookie survives.
    let bad: [&[u8]; 3] = [b"junk=\xff", b"tracker=caf\xe9", b"session.9=\xc3\x28"];
    for extra in bad {
        for first in [false, true] {
            let reply = client
                .get_with_raw_cookies("/read", &[&with(extra, first)])
                .await;
            assert_eq!(reply.body, "None new=true error=None", "{extra:?}");
            assert!(reply.set_cookies().is_empty(), "{:?}", reply.set_cookies());
        }
    }
    assert_eq!(
        client
            .get_with_raw_cookies("/read", &[session.as_bytes()])
            .await
            .body,
        "Some(1) new=false error=None"
    );
    // A request that writes the session starts a fresh one, whose cookie
    // replaces the user's: the harm the documented mitigations prevent.
    let reply = client
        .get_with_raw_cookies("/count", &[&with(b"junk=\xff", false)])
        .await;
    assert_eq!(reply.body, "1");
    let fresh = reply.set_cookies()[0].split(';').next().unwrap().to_owned();
    assert!(fresh.starts_with("session=") && fresh != session, "{fresh}");
    // Only the offending field is dropped: in a field of its own (as HTTP/2
    // clients may send each cookie), the session field still reaches Rocket.
    let reply = client
        .get_with_raw_cookies("/read", &[session.as_bytes(), b"junk=\xff"])
        .await;
    assert_eq!(reply.body, "Some(1) new=false error=None");
}

#[test]
fn colliding_store_names_are_refused() {
    // `auth.1` is the name of `auth`'s second chunk: the stores would read
    // and delete each other's cookies.
    let err = SessionFairing::new(store("auth"))
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
        SessionFairing::new(store("auth"))
            .with_store(store("auth.x"))
            .is_ok()
    );
}

#[cfg(feature = "reload")]
#[path = "reload_support/mod.rs"]
mod reload_support;

#[cfg(feature = "reload")]
mod reloading {
    use super::*;

    /// The key file rewritten under a running Rocket: the session survives
    /// promote and retire, re-sealed under the new key, with no restart.
    async fn a_reloaded_key_file_rotates_the_running_server<D: Driver>() {
        let keys = reload_support::Rotating::new("session");
        let client: D = D::start(app(Some(SessionFairing::new(keys.store.clone())))).await;
        assert_eq!(client.get("/count").await.body, "1");
        let sealed_by = |client: &D| reload_support::sealed_by(&client.cookie_header(), "session");
        assert_eq!(sealed_by(&client), keys.old_id());
        keys.promote();
        assert_eq!(client.get("/count").await.body, "2");
        assert_eq!(sealed_by(&client), keys.new_id());
        keys.retire();
        assert_eq!(client.get("/count").await.body, "3");
        assert_eq!(keys.store.stats().reloads_applied, 2);
    }

    both!(a_reloaded_key_file_rotates_the_running_server);
}
