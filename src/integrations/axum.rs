//! tower/axum integration (feature `axum`): a [`SessionLayer`] and the
//! [`Session`] and [`Sessions`] extractors.
//!
//! The layer is the counterpart of hertz's
//! `h.Use(sessions.New("mysession", store))`. For each request it puts a
//! cheap handle in the request extensions; the session is loaded from the
//! request's `Cookie` header(s) only when a handler first uses it. After the
//! handler, the layer saves it with [`CookieStore::save`]: when something
//! is due (a change, a re-seal under a newer key, a renewal) the response
//! gets one `Set-Cookie` header per cookie, plus `Cache-Control: private`
//! (an existing `private`/`no-store` is kept; `public` and `s-maxage` are
//! removed) and `Vary: Cookie`, so no shared cache stores one user's session
//! for another. An unchanged session sets nothing; a response whose
//! handler used the session still gets `Vary: Cookie`, since it was
//! rendered from the request's cookies.
//!
//! If the response-time save fails (the session outgrew the store's size
//! budget), the response becomes an empty `500 Internal Server Error`
//! without any `Set-Cookie`: the client keeps its previous cookies, nothing
//! half-written. With the `tracing` feature the failure is logged (cookie
//! name and sizes, never contents). To handle the error yourself, call
//! [`Session::save`] in the handler.
//!
//! A handler that asks for a session on a route without the layer gets a
//! `500` whose body says so ("is `SessionLayer` installed on this route?");
//! `Option<Session>` gives `None` there instead.
//!
//! Two requests of one client at once (two tabs, a double submit) start
//! from the same cookies, and each response carries the whole session: the
//! browser keeps the cookies of the response that arrives last, and the
//! other request's change is lost. A session is never torn between the two:
//! chunks of different responses do not open together (the session loads
//! fresh instead). Make such writes idempotent (set a value rather than
//! increment it, key a cart's items by id) or re-read before writing; data
//! that must not lose an update belongs on the server.
//!
//! Loading is lazy: a request whose handler never uses the session costs
//! no cryptography, and its cookies are left alone (no re-seal under a newer
//! key, no idle or rolling renewal: those happen on requests that use it).
//!
//! With [header transport](crate::CookieStoreBuilder::with_header_transport),
//! a request carrying the store's header (empty on a client's first request)
//! is answered in that header instead of cookies.
//!
//! ```
//! use axum::{Router, body::Body, http::Request, routing::get};
//! use sealed_session::axum::{Session, SessionLayer};
//! use sealed_session::{CookieStore, Keyring};
//! use tower::ServiceExt; // for `oneshot`
//!
//! async fn counter(session: Session) -> Result<String, String> {
//!     let n: u32 = session.get("count").map_err(|e| e.to_string())?.unwrap_or(0);
//!     session.insert("count", &(n + 1)).map_err(|e| e.to_string())?;
//!     Ok(format!("visit {}", n + 1))
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let keyring = Keyring::from_config(&Keyring::generate_entry(Default::default())?)?;
//! let store = CookieStore::new("__Host-session", keyring)?; // e.g. SESSION_KEYS
//! let app = Router::new().route("/", get(counter)).layer(SessionLayer::new(store));
//!
//! let response = app.oneshot(Request::get("/").body(Body::empty())?).await?;
//! let set_cookie = response.headers()["set-cookie"].to_str()?;
//! assert!(set_cookie.starts_with("__Host-session="));
//! assert!(set_cookie.ends_with("; Path=/; Secure; HttpOnly; SameSite=Lax"));
//! assert_eq!(response.headers()["cache-control"], "private");
//! assert_eq!(response.headers()["vary"], "Cookie");
//! # Ok(())
//! # }
//! ```
//!
//! Serve it as usual (`axum::serve(listener, app)`); the layer works on any
//! tower service with `http` requests and responses whose body has a
//! `Default` (the empty body of the 500).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use axum::response::{IntoResponse, Response as AxumResponse};
use http::header::{CACHE_CONTROL, COOKIE, VARY};
use http::request::Parts;
use http::{HeaderMap, HeaderName, HeaderValue, Request, Response, StatusCode};
use tower_layer::Layer;
use tower_service::Service;

use super::{CookieHeaders, Emit, MISSING, Raw, Source};
pub use super::{Session, Sessions};
use crate::{CookieStore, SaveError, ValueError};

/// A tower [`Layer`] that gives every request its sessions and writes them
/// into the response (see the [module docs](self)).
///
/// ```
/// use axum::{Router, routing::get};
/// use sealed_session::axum::{Session, SessionLayer};
/// # let keyring = sealed_session::Keyring::from_config(&sealed_session::Keyring::generate_entry(Default::default())?)?;
/// # let store = sealed_session::CookieStore::new("__Host-session", keyring)?;
///
/// async fn hello(session: Session) -> String {
///     format!("your session id is {}", session.id())
/// }
/// let app: Router = Router::new().route("/", get(hello)).layer(SessionLayer::new(store));
/// # let _ = app;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct SessionLayer {
    stores: Arc<[CookieStore]>,
}

