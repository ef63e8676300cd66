//! `SignedIn`: who the session belongs to, checked against the users file
//! ("sign out of all devices"), as README "Sign out of all devices" shows
//! (with a revocation list, the store itself refuses such sessions).
//! Every handler learns the user from it, so none skips the check.

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use sealed_session::axum::Session;

use crate::errors::AppError;
use crate::{App, USER};

/// The signed-in user, or `None`. A session issued before the user's last
/// "sign out of all devices" is destroyed (the response deletes its
/// cookies) and counts as nobody.
pub(crate) struct SignedIn(pub(crate) Option<String>);

impl FromRequestParts<Arc<App>> for SignedIn {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, app: &Arc<App>) -> Result<Self, AppError> {
        let session = Session::from_request_parts(parts, app)
            .await
            .map_err(|e| AppError(e.to_string()))?;
        let Some(user) = session.get::<String>(USER)? else {
            return Ok(SignedIn(None));
        };
        let signed_out_at = app.file_signed_out_at(&user).await?;
        if signed_out_at.is_some_and(|at| session.issued_before(at)) {
            session.destroy();
            session.add_flash("You were signed out on all devices: log in again")?;
            return Ok(SignedIn(None));
        }
        Ok(SignedIn(Some(user)))
    }
}
