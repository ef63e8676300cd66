//! What can go wrong when writing to a revocation list.

use std::fmt;

/// A revocation write (or the connection at start) failed. Nothing was
/// recorded: the application sees the error and can tell the user to retry
/// (never a silent loss).
///
/// ```
/// use sealed_session::revocation::RevocationError;
///
/// let err = RevocationError::Unavailable("connection refused".to_owned());
/// assert!(err.to_string().contains("connection refused"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RevocationError {
    /// The shared store (Redis) could not be reached or refused the
    /// command; the reason is the client's message.
    Unavailable(String),
    /// The Redis URL does not parse (its text is not repeated: it may hold
    /// a password).
    InvalidUrl,
    /// An empty user name, or a one-time token that is empty.
    EmptyKey,
    /// A user name or token longer than [`MAX_KEY_LEN`](super::MAX_KEY_LEN)
    /// bytes, or a user name with a control character.
    InvalidKey,
    /// A zero time-to-live for a one-time token.
    ZeroTtl,
    /// The Redis backend was used outside a tokio runtime (its connection
    /// and background task run on tokio).
    NoRuntime,
}

impl fmt::Display for RevocationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RevocationError::Unavailable(reason) => {
                write!(f, "the revocation store is unavailable: {reason}")
            }
            RevocationError::InvalidUrl => f.write_str("the Redis URL does not parse"),
            RevocationError::EmptyKey => f.write_str("the user name or token is empty"),
            RevocationError::InvalidKey => {
                f.write_str("the user name or token is too long or holds a control character")
            }
            RevocationError::ZeroTtl => f.write_str("a one-time token needs a non-zero lifetime"),
            RevocationError::NoRuntime => {
                f.write_str("the Redis revocation backend needs a tokio runtime")
            }
        }
    }
}

impl std::error::Error for RevocationError {}
