//! CSRF protection for actix-web (features `csrf` and `actix`):
//! [`CsrfMiddleware`] checks unsafe requests, and the
//! [`CsrfToken`] extractor hands a masked token to a template.
//!
//! Wrap the middleware inside
//! [`SessionMiddleware`](crate::actix::SessionMiddleware) (wrap it first:
//! the middleware wrapped last runs first), so the session is there when it
//! checks.
//!
//! ```no_run
//! use actix_web::{App, HttpServer, web};
//! use sealed_session::actix::{Session, SessionMiddleware};
//! use sealed_session::csrf::{CsrfToken, actix::CsrfMiddleware};
//! use sealed_session::{CookieStore, Keyring};
//!
//! #[derive(serde::Deserialize)]
//! struct Note { note: String }
//!
//! async fn form(token: CsrfToken) -> actix_web::HttpResponse {
//!     actix_web::HttpResponse::Ok().content_type("text/html").body(format!(
//!         r#"<form method="post"><input type="hidden" name="csrf_token" value="{token}">
//!            <input name="note"><button>Add</button></form>"#))
//! }
//!
//! // Runs only when the token checked out; the form arrives whole.
//! async fn add(session: Session, note: web::Form<Note>) -> actix_web::Result<&'static str> {
//!     session.insert("note", &note.note)?;
//!     Ok("saved")
//! }
//!
//! #[actix_web::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let keyring = Keyring::from_env("SESSION_KEYS")?;
//!     let store = CookieStore::new("__Host-session", keyring)?;
//!     HttpServer::new(move || {
//!         App::new()
//!             .route("/", web::get().to(form))
//!             .route("/", web::post().to(add))
//!             .wrap(CsrfMiddleware::new())
//!             .wrap(SessionMiddleware::new(store.clone()))
//!     })
//!     .bind(("127.0.0.1", 8080))?
//!     .run()
//!     .await?;
//!     Ok(())
//! }
//! ```
//!
//! The middleware reads a form body only for a session that holds a
//! secret, and only up to the token field; a client that stalls there
//! holds the request open until a body-read timeout ends it. actix-web's
//! `client_request_timeout` covers only the request head; a payload wrapper
//! bounds the wait between two pieces of the body (the check then refuses
//! the request with [`Reason::BodyUnreadable`]):
//!
//! ```
//! use std::pin::Pin;
//! use std::task::{Context, Poll};
//! use std::time::Duration;
//! use actix_web::dev::Payload;
//! use actix_web::error::PayloadError;
//! use actix_web::rt::time::{Instant, Sleep, sleep};
//! use actix_web::web::Bytes;
//! use futures_core::Stream;
//!
//! /// The payload, failing when nothing arrives for `idle`.
//! struct IdleTimeout { inner: Payload, idle: Duration, timer: Pin<Box<Sleep>> }
//!
//! impl Stream for IdleTimeout {
//!     type Item = Result<Bytes, PayloadError>;
//!     fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
//!         if let Poll::Ready(next) = Pin::new(&mut self.inner).poll_next(cx) {
//!             let deadline = Instant::now() + self.idle;
//!             self.timer.as_mut().reset(deadline);
//!             return Poll::Ready(next);
//!         }
//!         match self.timer.as_mut().poll(cx) {
//!             Poll::Ready(()) => Poll::Ready(Some(Err(PayloadError::Io(std::io::ErrorKind::TimedOut.into())))),
//!             Poll::Pending => Poll::Pending,
//!         }
//!     }
//! }
//!
//! let idle = Duration::from_secs(10);
//! let app = actix_web::App::new()
//!     .wrap(sealed_session::csrf::actix::CsrfMiddleware::new())
//!     // (SessionMiddleware here)
//!     // Outermost: at most `idle` between two pieces of a body.
//!     .wrap_fn(move |mut req, srv| {
//!         use actix_web::{HttpMessage as _, dev::Service as _};
//!         let inner = req.take_payload();
//!         let timed: Pin<Box<dyn Stream<Item = _>>> =
//!             Box::pin(IdleTimeout { inner, idle, timer: Box::pin(sleep(idle)) });
//!         req.set_payload(Payload::from(timed));
//!         srv.call(req)
//!     });
//! # let _ = app;
//! ```

