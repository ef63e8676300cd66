//! The cookie store: cookie attributes, chunking across cookies, the size
//! budget, `Cookie` parsing and `Set-Cookie` lines. It knows cookie syntax,
//! not any HTTP library's types.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use crate::envelope::{Envelope, Reject};
use crate::error::{KeyError, LoadError};
use crate::keyring::{KeyId, Keyring};
use crate::observe::{Counters, StoreStats, bump, event};
use crate::payload::Payload;
use crate::session::{Session, SessionId, unix_secs};

/// The most bytes of `name=value` one cookie may carry (RFC 6265bis §5.6:
/// browsers drop longer ones). Counted on the exact bytes sent.
///
/// ```
/// # let keyring = sealed_session::Keyring::from_config(&sealed_session::Keyring::generate_entry(Default::default())?)?;
/// # let store = sealed_session::CookieStore::new("s", keyring)?;
/// let mut session = store.load(None::<&str>);
/// session.insert("notes", &"x".repeat(4000))?;
/// for line in store.save(&mut session)? {
///     let name_value = line.split(';').next().unwrap();
///     assert!(name_value.len() <= sealed_session::MAX_COOKIE_LEN);
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub const MAX_COOKIE_LEN: usize = 4096;
/// The default budget for all of a session's cookies together (`name=value`
/// bytes). It leaves about 2 KiB of nginx's default 8 KiB header buffer
/// (`large_client_header_buffers 4 8k`) for the request's other cookies.
///
/// ```
/// # let keyring = sealed_session::Keyring::from_config(&sealed_session::Keyring::generate_entry(Default::default())?)?;
/// let store = sealed_session::CookieStore::new("s", keyring)?;
/// assert_eq!(store.size_limit(), sealed_session::DEFAULT_SIZE_LIMIT);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub const DEFAULT_SIZE_LIMIT: usize = 6 * 1024;
/// The smallest budget accepted: an empty session under a short name fits.
///
/// ```
/// use sealed_session::{CookieStore, MIN_SIZE_LIMIT, StoreError};
/// # let config = sealed_session::Keyring::generate_entry(Default::default())?;
/// # let keyring = || sealed_session::Keyring::from_config(&config);
/// assert!(CookieStore::builder("s", keyring()?).with_size_limit(MIN_SIZE_LIMIT).build().is_ok());
/// let err = CookieStore::builder("s", keyring()?).with_size_limit(MIN_SIZE_LIMIT - 1).build();
/// assert_eq!(err.unwrap_err(), StoreError::InvalidSizeLimit { limit: MIN_SIZE_LIMIT - 1 });
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub const MIN_SIZE_LIMIT: usize = 256;
/// The default max-age: 14 days.
///
/// ```
/// # let keyring = sealed_session::Keyring::from_config(&sealed_session::Keyring::generate_entry(Default::default())?)?;
/// # let store = sealed_session::CookieStore::new("s", keyring)?;
/// let session = store.load(None::<&str>);
/// let lifetime = session.expires_at().duration_since(session.issued_at())?;
/// assert_eq!(lifetime, sealed_session::DEFAULT_MAX_AGE);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub const DEFAULT_MAX_AGE: Duration = Duration::from_secs(14 * 24 * 3600);
/// The default clock-skew allowance between instances: 60 seconds.
///
/// ```
/// assert_eq!(sealed_session::DEFAULT_CLOCK_SKEW.as_secs(), 60);
/// ```
pub const DEFAULT_CLOCK_SKEW: Duration = Duration::from_secs(60);
/// The largest clock-skew allowance accepted: 5 minutes.
///
/// ```
/// use std::time::Duration;
/// use sealed_session::{CookieStore, MAX_CLOCK_SKEW, StoreError};
/// # let keyring = sealed_session::Keyring::from_config(&sealed_session::Keyring::generate_entry(Default::default())?)?;
/// let err = CookieStore::builder("s", keyring)
///     .with_clock_skew(MAX_CLOCK_SKEW + Duration::from_secs(1))
///     .build()
///     .unwrap_err();
/// assert_eq!(err, StoreError::ClockSkewTooLarge);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub const MAX_CLOCK_SKEW: Duration = Duration::from_secs(300);
/// Browsers cap cookie lifetimes at 400 days (RFC 6265bis §5.5); so do we.
pub(crate) const MAX_MAX_AGE_SECS: u64 = 400 * 24 * 3600;
/// The longest cookie name accepted.
const MAX_NAME_LEN: usize = 128;
/// Payload bytes reserved up front when sealing: a typical small session
/// fits without the buffer growing; larger ones grow it.
const SEAL_CAPACITY_HINT: usize = 256;
/// The most chunks a session may span (the header's chunk count is one byte).
const MAX_CHUNKS: usize = 255;

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
    fn as_str(self) -> &'static str {
        match self {
            SameSite::Strict => "Strict",
            SameSite::Lax => "Lax",
            SameSite::None => "None",
        }
    }
}

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
    /// The header name for header transport is not a valid token.
    InvalidHeaderName(String),
    /// [`CookieStore::for_name`]: one name is a chunk name of the other
    /// (`auth` and `auth.1`), so each store's saves would overwrite or
    /// delete the other's cookies.
    NameCollision {
        /// The name asked for.
        name: String,
        /// The existing store's name.
        other: String,
    },
    /// The not-before cut-off ([`CookieStoreBuilder::with_not_before`]) is
    /// later than now plus the clock-skew allowance: it would log out every
    /// session issued until then, including the ones created meanwhile.
    NotBeforeInFuture,
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
            StoreError::InvalidHeaderName(name) => {
                write!(f, "header name {name:?} is not a valid token")
            }
            StoreError::NameCollision { name, other } => write!(
                f,
                "cookie name {name:?} collides with {other:?}: one is a chunk cookie name of the other"
            ),
            StoreError::NotBeforeInFuture => f.write_str(
                "the not-before cut-off is in the future; it would reject every session issued until then",
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
/// let store = CookieStore::new("s", keyring)?;
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
        /// The store's budget ([`CookieStoreBuilder::with_size_limit`]).
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

/// Builds a [`CookieStore`]; every option has a secure default and the
/// combination is checked by [`CookieStoreBuilder::build`].
///
/// Defaults: `Path=/`, `Secure`, `HttpOnly`, `SameSite=Lax`, max-age 14
/// days (driving both the cookie's `Max-Age` and the sealed expiry), no
/// idle timeout, no rolling renewal, 60 s clock skew, a 6 KiB size budget.
///
/// ```
/// use std::time::Duration;
/// use sealed_session::{CookieStore, Keyring, SameSite};
///
/// let keyring = Keyring::from_config(&Keyring::generate_entry(Default::default())?)?;
/// let store = CookieStore::builder("__Host-session", keyring)
///     .with_same_site(SameSite::Strict)
///     .with_max_age(Duration::from_secs(8 * 3600))
///     .with_idle_timeout(Duration::from_secs(30 * 60))
///     .build()?;
/// assert_eq!(store.name(), "__Host-session");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
#[must_use = "a builder does nothing until .build()"]
pub struct CookieStoreBuilder {
    name: String,
    keyring: Arc<Keyring>,
    options: Options,
}

#[derive(Clone, Debug)]
struct Options {
    path: String,
    domain: Option<String>,
    secure: bool,
    http_only: bool,
    same_site: SameSite,
    partitioned: bool,
    max_age: Duration,
    idle_timeout: Option<Duration>,
    rolling: bool,
    clock_skew: Duration,
    size_limit: usize,
    header: Option<String>,
    /// Sessions issued before this Unix time do not open.
    not_before: Option<u64>,
    revocation: Option<RevocationCheck>,
}

/// The application's "is this session id revoked?" hook.
#[derive(Clone)]
struct RevocationCheck(Arc<dyn Fn(SessionId) -> bool + Send + Sync>);

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
        }
    }
}

