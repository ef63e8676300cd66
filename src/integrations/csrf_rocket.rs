//! CSRF protection for Rocket (features `csrf` and `rocket`):
//! [`CsrfFairing`] checks unsafe requests before any route runs, and the
//! [`CsrfToken`] request guard hands a masked token to a template.
//!
//! Attach the fairing after [`SessionFairing`](crate::rocket::SessionFairing)
//! (fairings run in the order they are attached), so the session is there
//! when it checks. The checks and the refusal reasons are those of the axum
//! layer and the actix-web middleware (README, "CSRF"), with one bound
//! Rocket sets: a fairing sees at most the first 512 bytes of a body
//! (`Data::peek`), so a form must carry the token in the header or as its
//! first field (a hidden `<input>` at the top of the `<form>`: browsers
//! send fields in document order). A form whose field is not within those
//! bytes is refused with [`Reason::BodyTooLarge`]; the body is never read
//! further by the check and reaches the handler untouched.
//!
//! A client that stalls within those bytes holds its request until they or
//! the end of the body arrive (Rocket 0.5 has no body-read timeout; a proxy
//! in front can set one, e.g. nginx's `client_body_timeout`); the session
//! must hold a secret for the fairing to wait at all.
//!
//! A refused request never reaches its route: the fairing sends it to a
//! route of its own (mounted at ignition under `/__sealed-session/`) that
//! answers `403 Forbidden` with the reason in the text body;
//! [`refusal`] gives the [`Reason`] to a response fairing that renders a
//! page of its own.
//!
//! Rocket turns a form POST with a leading `_method=put` field into a PUT
//! before any fairing runs; the check sees (and checks) the PUT. A
//! `_method=get` reaches a GET route, which, like every safe method, must
//! not change state.
//!
//! ```no_run
//! use rocket::{get, post, routes, form::Form, response::content::RawHtml};
//! use sealed_session::csrf::{CsrfToken, rocket::CsrfFairing};
//! use sealed_session::rocket::{Session, SessionFairing};
//! use sealed_session::{CookieStore, Keyring, ValueError};
//!
//! #[get("/")]
//! fn form(token: CsrfToken) -> RawHtml<String> {
//!     RawHtml(format!(r#"<form method="post">
//!         <input type="hidden" name="csrf_token" value="{token}">
//!         <input name="note"><button>Add</button></form>"#))
//! }
//!
//! // Runs only when the token checked out.
//! #[post("/", data = "<note>")]
//! fn add(session: Session, note: Form<&str>) -> Result<&'static str, ValueError> {
//!     session.insert("note", *note)?;
//!     Ok("saved")
//! }
//!
//! #[rocket::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
//!     let keyring = Keyring::from_env_or_generate("SESSION_KEYS")?;
//!     let store = CookieStore::new("__Host-session", keyring)?;
//!     let _ = rocket::build()
//!         .attach(SessionFairing::new(store))
//!         .attach(CsrfFairing::new())          // after the session fairing
//!         .mount("/", routes![form, add])
//!         .launch()
//!         .await?;
//!     Ok(())
//! }
//! ```

use std::io::Cursor;
use std::sync::Arc;

use rocket::fairing::{Fairing, Info, Kind};
use rocket::http::uri::Origin;
use rocket::http::{ContentType, Method, Status};
use rocket::request::{FromRequest, Outcome};
use rocket::response::Response;
use rocket::route::{self, Handler, Route};
use rocket::{Build, Data, Request, Rocket, async_trait};

use super::csrf::{Step, TokenSearch, first_step, log_refusal, refusal_text};
use super::{MISSING, Session};
use crate::csrf::{CsrfConfig, CsrfToken, Reason};

/// Where refused requests are sent; nothing else routes there.
const REFUSED: &str = "/__sealed-session/csrf-refused";

/// The most body bytes a Rocket fairing can look at (`Data::peek`).
const PEEK: usize = 512;

/// A Rocket fairing that refuses unsafe requests (POST, PUT, PATCH,
/// DELETE, and any method but GET, HEAD, OPTIONS, TRACE) without a valid
/// token for the request's session, with `403 Forbidden`: exempt paths,
/// `Sec-Fetch-Site` / `Origin`, then the token from the header or the
/// form's first field, as the [module docs](self) say.
///
/// ```
/// use sealed_session::csrf::{CsrfConfig, rocket::CsrfFairing};
/// # let keyring = sealed_session::Keyring::from_config(&sealed_session::Keyring::generate_entry(Default::default())?)?;
/// # let store = sealed_session::CookieStore::new("__Host-session", keyring)?;
/// let rocket = rocket::build()
///     .attach(sealed_session::rocket::SessionFairing::new(store))
///     .attach(CsrfFairing::with_config(CsrfConfig::new().with_exempt_path("/hooks/")?));
/// # let _ = rocket;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct CsrfFairing {
    config: Arc<CsrfConfig>,
}

impl CsrfFairing {
    /// The fairing with the default [`CsrfConfig`].
    ///
    /// ```
    /// let fairing = sealed_session::csrf::rocket::CsrfFairing::new();
    /// # let _ = fairing;
    /// ```
    #[must_use]
    pub fn new() -> Self {
        CsrfFairing::with_config(CsrfConfig::new())
    }

    /// The fairing with `config`.
    ///
    /// ```
    /// use sealed_session::csrf::{CsrfConfig, rocket::CsrfFairing};
    /// let fairing = CsrfFairing::with_config(CsrfConfig::new().with_field_name("_token")?);
    /// # let _ = fairing;
    /// # Ok::<(), sealed_session::csrf::CsrfConfigError>(())
    /// ```
    #[must_use]
    pub fn with_config(config: CsrfConfig) -> Self {
        CsrfFairing {
            config: Arc::new(config),
        }
    }

