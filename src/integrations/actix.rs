//! actix-web integration (feature `actix`): a [`SessionMiddleware`] and the
//! [`Session`] and [`Sessions`] extractors.
//!
//! The same behaviour as the axum integration (`sealed_session::axum`, which
//! shares the [`Session`] handle and its methods): the session is loaded
//! lazily from the request's `Cookie` header(s) on first use; after the
//! handler the middleware saves it with
//! [`CookieStore::save`](crate::CookieStore::save), and when something is
//! due the response gets one `Set-Cookie` header per cookie, plus
//! `Cache-Control: private` (an existing `private`/`no-store` is kept;
//! `public` and `s-maxage` are removed) and `Vary: Cookie`. An unchanged
//! session sets nothing, but a response whose handler used the session
//! still gets `Vary: Cookie`.
//!
//! If the response-time save fails (the session outgrew the store's size
//! budget), the response becomes an empty `500 Internal Server Error`
//! without any `Set-Cookie`, so the client keeps its previous cookies; with
//! the `tracing` feature the failure is logged. Call [`Session::save`] in
//! the handler to handle that error yourself. A handler asking for a session
//! without the middleware gets a `500` whose body says what to fix
//! (`Option<Session>` gives `None` instead). As in axum, a request whose
//! handler never uses the session does not load, renew or re-seal it.
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
//! ```no_run
//! use actix_web::{App, HttpServer, web};
//! use sealed_session::actix::{Session, SessionMiddleware};
//! use sealed_session::{CookieStore, Keyring};
//!
//! async fn counter(session: Session) -> actix_web::Result<String> {
//!     let n: u32 = session.get("count").map_err(actix_web::error::ErrorBadRequest)?.unwrap_or(0);
//!     session.insert("count", &(n + 1)).map_err(actix_web::error::ErrorInternalServerError)?;
//!     Ok(format!("visit {}", n + 1))
//! }
//!
//! #[actix_web::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let keyring = Keyring::from_config(&std::env::var("SESSION_KEYS")?)?;
//!     let store = CookieStore::new("__Host-session", keyring)?;
//!     HttpServer::new(move || {
//!         App::new()
//!             .wrap(SessionMiddleware::new(store.clone()))
//!             .route("/", web::get().to(counter))
//!     })
//!     .bind(("127.0.0.1", 8080))?
//!     .run()
//!     .await?;
//!     Ok(())
//! }
//! ```

use std::future::{Future, Ready, ready};
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Payload, Service, ServiceRequest, ServiceResponse, Transform};
use actix_web::http::StatusCode;
use actix_web::http::header::{CACHE_CONTROL, COOKIE, HeaderMap, HeaderName, HeaderValue, VARY};
use actix_web::{FromRequest, HttpMessage, HttpRequest, HttpResponse, ResponseError};

use super::{CookieHeaders, Emit, MISSING, Raw, Source};
pub use super::{Session, Sessions};
use crate::{CookieStore, SaveError, ValueError};

/// actix-web middleware that gives every request its sessions and writes
/// them into the response (see the [module docs](self)).
///
/// ```
/// use actix_web::{App, web};
/// use sealed_session::actix::{Session, SessionMiddleware};
/// # let keyring = sealed_session::Keyring::from_config(&sealed_session::Keyring::generate_entry(Default::default())?)?;
/// # let store = sealed_session::CookieStore::new("__Host-session", keyring)?;
///
/// async fn hello(session: Session) -> String {
///     format!("your session id is {}", session.id())
/// }
/// let app = App::new()
///     .wrap(SessionMiddleware::new(store))
///     .route("/", web::get().to(hello));
/// # let _ = app;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct SessionMiddleware {
    stores: Arc<[CookieStore]>,
}

impl SessionMiddleware {
    /// Middleware with one session, under `store`'s cookie name; the
    /// [`Session`] extractor gives it.
    ///
    /// ```
    /// # let keyring = sealed_session::Keyring::from_config(&sealed_session::Keyring::generate_entry(Default::default())?)?;
    /// let store = sealed_session::CookieStore::new("__Host-session", keyring)?;
    /// let middleware = sealed_session::actix::SessionMiddleware::new(store);
    /// # let _ = middleware;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn new(store: CookieStore) -> Self {
        SessionMiddleware {
            stores: Arc::from([store]),
        }
    }

    /// Adds another, independent session under `store`'s cookie name
    /// (hertz's `Many`); handlers reach it through the [`Sessions`]
    /// extractor. A store with a name already present replaces that one.
    ///
    /// ```
    /// use actix_web::{App, web};
    /// use sealed_session::actix::{SessionMiddleware, Sessions};
    /// # let keyring = sealed_session::Keyring::from_config(&sealed_session::Keyring::generate_entry(Default::default())?)?;
    /// let auth = sealed_session::CookieStore::new("__Host-auth", keyring)?;
    /// let prefs = auth.for_name("__Host-prefs")?;
    ///
    /// async fn page(sessions: Sessions) -> String {
    ///     let theme = sessions.get("__Host-prefs").and_then(|s| s.get::<String>("theme").ok().flatten());
    ///     theme.unwrap_or_else(|| "light".into())
    /// }
    /// let app = App::new()
    ///     .wrap(SessionMiddleware::new(auth).with_store(prefs)?)
    ///     .route("/", web::get().to(page));
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
        Ok(SessionMiddleware {
            stores: super::add_store(&self.stores, store)?,
        })
    }
}

impl<S, B> Transform<S, ServiceRequest> for SessionMiddleware
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = actix_web::Error;
    type Transform = SessionMiddlewareService<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(SessionMiddlewareService {
            service: Rc::new(service),
            stores: Arc::clone(&self.stores),
        }))
    }
}

