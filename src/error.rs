//! Why a cookie did not open.
//!
//! Opening a cookie fails opaquely ([`LoadError`]: `Invalid` or `Expired`,
//! nothing more), so a client probing with forged cookies learns nothing it
//! could use as an oracle (the reasoning of RustCrypto's `aead::Error`).
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
/// [`LoadError::Expired`].
///
/// ```
/// use sealed_session::LoadError;
/// assert_eq!(LoadError::Expired.to_string(), "session cookie expired");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LoadError {
    /// The cookie is not a valid session sealed by this keyring for this name.
    Invalid,
    /// The cookie is authentic but past its absolute expiry or idle deadline.
    Expired,
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LoadError::Invalid => "session cookie invalid",
            LoadError::Expired => "session cookie expired",
        })
    }
}

impl std::error::Error for LoadError {}
