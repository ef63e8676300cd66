//! The CSRF parts both frameworks share: token and check on the request's
//! session handle, and the order of the checks on a request.

use super::Session;
use crate::csrf::{
    BodyKind, CsrfConfig, CsrfToken, Reason, SESSION_KEY, TokenError, body_kind, check_origin,
    is_unsafe_method, new_token, verify,
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
    /// # #[cfg(not(feature = "axum"))] use sealed_session::actix::Session;
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
    /// # #[cfg(not(feature = "axum"))] use sealed_session::actix::Session;
    /// fn allowed(session: &Session, token: &str) -> bool {
    ///     session.verify_csrf_token(Some(token)).is_ok()
    /// }
    /// ```
    pub fn verify_csrf_token(&self, untrusted: Option<&str>) -> Result<(), Reason> {
        let stored = self.get::<String>(SESSION_KEY).ok().flatten();
        verify(stored.as_deref(), self.id(), untrusted)
    }
}

/// What to do with a request before its session is consulted.
pub(crate) enum Step {
    /// A safe method or an exempt path: no check.
    Pass,
    Reject(Reason),
    /// The token came in the header.
    Verify(Option<String>),
    /// Read the form body (up to the limit) for the token field.
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
