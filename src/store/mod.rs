//! The cookie store: cookie attributes, chunking across cookies, the size
//! budget, `Cookie` parsing and `Set-Cookie` lines. It knows cookie syntax,
//! not any HTTP library's types.
//!
//! One concern per file: [`builder`] (setting options and checking them),
//! [`options`] (the options and their defaults), [`errors`] (configuration
//! and save errors), [`names`] (cookie and chunk names), [`attributes`] (the
//! `Set-Cookie` attributes), [`cookie_header`] (finding this store's chunks
//! in `Cookie` headers), [`load`] (opening), [`save`] (sealing and
//! `Set-Cookie` lines), [`header`] (the single-header transport), [`keys`]
//! (the keyring, replaceable at run time) and [`binding`] (stores bound to
//! another store's session). This file holds the limits and the store
//! itself.

mod attributes;
mod binding;
mod builder;
mod cookie_header;
mod errors;
mod header;
mod keys;
mod load;
mod names;
mod options;
mod save;
mod testing;

pub use binding::{ANCHOR_KEY, BOUND_KEY};
pub use builder::CookieStoreBuilder;
pub use errors::{SaveError, StoreError};
pub use header::HeaderUpdate;
pub(crate) use names::names_collide;
pub use options::SameSite;
pub use testing::{PrepareError, ResponseSession};

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use crate::keyring::Keyring;
use crate::observe::{Counters, StoreStats};
use crate::session::{Session, unix_secs};

pub(crate) use keys::Keys;
use keys::LiveKeys;
use options::Options;

/// The most bytes of `name=value` one cookie may carry (RFC 6265bis §5.6:
/// browsers drop longer ones). Counted on the exact bytes sent.
///
/// ```
/// # let keyring = sealed_session::Keyring::from_config(&sealed_session::Keyring::generate_entry(Default::default())?)?;
/// # let store = sealed_session::CookieStore::new("__Host-s", keyring)?;
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
/// let store = sealed_session::CookieStore::new("__Host-s", keyring)?;
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
/// assert!(CookieStore::builder("__Host-s", keyring()?).with_size_limit(MIN_SIZE_LIMIT).build().is_ok());
/// let err = CookieStore::builder("__Host-s", keyring()?).with_size_limit(MIN_SIZE_LIMIT - 1).build();
/// assert_eq!(err.unwrap_err(), StoreError::InvalidSizeLimit { limit: MIN_SIZE_LIMIT - 1 });
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub const MIN_SIZE_LIMIT: usize = 256;

/// The longest `Cookie` header value the common defaults on the way let
/// through whole, in bytes: nginx reads each request header line into an
/// 8 KiB buffer (`large_client_header_buffers 4 8k`, so `Cookie: `, the
/// value and CRLF must fit in 8192 bytes; longer is `400 Request Header Or
/// Cookie Too Large`), Apache httpd's `LimitRequestFieldSize` is 8190, and
/// curl sends at most 8190 bytes of cookies and silently drops the rest.
/// A store whose own cookies can make a longer header is refused at
/// [`build`](CookieStoreBuilder::build) unless it opts in with
/// [`allow_large_cookie_header`](CookieStoreBuilder::allow_large_cookie_header).
///
/// ```
/// use sealed_session::{COOKIE_HEADER_LIMIT, CookieStore, Keyring, StoreError};
///
/// # let keyring = || Keyring::generate(Default::default());
/// let err = CookieStore::builder("__Host-session", keyring()?)
///     .with_size_limit(12 * 1024)
///     .build()
///     .unwrap_err();
/// assert!(matches!(err, StoreError::CookieHeaderTooLarge { limit: COOKIE_HEADER_LIMIT, .. }));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub const COOKIE_HEADER_LIMIT: usize = 8192 - "Cookie: ".len() - "\r\n".len();
/// The default max-age: 14 days.
///
/// ```
/// # let keyring = sealed_session::Keyring::from_config(&sealed_session::Keyring::generate_entry(Default::default())?)?;
/// # let store = sealed_session::CookieStore::new("__Host-s", keyring)?;
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
/// let err = CookieStore::builder("__Host-s", keyring)
///     .with_clock_skew(MAX_CLOCK_SKEW + Duration::from_secs(1))
///     .build()
///     .unwrap_err();
/// assert_eq!(err, StoreError::ClockSkewTooLarge);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub const MAX_CLOCK_SKEW: Duration = Duration::from_secs(300);
/// The longest cookie name accepted.
const MAX_NAME_LEN: usize = 128;
/// The most chunks a session may span (the header's chunk count is one byte).
const MAX_CHUNKS: usize = 255;