    /// The check's verdict on a request: `Ok` to let it through.
    async fn check(&self, request: &Request<'_>, data: &mut Data<'_>) -> Result<(), Refused> {
        let step = first_step(
            &self.config,
            request.method().as_str(),
            request.uri().path().as_str(),
            |name| request.headers().get_one(name).map(str::as_bytes),
        );
        let token = match step {
            Step::Pass => return Ok(()),
            Step::Reject(reason) => return Err(Refused::Csrf(reason)),
            Step::Verify(token) => Ok(token),
            Step::ReadBody(kind) => Err(kind),
        };
        let session = super::rocket::primary_session(request).ok_or(Refused::NoSessionFairing)?;
        let token = match token {
            Ok(token) => token,
            // No secret, no token can pass: refused before any body byte.
            Err(_) if !session.has_csrf_secret() => return Err(Refused::Csrf(Reason::NoSecret)),
            Err(kind) => {
                let limit = self.config.body_limit.min(PEEK);
                let mut search = TokenSearch::with_limit(kind, &self.config, limit);
                let peeked = data.peek(limit).await;
                match search.feed(peeked) {
                    Some(found) => found.map_err(Refused::Csrf)?,
                    None if data.peek_complete() => search.end(),
                    None => return Err(Refused::Csrf(Reason::BodyTooLarge)),
                }
            }
        };
        session
            .verify_csrf_token(token.as_deref())
            .map_err(Refused::Csrf)
    }
}

impl Default for CsrfFairing {
    fn default() -> Self {
        CsrfFairing::new()
    }
}

/// Why a request goes to the refusal route.
#[derive(Clone, Copy, Debug)]
enum Refused {
    Csrf(Reason),
    NoSessionFairing,
}

/// The request's verdict, in its local cache; set once, by the fairing.
struct Verdict(Option<Refused>);

#[async_trait]
impl Fairing for CsrfFairing {
    fn info(&self) -> Info {
        Info {
            name: "sealed-session CSRF",
            kind: Kind::Ignite | Kind::Request,
        }
    }

    async fn on_ignite(&self, rocket: Rocket<Build>) -> rocket::fairing::Result {
        // Ahead of every route of the application at this path.
        Ok(rocket.mount(
            "/",
            vec![Route::ranked(isize::MIN, Method::Get, REFUSED, Refusal)],
        ))
    }

    async fn on_request(&self, request: &mut Request<'_>, data: &mut Data<'_>) {
        let verdict = self.check(request, data).await.err();
        if let Some(Refused::Csrf(reason)) = verdict {
            log_refusal(
                reason,
                request.method().as_str(),
                request.uri().path().as_str(),
            );
        }
        request.local_cache(|| Verdict(verdict));
        if verdict.is_some() {
            // A fairing cannot answer; rerouting to the refusal route is
            // how it keeps the request from its handler.
            request.set_method(Method::Get);
            request.set_uri(Origin::const_new(REFUSED, None));
        }
    }
}

/// The route refused requests are sent to; a request that the fairing did
/// not refuse (one sent to this path from outside) gets a 404.
#[derive(Clone, Copy)]
struct Refusal;

#[async_trait]
impl Handler for Refusal {
    async fn handle<'r>(&self, request: &'r Request<'_>, data: Data<'r>) -> route::Outcome<'r> {
        let (status, body) = match request.local_cache(|| Verdict(None)).0 {
            Some(Refused::Csrf(reason)) => (Status::Forbidden, refusal_text(reason)),
            Some(Refused::NoSessionFairing) => (Status::InternalServerError, MISSING.to_owned()),
            None => return route::Outcome::Forward((data, Status::NotFound)),
        };
        let response = Response::build()
            .status(status)
            .header(ContentType::Plain)
            .raw_header("Cache-Control", "no-store")
            .sized_body(body.len(), Cursor::new(body))
            .finalize();
        route::Outcome::Success(response)
    }
}

/// Why the [`CsrfFairing`] refused `request`, if it did: for a response
/// fairing that logs the reason or renders a page of its own.
///
/// ```
/// use rocket::fairing::AdHoc;
/// use sealed_session::csrf::rocket::refusal;
///
/// let log = AdHoc::on_response("log CSRF refusals", |request, response| {
///     Box::pin(async move {
///         if let Some(reason) = refusal(request) {
///             response.set_raw_header("x-csrf-reason", reason.code());
///         }
///     })
/// });
/// # let _ = log;
/// ```
#[must_use]
pub fn refusal(request: &Request<'_>) -> Option<Reason> {
    match request.local_cache(|| Verdict(None)).0 {
        Some(Refused::Csrf(reason)) => Some(reason),
        _ => None,
    }
}

/// A masked token for the request's session, for a template; creates the
/// session's secret on first use (anonymous visitors too: login forms).
/// Fails with a `500` when no `SessionFairing` is attached.
///
/// ```
/// use rocket::get;
/// use sealed_session::csrf::CsrfToken;
///
/// #[get("/login")]
/// fn login_form(token: CsrfToken) -> String {
///     format!(r#"<input type="hidden" name="csrf_token" value="{token}">"#)
/// }
/// ```
#[async_trait]
impl<'r> FromRequest<'r> for CsrfToken {
    type Error = &'static str;

    async fn from_request(request: &'r Request<'_>) -> Outcome<Self, Self::Error> {
        let Some(session) = super::rocket::primary_session(request) else {
            return Outcome::Error((Status::InternalServerError, MISSING));
        };
        match Session::csrf_token(&session) {
            Ok(token) => Outcome::Success(token),
            Err(e) => {
                super::log_token_error(&e);
                Outcome::Error((Status::InternalServerError, "no CSRF token could be made"))
            }
        }
    }
}