impl fmt::Debug for CookieStoreBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CookieStoreBuilder")
            .field("name", &self.name)
            .field("keyring", &self.keyring)
            .field("options", &self.options)
            .finish()
    }
}

impl CookieStoreBuilder {
    /// The `Path` attribute (default `/`).
    ///
    /// ```
    /// # let keyring = sealed_session::Keyring::from_config(&sealed_session::Keyring::generate_entry(Default::default())?)?;
    /// let store = sealed_session::CookieStore::builder("s", keyring).with_path("/app").build()?;
    /// # let _ = store;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_path(mut self, path: impl Into<String>) -> Self {
        self.options.path = path.into();
        self
    }

    /// The `Domain` attribute (default: none, a host-only cookie).
    ///
    /// # Security
    ///
    /// A `Domain` shares the cookie with every subdomain: any of them can
    /// read and overwrite it. Prefer host-only cookies (and a `__Host-` name).
    ///
    /// ```
    /// # let keyring = sealed_session::Keyring::from_config(&sealed_session::Keyring::generate_entry(Default::default())?)?;
    /// let store = sealed_session::CookieStore::builder("s", keyring)
    ///     .with_domain("example.com")
    ///     .build()?;
    /// # let _ = store;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_domain(mut self, domain: impl Into<String>) -> Self {
        self.options.domain = Some(domain.into());
        self
    }

    /// The `Secure` attribute (default `true`).
    ///
    /// # Security
    ///
    /// Without `Secure` the cookie travels over plain HTTP, where anyone on
    /// the path can copy and replay it. Turn it off only for local development.
    ///
    /// ```
    /// # let keyring = sealed_session::Keyring::from_config(&sealed_session::Keyring::generate_entry(Default::default())?)?;
    /// let dev_store = sealed_session::CookieStore::builder("s", keyring).with_secure(false).build()?;
    /// # let _ = dev_store;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_secure(mut self, secure: bool) -> Self {
        self.options.secure = secure;
        self
    }

    /// The `HttpOnly` attribute (default `true`).
    ///
    /// # Security
    ///
    /// Without `HttpOnly` any script on the page (including injected ones)
    /// can read the sealed cookie and replay it from elsewhere.
    ///
    /// ```
    /// # let keyring = sealed_session::Keyring::from_config(&sealed_session::Keyring::generate_entry(Default::default())?)?;
    /// let store = sealed_session::CookieStore::builder("s", keyring).with_http_only(true).build()?;
    /// # let _ = store;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_http_only(mut self, http_only: bool) -> Self {
        self.options.http_only = http_only;
        self
    }

    /// The `SameSite` attribute (default `Lax`).
    ///
    /// # Security
    ///
    /// `SameSite=None` sends the cookie with cross-site requests: protect
    /// every state-changing request against CSRF.
    ///
    /// ```
    /// # let keyring = sealed_session::Keyring::from_config(&sealed_session::Keyring::generate_entry(Default::default())?)?;
    /// use sealed_session::SameSite;
    /// let store = sealed_session::CookieStore::builder("s", keyring).with_same_site(SameSite::Strict).build()?;
    /// # let _ = store;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_same_site(mut self, same_site: SameSite) -> Self {
        self.options.same_site = same_site;
        self
    }

    /// The `Partitioned` attribute (CHIPS; default `false`). Requires `Secure`.
    ///
    /// ```
    /// # let keyring = sealed_session::Keyring::from_config(&sealed_session::Keyring::generate_entry(Default::default())?)?;
    /// let store = sealed_session::CookieStore::builder("s", keyring).with_partitioned(true).build()?;
    /// # let _ = store;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_partitioned(mut self, partitioned: bool) -> Self {
        self.options.partitioned = partitioned;
        self
    }

    /// How long a session lives (default 14 days). This one setting drives
    /// both the sealed absolute expiry and the cookie's `Max-Age`, so they
    /// cannot drift apart (gorilla/sessions#48).
    ///
    /// ```
    /// # let keyring = sealed_session::Keyring::from_config(&sealed_session::Keyring::generate_entry(Default::default())?)?;
    /// use std::time::Duration;
    /// let store = sealed_session::CookieStore::builder("s", keyring)
    ///     .with_max_age(Duration::from_secs(3600))
    ///     .build()?;
    /// # let _ = store;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_max_age(mut self, max_age: Duration) -> Self {
        self.options.max_age = max_age;
        self
    }

    /// Expire sessions unused for this long (default: no idle timeout). The
    /// idle deadline is sealed in the session and refreshed by a save once
    /// half of it has passed, so an active user writes at most one extra
    /// cookie per half-timeout.
    ///
    /// ```
    /// # let keyring = sealed_session::Keyring::from_config(&sealed_session::Keyring::generate_entry(Default::default())?)?;
    /// use std::time::Duration;
    /// let store = sealed_session::CookieStore::builder("s", keyring)
    ///     .with_idle_timeout(Duration::from_secs(900))
    ///     .build()?;
    /// # let _ = store;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_idle_timeout(mut self, idle: Duration) -> Self {
        self.options.idle_timeout = Some(idle);
        self
    }

    /// Rolling renewal (default `false`): once half the max-age has passed, a
    /// save pushes the absolute expiry to a full max-age from now.
    ///
    /// # Security
    ///
    /// With rolling renewal an active session never expires; a stolen cookie
    /// stays usable for as long as it keeps being used. Pair it with an idle
    /// timeout.
    ///
    /// ```
    /// # let keyring = sealed_session::Keyring::from_config(&sealed_session::Keyring::generate_entry(Default::default())?)?;
    /// let store = sealed_session::CookieStore::builder("s", keyring).with_rolling(true).build()?;
    /// # let _ = store;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_rolling(mut self, rolling: bool) -> Self {
        self.options.rolling = rolling;
        self
    }

    /// Clock-skew allowance between instances (default 60 s, at most 5 min):
    /// expiry and issued-at checks tolerate this much disagreement.
    ///
    /// ```
    /// # let keyring = sealed_session::Keyring::from_config(&sealed_session::Keyring::generate_entry(Default::default())?)?;
    /// use std::time::Duration;
    /// let store = sealed_session::CookieStore::builder("s", keyring)
    ///     .with_clock_skew(Duration::from_secs(5))
    ///     .build()?;
    /// # let _ = store;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_clock_skew(mut self, skew: Duration) -> Self {
        self.options.clock_skew = skew;
        self
    }

    /// The budget for all of a session's cookies together, in `name=value`
    /// bytes (default 6 KiB). A session needing more is refused by `save`.
    /// Each cookie also stays within 4096 bytes, so the budget sets how
    /// many cookies (chunks) a session may span.
    ///
    /// Larger budgets cost bandwidth on every request and can exceed proxy
    /// limits: nginx's default `large_client_header_buffers 4 8k` rejects a
    /// `Cookie` header over 8 KiB with `400 Bad Request`.
    ///
    /// ```
    /// # let keyring = sealed_session::Keyring::from_config(&sealed_session::Keyring::generate_entry(Default::default())?)?;
    /// let store = sealed_session::CookieStore::builder("s", keyring)
    ///     .with_size_limit(16 * 1024)
    ///     .build()?;
    /// assert_eq!(store.max_chunks(), 5);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_size_limit(mut self, bytes: usize) -> Self {
        self.options.size_limit = bytes;
        self
    }

    /// Also carry the session in a request/response header, for clients
    /// without cookies (beego's `EnableSidInHTTPHeader`); see
    /// [`CookieStore::load_header`] and [`CookieStore::save_header`].
    ///
    /// ```
    /// # let keyring = sealed_session::Keyring::from_config(&sealed_session::Keyring::generate_entry(Default::default())?)?;
    /// let store = sealed_session::CookieStore::builder("s", keyring)
    ///     .with_header_transport("x-session")
    ///     .build()?;
    /// assert_eq!(store.header_name(), Some("x-session"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_header_transport(mut self, header: impl Into<String>) -> Self {
        self.options.header = Some(header.into());
        self
    }

    /// Logs everyone out without touching the keys: a session issued before
    /// `not_before` no longer opens. It loads as [`LoadError::Expired`] (it
    /// is authentic, its validity was cut short; "expired" is also what to
    /// tell the user) and the request gets a fresh session.
    ///
    /// The issued-at time is sealed in the session and kept by every save
    /// (re-seals, rolling renewal, idle refresh, [`Session::regenerate_id`]),
    /// so the cut-off ends a session however recently it was used. Choose
    /// the moment of the incident (when it is deployed it lies in the past):
    /// a session issued by an instance whose clock runs behind may carry an
    /// issued-at up to the clock skew earlier than real time.
    ///
    /// Cost: one comparison per load and nothing stored, but every instance
    /// must be configured with the same cut-off (e.g. a Unix time in an
    /// environment variable). After one max-age (400 days at most) it
    /// rejects nothing any more and can be removed.
    ///
    /// [`CookieStoreBuilder::build`] refuses a cut-off later than now plus
    /// the clock-skew allowance ([`StoreError::NotBeforeInFuture`]).
    ///
    /// ```
    /// use std::time::{Duration, SystemTime};
    /// # let keyring = sealed_session::Keyring::from_config(&sealed_session::Keyring::generate_entry(Default::default())?)?;
    /// let incident = SystemTime::now() - Duration::from_secs(3600);
    /// let store = sealed_session::CookieStore::builder("s", keyring)
    ///     .with_not_before(incident)
    ///     .build()?;
    /// # let _ = store;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_not_before(mut self, not_before: SystemTime) -> Self {
        self.options.not_before = Some(unix_secs(not_before));
        self
    }

    /// Asks the application whether a session is revoked: `is_revoked(id)`
    /// runs each time a cookie opens (after authentication and the lifetime
    /// checks); `true` makes the load [`LoadError::Invalid`] and the session
    /// fresh. For applications that keep their own denylist, e.g. "log out
    /// everywhere" or a compromised account; [`Session::id`] is the id to list
    /// (it changes on [`Session::regenerate_id`]).
    ///
    /// Cost: one call per request that carries a session, on the request
    /// path inside [`CookieStore::load`]: keep it fast and non-blocking (an
    /// in-memory set refreshed in the background, not a network round
    /// trip). An entry is needed only until that session's expiry (at most
    /// one max-age after it was listed), so the denylist stays bounded. It is
    /// the one piece of server-side state this crate otherwise avoids. A
    /// panic in the hook propagates to the caller of `load`.
    ///
    /// ```
    /// use std::collections::HashSet;
    /// use std::sync::{Arc, RwLock};
    /// use sealed_session::{CookieStore, Keyring, LoadError, SessionId};
    ///
    /// let denylist: Arc<RwLock<HashSet<SessionId>>> = Arc::default();
    /// let keyring = Keyring::from_config(&Keyring::generate_entry(Default::default())?)?;
    /// let list = Arc::clone(&denylist);
    /// let store = CookieStore::builder("s", keyring)
    ///     .with_revocation_check(move |id| list.read().is_ok_and(|set| set.contains(&id)))
    ///     .build()?;
    ///
    /// let mut session = store.load(None::<&str>);
    /// session.insert("user", "alice")?;
    /// let cookie = store.save(&mut session)?[0].split(';').next().unwrap().to_owned();
    /// denylist.write().unwrap().insert(session.id());
    /// assert_eq!(store.load(Some(cookie.as_str())).load_error(), Some(LoadError::Invalid));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_revocation_check(
        mut self,
        is_revoked: impl Fn(SessionId) -> bool + Send + Sync + 'static,
    ) -> Self {
        self.options.revocation = Some(RevocationCheck(Arc::new(is_revoked)));
        self
    }

    /// Checks the configuration and derives the store's subkeys.
    ///
    /// # Errors
    ///
    /// [`StoreError`] naming the first problem found.
    ///
    /// ```
    /// # let keyring = sealed_session::Keyring::from_config(&sealed_session::Keyring::generate_entry(Default::default())?)?;
    /// let err = sealed_session::CookieStore::builder("__Host-s", keyring)
    ///     .with_domain("example.com")
    ///     .build()
    ///     .unwrap_err();
    /// assert_eq!(err, sealed_session::StoreError::HostPrefix);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn build(self) -> Result<CookieStore, StoreError> {
        let o = &self.options;
        let name = &self.name;
        if name.is_empty() || name.len() > MAX_NAME_LEN || !name.bytes().all(is_token_byte) {
            return Err(StoreError::InvalidName(name.clone()));
        }
        if o.same_site == SameSite::None && !o.secure {
            return Err(StoreError::SameSiteNoneWithoutSecure);
        }
        if o.partitioned && !o.secure {
            return Err(StoreError::PartitionedWithoutSecure);
        }
        let lower = name.to_ascii_lowercase();
        if lower.starts_with("__host-") && (o.domain.is_some() || o.path != "/" || !o.secure) {
            return Err(StoreError::HostPrefix);
        }
        if lower.starts_with("__secure-") && !o.secure {
            return Err(StoreError::SecurePrefix);
        }
        if let Some(domain) = &o.domain {
            let ok = !domain.is_empty()
                && domain.len() <= 253
                && domain
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
            if !ok {
                return Err(StoreError::InvalidDomain);
            }
        }
        if !o.path.starts_with('/')
            || o.path.bytes().any(|b| b == b';' || b.is_ascii_control())
            || !o.path.is_ascii()
        {
            return Err(StoreError::InvalidPath);
        }
        let max_age = o.max_age.as_secs();
        if max_age == 0 || max_age > MAX_MAX_AGE_SECS {
            return Err(StoreError::InvalidMaxAge);
        }
        if let Some(idle) = o.idle_timeout
            && (idle.as_secs() == 0 || idle > o.max_age)
        {
            return Err(StoreError::InvalidIdleTimeout);
        }
        if o.clock_skew > MAX_CLOCK_SKEW {
            return Err(StoreError::ClockSkewTooLarge);
        }
        let max_chunks = chunks_for(name, o.size_limit);
        if o.size_limit < MIN_SIZE_LIMIT || max_chunks > MAX_CHUNKS {
            return Err(StoreError::InvalidSizeLimit {
                limit: o.size_limit,
            });
        }
        if let Some(h) = &o.header
            && (h.is_empty() || !h.bytes().all(is_token_byte))
        {
            return Err(StoreError::InvalidHeaderName(h.clone()));
        }
        let latest = unix_secs(SystemTime::now()).saturating_add(o.clock_skew.as_secs());
        if o.not_before.is_some_and(|nb| nb > latest) {
            return Err(StoreError::NotBeforeInFuture);
        }
        let envelope = Envelope::new(&self.keyring, name).map_err(StoreError::Key)?;
        let chunk_names = (0..max_chunks).map(|i| chunk_name(name, i)).collect();
        let attributes = attributes(o);
        let deletions = (0..max_chunks)
            .map(|i| format!("{}=; Max-Age=0{attributes}", chunk_name(name, i)))
            .collect();
        Ok(CookieStore {
            inner: Arc::new(Inner {
                envelope,
                chunk_names,
                deletions,
                attributes,
                primary: self.keyring.primary_id(),
                keyring: self.keyring,
                max_chunks,
                builder_options: self.options,
                counters: Counters::default(),
            }),
        })
    }
}