struct Inner {
    /// The cookie name, shared with every session loaded (no copy per load).
    shared_name: Arc<str>,
    /// The keyring and its ciphers: one snapshot per request.
    keys: LiveKeys,
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
/// let store = CookieStore::new("__Host-session", keyring)?;
///
/// // Request 1: no cookie.
/// let mut session = store.load(None::<&str>);
/// session.insert("user", "alice")?;
/// let set_cookie = store.save(&mut session)?;
/// assert_eq!(set_cookie.len(), 1); // the session cookie (no cookie came, none to delete)
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
            .field("keyring", &self.inner.keys.load().keyring)
            .field("options", &self.inner.builder_options)
            .finish_non_exhaustive()
    }
}

impl CookieStore {
    /// A store with the default options for cookie `name`. The defaults
    /// include `Secure`, so the name must start with `__Host-` (see
    /// [`CookieStore::builder`] for another name or plain HTTP).
    ///
    /// # Errors
    ///
    /// [`StoreError::InvalidName`] if `name` is not a cookie-name token,
    /// [`StoreError::NonHostName`] if it lacks the `__Host-` prefix.
    ///
    /// ```
    /// use sealed_session::{CookieStore, Keyring};
    /// let keyring = Keyring::from_config(&Keyring::generate_entry(Default::default())?)?;
    /// let store = CookieStore::new("__Host-session", keyring)?;
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
    /// # Security
    ///
    /// Name the cookie `__Host-...` (e.g. `__Host-session`). Browsers accept
    /// a `__Host-` cookie only from the host itself, over HTTPS, with
    /// `Path=/` and no `Domain`, so a sibling subdomain or a plain-HTTP page
    /// cannot set one beside the user's. With any other name they can: the
    /// store then refuses both sessions (an attacker's own session must
    /// never become the user's) and the user is logged out while the
    /// injected cookie lasts (SECURITY.md, "Cookie injection"). `build`
    /// checks the prefix's rules, and refuses a `Secure` store under any
    /// other name unless the builder says so with
    /// [`allow_non_host_name`](CookieStoreBuilder::allow_non_host_name).
    /// Browsers keep `__Host-` cookies on `http://localhost` too, so
    /// development needs no other name; on other plain-HTTP origins use
    /// `with_secure(false)` and a plain name, in development only.
    ///
    /// ```
    /// # let keyring = sealed_session::Keyring::from_config(&sealed_session::Keyring::generate_entry(Default::default())?)?;
    /// let store = sealed_session::CookieStore::builder("__Host-session", keyring).build()?;
    /// assert!(store.save(&mut store.load(None::<&str>))?.is_empty());
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
    /// let auth = sealed_session::CookieStore::new("__Host-auth", keyring)?;
    /// let prefs = auth.for_name("__Host-prefs")?;
    /// assert_eq!(prefs.name(), "__Host-prefs");
    /// assert!(auth.for_name("__Host-auth.1").is_err()); // the name of auth's second chunk
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
            keyring: self.keyring(),
            options: self.inner.builder_options.clone(),
        }
        .build()
    }

    /// The cookie name (of the first chunk; others are `name.1`, `name.2`, ...).
    ///
    /// ```
    /// # let keyring = sealed_session::Keyring::from_config(&sealed_session::Keyring::generate_entry(Default::default())?)?;
    /// # let store = sealed_session::CookieStore::new("__Host-s", keyring)?;
    /// assert_eq!(store.name(), "__Host-s");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn name(&self) -> &str {
        &self.inner.shared_name
    }

    /// The cookie name, shared (sessions hold it without a copy).
    pub(crate) fn shared_name(&self) -> Arc<str> {
        Arc::clone(&self.inner.shared_name)
    }

    /// The most cookies one session may span under the size budget.
    ///
    /// ```
    /// # let keyring = sealed_session::Keyring::from_config(&sealed_session::Keyring::generate_entry(Default::default())?)?;
    /// # let store = sealed_session::CookieStore::new("__Host-s", keyring)?;
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
    /// # let store = sealed_session::CookieStore::new("__Host-s", keyring)?;
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
    /// # let store = sealed_session::CookieStore::new("__Host-s", keyring)?;
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
    /// # let store = sealed_session::CookieStore::new("__Host-s", keyring)?;
    /// store.load(None::<&str>);
    /// assert_eq!(store.stats().loads_fresh, 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn stats(&self) -> StoreStats {
        self.inner.counters.snapshot()
    }

    /// A fresh, empty session, as for a request with no cookie.
    ///
    /// ```
    /// # let keyring = sealed_session::Keyring::from_config(&sealed_session::Keyring::generate_entry(Default::default())?)?;
    /// # let store = sealed_session::CookieStore::new("__Host-s", keyring)?;
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
            self.shared_name(),
            id,
            now,
            self.inner.builder_options.max_age.as_secs(),
        )
    }

    /// The longest sealed text [`CookieStore::load`] will try to open.
    pub(crate) fn max_text_len(&self) -> usize {
        self.inner.max_chunks * MAX_COOKIE_LEN
    }
}
