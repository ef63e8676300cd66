//! The store's errors: an invalid configuration ([`StoreError`], at build
//! time) and a session that could not be saved ([`SaveError`]).

use std::fmt;

use super::{MAX_CHUNKS, MAX_COOKIE_LEN, MAX_NAME_LEN, MIN_SIZE_LIMIT};
use crate::keyring::KeyError;

/// An invalid store configuration, reported when the store is built, never
/// at the first request.
///
/// ```
/// use sealed_session::{CookieStore, Keyring, SameSite, StoreError};
///
/// let keyring = Keyring::from_config(&Keyring::generate_entry(Default::default())?)?;
/// let err = CookieStore::builder("s", keyring)
///     .with_secure(false)
///     .with_same_site(SameSite::None)
///     .build()
///     .unwrap_err();
/// assert_eq!(err, StoreError::SameSiteNoneWithoutSecure);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum StoreError {
    /// The cookie name is empty, too long, or not an RFC 6265 token.
    InvalidName(String),
    /// `SameSite=None` without `Secure` (browsers reject such cookies).
    SameSiteNoneWithoutSecure,
    /// `Partitioned` without `Secure` (browsers reject such cookies).
    PartitionedWithoutSecure,
    /// A `__Host-` name with a `Domain`, a path other than `/`, or without `Secure`.
    HostPrefix,
    /// A `__Secure-` name without `Secure`.
    SecurePrefix,
    /// The `Domain` attribute is empty or contains characters not allowed in it.
    InvalidDomain,
    /// The `Path` attribute does not start with `/` or contains `;` or controls.
    InvalidPath,
    /// The max-age is zero or longer than 400 days.
    InvalidMaxAge,
    /// The idle timeout is zero or longer than the max-age.
    InvalidIdleTimeout,
    /// The clock-skew allowance is longer than 5 minutes.
    ClockSkewTooLarge,
    /// The size budget is below the minimum (or more than 255 cookies' worth).
    InvalidSizeLimit {
        /// The budget given.
        limit: usize,
    },
    /// The store's own cookies can make a `Cookie` header longer than
    /// [`COOKIE_HEADER_LIMIT`](crate::COOKIE_HEADER_LIMIT), which common
    /// proxies, servers and clients refuse or cut short; opt in with
    /// [`allow_large_cookie_header`](crate::CookieStoreBuilder::allow_large_cookie_header)
    /// once every hop is configured for it.
    CookieHeaderTooLarge {
        /// The size budget given.
        size_limit: usize,
        /// The longest `Cookie` header the store's cookies alone can make:
        /// the budget plus a `"; "` between each two of its cookies.
        header: usize,
        /// [`COOKIE_HEADER_LIMIT`](crate::COOKIE_HEADER_LIMIT).
        limit: usize,
    },
    /// The header name for header transport is not a valid token, or is a
    /// reserved name ([`CookieStoreBuilder::with_header_transport`](crate::CookieStoreBuilder::with_header_transport) lists them).
    InvalidHeaderName(String),
    /// [`CookieStore::for_name`](crate::CookieStore::for_name): one name is a chunk name of the other
    /// (`auth` and `auth.1`), so each store's saves would overwrite or
    /// delete the other's cookies.
    NameCollision {
        /// The name asked for.
        name: String,
        /// The existing store's name.
        other: String,
    },
    /// The not-before cut-off ([`CookieStoreBuilder::with_not_before`](crate::CookieStoreBuilder::with_not_before)) is
    /// later than now plus the clock-skew allowance: it would log out every
    /// session issued until then, including the ones created meanwhile.
    NotBeforeInFuture,
    /// A `Secure` store's cookie name lacks the `__Host-` prefix and the
    /// builder did not opt out with
    /// [`allow_non_host_name`](crate::CookieStoreBuilder::allow_non_host_name):
    /// a sibling subdomain or a plain-HTTP page could set a cookie of that
    /// name beside the user's (SECURITY.md, "Cookie injection").
    NonHostName(String),
    /// [`CookieStoreBuilder::with_bound_to`](crate::CookieStoreBuilder::with_bound_to)
    /// names the store itself, or a name that collides with its own, or
    /// (when the store is added to a layer) a store the layer does not
    /// have before it.
    InvalidBinding {
        /// The bound store's name.
        name: String,
        /// The primary store's name it was bound to.
        primary: String,
    },
    /// Deriving the store's subkeys failed.
    Key(KeyError),
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::InvalidName(name) => write!(
                f,
                "cookie name {name:?} is not a token of 1 to {MAX_NAME_LEN} characters (RFC 6265)"
            ),
            StoreError::SameSiteNoneWithoutSecure => {
                f.write_str("SameSite=None requires Secure; browsers reject the cookie otherwise")
            }
            StoreError::PartitionedWithoutSecure => {
                f.write_str("Partitioned requires Secure; browsers reject the cookie otherwise")
            }
            StoreError::HostPrefix => {
                f.write_str("a __Host- cookie name requires Secure, Path=/ and no Domain")
            }
            StoreError::SecurePrefix => f.write_str("a __Secure- cookie name requires Secure"),
            StoreError::InvalidDomain => f.write_str("the Domain attribute is not a valid domain"),
            StoreError::InvalidPath => f.write_str(
                "the Path attribute must start with '/' and contain no ';' or control characters",
            ),
            StoreError::InvalidMaxAge => {
                f.write_str("max-age must be between 1 second and 400 days")
            }
            StoreError::InvalidIdleTimeout => {
                f.write_str("the idle timeout must be positive and no longer than the max-age")
            }
            StoreError::ClockSkewTooLarge => {
                f.write_str("the clock-skew allowance must be at most 5 minutes")
            }
            StoreError::InvalidSizeLimit { limit } => write!(
                f,
                "size limit of {limit} bytes is outside {MIN_SIZE_LIMIT}..={}",
                MAX_CHUNKS * MAX_COOKIE_LEN
            ),
            StoreError::CookieHeaderTooLarge { size_limit, header, limit } => write!(
                f,
                "a size limit of {size_limit} bytes lets the store's cookies make a Cookie header of {header} bytes, over the {limit} that nginx, Apache httpd and curl let through by default (a request over it is refused, or its cookies are dropped and the user looks logged out); lower the limit, or raise every hop's header limit and opt in with allow_large_cookie_header()"
            ),
            StoreError::InvalidHeaderName(name) => {
                write!(
                    f,
                    "header name {name:?} is not a valid token, or is reserved (framing, hop-by-hop, cookie or cache fields; see with_header_transport)"
                )
            }
            StoreError::NameCollision { name, other } => write!(
                f,
                "cookie name {name:?} collides with {other:?}: one is a chunk cookie name of the other"
            ),
            StoreError::NotBeforeInFuture => f.write_str(
                "the not-before cut-off is in the future; it would reject every session issued until then",
            ),
            StoreError::NonHostName(name) => write!(
                f,
                "cookie name {name:?} lacks the __Host- prefix, so a sibling subdomain or a plain-HTTP page can set a cookie of that name; name it \"__Host-{name}\", or opt out explicitly with allow_non_host_name() (with_secure(false) for plain-HTTP development)"
            ),
            StoreError::InvalidBinding { name, primary } => write!(
                f,
                "store {name:?} is bound to {primary:?}, which is not another store added before it"
            ),
            StoreError::Key(e) => write!(f, "deriving the store's keys: {e}"),
        }
    }
}

