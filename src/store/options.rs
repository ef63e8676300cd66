//! The store's options, with their secure defaults: what the builder sets
//! and checks, and what the store reads on every load and save.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use super::{DEFAULT_CLOCK_SKEW, DEFAULT_MAX_AGE, DEFAULT_SIZE_LIMIT};
use crate::session::Session;

/// The `SameSite` cookie attribute.
///
/// ```
/// assert_eq!(sealed_session::SameSite::default(), sealed_session::SameSite::Lax);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum SameSite {
    /// Sent only with same-site requests.
    Strict,
    /// Sent with same-site requests and top-level cross-site navigations (the default).
    #[default]
    Lax,
    /// Sent with every request; requires `Secure`.
    None,
}

impl SameSite {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            SameSite::Strict => "Strict",
            SameSite::Lax => "Lax",
            SameSite::None => "None",
        }
    }
}

#[derive(Clone, Debug)]
pub(super) struct Options {
    pub(super) path: String,
    pub(super) domain: Option<String>,
    pub(super) secure: bool,
    pub(super) http_only: bool,
    pub(super) same_site: SameSite,
    pub(super) partitioned: bool,
    pub(super) max_age: Duration,
    pub(super) idle_timeout: Option<Duration>,
    pub(super) rolling: bool,
    pub(super) clock_skew: Duration,
    pub(super) size_limit: usize,
    pub(super) header: Option<String>,
    /// Sessions issued before this Unix time do not open.
    pub(super) not_before: Option<u64>,
    pub(super) revocation: Option<RevocationCheck>,
    /// A `Secure` store may use a name without `__Host-` (an explicit opt-out).
    pub(super) allow_non_host_name: bool,
    /// The budget may make a `Cookie` header past `COOKIE_HEADER_LIMIT`.
    pub(super) allow_large_cookie_header: bool,
    /// The primary store's cookie name, for a bound store.
    pub(super) bound_to: Option<String>,
}

/// The application's "is this session revoked?" hook.
#[derive(Clone)]
pub(super) struct RevocationCheck(pub(super) Arc<dyn Fn(&Session) -> bool + Send + Sync>);

impl fmt::Debug for RevocationCheck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RevocationCheck(..)")
    }
}

impl Default for Options {
    fn default() -> Self {
        Options {
            path: "/".to_owned(),
            domain: None,
            secure: true,
            http_only: true,
            same_site: SameSite::Lax,
            partitioned: false,
            max_age: DEFAULT_MAX_AGE,
            idle_timeout: None,
            rolling: false,
            clock_skew: DEFAULT_CLOCK_SKEW,
            size_limit: DEFAULT_SIZE_LIMIT,
            header: None,
            not_before: None,
            revocation: None,
            allow_non_host_name: false,
            allow_large_cookie_header: false,
            bound_to: None,
        }
    }
}
