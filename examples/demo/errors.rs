//! The demo's unexpected failures: logged, and a 500 page.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use sealed_session::ValueError;
use sealed_session::csrf::TokenError;

use crate::BoxError;
use crate::pages::page;

/// An unexpected failure: logged, and a 500 page without details.
pub(crate) struct AppError(pub(crate) String);

/// Runs password hashing or the users file off the async workers (argon2 is
/// deliberately slow), with its failure and a panicked task as `AppError`.
pub(crate) async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, BoxError> + Send + 'static,
) -> Result<T, AppError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| AppError(e.to_string()))?
        .map_err(|e| AppError(e.to_string()))
}

impl From<TokenError> for AppError {
    fn from(e: TokenError) -> Self {
        AppError(e.to_string())
    }
}

impl From<ValueError> for AppError {
    fn from(e: ValueError) -> Self {
        AppError(e.to_string())
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        eprintln!("error: {}", self.0);
        let body = page(
            "Error",
            None,
            &[],
            "<p class=\"error\">Something went wrong.</p>",
        );
        (StatusCode::INTERNAL_SERVER_ERROR, Html(body)).into_response()
    }
}
