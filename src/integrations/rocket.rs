//! Rocket 0.5 integration (feature `rocket`): a [`SessionFairing`] and the
//! [`Session`] and [`Sessions`] request guards.
//!
//! The same behaviour as the axum and actix-web integrations (which share
//! the [`Session`] handle and its methods): the session is loaded lazily
//! from the request's `Cookie` header(s) on first use; when the response
//! leaves the app the fairing saves it with
//! [`CookieStore::save`](crate::CookieStore::save), and when something is
//! due the response gets one `Set-Cookie` header per cookie, plus
//! `Cache-Control: private` (an existing `private`/`no-store` is kept;
//! `public` and `s-maxage` are removed) and `Vary: Cookie`. An unchanged
//! session sets nothing, but a response whose handler used the session
//! still gets `Vary: Cookie`.
//!
//! If the response-time save fails (the session outgrew the store's size
//! budget), the response becomes an empty `500 Internal Server Error`
//! without any `Set-Cookie` (Rocket's own cookies included), so the client
//! keeps its previous cookies, and Rocket's log (the `log` facade Rocket
//! logs through) gets an error naming the sizes (`sealed-session: saving
//! the session failed (session too large: it needs 9000 bytes of cookies but
//! the budget is 6144 bytes; ...); answering 500 ...`). The default budget
//! is 6 KiB ([`DEFAULT_SIZE_LIMIT`](crate::DEFAULT_SIZE_LIMIT)). Call
//! [`Session::save`] in the handler to handle that error yourself. A handler asking for a session without the fairing fails with
//! a `500`, and Rocket's log says what to fix (`Option<Session>` gives
//! `None` instead).
//!
//! The cookies are read from the raw `Cookie` header(s), so every
//! occurrence of a cookie name counts as the reader rules require. Rocket's
//! local client ([`rocket::local`]) passes cookies in the request's
//! [`CookieJar`](rocket::http::CookieJar) instead of a header: when a
//! request has no `Cookie` header, the jar's cookies are read.
//!
//! # Security: a non-UTF-8 cookie hides every cookie
//!
//! Rocket 0.5 drops a whole `Cookie` header field that is not valid UTF-8
//! before any fairing runs (logging `Header 'cookie' contains invalid
//! UTF-8`), and its [`CookieJar`](rocket::http::CookieJar) gets nothing
//! from it. Browsers send every cookie of a request in one field over
//! HTTP/1.1, so a single cookie **of any name** whose bytes are not UTF-8
//! (one a sibling subdomain or a plain-HTTP page can set) makes the session
//! absent: a fresh session with no [`load_error`](Session::load_error), the
//! user apparently logged out while that cookie lasts, and a response that
//! writes the session replaces the user's cookie with a fresh one. A
//! `__Host-` name does not prevent it (the offending cookie need not be
//! the session's); nothing opens another session as the user's.
//! Mitigations (SECURITY.md, "Rocket and non-UTF-8 cookies"): let no
//! untrusted host set cookies for the site (HSTS with
//! `includeSubDomains`), refuse or clean non-UTF-8 `Cookie` headers at a
//! reverse proxy (answering with `Clear-Site-Data: "cookies"`), alert on
//! Rocket's warning, or use the axum or actix-web integration, which read
//! the header's bytes and lose only the offending cookie.
//!
//! Two requests of one client at once start from the same cookies, and the
//! browser keeps the cookies of the response that arrives last (see the
//! actix-web and axum module docs): make such writes idempotent, or keep
//! data that must not lose an update on the server.
//!
//! ```no_run
//! use rocket::{get, routes};
//! use sealed_session::rocket::{Session, SessionFairing};
//! use sealed_session::{CookieStore, Keyring, ValueError};
//!
//! #[get("/")]
//! fn counter(session: Session) -> Result<String, ValueError> {
//!     let n: u32 = session.get("count")?.unwrap_or(0);
//!     session.insert("count", &(n + 1))?;
//!     Ok(format!("visit {}", n + 1))
//! }
//!
//! #[rocket::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
//!     let keyring = Keyring::from_config(&std::env::var("SESSION_KEYS")?)?;
//!     let store = CookieStore::new("__Host-session", keyring)?;
//!     let _ = rocket::build()
//!         .attach(SessionFairing::new(store))
//!         .mount("/", routes![counter])
//!         .launch()
//!         .await?;
//!     Ok(())
//! }
//! ```

