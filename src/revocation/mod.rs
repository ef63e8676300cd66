//! Revocation shared across instances: "sign out of all devices" (a
//! per-user valid-from time), denied session ids (log out this session,
//! copies included) and one-time tokens, answered on the request path from
//! a local copy in memory.
//!
//! A [`RevocationList`] has two backends behind one API, so an application
//! moves from one instance to many by changing its constructor:
//!
//! - [`RevocationList::in_process`]: the state lives in this process (one
//!   instance, tests, development).
//! - `RevocationList::redis` (feature `redis`): writes go to Redis and are
//!   published; every instance subscribes and applies them to its copy,
//!   and reloads the whole state on start and after every reconnection,
//!   so a change missed during a partition is recovered.
//!
//! The check plugs into
//! [`CookieStoreBuilder::with_revocation_check`](crate::CookieStoreBuilder::with_revocation_check)
//! through [`RevocationList::check`]: two hash lookups under a read lock, no
//! network call, whatever the backend.
//!
//! ```
//! use std::time::{Duration, SystemTime};
//! use sealed_session::revocation::{RevocationList, RevocationOptions};
//! use sealed_session::{CookieStore, Keyring, LoadError};
//!
//! let max_age = Duration::from_secs(24 * 3600);
//! let list = RevocationList::in_process(RevocationOptions::new(max_age));
//! // With Redis (feature `redis`), the one line that changes:
//! // let list = RevocationList::redis("redis://127.0.0.1/", RevocationOptions::new(max_age)).await?;
//!
//! let keyring = Keyring::from_config(&Keyring::generate_entry(Default::default())?)?;
//! let store = CookieStore::builder("__Host-s", keyring)
//!     .with_max_age(max_age)
//!     // Which user a session belongs to is the application's choice.
//!     .with_revocation_check(list.check(|s| s.get::<String>("user").ok().flatten()))
//!     .build()?;
//!
//! let mut session = store.load(None::<&str>);
//! session.insert("user", "alice")?;
//! let cookie = store.save(&mut session)?[0].split(';').next().unwrap().to_owned();
//! assert_eq!(store.load(Some(cookie.as_str())).load_error(), None);
//!
//! // Sign alice out everywhere: her sessions issued before the next second
//! // are refused (times are whole seconds, like a session's issued-at).
//! let later = SystemTime::now() + Duration::from_secs(1);
//! pollster::block_on(list.sign_out_everywhere("alice", later))?;
//! assert_eq!(store.load(Some(cookie.as_str())).load_error(), Some(LoadError::Invalid));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Size
//!
//! The copy holds only the changes of the last max-lifetime window (an
//! entry goes once every session it could match has expired): a user who
//! never signed out everywhere costs nothing. Per entry, on paper: a
//! user's valid-from time is one hash-map slot of 32 bytes (a boxed name
//! and two `u64`) and a control byte, up to 8/7 of that for the map's load
//! factor, plus the name's own allocation; a denied id is a 24-byte slot.
//! Measured (BENCHMARKS.md, "Revocation"): 62 bytes per user with an
//! 11-byte name, 32 bytes per denied id. If all of 100,000 users signed
//! out within one window: about 6 MB per instance; 10,000,000 users:
//! about 620 MB per instance, and more in Redis (a hash field and a
//! sorted-set member per entry, roughly 150 to 200 bytes) — at that
//! scale, shorten the max-age or keep only the sign-outs that matter.
//!
//! # Failure policy (Redis)
//!
//! - While Redis is unreachable, the copy keeps its last state and keeps
//!   answering; the outage is counted ([`RevocationStatus::outages`]) and
//!   logged (feature `tracing`), and the instance retries with backoff
//!   (50 ms doubling up to [`RevocationOptions::with_reconnect_max_delay`]).
//! - A write during an outage is an error the application sees
//!   ([`RevocationError::Unavailable`]), never a silent loss.
//! - Staleness bound: while connected, a change applies on every instance
//!   within the pub/sub latency (BENCHMARKS.md has the measured p50/p99).
//!   An instance cut off from Redis misses changes made through others
//!   until it notices (one [heartbeat](RevocationOptions::with_heartbeat)),
//!   reconnects (one reconnect delay after Redis is back) and reloads.
//! - [`RevocationOptions::with_fail_closed_after`] refuses every session
//!   once the copy has been cut off for longer than the given time.
//!
//! SECURITY.md, "Revocation", states what this guarantees.