/// RFC 6265 `token` bytes (RFC 7230 `tchar`).
fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// Whether `name` is the name of a chunk (index 1 or more) of `base`.
/// Whether two stores' cookie names would claim each other's cookies
/// (`auth` and `auth.1`).
pub(crate) fn names_collide(a: &str, b: &str) -> bool {
    is_chunk_of(a, b) || is_chunk_of(b, a)
}

fn is_chunk_of(name: &str, base: &str) -> bool {
    name.strip_prefix(base)
        .and_then(|rest| rest.strip_prefix('.'))
        .and_then(|index| {
            index
                .parse::<usize>()
                .ok()
                .filter(|i| *i > 0 && i.to_string() == index)
        })
        .is_some()
}

fn chunk_name(name: &str, index: usize) -> String {
    if index == 0 {
        name.to_owned()
    } else {
        format!("{name}.{index}")
    }
}

/// How many chunks `size_limit` bytes can hold at most for `name`.
fn chunks_for(name: &str, size_limit: usize) -> usize {
    // Chunk names grow by at most 4 bytes (".255"); count the worst case.
    let capacity = MAX_COOKIE_LEN - name.len() - 5;
    size_limit.div_ceil(capacity).max(1)
}

/// The attributes after `name=value; Max-Age=N`, in a fixed order.
fn attributes(o: &Options) -> String {
    let mut a = String::new();
    if let Some(domain) = &o.domain {
        a.push_str("; Domain=");
        a.push_str(domain);
    }
    a.push_str("; Path=");
    a.push_str(&o.path);
    if o.secure {
        a.push_str("; Secure");
    }
    if o.http_only {
        a.push_str("; HttpOnly");
    }
    a.push_str("; SameSite=");
    a.push_str(o.same_site.as_str());
    if o.partitioned {
        a.push_str("; Partitioned");
    }
    a
}

