//! Why a cookie did not open.
//!
//! Opening a cookie fails opaquely ([`LoadError`]: `Invalid`, `Expired` or
//! `Conflict`, nothing more), so a client probing with forged cookies learns
//! nothing it could use as an oracle (the reasoning of RustCrypto's
//! `aead::Error`).
//! Configuration errors, which are the operator's to fix and so precise,
//! live with the keyring (`keyring/error.rs`) and the store
//! (`store/errors.rs`).

use std::fmt;

/// Why a request's session cookie did not open; the session is fresh instead.
///
/// Deliberately coarse: a forged, truncated, mis-named, unknown-key or
/// malformed cookie is [`LoadError::Invalid`], with no further detail, so
/// that a client probing the server learns nothing (no oracle). Only a
/// cookie that *authenticated* but whose lifetime ran out is
/// [`LoadError::Expired`]. A request whose cookies hold a session the reader
/// cannot trust (two different authentic sessions under one name, or more
/// cookies of the name than it reads) is [`LoadError::Conflict`]: someone
/// added cookies beside the user's (cookie injection).
///
/// An application may answer a conflict with `Clear-Site-Data: "cookies"`,
/// which removes the injected cookies too (the README, "Cookie injection").
///
/// ```
/// use sealed_session::LoadError;
/// assert_eq!(LoadError::Expired.to_string(), "session cookie expired");
/// assert_ne!(LoadError::Conflict, LoadError::Invalid);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LoadError {
    /// The cookie is not a valid session sealed by this keyring for this name.
    Invalid,
    /// The cookie is authentic but past its absolute expiry or idle deadline.
    Expired,
    /// A session opened, but the request also carried another authentic
    /// session under the same name, or cookies of the name beyond what the
    /// reader tries: cookies were injected (SECURITY.md, "Cookie injection").
    /// No session is used; counted in
    /// [`StoreStats::injections`](crate::StoreStats::injections).
    ///
    /// It never arises from forged cookies alone: it needs a session that
    /// authenticates.
    Conflict,
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LoadError::Invalid => "session cookie invalid",
            LoadError::Expired => "session cookie expired",
            LoadError::Conflict => "two sessions under one cookie name (ambiguous cookies)",
        })
    }
}

impl std::error::Error for LoadError {}