impl SessionLayer {
    /// A layer with one session, under `store`'s cookie name; the
    /// [`Session`] extractor gives it.
    ///
    /// ```
    /// # let keyring = sealed_session::Keyring::from_config(&sealed_session::Keyring::generate_entry(Default::default())?)?;
    /// let store = sealed_session::CookieStore::new("__Host-session", keyring)?;
    /// let layer = sealed_session::axum::SessionLayer::new(store);
    /// # let _ = layer;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn new(store: CookieStore) -> Self {
        SessionLayer {
            stores: Arc::from([store]),
        }
    }

    /// Adds another, independent session under `store`'s cookie name
    /// (hertz's `Many`); handlers reach it through the [`Sessions`]
    /// extractor. A store with a name already present replaces that one.
    ///
    /// ```
    /// use axum::{Router, routing::get};
    /// use sealed_session::axum::{SessionLayer, Sessions};
    /// # let keyring = sealed_session::Keyring::from_config(&sealed_session::Keyring::generate_entry(Default::default())?)?;
    /// let auth = sealed_session::CookieStore::new("__Host-auth", keyring)?;
    /// let prefs = auth.for_name("__Host-prefs")?;
    ///
    /// async fn page(sessions: Sessions) -> String {
    ///     let theme = sessions.get("__Host-prefs").and_then(|s| s.get::<String>("theme").ok().flatten());
    ///     theme.unwrap_or_else(|| "light".into())
    /// }
    /// let app: Router = Router::new()
    ///     .route("/", get(page))
    ///     .layer(SessionLayer::new(auth).with_store(prefs)?);
    /// # let _ = app;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`StoreError::NameCollision`](crate::StoreError::NameCollision) when
    /// one store's name is a chunk cookie name of another's (`auth` and
    /// `auth.1`): they would read and delete each other's cookies.
    pub fn with_store(self, store: CookieStore) -> Result<Self, crate::StoreError> {
        Ok(SessionLayer {
            stores: super::add_store(&self.stores, store)?,
        })
    }
}

impl<S> Layer<S> for SessionLayer {
    type Service = SessionService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        SessionService {
            inner,
            stores: Arc::clone(&self.stores),
        }
    }
}

/// The service [`SessionLayer`] wraps around an inner service.
///
/// ```
/// use tower_layer::Layer;
/// # let keyring = sealed_session::Keyring::from_config(&sealed_session::Keyring::generate_entry(Default::default())?)?;
/// # let store = sealed_session::CookieStore::new("__Host-session", keyring)?;
/// let inner = tower::service_fn(|_req: http::Request<String>| async {
///     Ok::<_, std::convert::Infallible>(http::Response::new(String::new()))
/// });
/// let service = sealed_session::axum::SessionLayer::new(store).layer(inner);
/// # let _ = service;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct SessionService<S> {
    inner: S,
    stores: Arc<[CookieStore]>,
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for SessionService<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
    ResBody: Default,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: Request<ReqBody>) -> Self::Future {
        let headers = req.headers();
        // Kept, not copied: a header value shares the request's bytes.
        let cookies: CookieHeaders = headers
            .get_all(COOKIE)
            .iter()
            .map(|v| Raw::Http(v.clone()))
            .collect();
        let source = Source::new(&self.stores, cookies, |name| {
            headers.get(name).map(|v| Raw::Http(v.clone()))
        });
        // The handles are made when an extractor first asks for them.
        let sessions = Sessions::begin(
            &self.stores,
            req.extensions().get::<Sessions>(),
            Some(source),
        );
        req.extensions_mut().insert(sessions.clone());
        ResponseFuture {
            inner: self.inner.call(req),
            sessions: Some(sessions),
        }
    }
}

pin_project_lite::pin_project! {
    /// The future of [`SessionService`]: the inner response with the
    /// sessions saved into it.
    pub struct ResponseFuture<F> {
        #[pin]
        inner: F,
        // Taken when the response is finished.
        sessions: Option<Sessions>,
    }
}

impl<F> std::fmt::Debug for ResponseFuture<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResponseFuture").finish_non_exhaustive()
    }
}

impl<F, B, E> Future for ResponseFuture<F>
where
    F: Future<Output = Result<Response<B>, E>>,
    B: Default,
{
    type Output = Result<Response<B>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let result = ready!(this.inner.poll(cx));
        let Some(sessions) = this.sessions.take() else {
            return Poll::Ready(result);
        };
        Poll::Ready(result.map(|response| finish_response(response, sessions.own())))
    }
}