struct Inner {
    envelope: Envelope,
    keyring: Arc<Keyring>,
    primary: KeyId,
    /// `name`, `name.1`, ... up to the budget's chunk count.
    chunk_names: Vec<String>,
    /// A deletion `Set-Cookie` value per chunk index, with the same `Path`
    /// and `Domain` as the cookies (else browsers keep the old ones).
    deletions: Vec<String>,
    attributes: String,
    max_chunks: usize,
    builder_options: Options,
    counters: Counters,
}

/// Loads sessions from `Cookie` headers and saves them as `Set-Cookie`
/// lines: the framework-free core. Cheap to clone (one `Arc`).
///
/// Subkeys are derived once, when the store is built, and are bound to its
/// cookie name: a value sealed for one name never opens under another.
///
/// ```
/// use sealed_session::{CookieStore, Keyring};
///
/// let keyring = Keyring::from_config(&Keyring::generate_entry(Default::default())?)?;
/// let store = CookieStore::new("session", keyring)?;
///
/// // Request 1: no cookie.
/// let mut session = store.load(None::<&str>);
/// session.insert("user", "alice")?;
/// let set_cookie = store.save(&mut session)?;
/// assert_eq!(set_cookie.len(), 2); // the session cookie, and deletion of a stale chunk index
///
/// // Request 2: the browser sends the cookie back.
/// let cookie_header = format!("theme=dark; {}", set_cookie[0].split(';').next().unwrap());
/// let session = store.load(Some(cookie_header.as_str()));
/// assert_eq!(session.get::<String>("user")?.as_deref(), Some("alice"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct CookieStore {
    inner: Arc<Inner>,
}