impl std::error::Error for StoreError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            StoreError::Key(e) => Some(e),
            _ => None,
        }
    }
}

/// A session could not be saved. Nothing was emitted, so the client keeps
/// the cookies it has: nothing is lost and nothing is half-written.
///
/// ```
/// use sealed_session::{CookieStore, Keyring, SaveError};
///
/// let keyring = Keyring::from_config(&Keyring::generate_entry(Default::default())?)?;
/// let store = CookieStore::new("__Host-s", keyring)?;
/// let mut session = store.load(None::<&str>);
/// session.insert("big", &"x".repeat(10_000))?;
/// match store.save(&mut session) {
///     Err(SaveError::TooLarge { needed, allowed }) => assert!(needed > allowed),
///     other => panic!("{other:?}"),
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SaveError {
    /// The sealed session needs more cookie bytes than the budget allows.
    TooLarge {
        /// The `name=value` bytes the session's cookies would need.
        needed: usize,
        /// The store's budget ([`CookieStoreBuilder::with_size_limit`](crate::CookieStoreBuilder::with_size_limit)).
        allowed: usize,
    },
    /// The session belongs to a store with another cookie name.
    WrongStore {
        /// The session's cookie name.
        session: String,
        /// This store's cookie name.
        store: String,
    },
    /// The operating system's random source failed.
    Random,
    /// The payload could not be encoded or sealed (not expected in practice).
    Encode,
}

impl fmt::Display for SaveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SaveError::TooLarge { needed, allowed } => write!(
                f,
                "session too large: it needs {needed} bytes of cookies but the budget is {allowed} bytes; the previous session was left in place"
            ),
            SaveError::WrongStore { session, store } => write!(
                f,
                "session {session:?} cannot be saved by the store for {store:?}"
            ),
            SaveError::Random => f.write_str("the operating system's random source failed"),
            SaveError::Encode => f.write_str("the session could not be encoded"),
        }
    }
}

impl std::error::Error for SaveError {}