use std::io::Cursor;
use std::sync::{Arc, Mutex};

use rocket::fairing::{Fairing, Info, Kind};
use rocket::http::{Header, Status};
use rocket::request::{FromRequest, Outcome, Request};
use rocket::response::{self, Responder, Response};
use rocket::{Data, async_trait};

use super::{CookieHeaders, Emit, MISSING, Raw};
pub use super::{Session, Sessions};
use crate::{CookieStore, SaveError, ValueError};

/// Rocket fairing that gives every request its sessions and writes them
/// into the response (see the [module docs](self)).
///
/// ```
/// use rocket::{get, routes};
/// use sealed_session::rocket::{Session, SessionFairing};
/// # let keyring = sealed_session::Keyring::from_config(&sealed_session::Keyring::generate_entry(Default::default())?)?;
/// # let store = sealed_session::CookieStore::new("__Host-session", keyring)?;
///
/// #[get("/")]
/// fn hello(session: Session) -> String {
///     format!("your session id is {}", session.id())
/// }
/// let rocket = rocket::build()
///     .attach(SessionFairing::new(store))
///     .mount("/", routes![hello]);
/// # let _ = rocket;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct SessionFairing {
    stores: Arc<[CookieStore]>,
}

impl SessionFairing {
    /// A fairing with one session, under `store`'s cookie name; the
    /// [`Session`] guard gives it.
    ///
    /// ```
    /// # let keyring = sealed_session::Keyring::from_config(&sealed_session::Keyring::generate_entry(Default::default())?)?;
    /// let store = sealed_session::CookieStore::new("__Host-session", keyring)?;
    /// let rocket = rocket::build().attach(sealed_session::rocket::SessionFairing::new(store));
    /// # let _ = rocket;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn new(store: CookieStore) -> Self {
        SessionFairing {
            stores: Arc::from([store]),
        }
    }

    /// Adds another, independent session under `store`'s cookie name;
    /// handlers reach it through the [`Sessions`] guard. A store with a
    /// name already present replaces that one.
    ///
    /// ```
    /// use rocket::{get, routes};
    /// use sealed_session::rocket::{SessionFairing, Sessions};
    /// # let keyring = sealed_session::Keyring::from_config(&sealed_session::Keyring::generate_entry(Default::default())?)?;
    /// let auth = sealed_session::CookieStore::new("__Host-auth", keyring)?;
    /// let prefs = auth.for_name("__Host-prefs")?;
    ///
    /// #[get("/")]
    /// fn page(sessions: Sessions) -> String {
    ///     let theme = sessions.get("__Host-prefs").and_then(|s| s.get::<String>("theme").ok().flatten());
    ///     theme.unwrap_or_else(|| "light".into())
    /// }
    /// let rocket = rocket::build()
    ///     .attach(SessionFairing::new(auth).with_store(prefs)?)
    ///     .mount("/", routes![page]);
    /// # let _ = rocket;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`StoreError::NameCollision`](crate::StoreError::NameCollision) when
    /// one store's name is a chunk cookie name of another's (`auth` and
    /// `auth.1`): they would read and delete each other's cookies.
    pub fn with_store(self, store: CookieStore) -> Result<Self, crate::StoreError> {
        Ok(SessionFairing {
            stores: super::add_store(&self.stores, store)?,
        })
    }
}

/// The request's sessions, in Rocket's request-local cache.
#[derive(Default)]
struct Slot {
    /// Every session of the request (all fairings' stores), made when a
    /// guard first asks; taken by the first fairing to see the response.
    sessions: Option<Sessions>,
}

fn slot<'a>(request: &'a Request<'_>) -> &'a Mutex<Slot> {
    request.local_cache(|| Mutex::new(Slot::default()))
}

fn lock(slot: &Mutex<Slot>) -> std::sync::MutexGuard<'_, Slot> {
    // Every update of the slot is a single assignment: a panic elsewhere
    // leaves it consistent.
    slot.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The request's first store's session, if a [`SessionFairing`] ran before
/// the caller (the CSRF fairing).
#[cfg(feature = "csrf")]
pub(super) fn primary_session(request: &Request<'_>) -> Option<Session> {
    sessions(request).as_ref().and_then(Sessions::primary)
}