impl fmt::Debug for CookieStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CookieStore")
            .field("name", &self.name())
            .field("keyring", &self.inner.keyring)
            .field("options", &self.inner.builder_options)
            .finish_non_exhaustive()
    }
}

/// The result of [`CookieStore::save_header`].
///
/// ```
/// # let keyring = sealed_session::Keyring::from_config(&sealed_session::Keyring::generate_entry(Default::default())?)?;
/// # let store = sealed_session::CookieStore::builder("s", keyring).with_header_transport("x-session").build()?;
/// let mut session = store.load_header(None);
/// assert_eq!(store.save_header(&mut session)?, sealed_session::HeaderUpdate::Unchanged);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum HeaderUpdate {
    /// Nothing to send.
    Unchanged,
    /// Send this value in the response header.
    Set(String),
    /// The session ended: tell the client to drop its value (e.g. send the header empty).
    Clear,
}

/// What [`CookieStore::save_at`] decided to write.
enum Plan {
    Nothing,
    Delete,
    Write {
        text: String,
        chunk_lens: Vec<usize>,
        max_age: u64,
    },
}

impl CookieStore {
    /// A store with the default options for cookie `name`.
    ///
    /// # Errors
    ///
    /// [`StoreError::InvalidName`] if `name` is not a cookie-name token.
    ///
    /// ```
    /// use sealed_session::{CookieStore, Keyring};
    /// let keyring = Keyring::from_config(&Keyring::generate_entry(Default::default())?)?;
    /// let store = CookieStore::new("session", keyring)?;
    /// # let _ = store;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(
        name: impl Into<String>,
        keyring: impl Into<Arc<Keyring>>,
    ) -> Result<Self, StoreError> {
        Self::builder(name, keyring).build()
    }

    /// A builder for cookie `name`, to set options before [`CookieStoreBuilder::build`].
    ///
    /// ```
    /// # let keyring = sealed_session::Keyring::from_config(&sealed_session::Keyring::generate_entry(Default::default())?)?;
    /// let store = sealed_session::CookieStore::builder("s", keyring).with_secure(false).build()?;
    /// # let _ = store;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn builder(
        name: impl Into<String>,
        keyring: impl Into<Arc<Keyring>>,
    ) -> CookieStoreBuilder {
        CookieStoreBuilder {
            name: name.into(),
            keyring: keyring.into(),
            options: Options::default(),
        }
    }

    /// A store with the same keyring and options for another cookie name
    /// (hertz's `Many`): each name derives its own subkeys, so the sessions
    /// are isolated.
    ///
    /// # Errors
    ///
    /// As [`CookieStoreBuilder::build`] (e.g. an invalid name), and
    /// [`StoreError::NameCollision`] when one name is a chunk cookie name of
    /// the other (`auth` and `auth.1`).
    ///
    /// ```
    /// # let keyring = sealed_session::Keyring::from_config(&sealed_session::Keyring::generate_entry(Default::default())?)?;
    /// let auth = sealed_session::CookieStore::new("auth", keyring)?;
    /// let prefs = auth.for_name("prefs")?;
    /// assert_eq!(prefs.name(), "prefs");
    /// assert!(auth.for_name("auth.1").is_err()); // the name of auth's second chunk
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn for_name(&self, name: impl Into<String>) -> Result<CookieStore, StoreError> {
        let name = name.into();
        // `auth.1` beside `auth`: each save deletes the other's cookie and
        // each load sees a chunk too many, so both sessions keep ending.
        if names_collide(&name, self.name()) {
            return Err(StoreError::NameCollision {
                name,
                other: self.name().to_owned(),
            });
        }
        CookieStoreBuilder {
            name,
            keyring: Arc::clone(&self.inner.keyring),
            options: self.inner.builder_options.clone(),
        }
        .build()
    }

    /// The cookie name (of the first chunk; others are `name.1`, `name.2`, ...).
    ///
    /// ```
    /// # let keyring = sealed_session::Keyring::from_config(&sealed_session::Keyring::generate_entry(Default::default())?)?;
    /// # let store = sealed_session::CookieStore::new("s", keyring)?;
    /// assert_eq!(store.name(), "s");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn name(&self) -> &str {
        self.inner.chunk_names.first().map_or("", String::as_str)
    }

    /// The most cookies one session may span under the size budget.
    ///
    /// ```
    /// # let keyring = sealed_session::Keyring::from_config(&sealed_session::Keyring::generate_entry(Default::default())?)?;
    /// # let store = sealed_session::CookieStore::new("s", keyring)?;
    /// assert_eq!(store.max_chunks(), 2); // the default 6 KiB budget
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn max_chunks(&self) -> usize {
        self.inner.max_chunks
    }

    /// The size budget in `name=value` bytes.
    ///
    /// ```
    /// # let keyring = sealed_session::Keyring::from_config(&sealed_session::Keyring::generate_entry(Default::default())?)?;
    /// # let store = sealed_session::CookieStore::new("s", keyring)?;
    /// assert_eq!(store.size_limit(), sealed_session::DEFAULT_SIZE_LIMIT);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn size_limit(&self) -> usize {
        self.inner.builder_options.size_limit
    }

    /// The header name for header transport, if configured.
    ///
    /// ```
    /// # let keyring = sealed_session::Keyring::from_config(&sealed_session::Keyring::generate_entry(Default::default())?)?;
    /// # let store = sealed_session::CookieStore::new("s", keyring)?;
    /// assert_eq!(store.header_name(), None);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn header_name(&self) -> Option<&str> {
        self.inner.builder_options.header.as_deref()
    }

    /// The store's load and save counters since it was built (see
    /// [`StoreStats`]): export them to your metrics, and retire an old key
    /// once `opened_with_non_primary` has stopped growing.
    ///
    /// ```
    /// # let keyring = sealed_session::Keyring::from_config(&sealed_session::Keyring::generate_entry(Default::default())?)?;
    /// # let store = sealed_session::CookieStore::new("s", keyring)?;
    /// store.load(None::<&str>);
    /// assert_eq!(store.stats().loads_fresh, 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn stats(&self) -> StoreStats {
        self.inner.counters.snapshot()
    }

    /// A fresh session for a request that carried no session cookie.
    fn fresh_load(&self, now: u64) -> Session {
        bump(&self.inner.counters.loads_fresh);
        event!(
            trace,
            cookie = self.name(),
            "no session cookie: fresh session"
        );
        self.fresh(now)
    }

    /// Applies the store's revocation options to an opened session, counts
    /// the load's outcome and falls back to a fresh session on failure.
    /// `present` is how many of the session's cookies the request carried.
    fn finish_load(&self, result: Result<Session, LoadError>, present: usize, now: u64) -> Session {
        let counters = &self.inner.counters;
        match result.and_then(|session| self.admit(session)) {
            Ok(session) => {
                bump(&counters.loads_opened);
                let (key_id, primary) = session.opened_with.unwrap_or((self.inner.primary, true));
                if !primary {
                    bump(&counters.opened_with_non_primary);
                }
                event!(
                    debug,
                    cookie = self.name(),
                    key_id = %key_id,
                    primary,
                    chunks = session.chunks_loaded,
                    "session opened"
                );
                let _ = key_id;
                session
            }
            Err(error) => {
                bump(match error {
                    LoadError::Invalid => &counters.invalid,
                    LoadError::Expired => &counters.expired,
                });
                event!(
                    debug,
                    cookie = self.name(),
                    outcome = %error,
                    chunks = present,
                    "session cookie not used: fresh session"
                );
                let mut session = self.fresh(now);
                session.load_error = Some(error);
                session.chunks_loaded = present;
                session
            }
        }
    }

    /// The opt-in revocation checks, on a session that authenticated and
    /// has not expired.
    fn admit(&self, session: Session) -> Result<Session, LoadError> {
        let o = &self.inner.builder_options;
        if o.not_before
            .is_some_and(|nb| session.payload.issued_at < nb)
        {
            event!(
                debug,
                cookie = self.name(),
                "session issued before the not-before cut-off"
            );
            return Err(LoadError::Expired);
        }
        if let Some(check) = &o.revocation
            && (check.0)(session.id())
        {
            bump(&self.inner.counters.revoked);
            event!(
                debug,
                cookie = self.name(),
                "session id revoked by the application"
            );
            return Err(LoadError::Invalid);
        }
        Ok(session)
    }

    /// [`CookieStore::plan`], counted and traced.
    fn plan_counted(
        &self,
        session: &mut Session,
        now: u64,
        cookies: bool,
    ) -> Result<Plan, SaveError> {
        let counters = &self.inner.counters;
        let reseal = session.opened_with.is_some_and(|(_, primary)| !primary);
        let plan = self.plan(session, now, cookies);
        match &plan {
            Ok(Plan::Write {
                text, chunk_lens, ..
            }) => {
                bump(&counters.saves);
                if reseal {
                    bump(&counters.resealed);
                }
                event!(
                    debug,
                    cookie = self.name(),
                    bytes = text.len(),
                    chunks = chunk_lens.len(),
                    resealed = reseal,
                    "session saved"
                );
                let _ = (text, chunk_lens);
            }
            Ok(Plan::Delete) => {
                event!(
                    debug,
                    cookie = self.name(),
                    "session emptied: cookies deleted"
                );
            }
            Ok(Plan::Nothing) => {}
            Err(SaveError::TooLarge { needed, allowed }) => {
                bump(&counters.too_large);
                event!(
                    warn,
                    cookie = self.name(),
                    needed,
                    allowed,
                    "session too large to save: the client keeps its previous cookies"
                );
                let _ = (needed, allowed);
            }
            Err(error) => {
                event!(warn, cookie = self.name(), error = %error, "session not saved");
                let _ = error;
            }
        }
        plan
    }

    /// A fresh, empty session, as for a request with no cookie.
    ///
    /// ```
    /// # let keyring = sealed_session::Keyring::from_config(&sealed_session::Keyring::generate_entry(Default::default())?)?;
    /// # let store = sealed_session::CookieStore::new("s", keyring)?;
    /// assert!(store.new_session().is_new());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn new_session(&self) -> Session {
        self.fresh(unix_secs(SystemTime::now()))
    }

    fn fresh(&self, now: u64) -> Session {
        let mut id = [0u8; 16];
        // On RNG failure the all-zero id makes `save` fail; loading never fails.
        let _ = crate::rng::fill(&mut id);
        Session::fresh(
            self.name(),
            id,
            now,
            self.inner.builder_options.max_age.as_secs(),
        )
    }

    /// Loads this store's session from a request's `Cookie` header values
    /// (several header fields are fine, as HTTP/2 sends them).
    ///
    /// Never fails: with no session cookie, or one that is forged,
    /// truncated, for another name or key, or expired, the session is fresh
    /// and [`Session::load_error`] says why (`Invalid` or `Expired` only).
    ///
    /// Only exactly this store's chunk names are read (`name`, `name.1`, ...;
    /// never a prefix match); other cookies are ignored. If a chunk name
    /// appears twice (cookies set for two paths), the first occurrences are
    /// tried, then the last.
    ///
    /// ```
    /// # let keyring = sealed_session::Keyring::from_config(&sealed_session::Keyring::generate_entry(Default::default())?)?;
    /// # let store = sealed_session::CookieStore::new("s", keyring)?;
    /// let session = store.load(["a=1; b=2", "s=not-a-session"]);
    /// assert!(session.is_new());
    /// assert_eq!(session.load_error(), Some(sealed_session::LoadError::Invalid));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn load<I>(&self, cookie_headers: I) -> Session
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        self.load_at(cookie_headers, unix_secs(SystemTime::now()))
    }

    /// [`CookieStore::load`] at a given time (seconds since the Unix epoch).
    pub(crate) fn load_at<I>(&self, cookie_headers: I, now: u64) -> Session
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        let max = self.inner.max_chunks;
        let mut first: Vec<Option<String>> = vec![None; max];
        let mut last: Vec<Option<String>> = vec![None; max];
        let mut duplicates = false;
        for header in cookie_headers {
            for pair in header.as_ref().split(';') {
                let Some((name, value)) = pair.split_once('=') else {
                    continue;
                };
                let Some(index) = self.chunk_index(name.trim_matches([' ', '\t'])) else {
                    continue;
                };
                let value = value.trim_matches([' ', '\t']);
                if let (Some(f), Some(l)) = (first.get_mut(index), last.get_mut(index)) {
                    if f.is_none() {
                        *f = Some(value.to_owned());
                    } else {
                        duplicates = true;
                    }
                    // Reuse the buffer: a header repeating one of our names
                    // thousands of times costs no allocation per repeat.
                    let l = l.get_or_insert_with(String::new);
                    l.clear();
                    l.push_str(value);
                }
            }
        }
        if first.iter().all(Option::is_none) {
            return self.fresh_load(now);
        }
        let mut result = self.open_chunks(&first, now);
        if duplicates && result.is_err() {
            result = self.open_chunks(&last, now);
        }
        let present = first.iter().filter(|c| c.is_some()).count();
        self.finish_load(result, present, now)
    }

    /// The chunk index of a cookie name, if it is exactly one of ours.
    fn chunk_index(&self, name: &str) -> Option<usize> {
        self.inner.chunk_names.iter().position(|n| n == name)
    }

    fn open_chunks(&self, chunks: &[Option<String>], now: u64) -> Result<Session, LoadError> {
        let count = chunks.iter().take_while(|c| c.is_some()).count();
        // A gap (a chunk missing before a present one) never opens.
        if count == 0 || chunks.iter().skip(count).any(Option::is_some) {
            return Err(self.reject(Reject::ChunkCount));
        }
        let max_text = self.max_text_len();
        let mut text = String::new();
        for chunk in chunks.iter().flatten() {
            if chunk.is_empty() || text.len() + chunk.len() > max_text {
                return Err(self.reject(Reject::TooLong));
            }
            text.push_str(chunk);
        }
        self.open_text(&text, count, now)
    }

    pub(crate) fn open_text(
        &self,
        text: &str,
        count: usize,
        now: u64,
    ) -> Result<Session, LoadError> {
        let opened = self
            .inner
            .envelope
            .open(text, count, self.max_text_len())
            .map_err(|r| self.reject(r))?;
        let payload = Payload::decode(&opened.payload).map_err(|_| self.reject(Reject::Payload))?;
        // Lifetimes are checked only after authentication: an unauthenticated
        // cookie must not learn whether its timestamps would have passed.
        let skew = self.inner.builder_options.clock_skew.as_secs();
        if payload.issued_at > now.saturating_add(skew) {
            return Err(self.reject(Reject::FromFuture));
        }
        let expired = now > payload.expires_at.saturating_add(skew)
            || payload
                .idle_deadline
                .is_some_and(|d| now > d.saturating_add(skew));
        if expired {
            return Err(LoadError::Expired);
        }
        Ok(Session {
            payload,
            is_new: false,
            modified: false,
            destroyed: false,
            load_error: None,
            opened_with: Some((opened.key_id, opened.by_primary)),
            chunks_loaded: count,
            sealed_len: text.len(),
            store_name: self.name().to_owned(),
        })
    }

    /// The store's envelope (for the `__private` fuzz and test entry points).
    pub(crate) fn envelope(&self) -> &Envelope {
        &self.inner.envelope
    }

    /// The longest sealed text [`CookieStore::load`] will try to open.
    pub(crate) fn max_text_len(&self) -> usize {
        self.inner.max_chunks * MAX_COOKIE_LEN
    }

    fn reject(&self, reason: Reject) -> LoadError {
        // The reason stays internal (no oracle for the client): debug logs only.
        event!(
            debug,
            cookie = self.name(),
            reason = reason.as_str(),
            "session cookie rejected"
        );
        let _ = reason;
        LoadError::Invalid
    }

    /// Saves the session: returns the `Set-Cookie` header values to send.
    ///
    /// - Nothing changed (and no key re-seal or renewal is due): no lines.
    /// - Changed: the session's cookies, each within 4096 bytes of
    ///   `name=value`, plus a deletion for every other chunk index within
    ///   the budget, including ones this request did not carry (tabs racing
    ///   each other leave orphans otherwise).
    /// - Empty (cleared, destroyed, or its last flash consumed) after
    ///   having had a cookie: deletions for every chunk index.
    ///
    /// A session opened with an older key is re-sealed with the primary key,
    /// keeping its issued-at and expiry.
    ///
    /// # Errors
    ///
    /// [`SaveError::TooLarge`] (naming both sizes) when the session exceeds
    /// the budget; nothing is emitted then, so the client keeps its previous
    /// session. [`SaveError::WrongStore`] for another store's session.
    ///
    /// ```
    /// # let keyring = sealed_session::Keyring::from_config(&sealed_session::Keyring::generate_entry(Default::default())?)?;
    /// # let store = sealed_session::CookieStore::new("s", keyring)?;
    /// let mut session = store.load(None::<&str>);
    /// assert!(store.save(&mut session)?.is_empty()); // nothing to store yet
    /// session.insert("k", "v")?;
    /// let lines = store.save(&mut session)?;
    /// assert!(lines[0].starts_with("s="));
    /// assert!(lines[0].ends_with("; Path=/; Secure; HttpOnly; SameSite=Lax"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn save(&self, session: &mut Session) -> Result<Vec<String>, SaveError> {
        self.save_at(session, unix_secs(SystemTime::now()))
    }

    /// [`CookieStore::save`] at a given time (seconds since the Unix epoch).
    pub(crate) fn save_at(
        &self,
        session: &mut Session,
        now: u64,
    ) -> Result<Vec<String>, SaveError> {
        let lines = match self.plan_counted(session, now, true)? {
            Plan::Nothing => Vec::new(),
            Plan::Delete => self.inner.deletions.clone(),
            Plan::Write {
                text,
                chunk_lens,
                max_age,
            } => {
                let mut lines = Vec::with_capacity(self.inner.max_chunks);
                let mut rest = text.as_str();
                for (name, len) in self.inner.chunk_names.iter().zip(chunk_lens) {
                    let (piece, tail) = rest.split_at(len.min(rest.len()));
                    rest = tail;
                    lines.push(format!(
                        "{name}={piece}; Max-Age={max_age}{}",
                        self.inner.attributes
                    ));
                }
                let written = lines.len();
                lines.extend(self.inner.deletions.iter().skip(written).cloned());
                lines
            }
        };
        Ok(lines)
    }

    /// Decides what to write and seals; updates the session's state only
    /// when it returns `Ok`.
    fn plan(&self, session: &mut Session, now: u64, cookies: bool) -> Result<Plan, SaveError> {
        if session.store_name != self.name() {
            return Err(SaveError::WrongStore {
                session: session.store_name.clone(),
                store: self.name().to_owned(),
            });
        }
        if session.payload.id == [0; 16] {
            return Err(SaveError::Random);
        }
        let o = &self.inner.builder_options;
        if session.is_empty() {
            let had_cookie = session.chunks_loaded > 0 || !session.is_new;
            session.modified = false;
            session.destroyed = false;
            if !had_cookie {
                return Ok(Plan::Nothing);
            }
            session.is_new = true;
            session.chunks_loaded = 0;
            session.sealed_len = 0;
            session.opened_with = None;
            return Ok(Plan::Delete);
        }
        let max_age = session.payload.max_age.unwrap_or(o.max_age.as_secs());
        let p = &session.payload;
        let reseal = session.opened_with.is_some_and(|(_, primary)| !primary);
        let rolling_due = o.rolling && p.expires_at.saturating_sub(now) < max_age / 2;
        let idle_due = o.idle_timeout.is_some_and(|idle| {
            p.idle_deadline
                .is_none_or(|d| d.saturating_sub(now) < idle.as_secs() / 2)
        });
        if !(session.modified || session.is_new || reseal || rolling_due || idle_due) {
            return Ok(Plan::Nothing);
        }
        let mut payload = session.payload.clone();
        // A destroyed session that gets new values is a new session: it must
        // not inherit the old one's issued-at and absolute expiry.
        if session.is_new || session.destroyed || payload.expires_at == 0 || rolling_due {
            payload.expires_at = now.checked_add(max_age).ok_or(SaveError::Encode)?;
        }
        if session.destroyed {
            payload.issued_at = now;
        } else if session.is_new {
            payload.issued_at = payload.issued_at.min(now);
        }
        payload.idle_deadline = match o.idle_timeout {
            Some(idle) => Some(now.checked_add(idle.as_secs()).ok_or(SaveError::Encode)?),
            None => None,
        };
        let (text, chunk_lens) = self.seal_payload(&payload, cookies)?;
        let cookie_max_age = payload.expires_at.saturating_sub(now);
        session.payload = payload;
        session.is_new = false;
        session.modified = false;
        session.destroyed = false;
        session.chunks_loaded = chunk_lens.len();
        session.sealed_len = text.len();
        session.opened_with = Some((self.inner.primary, true));
        Ok(Plan::Write {
            text,
            chunk_lens,
            max_age: cookie_max_age,
        })
    }

    /// Encodes and seals `payload` under the primary key: the sealed text
    /// and its chunk lengths (one length when `cookies` is false: header
    /// transport). Also the benchmarks' "seal" (`__private::bench_seal`).
    pub(crate) fn seal_payload(
        &self,
        payload: &Payload,
        cookies: bool,
    ) -> Result<(String, Vec<usize>), SaveError> {
        let size_limit = self.inner.builder_options.size_limit;
        let seal_error = |e| match e {
            crate::envelope::SealError::Random => SaveError::Random,
            crate::envelope::SealError::Cipher => SaveError::Encode,
        };
        // The payload is encoded straight into the sealed buffer (no copy).
        let mut sealing = self
            .inner
            .envelope
            .start(SEAL_CAPACITY_HINT)
            .map_err(seal_error)?;
        payload
            .encode_into(&mut sealing.buf)
            .map_err(|_| SaveError::Encode)?;
        let text_len = base64_len(self.inner.envelope.sealed_len(sealing.payload_len()));
        let chunk_lens = if cookies {
            self.split(text_len)?
        } else {
            if text_len > size_limit {
                return Err(SaveError::TooLarge {
                    needed: text_len,
                    allowed: size_limit,
                });
            }
            vec![text_len]
        };
        let count = u8::try_from(chunk_lens.len()).map_err(|_| SaveError::Encode)?;
        let text = sealing.finish(count).map_err(seal_error)?;
        Ok((text, chunk_lens))
    }

    /// Splits `text_len` bytes of value over chunk cookies, filling each to
    /// 4096 bytes of `name=value`; checks the budget on the exact bytes.
    pub(crate) fn split(&self, text_len: usize) -> Result<Vec<usize>, SaveError> {
        let mut lens = Vec::new();
        let mut left = text_len;
        let mut total = 0;
        for name in &self.inner.chunk_names {
            let take = left.min(MAX_COOKIE_LEN - name.len() - 1);
            lens.push(take);
            total += name.len() + 1 + take;
            left -= take;
            if left == 0 {
                break;
            }
        }
        let allowed = self.inner.builder_options.size_limit;
        if left > 0 || total > allowed {
            // Estimate what it would have needed, counting further chunk names.
            let mut needed = total;
            let mut index = lens.len();
            while left > 0 {
                let name_len = chunk_name(self.name(), index).len();
                let take = left.min(MAX_COOKIE_LEN - name_len - 1);
                needed += name_len + 1 + take;
                left -= take;
                index += 1;
            }
            return Err(SaveError::TooLarge { needed, allowed });
        }
        Ok(lens)
    }

    /// Loads the session from the header-transport value (beego's
    /// `EnableSidInHTTPHeader`), for clients without cookies.
    ///
    /// ```
    /// # let keyring = sealed_session::Keyring::from_config(&sealed_session::Keyring::generate_entry(Default::default())?)?;
    /// # let store = sealed_session::CookieStore::builder("s", keyring).with_header_transport("x-session").build()?;
    /// let mut session = store.load_header(None);
    /// session.insert("user", "alice")?;
    /// let sealed_session::HeaderUpdate::Set(value) = store.save_header(&mut session)? else { panic!() };
    /// let again = store.load_header(Some(&value));
    /// assert_eq!(again.get::<String>("user")?.as_deref(), Some("alice"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn load_header(&self, value: Option<&str>) -> Session {
        let now = unix_secs(SystemTime::now());
        let Some(value) = value.map(str::trim).filter(|v| !v.is_empty()) else {
            return self.fresh_load(now);
        };
        self.finish_load(self.open_text(value, 1, now), 1, now)
    }

    /// Saves the session for header transport: one sealed value within the
    /// size budget.
    ///
    /// # Errors
    ///
    /// As [`CookieStore::save`].
    ///
    /// ```
    /// # let keyring = sealed_session::Keyring::from_config(&sealed_session::Keyring::generate_entry(Default::default())?)?;
    /// # let store = sealed_session::CookieStore::builder("s", keyring).with_header_transport("x-session").build()?;
    /// let mut session = store.load_header(None);
    /// session.insert("k", &1)?;
    /// assert!(matches!(store.save_header(&mut session)?, sealed_session::HeaderUpdate::Set(_)));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn save_header(&self, session: &mut Session) -> Result<HeaderUpdate, SaveError> {
        let now = unix_secs(SystemTime::now());
        Ok(match self.plan_counted(session, now, false)? {
            Plan::Nothing => HeaderUpdate::Unchanged,
            Plan::Delete => HeaderUpdate::Clear,
            Plan::Write { text, .. } => HeaderUpdate::Set(text),
        })
    }
}

/// The length of unpadded base64 of `n` bytes.
fn base64_len(n: usize) -> usize {
    (n * 4).div_ceil(3)
}
