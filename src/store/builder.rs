//! [`CookieStoreBuilder`]: the store's options, their secure defaults, and
//! the checks that refuse a bad combination at build time.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use super::attributes::attributes;
use super::keys::{Keys, LiveKeys};
use super::names::{chunk_name, chunks_for};
use super::options::{Options, RevocationCheck, SameSite};
use super::{
    COOKIE_HEADER_LIMIT, CookieStore, Inner, MAX_CHUNKS, MAX_CLOCK_SKEW, MAX_NAME_LEN,
    MIN_SIZE_LIMIT, StoreError,
};
use crate::keyring::Keyring;
use crate::observe::Counters;
use crate::session::{MAX_MAX_AGE_SECS, Session, unix_secs};

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
    pub(super) name: String,
    pub(super) keyring: Arc<Keyring>,
    pub(super) options: Options,
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
    /// let store = sealed_session::CookieStore::builder("session", keyring)
    ///     .with_path("/app")
    ///     .allow_non_host_name() // a Path other than / rules out the __Host- prefix
    ///     .build()?;
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
    /// let store = sealed_session::CookieStore::builder("session", keyring)
    ///     .with_domain("example.com")
    ///     .allow_non_host_name() // a Domain rules out the __Host- prefix
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
    /// let dev_store = sealed_session::CookieStore::builder("session", keyring).with_secure(false).build()?;
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
    /// let store = sealed_session::CookieStore::builder("__Host-s", keyring).with_http_only(true).build()?;
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
    /// let store = sealed_session::CookieStore::builder("__Host-s", keyring).with_same_site(SameSite::Strict).build()?;
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
    /// let store = sealed_session::CookieStore::builder("__Host-s", keyring).with_partitioned(true).build()?;
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
    /// let store = sealed_session::CookieStore::builder("__Host-s", keyring)
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
    /// The current setting bounds the cookies already out there: one
    /// sealed before the store had an idle timeout is held to its
    /// issued-at plus the timeout, and one whose sealed deadline lies
    /// further ahead than the timeout (plus the clock skew) was sealed
    /// under a longer timeout and does not open
    /// ([`LoadError::Expired`](crate::LoadError::Expired)). So shortening
    /// the timeout from 7 days to 15 minutes ends a session unused for a
    /// day at once. The session records no time of its last save, so such
    /// an old cookie still opens in the last 15 minutes before its old
    /// deadline; to end every session at once, use
    /// [`with_not_before`](CookieStoreBuilder::with_not_before).
    ///
    /// ```
    /// # let keyring = sealed_session::Keyring::from_config(&sealed_session::Keyring::generate_entry(Default::default())?)?;
    /// use std::time::Duration;
    /// let store = sealed_session::CookieStore::builder("__Host-s", keyring)
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
    /// let store = sealed_session::CookieStore::builder("__Host-s", keyring).with_rolling(true).build()?;
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
    /// let store = sealed_session::CookieStore::builder("__Host-s", keyring)
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
    /// Larger budgets cost bandwidth on every request, and the store's
    /// cookies travel in one `Cookie` header that every hop must accept:
    /// a budget whose cookies can make that header longer than
    /// [`COOKIE_HEADER_LIMIT`](crate::COOKIE_HEADER_LIMIT) (about 8 KiB, which
    /// allows budgets up to about 8170 bytes) is refused at `build` unless
    /// [`allow_large_cookie_header`](Self::allow_large_cookie_header) says
    /// every hop was configured for it. The limits of common parts, by
    /// default: nginx 8 KiB per header line (`large_client_header_buffers`,
    /// `400` past it); Apache httpd 8190 bytes per field
    /// (`LimitRequestFieldSize`, `400`); curl 8190 bytes of cookies, the rest
    /// dropped without an error; Node.js 16 KiB for all headers
    /// (`--max-http-header-size`, `431`); Tomcat 8 KiB for all headers
    /// (`maxHttpHeaderSize`). A client that drops cookies makes the session
    /// load as invalid (with a `chunks missing` reason in the `tracing`
    /// events): the user looks logged out. The site's other cookies share
    /// the same header.
    ///
    /// ```
    /// # let keyring = sealed_session::Keyring::from_config(&sealed_session::Keyring::generate_entry(Default::default())?)?;
    /// let store = sealed_session::CookieStore::builder("__Host-s", keyring)
    ///     .with_size_limit(16 * 1024)
    ///     .allow_large_cookie_header() // nginx, the app server and every client allow 32 KiB
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
    /// The name must be an HTTP token that does not frame, route or describe
    /// the message, is not hop-by-hop or a cookie field, is not managed by
    /// the integrations, and is one browsers send. Refused (ASCII
    /// case-insensitively) by [`CookieStoreBuilder::build`] with
    /// [`StoreError::InvalidHeaderName`]: `accept-charset`, `accept-encoding`,
    /// `access-control-request-headers`, `access-control-request-method`,
    /// `authorization`, `cache-control`, `connection`, `cookie`, `cookie2`,
    /// `date`, `dnt`, `expect`, `forwarded`, `host`, `http2-settings`,
    /// `keep-alive`, `location`, `origin`, `referer`, `set-cookie`,
    /// `set-cookie2`, `strict-transport-security`, `te`, `trailer`,
    /// `transfer-encoding`, `upgrade`, `vary`, `via`, `www-authenticate`,
    /// `x-csrf-token` (the CSRF check's default header), `x-forwarded-for`,
    /// `x-forwarded-host`, `x-forwarded-proto`, `x-http-method`,
    /// `x-http-method-override`, `x-method-override`, `x-real-ip`, and every
    /// name starting `content-`, `proxy-` or `sec-`.
    ///
    /// ```
    /// # let keyring = sealed_session::Keyring::from_config(&sealed_session::Keyring::generate_entry(Default::default())?)?;
    /// let store = sealed_session::CookieStore::builder("__Host-s", keyring)
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
    /// `not_before` no longer opens. It loads as [`LoadError::Expired`](crate::LoadError::Expired) (it
    /// is authentic, its validity was cut short; "expired" is also what to
    /// tell the user) and the request gets a fresh session.
    ///
    /// The issued-at time is sealed in the session and kept by every save
    /// (re-seals, rolling renewal, idle refresh, [`Session::regenerate_id`](crate::Session::regenerate_id)),
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
    /// let store = sealed_session::CookieStore::builder("__Host-s", keyring)
    ///     .with_not_before(incident)
    ///     .build()?;
    /// # let _ = store;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_not_before(mut self, not_before: SystemTime) -> Self {
        self.options.not_before = Some(unix_secs(not_before));
        self
    }

    /// Asks the application whether a session is revoked: `is_revoked(&session)`
    /// runs each time a cookie opens (after authentication and the lifetime
    /// checks); `true` makes the load [`LoadError::Invalid`](crate::LoadError::Invalid)
    /// and the session fresh. The hook sees the authenticated session, read
    /// only: its [`id`](crate::Session::id), its
    /// [`issued_at`](crate::Session::issued_at) and its values
    /// ([`get`](crate::Session::get)), so it can refuse by id (a denylist),
    /// by user and time ("sign out of all devices": the user's sign-out
    /// time after the session's `issued_at`), or by anything stored.
    ///
    /// Which id to list: [`Session::destroy`](crate::Session::destroy),
    /// [`Session::regenerate_id`](crate::Session::regenerate_id) and
    /// [`Session::begin_login`](crate::Session::begin_login) return the id
    /// the session had before. Copies of the cookie taken before the call
    /// (another device, a stolen cookie) keep that old id, so list the
    /// returned id, not `session.id()` afterwards.
    ///
    /// Cost: one call per request that carries a session, on the request
    /// path inside [`CookieStore::load`]: keep it fast and non-blocking (an
    /// in-memory map refreshed in the background, not a network round
    /// trip; for a check against a database, see README "Sign out of all
    /// devices", which runs it in the application's own async extractor).
    /// A denylist entry is needed only until that session's expiry (at
    /// most one max-age after it was listed), so the list stays bounded. It
    /// is the one piece of server-side state this crate otherwise avoids. A
    /// panic in the hook propagates to the caller of `load`.
    ///
    /// ```
    /// use std::collections::{HashMap, HashSet};
    /// use std::sync::{Arc, RwLock};
    /// use std::time::SystemTime;
    /// use sealed_session::{CookieStore, Keyring, LoadError, SessionId};
    ///
    /// let denylist: Arc<RwLock<HashSet<SessionId>>> = Arc::default();
    /// let signed_out: Arc<RwLock<HashMap<String, SystemTime>>> = Arc::default();
    /// let keyring = Keyring::from_config(&Keyring::generate_entry(Default::default())?)?;
    /// let (ids, users) = (Arc::clone(&denylist), Arc::clone(&signed_out));
    /// let store = CookieStore::builder("__Host-s", keyring)
    ///     .with_revocation_check(move |session| {
    ///         let denied = ids.read().is_ok_and(|set| set.contains(&session.id()));
    ///         let user: Option<String> = session.get("user").ok().flatten();
    ///         let stale = user.is_some_and(|user| {
    ///             users.read().is_ok_and(|map| {
    ///                 map.get(&user).is_some_and(|&at| session.issued_before(at))
    ///             })
    ///         });
    ///         denied || stale
    ///     })
    ///     .build()?;
    ///
    /// let mut session = store.load(None::<&str>);
    /// session.insert("user", "alice")?;
    /// let cookie = store.save(&mut session)?[0].split(';').next().unwrap().to_owned();
    /// assert_eq!(store.load(Some(cookie.as_str())).load_error(), None);
    ///
    /// // Logging out denies the id the copies carry: the one `destroy` returns.
    /// denylist.write().unwrap().insert(session.destroy());
    /// assert_eq!(store.load(Some(cookie.as_str())).load_error(), Some(LoadError::Invalid));
    /// denylist.write().unwrap().clear();
    ///
    /// // "Sign out of all devices": every session of alice's issued before now.
    /// let later = SystemTime::now() + std::time::Duration::from_secs(1);
    /// signed_out.write().unwrap().insert("alice".to_owned(), later);
    /// assert_eq!(store.load(Some(cookie.as_str())).load_error(), Some(LoadError::Invalid));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_revocation_check(
        mut self,
        is_revoked: impl Fn(&Session) -> bool + Send + Sync + 'static,
    ) -> Self {
        self.options.revocation = Some(RevocationCheck(Arc::new(is_revoked)));
        self
    }

    /// Accepts a `Secure` store whose cookie name lacks the `__Host-` prefix
    /// (without this, [`build`](CookieStoreBuilder::build) refuses it with
    /// [`StoreError::NonHostName`]). A store with `with_secure(false)`
    /// (plain-HTTP development) needs no opt-out: it cannot use the prefix.
    ///
    /// # Security
    ///
    /// Browsers accept a `__Host-` cookie only from the host itself, over
    /// HTTPS, with `Path=/` and no `Domain`. Any other name (`__Secure-`
    /// included) can be set beside the user's cookie by a sibling subdomain
    /// (`Domain=` the parent) or, in older browsers, a plain-HTTP page of
    /// the same site: **cookie injection**. The store refuses the session
    /// when two authentic sessions arrive under its name, so an attacker's
    /// own session never becomes the user's, but the user is logged out
    /// while the injected cookie lasts, and a store the user holds no cookie
    /// of can be handed the attacker's session alone (SECURITY.md, "Cookie
    /// injection"). Opt out only when the prefix cannot be used (a `Domain`
    /// shared with subdomains, a `Path` other than `/`, an existing name
    /// that must keep its cookies) and every host that can set cookies for
    /// the site is trusted.
    ///
    /// ```
    /// use sealed_session::{CookieStore, Keyring, StoreError};
    /// # let config = Keyring::generate_entry(Default::default())?;
    /// # let keyring = || Keyring::from_config(&config);
    /// let err = CookieStore::builder("session", keyring()?).build().unwrap_err();
    /// assert_eq!(err, StoreError::NonHostName("session".to_owned()));
    ///
    /// let shared = CookieStore::builder("session", keyring()?)
    ///     .with_domain("example.com") // every subdomain is trusted
    ///     .allow_non_host_name()
    ///     .build()?;
    /// assert_eq!(shared.name(), "session");
    ///
    /// // Plain-HTTP development: one line, no opt-out.
    /// let dev = CookieStore::builder("session", keyring()?).with_secure(false).build()?;
    /// # let _ = dev;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn allow_non_host_name(mut self) -> Self {
        self.options.allow_non_host_name = true;
        self
    }

    /// Accepts a size budget whose cookies can make a `Cookie` header
    /// longer than [`COOKIE_HEADER_LIMIT`](crate::COOKIE_HEADER_LIMIT)
    /// (without this, [`build`](CookieStoreBuilder::build) refuses it with
    /// [`StoreError::CookieHeaderTooLarge`]).
    ///
    /// # Reliability
    ///
    /// Opt in only once every hop between the browser and the application
    /// accepts the longer header: the reverse proxy and load balancer (nginx
    /// `large_client_header_buffers`, Apache `LimitRequestFieldSize`), the
    /// application server, and the non-browser clients that keep sessions
    /// (curl sends at most 8190 bytes of cookies and drops the rest with no
    /// error). Where one hop refuses, the request fails; where a client drops
    /// cookies, the session loads as invalid and the user looks logged out
    /// ([`with_size_limit`](Self::with_size_limit) lists the common limits).
    ///
    /// ```
    /// use sealed_session::{CookieStore, Keyring, StoreError};
    /// # let keyring = || Keyring::generate(Default::default());
    /// let refused = CookieStore::builder("__Host-session", keyring()?)
    ///     .with_size_limit(16 * 1024)
    ///     .build();
    /// assert!(matches!(refused, Err(StoreError::CookieHeaderTooLarge { header: 16392, .. })));
    ///
    /// let store = CookieStore::builder("__Host-session", keyring()?)
    ///     .with_size_limit(16 * 1024)
    ///     .allow_large_cookie_header()
    ///     .build()?;
    /// assert_eq!(store.size_limit(), 16 * 1024);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn allow_large_cookie_header(mut self) -> Self {
        self.options.allow_large_cookie_header = true;
        self
    }

    /// Binds this store's sessions to the session of the store named
    /// `primary` (an auxiliary store: OAuth `state`, a checkout flow, a
    /// wizard). Each session saved by this store carries a hash of the
    /// primary session's id ([`BOUND_KEY`](crate::BOUND_KEY)) and opens only
    /// beside that primary session: one tossed by an attacker (made for the
    /// attacker's own primary session) is refused with
    /// [`LoadError::Conflict`](crate::LoadError::Conflict). Without it, a
    /// store the victim holds no cookie of has nothing for the reader's
    /// conflict rule to see (SECURITY.md, "Cookie injection").
    ///
    /// The integrations (axum, actix-web, Rocket) load and save a bound
    /// store's sessions with the primary of the same layer, which must be
    /// added before it; with the core API, use
    /// [`CookieStore::load_bound`] and [`CookieStore::bind`]
    /// (a plain [`CookieStore::load`] refuses every session of a bound
    /// store). Saving a bound session beside an empty primary session sets
    /// [`ANCHOR_KEY`](crate::ANCHOR_KEY) in the primary so that its id is
    /// written too.
    ///
    /// ```
    /// # use sealed_session::{CookieStore, Keyring, StoreError};
    /// # let entry = Keyring::generate_entry(Default::default())?;
    /// let flow = CookieStore::builder("__Host-flow", Keyring::from_config(&entry)?)
    ///     .with_bound_to("__Host-session")
    ///     .build()?;
    /// assert_eq!(flow.bound_to(), Some("__Host-session"));
    /// let itself = CookieStore::builder("flow", Keyring::from_config(&entry)?)
    ///     .with_bound_to("flow")
    ///     .build();
    /// assert!(matches!(itself, Err(StoreError::InvalidBinding { .. })));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_bound_to(mut self, primary: impl Into<String>) -> Self {
        self.options.bound_to = Some(primary.into());
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
        if let Some(primary) = &o.bound_to
            && (primary == name || super::names_collide(primary, name))
        {
            return Err(StoreError::InvalidBinding {
                name: name.clone(),
                primary: primary.clone(),
            });
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
        // The store's cookies alone, joined as a browser sends them: a
        // request past the common limits fails, or loses cookies silently.
        let header = o
            .size_limit
            .saturating_add(2 * max_chunks.saturating_sub(1));
        if header > COOKIE_HEADER_LIMIT && !o.allow_large_cookie_header {
            return Err(StoreError::CookieHeaderTooLarge {
                size_limit: o.size_limit,
                header,
                limit: COOKIE_HEADER_LIMIT,
            });
        }
        if let Some(h) = &o.header
            && (h.is_empty() || !h.bytes().all(is_token_byte) || is_reserved_header(h))
        {
            return Err(StoreError::InvalidHeaderName(h.clone()));
        }
        let latest = unix_secs(SystemTime::now()).saturating_add(o.clock_skew.as_secs());
        if o.not_before.is_some_and(|nb| nb > latest) {
            return Err(StoreError::NotBeforeInFuture);
        }
        // Secure by default: only `__Host-` keeps sibling subdomains and
        // plain-HTTP pages from setting a cookie beside the user's
        // (RFC 6265bis §4.1.3.2), so any other name is an explicit choice.
        if o.secure && !lower.starts_with("__host-") && !o.allow_non_host_name {
            return Err(StoreError::NonHostName(name.clone()));
        }
        let keys = Keys::derive(self.keyring, name)?;
        let chunk_names = (0..max_chunks).map(|i| chunk_name(name, i)).collect();
        let attributes = attributes(o);
        let deletions = (0..max_chunks)
            .map(|i| format!("{}=; Max-Age=0{attributes}", chunk_name(name, i)))
            .collect();
        Ok(CookieStore {
            inner: Arc::new(Inner {
                shared_name: Arc::from(name.as_str()),
                keys: LiveKeys::new(keys),
                chunk_names,
                deletions,
                attributes,
                max_chunks,
                builder_options: self.options,
                counters: Counters::default(),
            }),
        })
    }
}