/// The service [`SessionMiddleware`] wraps around the app's services.
///
/// ```
/// use actix_web::{App, web};
/// # let keyring = sealed_session::Keyring::from_config(&sealed_session::Keyring::generate_entry(Default::default())?)?;
/// # let store = sealed_session::CookieStore::new("__Host-session", keyring)?;
/// // Built by actix-web when the middleware wraps an app or scope:
/// let app = App::new().service(
///     web::scope("/account").wrap(sealed_session::actix::SessionMiddleware::new(store)),
/// );
/// # let _ = app;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct SessionMiddlewareService<S> {
    service: Rc<S>,
    stores: Arc<[CookieStore]>,
}

impl<S> std::fmt::Debug for SessionMiddlewareService<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionMiddlewareService")
            .field("stores", &self.stores)
            .finish_non_exhaustive()
    }
}

type ResponseFuture<B> =
    Pin<Box<dyn Future<Output = Result<ServiceResponse<EitherBody<B>>, actix_web::Error>>>>;

impl<S, B> Service<ServiceRequest> for SessionMiddlewareService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = actix_web::Error;
    type Future = ResponseFuture<B>;

    actix_web::dev::forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        let headers = req.headers();
        // Kept, not copied: a header value shares the request's bytes.
        let cookies: CookieHeaders = headers
            .get_all(COOKIE)
            .map(|v| Raw::Actix(v.clone()))
            .collect();
        let source = Source::new(&self.stores, cookies, |name| {
            headers.get(name).map(|v| Raw::Actix(v.clone()))
        });
        // The handles are made when an extractor first asks for them.
        let sessions = Sessions::begin(
            &self.stores,
            req.extensions().get::<Sessions>(),
            Some(source),
        );
        req.extensions_mut().insert(sessions.clone());
        let service = Rc::clone(&self.service);
        Box::pin(async move {
            let mut response = service.call(req).await?;
            let applied = super::finish(sessions.own())
                .ok()
                .and_then(|emits| apply(response.headers_mut(), emits).ok());
            Ok(match applied {
                Some(()) => response.map_into_left_body(),
                None => response
                    .into_response(
                        HttpResponse::InternalServerError()
                            .insert_header((CACHE_CONTROL, "no-store"))
                            .finish(),
                    )
                    .map_into_right_body(),
            })
        })
    }
}

/// Adds the sessions' headers; the headers are left untouched on error.
fn apply(headers: &mut HeaderMap, emits: Vec<Emit>) -> Result<(), ()> {
    if emits.is_empty() {
        return Ok(());
    }
    let values = |name| -> Vec<&str> {
        headers
            .get_all(name)
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

/// The error of the [`Session`] and [`Sessions`] extractors when no
/// [`SessionMiddleware`] ran for the request: a `500` whose body says what
/// to fix.
///
/// ```
/// use actix_web::ResponseError;
/// let error = sealed_session::actix::MissingSessionMiddleware::default();
/// assert_eq!(error.status_code(), 500);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct MissingSessionMiddleware;

impl std::fmt::Display for MissingSessionMiddleware {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(MISSING)
    }
}

impl std::error::Error for MissingSessionMiddleware {}

impl ResponseError for MissingSessionMiddleware {
    fn status_code(&self) -> StatusCode {
        StatusCode::INTERNAL_SERVER_ERROR
    }
}

impl FromRequest for Session {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        ready(
            req.extensions()
                .get::<Sessions>()
                .and_then(Sessions::primary)
                .ok_or_else(|| MissingSessionMiddleware.into()),
        )
    }
}

impl FromRequest for Sessions {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        ready(
            req.extensions()
                .get::<Sessions>()
                .cloned()
                .ok_or_else(|| MissingSessionMiddleware.into()),
        )
    }
}

/// Lets handlers use `?` on session values: a [`ValueError`] (a stored
/// value of another type, or one serde cannot encode) becomes a plain
/// `500 Internal Server Error` whose body carries no session detail; with
/// the `tracing` feature it is logged (key and type names, never values).
///
/// ```
/// use sealed_session::actix::Session;
///
/// async fn counter(session: Session) -> Result<String, sealed_session::ValueError> {
///     let n: u32 = session.get("count")?.unwrap_or(0);
///     session.insert("count", &(n + 1))?;
///     Ok(format!("visit {}", n + 1))
/// }
/// let app = actix_web::App::new().route("/", actix_web::web::get().to(counter));
/// # let _ = app;
/// ```
impl ResponseError for ValueError {
    fn status_code(&self) -> StatusCode {
        StatusCode::INTERNAL_SERVER_ERROR
    }

    fn error_response(&self) -> HttpResponse {
        super::log_value_error(self);
        HttpResponse::InternalServerError()
            .insert_header((CACHE_CONTROL, "no-store"))
            .finish()
    }
}

/// Lets handlers use `?` on [`Session::save`]: a [`SaveError`] becomes a
/// plain `500 Internal Server Error` with no session detail and no
/// `Set-Cookie` (the client keeps its cookies); with the `tracing` feature
/// it is logged. Match on it instead to show the user a page of your own.
///
/// ```
/// use sealed_session::actix::Session;
///
/// async fn save_now(session: Session) -> Result<&'static str, sealed_session::SaveError> {
///     session.save()?;
///     Ok("saved")
/// }
/// let app = actix_web::App::new().route("/", actix_web::web::post().to(save_now));
/// # let _ = app;
/// ```
impl ResponseError for SaveError {
    fn status_code(&self) -> StatusCode {
        StatusCode::INTERNAL_SERVER_ERROR
    }

    fn error_response(&self) -> HttpResponse {
        super::log_failure("", self);
        HttpResponse::InternalServerError()
            .insert_header((CACHE_CONTROL, "no-store"))
            .finish()
    }
}
