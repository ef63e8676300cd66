//! How long entries live, what the copy does while the store is away, and
//! where in Redis the state lives.

use std::time::Duration;

use crate::{DEFAULT_CLOCK_SKEW, DEFAULT_MAX_AGE};

/// Settings of a [`RevocationList`](super::RevocationList), shared by both
/// backends (the Redis-only ones are ignored in process).
///
/// ```
/// use std::time::Duration;
/// use sealed_session::revocation::RevocationOptions;
///
/// let options = RevocationOptions::new(Duration::from_secs(14 * 24 * 3600))
///     .with_key_prefix("myapp:revocation")
///     .with_fail_closed_after(Duration::from_secs(30));
/// assert_eq!(options.max_lifetime(), Duration::from_secs(14 * 24 * 3600));
/// ```
#[derive(Clone, Debug)]
pub struct RevocationOptions {
    pub(crate) max_lifetime: Duration,
    pub(crate) clock_skew: Duration,
    pub(crate) key_prefix: String,
    pub(crate) fail_closed_after: Option<Duration>,
    pub(crate) heartbeat: Duration,
    pub(crate) reconnect_max_delay: Duration,
    pub(crate) command_timeout: Duration,
}

impl Default for RevocationOptions {
    /// For a store with the default max-age ([`DEFAULT_MAX_AGE`]).
    fn default() -> Self {
        RevocationOptions::new(DEFAULT_MAX_AGE)
    }
}

impl RevocationOptions {
    /// Options for sessions that live at most `max_lifetime` (the store's
    /// max-age): an entry is dropped once every session it could match
    /// has expired, `max_lifetime` plus the clock-skew allowance after it
    /// was written.
    ///
    /// ```
    /// # use std::time::Duration;
    /// let options = sealed_session::revocation::RevocationOptions::new(Duration::from_secs(3600));
    /// # let _ = options;
    /// ```
    pub fn new(max_lifetime: Duration) -> Self {
        RevocationOptions {
            max_lifetime,
            clock_skew: DEFAULT_CLOCK_SKEW,
            key_prefix: "sealed-session:revocation".to_owned(),
            fail_closed_after: None,
            heartbeat: Duration::from_secs(1),
            reconnect_max_delay: Duration::from_secs(2),
            command_timeout: Duration::from_secs(2),
        }
    }

    /// The store's max lifetime these options were made for.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # let options = sealed_session::revocation::RevocationOptions::new(Duration::from_secs(60));
    /// assert_eq!(options.max_lifetime().as_secs(), 60);
    /// ```
    pub fn max_lifetime(&self) -> Duration {
        self.max_lifetime
    }

    /// The clock-skew allowance added to every entry's lifetime (default
    /// [`DEFAULT_CLOCK_SKEW`]; use the store's).
    ///
    /// ```
    /// # use std::time::Duration;
    /// let options = sealed_session::revocation::RevocationOptions::default()
    ///     .with_clock_skew(Duration::from_secs(5));
    /// # let _ = options;
    /// ```
    pub fn with_clock_skew(mut self, skew: Duration) -> Self {
        self.clock_skew = skew;
        self
    }

    /// The prefix of every Redis key and of the channel (default
    /// `sealed-session:revocation`): instances that share it share the
    /// state.
    ///
    /// ```
    /// let options = sealed_session::revocation::RevocationOptions::default()
    ///     .with_key_prefix("shop:revocation");
    /// # let _ = options;
    /// ```
    pub fn with_key_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.key_prefix = prefix.into();
        self
    }

    /// Fail closed: once the copy has been cut off from Redis for longer
    /// than `after`, the check refuses **every** session it is asked
    /// about (every signed-in user is logged out, and stays out, until
    /// Redis is back and the copy has reloaded). Off by default: the copy
    /// keeps answering from its last state.
    ///
    /// # Security
    ///
    /// Off (the default), a sign-out made through another instance while
    /// this one cannot reach Redis applies here only after it reconnects
    /// and reloads (SECURITY.md, "Revocation"). On, an outage of Redis
    /// becomes an outage of every signed-in page.
    ///
    /// ```
    /// # use std::time::Duration;
    /// let options = sealed_session::revocation::RevocationOptions::default()
    ///     .with_fail_closed_after(Duration::from_secs(10));
    /// # let _ = options;
    /// ```
    pub fn with_fail_closed_after(mut self, after: Duration) -> Self {
        self.fail_closed_after = Some(after);
        self
    }

    /// How often the subscription is pinged to notice a silent network
    /// cut (default 1 s); a ping unanswered within the
    /// [command timeout](Self::with_command_timeout) counts as a
    /// disconnection.
    ///
    /// ```
    /// # use std::time::Duration;
    /// let options = sealed_session::revocation::RevocationOptions::default()
    ///     .with_heartbeat(Duration::from_millis(500));
    /// # let _ = options;
    /// ```
    pub fn with_heartbeat(mut self, every: Duration) -> Self {
        self.heartbeat = every.max(Duration::from_millis(10));
        self
    }

    /// The longest wait between reconnection attempts (default 2 s; the
    /// first retry is after 50 ms, doubling up to this).
    ///
    /// ```
    /// # use std::time::Duration;
    /// let options = sealed_session::revocation::RevocationOptions::default()
    ///     .with_reconnect_max_delay(Duration::from_secs(1));
    /// # let _ = options;
    /// ```
    pub fn with_reconnect_max_delay(mut self, delay: Duration) -> Self {
        self.reconnect_max_delay = delay.max(Duration::from_millis(50));
        self
    }

    /// How long a write (or a connection attempt) may take before it is
    /// an error the application sees (default 2 s).
    ///
    /// ```
    /// # use std::time::Duration;
    /// let options = sealed_session::revocation::RevocationOptions::default()
    ///     .with_command_timeout(Duration::from_millis(500));
    /// # let _ = options;
    /// ```
    pub fn with_command_timeout(mut self, timeout: Duration) -> Self {
        self.command_timeout = timeout.max(Duration::from_millis(10));
        self
    }

    /// Seconds an entry written at `at` (Unix seconds) stays useful.
    pub(crate) fn expiry_of(&self, at: u64) -> u64 {
        at.saturating_add(self.max_lifetime.as_secs())
            .saturating_add(self.clock_skew.as_secs())
    }
}
