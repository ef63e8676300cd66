//! The demo's masked per-session CSRF token.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sealed_session::axum::Session;
use subtle::ConstantTimeEq as _;

use crate::CSRF;
use crate::errors::AppError;
use crate::pages::page;

/// The per-session CSRF secret, created on first use. The login and
/// register forms need one too (against login CSRF), so an anonymous visitor
/// who opens them gets a small session holding only this secret, as in
/// Rails; after logout that one cookie is all that remains.
fn csrf_secret(session: &Session) -> Result<[u8; 32], AppError> {
    if let Some(encoded) = session.get::<String>(CSRF)?
        && let Ok(bytes) = URL_SAFE_NO_PAD.decode(encoded)
        && let Ok(secret) = <[u8; 32]>::try_from(bytes.as_slice())
    {
        return Ok(secret);
    }
    let mut secret = [0u8; 32];
    getrandom::fill(&mut secret).map_err(|e| AppError(e.to_string()))?;
    session.insert(CSRF, &URL_SAFE_NO_PAD.encode(secret))?;
    Ok(secret)
}

/// A form token: `base64url(mask || (mask XOR secret))` with a fresh mask,
/// so the token differs on every page (no BREACH-style length oracle on the
/// secret) while any of them verifies.
pub(crate) fn csrf_token(session: &Session) -> Result<String, AppError> {
    let secret = csrf_secret(session)?;
    let mut mask = [0u8; 32];
    getrandom::fill(&mut mask).map_err(|e| AppError(e.to_string()))?;
    let mut token = Vec::with_capacity(64);
    token.extend_from_slice(&mask);
    token.extend(mask.iter().zip(secret).map(|(m, s)| m ^ s));
    Ok(URL_SAFE_NO_PAD.encode(token))
}

/// Unmasks a form token and compares it with the session's secret in
/// constant time.
pub(crate) fn csrf_ok(session: &Session, token: Option<&str>) -> Result<bool, AppError> {
    let Some(token) = token else {
        return Ok(false);
    };
    let Some(encoded) = session.get::<String>(CSRF)? else {
        return Ok(false);
    };
    let (Ok(secret), Ok(token)) = (
        URL_SAFE_NO_PAD.decode(encoded),
        URL_SAFE_NO_PAD.decode(token),
    ) else {
        return Ok(false);
    };
    if token.len() != 64 || secret.len() != 32 {
        return Ok(false);
    }
    let (mask, masked) = token.split_at(32);
    let unmasked: Vec<u8> = mask.iter().zip(masked).map(|(m, x)| m ^ x).collect();
    Ok(bool::from(unmasked.ct_eq(&secret)))
}

pub(crate) fn forbidden() -> Response {
    let body = page(
        "Forbidden",
        None,
        &[],
        "<p class=\"error\">This form was not sent from this session (missing or invalid CSRF \
         token). Reload the page and try again.</p><p><a href=\"/\">Back</a></p>",
    );
    (StatusCode::FORBIDDEN, Html(body)).into_response()
}