mod copy;
mod error;
mod health;
#[cfg(any(feature = "redis", test))]
mod message;
mod once;
mod options;
#[cfg(feature = "redis")]
mod redis;
#[cfg(feature = "redis")]
mod sync;
#[cfg(test)]
mod tests;

use std::sync::Arc;
use std::time::{Duration, SystemTime};

pub use error::RevocationError;
pub use health::RevocationStatus;
pub use options::RevocationOptions;

use self::copy::{Change, LocalCopy};
use self::health::Health;
use self::once::LocalTokens;
use crate::session::unix_secs;
use crate::{Session, SessionId};

/// The longest user name or one-time token accepted, in bytes.
///
/// ```
/// assert_eq!(sealed_session::revocation::MAX_KEY_LEN, 256);
/// ```
pub const MAX_KEY_LEN: usize = 256;

/// Per-user "valid from" times and denied session ids, with a local copy
/// that answers synchronously; cheap to clone (the clones share the copy
/// and the connection). See the [module docs](self).
///
/// ```
/// use sealed_session::revocation::{RevocationList, RevocationOptions};
///
/// let list = RevocationList::in_process(RevocationOptions::default());
/// assert_eq!(list.valid_from("alice"), None);
/// ```
#[derive(Clone)]
pub struct RevocationList {
    shared: Arc<Shared>,
}

struct Shared {
    copy: Arc<LocalCopy>,
    health: Arc<Health>,
    options: RevocationOptions,
    backend: Backend,
}

enum Backend {
    InProcess(LocalTokens),
    #[cfg(feature = "redis")]
    Redis(Box<self::redis::RedisBackend>),
}

impl std::fmt::Debug for RevocationList {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let backend = match self.shared.backend {
            Backend::InProcess(_) => "in process",
            #[cfg(feature = "redis")]
            Backend::Redis(_) => "redis",
        };
        f.debug_struct("RevocationList")
            .field("backend", &backend)
            .field("status", &self.status())
            .finish_non_exhaustive()
    }
}

impl RevocationList {
    /// A list that lives in this process only: for one instance, tests and
    /// development. The same API as the Redis backend.
    ///
    /// ```
    /// use sealed_session::revocation::{RevocationList, RevocationOptions};
    ///
    /// let list = RevocationList::in_process(RevocationOptions::default());
    /// assert!(list.status().connected);
    /// ```
    pub fn in_process(options: RevocationOptions) -> Self {
        RevocationList {
            shared: Arc::new(Shared {
                copy: Arc::default(),
                health: Arc::new(Health::new(true)),
                options,
                backend: Backend::InProcess(LocalTokens::default()),
            }),
        }
    }