fn finish_response<B: Default>(mut response: Response<B>, own: &[Session]) -> Response<B> {
    let Ok(emits) = super::finish(own) else {
        return server_error();
    };
    if apply(response.headers_mut(), emits).is_err() {
        return server_error();
    }
    response
}

/// The answer when a session could not be saved: no session detail, no
/// `Set-Cookie`, not cacheable.
fn server_error<B: Default>() -> Response<B> {
    let mut response = Response::new(B::default());
    *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
    response
        .headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// Adds the sessions' headers; the headers are left untouched on error.
fn apply(headers: &mut HeaderMap, emits: Vec<Emit>) -> Result<(), ()> {
    if emits.is_empty() {
        return Ok(());
    }
    let values = |name| -> Vec<&str> {
        headers
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect()
    };
    let ops = super::response_headers(emits, &values(CACHE_CONTROL), &values(VARY));
    let mut converted = Vec::with_capacity(ops.len());
    for op in ops {
        let name = HeaderName::try_from(&*op.name).map_err(drop)?;
        let value = HeaderValue::try_from(op.value).map_err(drop)?;
        converted.push((name, value, op.append));
    }
    for (name, value, append) in converted {
        if append {
            headers.append(name, value);
        } else {
            headers.insert(name, value);
        }
    }
    Ok(())
}

/// The rejection of the [`Session`] and [`Sessions`] extractors when no
/// [`SessionLayer`] ran for the request: a `500` whose body says what to fix.
///
/// ```
/// use axum::response::IntoResponse;
/// let response = sealed_session::axum::MissingSessionLayer::default().into_response();
/// assert_eq!(response.status(), 500);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct MissingSessionLayer;

impl std::fmt::Display for MissingSessionLayer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(MISSING)
    }
}

impl std::error::Error for MissingSessionLayer {}

impl IntoResponse for MissingSessionLayer {
    fn into_response(self) -> AxumResponse {
        (StatusCode::INTERNAL_SERVER_ERROR, MISSING).into_response()
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Session {
    type Rejection = MissingSessionLayer;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Sessions>()
            .and_then(Sessions::primary)
            .ok_or(MissingSessionLayer)
    }
}

/// `Option<Session>`: `None` when no [`SessionLayer`] ran for the request,
/// for handlers shared between routes with and without sessions.
///
/// ```
/// use sealed_session::axum::Session;
///
/// async fn page(session: Option<Session>) -> String {
///     match session {
///         Some(session) => format!("session {}", session.id()),
///         None => "no sessions on this route".into(),
///     }
/// }
/// let app: axum::Router = axum::Router::new().route("/", axum::routing::get(page));
/// # let _ = app;
/// ```
impl<S: Send + Sync> OptionalFromRequestParts<S> for Session {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        _state: &S,
    ) -> Result<Option<Self>, Self::Rejection> {
        Ok(parts
            .extensions
            .get::<Sessions>()
            .and_then(Sessions::primary))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Sessions {
    type Rejection = MissingSessionLayer;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Sessions>()
            .cloned()
            .ok_or(MissingSessionLayer)
    }
}

/// Lets handlers use `?` on session values: a [`ValueError`] (a stored
/// value of another type, or one serde cannot encode) becomes a plain
/// `500 Internal Server Error`. The body carries no session detail; with
/// the `tracing` feature the error (key and type names, never values) is
/// logged.
///
/// ```
/// use sealed_session::axum::Session;
///
/// async fn counter(session: Session) -> Result<String, sealed_session::ValueError> {
///     let n: u32 = session.get("count")?.unwrap_or(0);
///     session.insert("count", &(n + 1))?;
///     Ok(format!("visit {}", n + 1))
/// }
/// let app: axum::Router = axum::Router::new().route("/", axum::routing::get(counter));
/// # let _ = app;
/// ```
impl IntoResponse for ValueError {
    fn into_response(self) -> AxumResponse {
        super::log_value_error(&self);
        server_error::<axum::body::Body>()
    }
}

/// Lets handlers use `?` on [`Session::save`]: a [`SaveError`] becomes a
/// plain `500 Internal Server Error` with no session detail and no
/// `Set-Cookie` (the client keeps its cookies); with the `tracing` feature
/// it is logged. Match on it instead to show the user a page of your own.
///
/// ```
/// use sealed_session::axum::Session;
///
/// async fn save_now(session: Session) -> Result<&'static str, sealed_session::SaveError> {
///     session.save()?;
///     Ok("saved")
/// }
/// let app: axum::Router = axum::Router::new().route("/", axum::routing::post(save_now));
/// # let _ = app;
/// ```
impl IntoResponse for SaveError {
    fn into_response(self) -> AxumResponse {
        super::log_failure("", &self);
        server_error::<axum::body::Body>()
    }
}
