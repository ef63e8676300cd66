//! The copy's connection to the shared store: up or down since when, and
//! counters an operator can export.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// A snapshot of a [`RevocationList`](super::RevocationList)'s health, from
/// [`RevocationList::status`](super::RevocationList::status).
///
/// ```
/// use sealed_session::revocation::{RevocationList, RevocationOptions};
///
/// let list = RevocationList::in_process(RevocationOptions::default());
/// let status = list.status();
/// assert!(status.connected);
/// assert_eq!(status.outages, 0);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RevocationStatus {
    /// The copy follows the shared store right now (always `true` in
    /// process).
    pub connected: bool,
    /// How long the copy has been cut off, when it is.
    pub disconnected_for: Option<Duration>,
    /// Times the connection was lost.
    pub outages: u64,
    /// Full reloads of the state (at start and after each reconnection).
    pub reloads: u64,
    /// Changes received from other instances and applied.
    pub applied: u64,
    /// Writes that failed (each one an error the application saw).
    pub write_errors: u64,
    /// Entries in the copy (users signed out everywhere plus denied ids).
    pub entries: u64,
}

/// The live counters behind [`RevocationStatus`].
#[derive(Debug)]
pub(crate) struct Health {
    connected: AtomicBool,
    down_since: Mutex<Option<Instant>>,
    pub(crate) outages: AtomicU64,
    pub(crate) reloads: AtomicU64,
    pub(crate) applied: AtomicU64,
    pub(crate) write_errors: AtomicU64,
}

impl Health {
    pub(crate) fn new(connected: bool) -> Self {
        Health {
            connected: AtomicBool::new(connected),
            down_since: Mutex::new((!connected).then(Instant::now)),
            outages: AtomicU64::new(0),
            reloads: AtomicU64::new(0),
            applied: AtomicU64::new(0),
            write_errors: AtomicU64::new(0),
        }
    }

    pub(crate) fn is_connected(&self) -> bool {
        self.connected.load(Relaxed)
    }

    /// How long the copy has been cut off (`None` while connected).
    pub(crate) fn disconnected_for(&self) -> Option<Duration> {
        if self.is_connected() {
            return None;
        }
        let since = *self
            .down_since
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        since.map(|s| s.elapsed())
    }

    #[cfg(any(feature = "redis", test))]
    /// The copy is current again (after a full reload).
    pub(crate) fn mark_up(&self) {
        *self
            .down_since
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = None;
        self.connected.store(true, Relaxed);
    }

    #[cfg(any(feature = "redis", test))]
    /// The connection was lost: counted once per outage.
    pub(crate) fn mark_down(&self) {
        let mut since = self
            .down_since
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if since.is_none() {
            *since = Some(Instant::now());
            self.outages.fetch_add(1, Relaxed);
        }
        self.connected.store(false, Relaxed);
    }

    pub(crate) fn snapshot(&self, entries: u64) -> RevocationStatus {
        RevocationStatus {
            connected: self.is_connected(),
            disconnected_for: self.disconnected_for(),
            outages: self.outages.load(Relaxed),
            reloads: self.reloads.load(Relaxed),
            applied: self.applied.load(Relaxed),
            write_errors: self.write_errors.load(Relaxed),
            entries,
        }
    }
}
