//! The CSRF parts both frameworks share: token and check on the request's
//! session handle, and the order of the checks on a request.

use super::Session;
use crate::csrf::{
    BodyKind, CsrfConfig, CsrfToken, FieldScan, Reason, SESSION_KEY, Scan, TokenError, body_kind,
    check_origin, has_secret, is_unsafe_method, new_token, verify,
};

impl Session {
    /// A fresh masked token for a form (see
    /// [`crate::Session::csrf_token`]); creates the session's secret on
    /// first use, which also gives an anonymous visitor a session cookie.
    ///
    /// # Errors
    ///
    /// [`TokenError`] if the random source fails or the secret cannot be
    /// stored.
    ///
    /// ```
    /// # #[cfg(feature = "axum")] use sealed_session::axum::Session;
    /// # #[cfg(all(feature = "actix", not(feature = "axum")))] use sealed_session::actix::Session;
    /// # #[cfg(not(any(feature = "axum", feature = "actix")))] use sealed_session::rocket::Session;
    /// fn form(session: &Session) -> Result<String, sealed_session::csrf::TokenError> {
    ///     let token = session.csrf_token()?;
    ///     Ok(format!(r#"<input type="hidden" name="csrf_token" value="{token}">"#))
    /// }
    /// ```
    pub fn csrf_token(&self) -> Result<CsrfToken, TokenError> {
        let stored = self.get::<String>(SESSION_KEY).ok().flatten();
        match new_token(stored.as_deref(), self.id())? {
            (token, None) => Ok(token),
            // Created under the session's lock, so two concurrent first
            // calls in one request agree on the secret.
            (_, Some(_)) => self.with(crate::Session::csrf_token),
        }
    }

    /// Checks an untrusted token against the session's secret in constant
    /// time, changing nothing (see [`crate::Session::verify_csrf_token`]).
    /// The layer and the middleware call it; a handler that reads the token
    /// from elsewhere (a JSON field) can too.
    ///
    /// # Errors
    ///
    /// The [`Reason`] the token was refused.
    ///
    /// ```
    /// # #[cfg(feature = "axum")] use sealed_session::axum::Session;
    /// # #[cfg(all(feature = "actix", not(feature = "axum")))] use sealed_session::actix::Session;
    /// # #[cfg(not(any(feature = "axum", feature = "actix")))] use sealed_session::rocket::Session;
    /// fn allowed(session: &Session, token: &str) -> bool {
    ///     session.verify_csrf_token(Some(token)).is_ok()
    /// }
    /// ```
    pub fn verify_csrf_token(&self, untrusted: Option<&str>) -> Result<(), Reason> {
        let stored = self.get::<String>(SESSION_KEY).ok().flatten();
        verify(stored.as_deref(), self.id(), untrusted)
    }

    /// Whether the session holds a secret for its current id: without one
    /// every token is refused (`no-secret`), so a body need not be read.
    pub(crate) fn has_csrf_secret(&self) -> bool {
        let stored = self.get::<String>(SESSION_KEY).ok().flatten();
        has_secret(stored.as_deref(), self.id())
    }
}

/// What to do with a request, decided from its head alone.
pub(crate) enum Step {
    /// A safe method or an exempt path: no check.
    Pass,
    Reject(Reason),
    /// The token came in the header (or cannot come in the body).
    Verify(Option<String>),
    /// Look for the token field in the form body, once the session is
    /// known to hold a secret ([`Session::has_csrf_secret`]).
    ReadBody(BodyKind),
}

/// The checks that need only the request head, in order: method and
/// exemptions, provenance, then where the token is.
pub(crate) fn first_step<'a>(
    config: &CsrfConfig,
    method: &str,
    path: &str,
    header: impl Fn(&str) -> Option<&'a [u8]>,
) -> Step {
    if !is_unsafe_method(method) || config.is_exempt(path) {
        return Step::Pass;
    }
    if let Err(reason) = check_origin(
        config,
        header("origin"),
        header("sec-fetch-site"),
        header("host"),
    ) {
        return Step::Reject(reason);
    }
    if let Some(token) = header(&config.header) {
        return Step::Verify(std::str::from_utf8(token).ok().map(str::to_owned));
    }
    match body_kind(header("content-type")) {
        BodyKind::Other => Step::Verify(None),
        kind => Step::ReadBody(kind),
    }
}

/// The token field searched in a body as its pieces arrive, within the
/// configured number of bytes. The caller keeps the pieces it fed (to hand
/// the body on) and stops reading as soon as this answers.
pub(crate) struct TokenSearch {
    scan: FieldScan,
    left: usize,
}

impl TokenSearch {
    #[cfg(any(feature = "axum", feature = "actix"))]
    pub(crate) fn new(kind: BodyKind, config: &CsrfConfig) -> Self {
        TokenSearch::with_limit(kind, config, config.body_limit)
    }

    pub(crate) fn with_limit(kind: BodyKind, config: &CsrfConfig, limit: usize) -> Self {
        TokenSearch {
            scan: FieldScan::new(kind, &config.field),
            left: limit,
        }
    }

    /// Feeds the next piece of the body: `None` while the answer needs more
    /// bytes; the token (or `None` when the body cannot hold it) otherwise;
    /// [`Reason::BodyTooLarge`] when the limit passed without the field.
    pub(crate) fn feed(&mut self, piece: &[u8]) -> Option<Result<Option<String>, Reason>> {
        // Only the bytes within the limit are looked at, whatever the
        // pieces' sizes, so the outcome does not depend on them.
        let within = piece.get(..self.left).unwrap_or(piece);
        self.left -= within.len();
        match self.scan.push(within) {
            Scan::Found(token) => Some(Ok(Some(token))),
            Scan::Absent => Some(Ok(None)),
            Scan::More if within.len() < piece.len() => Some(Err(Reason::BodyTooLarge)),
            Scan::More => None,
        }
    }

    /// The body ended.
    pub(crate) fn end(mut self) -> Option<String> {
        match self.scan.finish() {
            Scan::Found(token) => Some(token),
            Scan::More | Scan::Absent => None,
        }
    }
}

/// The refusal's body: the reason, for people and logs.
pub(crate) fn refusal_text(reason: Reason) -> String {
    format!(
        "403 Forbidden: CSRF check failed ({}): {reason}\n",
        reason.code()
    )
}

#[allow(unused_variables)] // without the `tracing` feature nothing is logged
pub(crate) fn log_refusal(reason: Reason, method: &str, path: &str) {
    #[cfg(feature = "tracing")]
    tracing::warn!(
        reason = reason.code(),
        method,
        path,
        "sealed-session: CSRF check refused a request"
    );
}