/// The request's sessions, given what the request carried the first time
/// a guard asks: the `Cookie` header values are copied then (a session
/// handle outlives the request, whose headers Rocket lends), and never on
/// a request whose handler asks for no session.
fn sessions(request: &Request<'_>) -> Option<Sessions> {
    let sessions = lock(slot(request)).sessions.clone()?;
    sessions.provide(|| request_cookies(request), &|name| {
        request
            .headers()
            .get_one(name)
            .map(|v| Raw::Text(Arc::from(v)))
    });
    Some(sessions)
}

/// The request's `Cookie` header values, or the cookies of its jar when it
/// has no such header (Rocket's local client passes them only there). The
/// jar's original cookies only: those another fairing adds are outgoing.
fn request_cookies(request: &Request<'_>) -> CookieHeaders {
    let headers: CookieHeaders = request
        .headers()
        .get("Cookie")
        .map(|v| Raw::Text(Arc::from(v)))
        .collect();
    if headers.iter().next().is_some() {
        return headers;
    }
    let jar: Vec<String> = request
        .cookies()
        .iter()
        .map(|c| format!("{}={}", c.name(), c.value()))
        .collect();
    if jar.is_empty() {
        CookieHeaders::default()
    } else {
        std::iter::once(Raw::Text(Arc::from(jar.join("; ")))).collect()
    }
}

#[async_trait]
impl Fairing for SessionFairing {
    fn info(&self) -> Info {
        Info {
            name: "sealed-session",
            kind: Kind::Request | Kind::Response,
        }
    }

    async fn on_request(&self, request: &mut Request<'_>, _: &mut Data<'_>) {
        let mut slot = lock(slot(request));
        // A second fairing adds its stores to the first one's sessions; a
        // store both have is loaded and saved once. Nothing is read from
        // the request until a guard asks for a session.
        let sessions = Sessions::begin(&self.stores, slot.sessions.as_ref(), None);
        slot.sessions = Some(sessions);
    }

    async fn on_response<'r>(&self, request: &'r Request<'_>, response: &mut Response<'r>) {
        // The first fairing to see the response saves every session; the
        // others find nothing left to do.
        let Some(sessions) = lock(slot(request)).sessions.take() else {
            return;
        };
        let made = sessions.made_all();
        if made.is_empty() {
            return;
        }
        let applied = match super::finish(made) {
            Ok(emits) => apply(response, emits),
            Err(error) => {
                log_save_error(&error);
                None
            }
        };
        if applied.is_none() {
            *response = bare_500();
        }
    }
}

/// Rocket logs through `log`, not `tracing`: without this line an
/// over-budget save is an empty 500 that Rocket's log reports as a success.
fn log_save_error(error: &SaveError) {
    log::error!(
        "sealed-session: saving the session failed ({error}); answering 500 and leaving the client's cookies unchanged"
    );
}

/// An empty `500` without any cookie: the client keeps what it has.
fn bare_500<'r>() -> Response<'r> {
    let mut response = Response::new();
    response.set_status(Status::InternalServerError);
    response.set_raw_header("Cache-Control", "no-store");
    response
}

/// Adds the sessions' headers; the response is left untouched on `None`.
fn apply(response: &mut Response<'_>, emits: Vec<Emit>) -> Option<()> {
    let headers = response.headers();
    let cache_control: Vec<&str> = headers.get("Cache-Control").collect();
    let vary: Vec<&str> = headers.get("Vary").collect();
    let ops = super::response_headers(emits, &cache_control, &vary);
    // Rocket would drop a header hyper refuses; the other integrations
    // answer 500 then, and so does this one.
    if !ops
        .iter()
        .all(|op| is_field_name(&op.name) && is_field_value(&op.value))
    {
        log::error!(
            "sealed-session: a session header is not a valid HTTP header; answering 500 and leaving the client's cookies unchanged"
        );
        return None;
    }
    for op in ops {
        let header = Header::new(op.name, op.value);
        if op.append {
            response.adjoin_header(header);
        } else {
            response.set_header(header);
        }
    }
    Some(())
}

/// RFC 9110 §5.1: a token.
fn is_field_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// RFC 9110 §5.5, ASCII only: visible characters, spaces and tabs.
fn is_field_value(value: &str) -> bool {
    value
        .bytes()
        .all(|b| b == b'\t' || (b' '..=b'~').contains(&b))
}