/// RFC 6265 `token` bytes (RFC 7230 `tchar`).
pub(super) fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

// Header names refused for header transport, ASCII case-insensitively.
//
// The session's sealed value must never become a field that frames or
// routes the message (with `content-length` it went out as the response's
// length), a hop-by-hop field a proxy strips or acts on (RFC 9110 §7.6.1),
// a cookie field, a field the integrations manage (`cache-control`,
// `vary`) or read (`x-csrf-token`, the CSRF check's default), a field that
// other layers own and act on (redirects, authentication challenges and
// credentials, HSTS, the client address a proxy reports), or a name
// browsers refuse to send (the Fetch standard's forbidden request-header
// names).
const RESERVED_HEADERS: &[&str] = &[
    "accept-charset",
    "accept-encoding",
    "access-control-request-headers",
    "access-control-request-method",
    "authorization",
    "cache-control",
    "connection",
    "cookie",
    "cookie2",
    "date",
    "dnt",
    "expect",
    "forwarded",
    "host",
    "http2-settings",
    "keep-alive",
    "location",
    "origin",
    "referer",
    "set-cookie",
    "set-cookie2",
    "strict-transport-security",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "vary",
    "via",
    "www-authenticate",
    "x-csrf-token",
    "x-forwarded-for",
    "x-forwarded-host",
    "x-forwarded-proto",
    "x-http-method",
    "x-http-method-override",
    "x-method-override",
    "x-real-ip",
];

// Header-name prefixes refused for header transport, ASCII
// case-insensitively: `content-*` frames or describes the body, `proxy-*`
// is hop-by-hop for proxies, and browsers refuse to send `sec-*` and
// `proxy-*` (Fetch standard).
const RESERVED_HEADER_PREFIXES: &[&str] = &["content-", "proxy-", "sec-"];

fn is_reserved_header(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    RESERVED_HEADERS.contains(&name.as_str())
        || RESERVED_HEADER_PREFIXES
            .iter()
            .any(|prefix| name.starts_with(prefix))
}
