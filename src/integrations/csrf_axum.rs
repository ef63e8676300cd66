//! CSRF protection for axum and other tower services (features `csrf` and
//! `axum`): [`CsrfLayer`] checks unsafe requests, and the
//! [`CsrfToken`] extractor hands a masked token to a template.
//!
//! Put the layer inside [`SessionLayer`](crate::axum::SessionLayer) (add
//! it first: the layer added last runs first), so the session is there when
//! it checks.
//!
//! ```no_run
//! use axum::{Form, Router, routing::get, response::Html};
//! use sealed_session::axum::{Session, SessionLayer};
//! use sealed_session::csrf::{CsrfToken, axum::CsrfLayer};
//! use sealed_session::{CookieStore, Keyring};
//!
//! #[derive(serde::Deserialize)]
//! struct Note { note: String }
//!
//! async fn form(token: CsrfToken) -> Html<String> {
//!     Html(format!(r#"<form method="post">
//!         <input type="hidden" name="csrf_token" value="{token}">
//!         <input name="note"><button>Add</button></form>"#))
//! }
//!
//! // Runs only when the token checked out; the form arrives whole.
//! async fn add(session: Session, Form(note): Form<Note>) -> Result<&'static str, sealed_session::ValueError> {
//!     session.insert("note", &note.note)?;
//!     Ok("saved")
//! }
//!
//! #[tokio::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let keyring = Keyring::from_env("SESSION_KEYS")?;
//!     let store = CookieStore::new("__Host-session", keyring)?;
//!     let app = Router::new()
//!         .route("/", get(form).post(add))
//!         .layer(CsrfLayer::new())            // inner: sees the session
//!         .layer(SessionLayer::new(store));
//!     let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
//!     axum::serve(listener, app).await?;
//!     Ok(())
//! }
//! ```
//!
//! The layer reads a form body only for a session that holds a secret, and
//! only up to the token field; a client that stalls there holds the
//! request open until a body-read timeout ends it. axum sets none: add
//! tower-http's `RequestBodyTimeoutLayer` outside the CSRF layer (a body
//! that sends nothing for the given time then fails, and the check refuses
//! the request with [`Reason::BodyUnreadable`]); `TimeoutLayer` bounds the
//! whole request.
//!
//! ```
//! use std::time::Duration;
//! use sealed_session::csrf::axum::CsrfLayer;
//! use tower_http::timeout::RequestBodyTimeoutLayer;
//! # let store = sealed_session::CookieStore::new("__Host-session", sealed_session::Keyring::from_config(
//! #     &sealed_session::Keyring::generate_entry(Default::default())?)?)?;
//!
//! let app: axum::Router = axum::Router::new()
//!     .layer(CsrfLayer::new())
//!     .layer(sealed_session::axum::SessionLayer::new(store))
//!     // Outermost: at most 10 s between two pieces of a body.
//!     .layer(RequestBodyTimeoutLayer::new(Duration::from_secs(10)));
//! # let _ = app;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::body::{Body, Bytes, HttpBody};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{Request, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tower_layer::Layer;
use tower_service::Service;

use http_body::{Frame, SizeHint};
use http_body_util::BodyExt as _;

use super::csrf::{Step, TokenSearch, first_step, log_refusal, refusal_text};
use super::{MISSING, Sessions};
use crate::csrf::{BodyKind, CsrfConfig, CsrfToken, Reason};

/// A tower layer that refuses unsafe requests (POST, PUT, PATCH, DELETE,
/// and any method but GET, HEAD, OPTIONS, TRACE) without a valid token for
/// the request's session, with `403 Forbidden`.
///
/// In order: exempt paths pass; a trusted `Origin` passes to the token
/// check; otherwise `Sec-Fetch-Site` / `Origin` must not name another
/// site; the token is taken from the header (default `x-csrf-token`) or,
/// for urlencoded and multipart bodies, from the form field (default
/// `csrf_token`), searched as the body streams — not at all for a session
/// without a secret (`no-secret` at once), and only within the limit. What
/// was read reaches the handler followed by the rest of the body, streamed.
/// The refusal carries the [`Reason`] in its response extensions and its
/// text body.
///
/// ```
/// use sealed_session::csrf::{CsrfConfig, Reason, axum::CsrfLayer};
///
/// let layer = CsrfLayer::with_config(CsrfConfig::new().with_exempt_path("/hooks/")?);
/// // Render the refusal as a page of your own:
/// let app: axum::Router = axum::Router::new()
///     .layer(layer)
///     .layer(axum::middleware::map_response(|res: axum::response::Response| async move {
///         match res.extensions().get::<Reason>() {
///             Some(reason) => (res.status(), format!("Refused: {reason}")).into_response(),
///             None => res,
///         }
///     }));
/// # use axum::response::IntoResponse;
/// # let _ = app;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct CsrfLayer {
    config: Arc<CsrfConfig>,
}

impl CsrfLayer {
    /// The layer with the default [`CsrfConfig`].
    ///
    /// ```
    /// let layer = sealed_session::csrf::axum::CsrfLayer::new();
    /// # let _ = layer;
    /// ```
    #[must_use]
    pub fn new() -> Self {
        CsrfLayer::with_config(CsrfConfig::new())
    }

    /// The layer with `config`.
    ///
    /// ```
    /// use sealed_session::csrf::{CsrfConfig, axum::CsrfLayer};
    /// let layer = CsrfLayer::with_config(CsrfConfig::new().with_field_name("_token")?);
    /// # let _ = layer;
    /// # Ok::<(), sealed_session::csrf::CsrfConfigError>(())
    /// ```
    #[must_use]
    pub fn with_config(config: CsrfConfig) -> Self {
        CsrfLayer {
            config: Arc::new(config),
        }
    }
}

