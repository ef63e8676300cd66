//! The handle's login and "sign out of all devices" methods: what an
//! application's own async extractor needs to compare a session with the
//! user's record in its database.
//!
//! The check is a pattern in the application, not a hook in the layer
//! (README "Sign out of all devices" shows it for axum, actix-web and Rocket): the
//! layer opens a session only when a handler uses it, and a hook there would
//! cost a database round trip on every request that carries a cookie,
//! including ones that never look at the user; the extractor that loads the
//! user row already makes that query, so `signed_out_at` comes with it, and
//! the application picks its own answer (a redirect, a 401) for a refused
//! session.

use std::time::SystemTime;

use super::handle::Session;
use crate::SessionId;

impl Session {
    /// Starts a logged-in session in place of this one: keeps only the
    /// values under `keep`, drops the others, the flashes and a
    /// per-session max-age, gives a new id and fresh lifetimes on save;
    /// returns the old id (see [`crate::Session::begin_login`]).
    ///
    /// ```
    /// # #[cfg(feature = "axum")] use sealed_session::axum::Session;
    /// # #[cfg(not(feature = "axum"))] use sealed_session::actix::Session;
    /// fn log_in(session: &Session, user_id: u64) -> Result<(), sealed_session::ValueError> {
    ///     session.begin_login(&[]);
    ///     session.insert("user_id", &user_id)
    /// }
    /// ```
    pub fn begin_login(&self, keep: &[&str]) -> SessionId {
        self.access(true, |s| s.begin_login(keep))
    }

    /// When the session was first issued (a login with
    /// [`Session::begin_login`] issues it anew; see
    /// [`crate::Session::issued_at`]).
    ///
    /// ```
    /// # #[cfg(feature = "axum")] use sealed_session::axum::Session;
    /// # #[cfg(not(feature = "axum"))] use sealed_session::actix::Session;
    /// fn age(session: &Session) -> std::time::Duration {
    ///     session.issued_at().elapsed().unwrap_or_default()
    /// }
    /// ```
    #[must_use]
    pub fn issued_at(&self) -> SystemTime {
        self.access(false, |s| s.issued_at())
    }

    /// Whether the session was issued before `cutoff`, in whole seconds:
    /// with the user's `signed_out_at`, whether "sign out of all devices"
    /// ended it (see [`crate::Session::issued_before`]).
    ///
    /// ```
    /// # #[cfg(feature = "axum")] use sealed_session::axum::Session;
    /// # #[cfg(not(feature = "axum"))] use sealed_session::actix::Session;
    /// fn signed_out_elsewhere(session: &Session, signed_out_at: Option<std::time::SystemTime>) -> bool {
    ///     let stale = signed_out_at.is_some_and(|at| session.issued_before(at));
    ///     if stale {
    ///         session.destroy();
    ///     }
    ///     stale
    /// }
    /// ```
    #[must_use]
    pub fn issued_before(&self, cutoff: SystemTime) -> bool {
        self.access(false, |s| s.issued_before(cutoff))
    }
}