/// The error of the [`Session`] and [`Sessions`] guards when no
/// [`SessionFairing`] is attached: the request fails with a `500` and
/// Rocket's log carries this error, which says what to fix.
///
/// ```
/// let error = sealed_session::rocket::MissingSessionFairing::default();
/// assert!(format!("{error:?}").contains("SessionFairing"));
/// ```
#[derive(Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct MissingSessionFairing;

impl std::fmt::Display for MissingSessionFairing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(MISSING)
    }
}

// Rocket logs a failed guard's error with `{:?}`: the message, not the name.
impl std::fmt::Debug for MissingSessionFairing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(MISSING)
    }
}

impl std::error::Error for MissingSessionFairing {}

fn missing<T>() -> Outcome<T, MissingSessionFairing> {
    // Rocket logs the error of a failed guard (not of an `Option` one).
    Outcome::Error((Status::InternalServerError, MissingSessionFairing))
}

/// The request's first store's session; `Option<Session>` is `None`
/// without the fairing.
///
/// ```
/// use rocket::get;
/// use sealed_session::rocket::Session;
///
/// #[get("/maybe")]
/// fn maybe(session: Option<Session>) -> &'static str {
///     if session.is_some() { "sessions on" } else { "no fairing" }
/// }
/// ```
#[async_trait]
impl<'r> FromRequest<'r> for Session {
    type Error = MissingSessionFairing;

    async fn from_request(request: &'r Request<'_>) -> Outcome<Self, Self::Error> {
        let primary = sessions(request).as_ref().and_then(Sessions::primary);
        primary.map_or_else(missing, Outcome::Success)
    }
}

/// Every session of the request, by cookie name.
///
/// ```
/// use rocket::get;
/// use sealed_session::rocket::Sessions;
///
/// #[get("/names")]
/// fn names(sessions: Sessions) -> String {
///     sessions.names().collect::<Vec<_>>().join(",")
/// }
/// ```
#[async_trait]
impl<'r> FromRequest<'r> for Sessions {
    type Error = MissingSessionFairing;

    async fn from_request(request: &'r Request<'_>) -> Outcome<Self, Self::Error> {
        sessions(request).map_or_else(missing, Outcome::Success)
    }
}

/// The plain `500` of a session error: no body, no session detail.
fn plain_500<'o>() -> response::Result<'o> {
    Response::build()
        .status(Status::InternalServerError)
        .raw_header("Cache-Control", "no-store")
        .sized_body(0, Cursor::new(&[][..]))
        .ok()
}

/// Lets handlers use `?` on session values: a [`ValueError`] (a stored
/// value of another type, or one serde cannot encode) becomes a plain
/// `500 Internal Server Error` whose body carries no session detail; with
/// the `tracing` feature it is logged (key and type names, never values).
///
/// ```
/// use rocket::get;
/// use sealed_session::rocket::Session;
///
/// #[get("/")]
/// fn counter(session: Session) -> Result<String, sealed_session::ValueError> {
///     let n: u32 = session.get("count")?.unwrap_or(0);
///     session.insert("count", &(n + 1))?;
///     Ok(format!("visit {}", n + 1))
/// }
/// ```
impl<'r> Responder<'r, 'static> for ValueError {
    fn respond_to(self, _: &'r Request<'_>) -> response::Result<'static> {
        super::log_value_error(&self);
        // The message names the key and the Rust type, never the value.
        log::error!("sealed-session: {self}; answering 500");
        plain_500()
    }
}

/// Lets handlers use `?` on [`Session::save`]: a [`SaveError`] becomes a
/// plain `500 Internal Server Error` with no session detail and no
/// `Set-Cookie` (the client keeps its cookies); with the `tracing` feature
/// it is logged. Match on it instead to show the user a page of your own.
///
/// ```
/// use rocket::post;
/// use sealed_session::rocket::Session;
///
/// #[post("/save")]
/// fn save_now(session: Session) -> Result<&'static str, sealed_session::SaveError> {
///     session.save()?;
///     Ok("saved")
/// }
/// ```
impl<'r> Responder<'r, 'static> for SaveError {
    fn respond_to(self, _: &'r Request<'_>) -> response::Result<'static> {
        super::log_failure("", &self);
        log_save_error(&self);
        plain_500()
    }
}