impl Default for CsrfLayer {
    fn default() -> Self {
        CsrfLayer::new()
    }
}

impl<S> Layer<S> for CsrfLayer {
    type Service = CsrfService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        CsrfService {
            inner,
            config: Arc::clone(&self.config),
        }
    }
}

/// The service [`CsrfLayer`] wraps around the application.
///
/// ```
/// use sealed_session::csrf::axum::{CsrfLayer, CsrfService};
/// use tower_layer::Layer;
/// let service: CsrfService<axum::Router> = CsrfLayer::new().layer(axum::Router::new());
/// # let _ = service;
/// ```
#[derive(Clone, Debug)]
pub struct CsrfService<S> {
    inner: S,
    config: Arc<CsrfConfig>,
}

/// The refusal: 403, the reason in text and in the extensions.
fn refuse(reason: Reason, method: &str, path: &str) -> Response {
    log_refusal(reason, method, path);
    let mut res = (StatusCode::FORBIDDEN, refusal_text(reason)).into_response();
    res.extensions_mut().insert(reason);
    res
}

impl<S> Service<Request<Body>> for CsrfService<S>
where
    S: Service<Request<Body>, Response = Response> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Response, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<Body>) -> Self::Future {
        let step = {
            let headers = req.headers();
            let authority = req.uri().authority().map(|a| a.as_str().as_bytes());
            first_step(
                &self.config,
                req.method().as_str(),
                req.uri().path(),
                |name| {
                    match headers.get(name) {
                        Some(v) => Some(v.as_bytes()),
                        // HTTP/2 carries the host as `:authority`.
                        None if name == "host" => authority,
                        None => None,
                    }
                },
            )
        };
        // The service that was made ready is the one to call.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let config = Arc::clone(&self.config);
        Box::pin(async move {
            let method = req.method().as_str().to_owned();
            let path = req.uri().path().to_owned();
            let token = match step {
                Step::Pass => return inner.call(req).await,
                Step::Reject(reason) => return Ok(refuse(reason, &method, &path)),
                Step::Verify(token) => Ok(token),
                Step::ReadBody(kind) => Err(kind),
            };
            let Some(session) = req
                .extensions()
                .get::<Sessions>()
                .and_then(Sessions::primary)
            else {
                return Ok((StatusCode::INTERNAL_SERVER_ERROR, MISSING).into_response());
            };
            let (token, req) = match token {
                Ok(token) => (token, req),
                // No secret, no token can pass: refused before any body
                // byte is read.
                Err(_) if !session.has_csrf_secret() => {
                    return Ok(refuse(Reason::NoSecret, &method, &path));
                }
                Err(kind) => match search_body(req, kind, &config).await {
                    Ok(found) => found,
                    Err(reason) => return Ok(refuse(reason, &method, &path)),
                },
            };
            match session.verify_csrf_token(token.as_deref()) {
                Ok(()) => inner.call(req).await,
                Err(reason) => Ok(refuse(reason, &method, &path)),
            }
        })
    }
}

/// Reads the body until the token field is found (or the limit passes),
/// and gives back the request with a body that replays what was read and
/// streams the rest: an upload after the token is never held here.
async fn search_body(
    req: Request<Body>,
    kind: BodyKind,
    config: &CsrfConfig,
) -> Result<(Option<String>, Request<Body>), Reason> {
    let (parts, mut body) = req.into_parts();
    let mut search = TokenSearch::new(kind, config);
    let mut read = VecDeque::new();
    let token = loop {
        let Some(frame) = body.frame().await else {
            break search.end();
        };
        let frame = frame.map_err(|_| Reason::BodyUnreadable)?;
        let found = frame.data_ref().and_then(|data| search.feed(data));
        read.push_back(frame);
        if let Some(found) = found {
            break found?;
        }
    };
    let body = Body::new(Replay { read, rest: body });
    Ok((token, Request::from_parts(parts, body)))
}

pin_project_lite::pin_project! {
    /// The frames the check read, then the rest of the body.
    struct Replay {
        read: VecDeque<Frame<Bytes>>,
        #[pin]
        rest: Body,
    }
}

impl HttpBody for Replay {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let this = self.project();
        match this.read.pop_front() {
            Some(frame) => Poll::Ready(Some(Ok(frame))),
            None => this.rest.poll_frame(cx),
        }
    }

    fn is_end_stream(&self) -> bool {
        self.read.is_empty() && self.rest.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        let read: u64 = self
            .read
            .iter()
            .filter_map(|f| f.data_ref().map(|d| d.len() as u64))
            .sum();
        let rest = self.rest.size_hint();
        let mut hint = SizeHint::new();
        hint.set_lower(rest.lower().saturating_add(read));
        if let Some(upper) = rest.upper() {
            hint.set_upper(upper.saturating_add(read));
        }
        hint
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
/// let app: axum::Router = axum::Router::new().route("/login", axum::routing::get(login_form));
/// # let _ = app;
/// ```
impl<S: Send + Sync> FromRequestParts<S> for CsrfToken {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let session = parts
            .extensions
            .get::<Sessions>()
            .and_then(Sessions::primary)
            .ok_or_else(|| (StatusCode::INTERNAL_SERVER_ERROR, MISSING).into_response())?;
        session.csrf_token().map_err(|e| {
            super::log_token_error(&e);
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                "500 Internal Server Error",
            )
                .into_response()
        })
    }
}