use std::collections::VecDeque;
use std::future::{Future, Ready, poll_fn, ready};
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Context, Poll};

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Payload, Service, ServiceRequest, ServiceResponse, Transform};
use actix_web::error::PayloadError;
use actix_web::http::StatusCode;
use actix_web::web::Bytes;
use actix_web::{FromRequest, HttpMessage as _, HttpRequest, HttpResponse};
use futures_core::Stream;

use super::csrf::{Step, TokenSearch, first_step, log_refusal, refusal_text};
use super::{MISSING, Sessions};
use crate::csrf::{BodyKind, CsrfConfig, CsrfToken, Reason};

/// An actix-web middleware that refuses unsafe requests (POST, PUT, PATCH,
/// DELETE, and any method but GET, HEAD, OPTIONS, TRACE) without a valid
/// token for the request's session, with `403 Forbidden`.
///
/// The same checks in the same order as the axum layer
/// ([`crate::csrf::axum::CsrfLayer`]); the refusal carries the [`Reason`]
/// in its response extensions and its text body.
///
/// ```
/// use sealed_session::csrf::{CsrfConfig, actix::CsrfMiddleware};
/// let middleware = CsrfMiddleware::with_config(CsrfConfig::new().with_exempt_path("/hooks/")?);
/// let app = actix_web::App::new().wrap(middleware);
/// # let _ = app;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct CsrfMiddleware {
    config: Arc<CsrfConfig>,
}

impl CsrfMiddleware {
    /// The middleware with the default [`CsrfConfig`].
    ///
    /// ```
    /// let middleware = sealed_session::csrf::actix::CsrfMiddleware::new();
    /// # let _ = middleware;
    /// ```
    #[must_use]
    pub fn new() -> Self {
        CsrfMiddleware::with_config(CsrfConfig::new())
    }

    /// The middleware with `config`.
    ///
    /// ```
    /// use sealed_session::csrf::{CsrfConfig, actix::CsrfMiddleware};
    /// let middleware = CsrfMiddleware::with_config(CsrfConfig::new().with_header_name("x-xsrf-token")?);
    /// # let _ = middleware;
    /// # Ok::<(), sealed_session::csrf::CsrfConfigError>(())
    /// ```
    #[must_use]
    pub fn with_config(config: CsrfConfig) -> Self {
        CsrfMiddleware {
            config: Arc::new(config),
        }
    }
}

impl Default for CsrfMiddleware {
    fn default() -> Self {
        CsrfMiddleware::new()
    }
}

impl<S, B> Transform<S, ServiceRequest> for CsrfMiddleware
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = actix_web::Error;
    type Transform = CsrfMiddlewareService<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(CsrfMiddlewareService {
            service: Rc::new(service),
            config: Arc::clone(&self.config),
        }))
    }
}

/// The service [`CsrfMiddleware`] wraps around the app's services.
///
/// ```
/// use actix_web::{App, web};
/// // Built by actix-web when the middleware wraps an app or scope:
/// let app = App::new().service(
///     web::scope("/forms").wrap(sealed_session::csrf::actix::CsrfMiddleware::new()),
/// );
/// # let _ = app;
/// ```
pub struct CsrfMiddlewareService<S> {
    service: Rc<S>,
    config: Arc<CsrfConfig>,
}

impl<S> std::fmt::Debug for CsrfMiddlewareService<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CsrfMiddlewareService")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

type ResponseFuture<B> =
    Pin<Box<dyn Future<Output = Result<ServiceResponse<EitherBody<B>>, actix_web::Error>>>>;

/// The refusal: 403, the reason in text and in the extensions.
fn refuse<B>(req: ServiceRequest, reason: Reason) -> ServiceResponse<EitherBody<B>> {
    log_refusal(reason, req.method().as_str(), req.path());
    let mut res = HttpResponse::Forbidden()
        .content_type("text/plain; charset=utf-8")
        .body(refusal_text(reason));
    res.extensions_mut().insert(reason);
    req.into_response(res).map_into_right_body()
}

