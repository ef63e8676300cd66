//! Where a store holds its keys: the keyring and the ciphers derived from it
//! for the store's cookie name, as one value that a reload replaces whole.
//!
//! Requests read the current value without a lock (`arc-swap`): a load or a
//! save takes one snapshot and uses it throughout, so it never seals under
//! one keyring's primary while sizing or labelling for another's.

#[cfg(any(test, fuzzing, feature = "unstable-internals"))]
use std::ops::Deref;
use std::sync::Arc;

use arc_swap::{ArcSwap, Guard};

use super::{CookieStore, StoreError};
use crate::envelope::Envelope;
use crate::keyring::{KeyId, Keyring};
use crate::observe::{bump, event};

/// One keyring with its derived ciphers: never changed, only replaced.
pub(crate) struct Keys {
    pub(crate) keyring: Arc<Keyring>,
    pub(crate) envelope: Envelope,
    pub(crate) primary: KeyId,
}

impl Keys {
    /// Derives the ciphers of `keyring` for cookie `name`: the one check a
    /// keyring gets from a store, at build time and on every replacement.
    pub(super) fn derive(keyring: Arc<Keyring>, name: &str) -> Result<Keys, StoreError> {
        let envelope = Envelope::new(&keyring, name).map_err(StoreError::Key)?;
        Ok(Keys {
            primary: keyring.primary_id(),
            keyring,
            envelope,
        })
    }
}

/// The store's current [`Keys`], replaced atomically.
pub(super) struct LiveKeys(ArcSwap<Keys>);

impl LiveKeys {
    pub(super) fn new(keys: Keys) -> LiveKeys {
        LiveKeys(ArcSwap::from_pointee(keys))
    }

    /// A snapshot for one request (lock-free; no reference count touched
    /// on the fast path).
    pub(super) fn load(&self) -> Guard<Arc<Keys>> {
        self.0.load()
    }
}

/// A snapshot of a store's envelope (for the `__private` entry points).
#[cfg(any(test, fuzzing, feature = "unstable-internals"))]
pub(crate) struct EnvelopeRef(Guard<Arc<Keys>>);

#[cfg(any(test, fuzzing, feature = "unstable-internals"))]
impl Deref for EnvelopeRef {
    type Target = Envelope;

    fn deref(&self) -> &Envelope {
        &self.0.envelope
    }
}

impl CookieStore {
    /// The keyring the store seals and opens with now.
    ///
    /// ```
    /// # let keyring = sealed_session::Keyring::from_config(&sealed_session::Keyring::generate_entry(Default::default())?)?;
    /// let primary = keyring.primary_id();
    /// let store = sealed_session::CookieStore::new("__Host-s", keyring)?;
    /// assert_eq!(store.keyring().primary_id(), primary);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn keyring(&self) -> Arc<Keyring> {
        Arc::clone(&self.inner.keys.load().keyring)
    }

    /// Replaces the store's keyring at run time, for every clone of the
    /// store at once: the first pair of `keyring` seals from now on, every
    /// pair opens. Requests in flight finish with the keyring they started
    /// with; none sees a mix of the two. Sessions opened under a key that is
    /// no longer primary are re-sealed with the new primary on their next
    /// save (their issued-at and expiry kept), as after a restart with the
    /// new list.
    ///
    /// The new keyring gets the same check as at build time. On an error
    /// the store keeps its keyring, the refusal is counted
    /// ([`StoreStats::reloads_refused`](crate::StoreStats::reloads_refused))
    /// and logged (`warn`, with the `tracing` feature); a success is counted
    /// in `reloads_applied` and logged (`info`) with the new primary key id.
    /// Stores made with [`CookieStore::for_name`] have their own keys:
    /// replace them too (the [`reload`](crate::reload) module's
    /// `KeyReloader` does so for every store it is given).
    ///
    /// # Errors
    ///
    /// [`StoreError::Key`] when the store cannot derive its keys from
    /// `keyring`.
    ///
    /// ```
    /// use sealed_session::{CookieStore, Keyring};
    /// let old = Keyring::generate_entry(Default::default())?;
    /// let new = Keyring::generate_entry(Default::default())?;
    /// let store = CookieStore::new("__Host-s", Keyring::from_config(&old)?)?;
    /// let mut session = store.load(None::<&str>);
    /// session.insert("user", "alice")?;
    /// let cookie = store.save(&mut session)?[0].split(';').next().unwrap().to_owned();
    ///
    /// // Promote `new`; `old` still opens, and the next save re-seals.
    /// store.replace_keyring(Keyring::from_config(&format!("{}\n{}", *new, *old))?)?;
    /// let mut session = store.load(Some(cookie.as_str()));
    /// assert_eq!(session.get::<String>("user")?.as_deref(), Some("alice"));
    /// store.save(&mut session)?;
    /// assert_eq!(session.opened_with(), Some(store.keyring().primary_id()));
    /// assert_eq!(store.stats().reloads_applied, 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn replace_keyring(&self, keyring: impl Into<Arc<Keyring>>) -> Result<(), StoreError> {
        match Keys::derive(keyring.into(), self.name()) {
            Ok(keys) => {
                let primary = keys.primary;
                let count = keys.keyring.len();
                let previous = self.inner.keys.0.swap(Arc::new(keys));
                bump(&self.inner.counters.reloads_applied);
                event!(
                    info,
                    cookie = self.name(),
                    primary = %primary,
                    previous_primary = %previous.primary,
                    keys = count,
                    "keyring replaced"
                );
                let _ = (primary, count, previous);
                Ok(())
            }
            Err(error) => {
                self.refuse_reload(&error);
                Err(error)
            }
        }
    }

    /// Counts and logs a keyring replacement that did not happen (a key
    /// file that did not read or parse, or a keyring the store refused).
    pub(crate) fn refuse_reload(&self, reason: &dyn std::fmt::Display) {
        bump(&self.inner.counters.reloads_refused);
        event!(
            warn,
            cookie = self.name(),
            reason = %reason,
            primary = %self.inner.keys.load().primary,
            "keyring reload refused: the current keys stay in use"
        );
        let _ = reason;
    }

    /// The store's current keys, for one request.
    pub(crate) fn keys(&self) -> Guard<Arc<Keys>> {
        self.inner.keys.load()
    }

    /// The store's envelope (for the `__private` fuzz and test entry points).
    #[cfg(any(test, fuzzing, feature = "unstable-internals"))]
    pub(crate) fn envelope(&self) -> EnvelopeRef {
        EnvelopeRef(self.inner.keys.load())
    }
}