    /// A list shared through the Redis server at `url`: connects, subscribes,
    /// loads the whole state, and keeps the copy in step from a background
    /// task on the current tokio runtime (stopped when the last clone is
    /// dropped).
    ///
    /// # Errors
    ///
    /// [`RevocationError::NoRuntime`] outside a tokio runtime (the
    /// connection and the background task run on tokio; await every method
    /// of a Redis-backed list on tokio too);
    /// [`RevocationError::InvalidUrl`] if `url` does not parse;
    /// [`RevocationError::Unavailable`] if Redis cannot be reached or the
    /// first load fails within the command timeout (an instance does not
    /// start serving with a copy it could not load).
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), sealed_session::revocation::RevocationError> {
    /// use sealed_session::revocation::{RevocationList, RevocationOptions};
    ///
    /// let list = RevocationList::redis("redis://127.0.0.1:6379/", RevocationOptions::default()).await?;
    /// # let _ = list;
    /// # Ok(()) }
    /// ```
    #[cfg(feature = "redis")]
    #[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
    pub async fn redis(url: &str, options: RevocationOptions) -> Result<Self, RevocationError> {
        let copy = Arc::new(LocalCopy::default());
        let health = Arc::new(Health::new(false));
        let backend = self::redis::RedisBackend::connect(
            url,
            &options,
            Arc::clone(&copy),
            Arc::clone(&health),
        )
        .await?;
        Ok(RevocationList {
            shared: Arc::new(Shared {
                copy,
                health,
                options,
                backend: Backend::Redis(Box::new(backend)),
            }),
        })
    }

    /// The closure for
    /// [`with_revocation_check`](crate::CookieStoreBuilder::with_revocation_check):
    /// `user_of` says which user a session belongs to (`None`: nobody, so
    /// only its id is checked).
    ///
    /// ```
    /// use sealed_session::revocation::{RevocationList, RevocationOptions};
    /// use sealed_session::{CookieStore, Keyring};
    ///
    /// let list = RevocationList::in_process(RevocationOptions::default());
    /// let keyring = Keyring::from_config(&Keyring::generate_entry(Default::default())?)?;
    /// let store = CookieStore::builder("__Host-s", keyring)
    ///     .with_revocation_check(list.check(|s| s.get::<String>("user_id").ok().flatten()))
    ///     .build()?;
    /// # let _ = store;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn check<F>(&self, user_of: F) -> impl Fn(&Session) -> bool + Send + Sync + 'static
    where
        F: Fn(&Session) -> Option<String> + Send + Sync + 'static,
    {
        let list = self.clone();
        move |session| list.is_revoked(session, user_of(session).as_deref())
    }

    /// Whether `session`, belonging to `user`, is revoked: its id is denied,
    /// or it was issued before the user's valid-from time (whole seconds:
    /// a session issued in the same second as the sign-out is kept). With
    /// [fail closed](RevocationOptions::with_fail_closed_after), also
    /// `true` for every session once the copy has been cut off too long.
    ///
    /// ```
    /// use sealed_session::revocation::{RevocationList, RevocationOptions};
    /// # let store = sealed_session::CookieStore::new("__Host-s", sealed_session::Keyring::from_config(
    /// #     &sealed_session::Keyring::generate_entry(Default::default())?)?)?;
    ///
    /// let list = RevocationList::in_process(RevocationOptions::default());
    /// let session = store.load(None::<&str>);
    /// assert!(!list.is_revoked(&session, Some("alice")));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn is_revoked(&self, session: &Session, user: Option<&str>) -> bool {
        let s = &self.shared;
        if let Some(limit) = s.options.fail_closed_after
            && s.health.disconnected_for().is_some_and(|down| down > limit)
        {
            return true;
        }
        s.copy.is_revoked(
            session.id(),
            user,
            session.payload.issued_at,
            unix_secs(SystemTime::now()),
        )
    }

    /// The user's current valid-from time (sessions issued before it are
    /// refused), from the copy.
    ///
    /// ```
    /// use sealed_session::revocation::{RevocationList, RevocationOptions};
    ///
    /// let list = RevocationList::in_process(RevocationOptions::default());
    /// assert_eq!(list.valid_from("bob"), None);
    /// ```
    pub fn valid_from(&self, user: &str) -> Option<SystemTime> {
        let secs = self.shared.copy.valid_from(user)?;
        SystemTime::UNIX_EPOCH.checked_add(Duration::from_secs(secs))
    }

    /// Signs `user` out of every device: their sessions issued before `at`
    /// (in whole seconds) are refused on every instance. Usually `at` is
    /// now; a later time never moves back (the latest sign-out wins).
    ///
    /// With Redis, the change is stored and published in one script, then
    /// applied to this instance's copy before this returns, so the
    /// instance that signed out refuses at once.
    ///
    /// # Errors
    ///
    /// [`RevocationError::EmptyKey`] or [`RevocationError::InvalidKey`] for
    /// a bad user name; [`RevocationError::Unavailable`] when Redis cannot
    /// be reached: nothing was recorded.
    ///
    /// ```
    /// use std::time::SystemTime;
    /// use sealed_session::revocation::{RevocationList, RevocationOptions};
    ///
    /// let list = RevocationList::in_process(RevocationOptions::default());
    /// pollster::block_on(list.sign_out_everywhere("alice", SystemTime::now()))?;
    /// assert!(list.valid_from("alice").is_some());
    /// # Ok::<(), sealed_session::revocation::RevocationError>(())
    /// ```
    pub async fn sign_out_everywhere(
        &self,
        user: &str,
        at: SystemTime,
    ) -> Result<(), RevocationError> {
        check_key(user)?;
        let change = Change::ValidFrom {
            user: user.into(),
            valid_from: unix_secs(at),
        };
        self.write(change).await
    }

    /// Denies the session `id` until `until` (use the session's
    /// [`expires_at`](crate::Session::expires_at)): that session and every
    /// copy of its cookie are refused on every instance. List the id that
    /// [`destroy`](crate::Session::destroy) or
    /// [`regenerate_id`](crate::Session::regenerate_id) returned.
    ///
    /// # Errors
    ///
    /// [`RevocationError::Unavailable`] when Redis cannot be reached:
    /// nothing was recorded.
    ///
    /// ```
    /// use sealed_session::revocation::{RevocationList, RevocationOptions};
    /// # let store = sealed_session::CookieStore::new("__Host-s", sealed_session::Keyring::from_config(
    /// #     &sealed_session::Keyring::generate_entry(Default::default())?)?)?;
    ///
    /// let list = RevocationList::in_process(RevocationOptions::default());
    /// let mut session = store.load(None::<&str>);
    /// let until = session.expires_at();
    /// let old = session.destroy();
    /// pollster::block_on(list.deny(old, until))?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub async fn deny(&self, id: SessionId, until: SystemTime) -> Result<(), RevocationError> {
        let now = unix_secs(SystemTime::now());
        // Never longer than a session can live.
        let cap = self.shared.options.expiry_of(now);
        let change = Change::Deny {
            id,
            until: unix_secs(until).min(cap),
        };
        self.write(change).await
    }

    /// Consumes a one-time token: `true` the first time `token` is seen
    /// within `ttl` (on any instance), `false` every time after. For
    /// replay-proof magic links, OAuth `state` values or "confirm this
    /// action" tokens. Only a SHA-256 digest of the token is stored.
    ///
    /// With Redis this is `SET key 1 NX EX ttl` (whole seconds, rounded
    /// up). It is not answered from the copy: it is a network round trip.
    ///
    /// # Errors
    ///
    /// [`RevocationError::EmptyKey`], [`RevocationError::InvalidKey`] or
    /// [`RevocationError::ZeroTtl`] for bad arguments;
    /// [`RevocationError::Unavailable`] when Redis cannot be reached (the
    /// token is then neither accepted nor consumed: refuse the action).
    ///
    /// ```
    /// use std::time::Duration;
    /// use sealed_session::revocation::{RevocationList, RevocationOptions};
    ///
    /// let list = RevocationList::in_process(RevocationOptions::default());
    /// let ttl = Duration::from_secs(600);
    /// assert!(pollster::block_on(list.consume_once("magic-link-7f3a", ttl))?);
    /// assert!(!pollster::block_on(list.consume_once("magic-link-7f3a", ttl))?);
    /// # Ok::<(), sealed_session::revocation::RevocationError>(())
    /// ```
    pub async fn consume_once(&self, token: &str, ttl: Duration) -> Result<bool, RevocationError> {
        if token.is_empty() {
            return Err(RevocationError::EmptyKey);
        }
        if token.len() > MAX_KEY_LEN {
            return Err(RevocationError::InvalidKey);
        }
        if ttl.is_zero() {
            return Err(RevocationError::ZeroTtl);
        }
        let digest = once::digest(token);
        let ttl_secs = ttl.as_secs() + u64::from(ttl.subsec_nanos() > 0);
        match &self.shared.backend {
            Backend::InProcess(tokens) => Ok(tokens.consume(digest, ttl_secs)),
            #[cfg(feature = "redis")]
            Backend::Redis(redis) => redis
                .consume_once(&digest, ttl_secs)
                .await
                .inspect_err(|_| self.count_write_error()),
        }
    }

    /// The copy's health: connected or for how long not, and its counters.
    ///
    /// ```
    /// use sealed_session::revocation::{RevocationList, RevocationOptions};
    ///
    /// let list = RevocationList::in_process(RevocationOptions::default());
    /// assert_eq!(list.status().entries, 0);
    /// ```
    pub fn status(&self) -> RevocationStatus {
        let s = &self.shared;
        s.health
            .snapshot(u64::try_from(s.copy.len()).unwrap_or(u64::MAX))
    }

    async fn write(&self, change: Change) -> Result<(), RevocationError> {
        let s = &self.shared;
        match &s.backend {
            Backend::InProcess(_) => {}
            #[cfg(feature = "redis")]
            Backend::Redis(redis) => {
                if let Err(e) = redis.write(&change).await {
                    self.count_write_error();
                    return Err(e);
                }
            }
        }
        let options = &s.options;
        s.copy.apply(
            change,
            |at| options.expiry_of(at),
            unix_secs(SystemTime::now()),
        );
        Ok(())
    }

    #[cfg(any(feature = "redis", test))]
    fn count_write_error(&self) {
        self.shared
            .health
            .write_errors
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        crate::observe::event!(warn, "a revocation write failed: the store is unavailable");
    }
}

/// A user name: not empty, at most [`MAX_KEY_LEN`] bytes, no control
/// character (they would break the published text and the logs).
fn check_key(user: &str) -> Result<(), RevocationError> {
    if user.is_empty() {
        return Err(RevocationError::EmptyKey);
    }
    if user.len() > MAX_KEY_LEN || user.chars().any(char::is_control) {
        return Err(RevocationError::InvalidKey);
    }
    Ok(())
}