/// Reads the payload until the token field is found (or the limit
/// passes), and puts back a payload that replays what was read and streams
/// the rest: an upload after the token is never held here.
async fn search_body(
    req: &mut ServiceRequest,
    kind: BodyKind,
    config: &CsrfConfig,
) -> Result<Option<String>, Reason> {
    let mut payload = req.take_payload();
    let mut search = TokenSearch::new(kind, config);
    let mut read = VecDeque::new();
    let found = loop {
        let Some(chunk) = poll_fn(|cx| Pin::new(&mut payload).poll_next(cx)).await else {
            break Ok(search.end());
        };
        let Ok(chunk) = chunk else {
            break Err(Reason::BodyUnreadable);
        };
        let found = search.feed(&chunk);
        read.push_back(chunk);
        if let Some(found) = found {
            break found;
        }
    };
    let replay: Pin<Box<dyn Stream<Item = Result<Bytes, PayloadError>>>> = Box::pin(Replay {
        read,
        rest: payload,
    });
    req.set_payload(Payload::from(replay));
    found
}

/// The chunks the check read, then the rest of the payload.
struct Replay {
    read: VecDeque<Bytes>,
    rest: Payload,
}

impl Stream for Replay {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        match self.read.pop_front() {
            Some(chunk) => Poll::Ready(Some(Ok(chunk))),
            None => Pin::new(&mut self.rest).poll_next(cx),
        }
    }
}

impl<S, B> Service<ServiceRequest> for CsrfMiddlewareService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = actix_web::Error;
    type Future = ResponseFuture<B>;

    actix_web::dev::forward_ready!(service);

    fn call(&self, mut req: ServiceRequest) -> Self::Future {
        let step = {
            let headers = req.headers();
            let authority = req.uri().authority().map(|a| a.as_str().as_bytes());
            first_step(&self.config, req.method().as_str(), req.path(), |name| {
                match headers.get(name) {
                    Some(v) => Some(v.as_bytes()),
                    // HTTP/2 carries the host as `:authority`.
                    None if name == "host" => authority,
                    None => None,
                }
            })
        };
        let service = Rc::clone(&self.service);
        let config = Arc::clone(&self.config);
        Box::pin(async move {
            let token = match step {
                Step::Pass => return Ok(service.call(req).await?.map_into_left_body()),
                Step::Reject(reason) => return Ok(refuse(req, reason)),
                Step::Verify(token) => Ok(token),
                Step::ReadBody(kind) => Err(kind),
            };
            let session = req
                .extensions()
                .get::<Sessions>()
                .and_then(Sessions::primary);
            let Some(session) = session else {
                let res = HttpResponse::build(StatusCode::INTERNAL_SERVER_ERROR).body(MISSING);
                return Ok(req.into_response(res).map_into_right_body());
            };
            let token = match token {
                Ok(token) => token,
                // No secret, no token can pass: refused before any body
                // byte is read.
                Err(_) if !session.has_csrf_secret() => return Ok(refuse(req, Reason::NoSecret)),
                Err(kind) => match search_body(&mut req, kind, &config).await {
                    Ok(token) => token,
                    Err(reason) => return Ok(refuse(req, reason)),
                },
            };
            match session.verify_csrf_token(token.as_deref()) {
                Ok(()) => Ok(service.call(req).await?.map_into_left_body()),
                Err(reason) => Ok(refuse(req, reason)),
            }
        })
    }
}

/// A masked token for the request's session, for a template; creates the
/// session's secret on first use (anonymous visitors too: login forms).
///
/// ```
/// use sealed_session::csrf::CsrfToken;
/// async fn login_form(token: CsrfToken) -> String {
///     format!(r#"<input type="hidden" name="csrf_token" value="{token}">"#)
/// }
/// let app = actix_web::App::new().route("/login", actix_web::web::get().to(login_form));
/// # let _ = app;
/// ```
impl FromRequest for CsrfToken {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let Some(session) = req
            .extensions()
            .get::<Sessions>()
            .and_then(Sessions::primary)
        else {
            return ready(Err(actix_web::error::ErrorInternalServerError(MISSING)));
        };
        ready(session.csrf_token().map_err(|e| {
            super::log_token_error(&e);
            actix_web::error::ErrorInternalServerError("500 Internal Server Error")
        }))
    }
}
