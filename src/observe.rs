//! Observability: counters an application reads without any logging
//! framework ([`StoreStats`]), and `tracing` events behind the `tracing`
//! feature. Neither ever carries key bytes or session contents: counts,
//! sizes, key ids (public, derived) and the internal rejection reason only.

use std::sync::atomic::{AtomicU64, Ordering};

/// Emits a `tracing` event when the `tracing` feature is on; nothing otherwise.
macro_rules! event {
    ($level:ident, $($arg:tt)+) => {
        #[cfg(feature = "tracing")]
        {
            tracing::$level!($($arg)+);
        }
    };
}
pub(crate) use event;

/// A snapshot of a [`CookieStore`](crate::CookieStore)'s counters since it
/// was built, from [`CookieStore::stats`](crate::CookieStore::stats).
///
/// Every load lands in exactly one of `loads_fresh`, `loads_opened`,
/// `invalid`, `expired` and `injections`; `opened_with_non_primary` counts
/// the opened loads whose cookie was sealed under an older key, and
/// `revoked` the invalid ones refused by the application's revocation
/// check. Every save
/// that writes cookies counts in `saves` (and in `resealed` when it
/// re-sealed a session opened under an older key); a save refused for its
/// size counts in `too_large` only.
///
/// **Before retiring an old key**, watch `opened_with_non_primary`: once it
/// stops growing on every instance (for about the max-age, or the idle
/// timeout if shorter, after the new key became primary), no live session
/// needs the old key any more. See the README, "Key rotation".
///
/// The counters are per store: clones share them, a store made with
/// [`CookieStore::for_name`](crate::CookieStore::for_name) has its own.
/// They use relaxed atomics: a snapshot taken while requests run may mix
/// counts from slightly different moments, never lose one.
///
/// ```
/// use sealed_session::{CookieStore, Keyring};
///
/// let keyring = Keyring::from_config(&Keyring::generate_entry(Default::default())?)?;
/// let store = CookieStore::new("__Host-s", keyring)?;
/// let mut session = store.load(None::<&str>);
/// session.insert("user", "alice")?;
/// let cookie = store.save(&mut session)?[0].split(';').next().unwrap().to_owned();
/// store.load(Some(cookie.as_str()));
/// store.load(Some("__Host-s=forged"));
///
/// let stats = store.stats();
/// assert_eq!((stats.loads_fresh, stats.loads_opened, stats.invalid), (1, 1, 1));
/// assert_eq!((stats.saves, stats.opened_with_non_primary), (1, 0));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct StoreStats {
    /// Loads with no session cookie at all (a fresh session, no error).
    pub loads_fresh: u64,
    /// Loads whose cookie opened.
    pub loads_opened: u64,
    /// Opened loads whose cookie was sealed under a key other than the
    /// primary: the sessions that still need an old key.
    pub opened_with_non_primary: u64,
    /// Loads whose cookie was invalid (forged, truncated, unknown key, ...,
    /// or revoked); the session was fresh instead.
    pub invalid: u64,
    /// Loads whose cookie had expired, or was issued before the store's
    /// not-before cut-off; the session was fresh instead.
    pub expired: u64,
    /// Invalid loads refused by the revocation check (a subset of `invalid`).
    pub revoked: u64,
    /// Loads refused with [`LoadError::Conflict`](crate::LoadError::Conflict):
    /// a session opened, but the request also carried another authentic
    /// session under the store's name, cookies of the name beyond what the
    /// reader tries, or (for a bound store) a session made for another
    /// primary session. Somebody set cookies of this name for a parent
    /// domain or another path (cookie injection). SECURITY.md, "Cookie
    /// injection".
    pub injections: u64,
    /// Saves that wrote the session's cookies (or header value).
    pub saves: u64,
    /// Saves that re-sealed a session opened under an older key with the
    /// primary key (a subset of `saves`).
    pub resealed: u64,
    /// Saves refused because the session exceeded the size budget.
    pub too_large: u64,
    /// Keyring replacements applied at run time
    /// ([`CookieStore::replace_keyring`](crate::CookieStore::replace_keyring),
    /// or a [`KeyReloader`](crate::reload) reading a changed key file).
    pub reloads_applied: u64,
    /// Keyring replacements refused (a key file that did not read or
    /// parse, or keys the store refused): the store kept its keys.
    pub reloads_refused: u64,
}

/// The live counters behind [`StoreStats`].
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub(crate) loads_fresh: AtomicU64,
    pub(crate) loads_opened: AtomicU64,
    pub(crate) opened_with_non_primary: AtomicU64,
    pub(crate) invalid: AtomicU64,
    pub(crate) expired: AtomicU64,
    pub(crate) revoked: AtomicU64,
    pub(crate) injections: AtomicU64,
    pub(crate) saves: AtomicU64,
    pub(crate) resealed: AtomicU64,
    pub(crate) too_large: AtomicU64,
    pub(crate) reloads_applied: AtomicU64,
    pub(crate) reloads_refused: AtomicU64,
}

/// Adds one. Relaxed: the counters order nothing, they only count.
pub(crate) fn bump(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}

impl Counters {
    pub(crate) fn snapshot(&self) -> StoreStats {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        StoreStats {
            loads_fresh: get(&self.loads_fresh),
            loads_opened: get(&self.loads_opened),
            opened_with_non_primary: get(&self.opened_with_non_primary),
            invalid: get(&self.invalid),
            expired: get(&self.expired),
            revoked: get(&self.revoked),
            injections: get(&self.injections),
            saves: get(&self.saves),
            resealed: get(&self.resealed),
            too_large: get(&self.too_large),
            reloads_applied: get(&self.reloads_applied),
            reloads_refused: get(&self.reloads_refused),
        }
    }
}
