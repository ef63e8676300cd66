//! The local copy: per-user "valid from" times and denied session ids, in
//! memory, answering on the request path with two hash lookups and no I/O.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{PoisonError, RwLock};

use crate::SessionId;

/// One change to the state: what another instance publishes and what a
/// reload returns. Applying is idempotent and order-free (the later time
/// wins), so a change that arrives twice, late, or both by message and by
/// reload leaves the same state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Change {
    /// Sessions of `user` issued before `valid_from` (Unix seconds) are
    /// revoked.
    ValidFrom { user: Box<str>, valid_from: u64 },
    /// The session `id` is refused until `until` (Unix seconds).
    Deny { id: SessionId, until: u64 },
}

/// A user's entry: the valid-from time and when the entry can go.
#[derive(Clone, Copy, Debug)]
struct Entry {
    value: u64,
    expires: u64,
}

#[derive(Debug, Default)]
struct Maps {
    users: HashMap<Box<str>, Entry>,
    denied: HashMap<SessionId, u64>,
}

/// The in-memory state, behind one lock (readers never wait on each other).
#[derive(Debug, Default)]
pub(crate) struct LocalCopy {
    maps: RwLock<Maps>,
    last_sweep: AtomicU64,
}

/// Seconds between two sweeps of expired entries (a sweep walks the
/// whole copy, so it runs on the write path at most this often; an
/// expired entry left until then matches no live session anyway).
const SWEEP_EVERY: u64 = 60;

impl LocalCopy {
    /// Whether a session of `user` (if any) with id `id`, issued at
    /// `issued_at`, is refused at `now` (all Unix seconds).
    pub(crate) fn is_revoked(
        &self,
        id: SessionId,
        user: Option<&str>,
        issued_at: u64,
        now: u64,
    ) -> bool {
        let maps = self.maps.read().unwrap_or_else(PoisonError::into_inner);
        if maps.denied.get(&id).is_some_and(|&until| now < until) {
            return true;
        }
        user.and_then(|u| maps.users.get(u))
            .is_some_and(|entry| issued_at < entry.value)
    }

    /// The user's valid-from time (Unix seconds), if one is recorded.
    pub(crate) fn valid_from(&self, user: &str) -> Option<u64> {
        let maps = self.maps.read().unwrap_or_else(PoisonError::into_inner);
        maps.users.get(user).map(|e| e.value)
    }

    /// Applies a change; `expiry_of` gives a valid-from entry's expiry.
    /// Entries already expired at `now` are not added.
    pub(crate) fn apply(&self, change: Change, expiry_of: impl Fn(u64) -> u64, now: u64) {
        let mut maps = self.maps.write().unwrap_or_else(PoisonError::into_inner);
        apply_to(&mut maps, change, &expiry_of, now);
        if now >= self.last_sweep.load(Relaxed).saturating_add(SWEEP_EVERY) {
            self.last_sweep.store(now, Relaxed);
            sweep(&mut maps, now);
        }
    }

    #[cfg(any(feature = "redis", test))]
    /// Applies many changes under one lock (a reload), then drops what has
    /// expired. A reload merges: it never forgets an entry the copy holds
    /// (a store that lost its data must not undo a sign-out).
    pub(crate) fn apply_all(
        &self,
        changes: impl IntoIterator<Item = Change>,
        expiry_of: impl Fn(u64) -> u64,
        now: u64,
    ) {
        let mut maps = self.maps.write().unwrap_or_else(PoisonError::into_inner);
        for change in changes {
            apply_to(&mut maps, change, &expiry_of, now);
        }
        self.last_sweep.store(now, Relaxed);
        sweep(&mut maps, now);
    }

    /// Entries held (users plus denied ids).
    pub(crate) fn len(&self) -> usize {
        let maps = self.maps.read().unwrap_or_else(PoisonError::into_inner);
        maps.users.len() + maps.denied.len()
    }
}

fn apply_to(maps: &mut Maps, change: Change, expiry_of: &impl Fn(u64) -> u64, now: u64) {
    match change {
        Change::ValidFrom { user, valid_from } => {
            let expires = expiry_of(valid_from);
            if expires <= now {
                return;
            }
            let entry = maps
                .users
                .entry(user)
                .or_insert(Entry { value: 0, expires });
            if valid_from > entry.value {
                *entry = Entry {
                    value: valid_from,
                    expires,
                };
            }
        }
        Change::Deny { id, until } => {
            if until <= now {
                return;
            }
            let current = maps.denied.entry(id).or_insert(until);
            *current = (*current).max(until);
        }
    }
}

fn sweep(maps: &mut Maps, now: u64) {
    maps.users.retain(|_, e| e.expires > now);
    maps.denied.retain(|_, &mut until| until > now);
}
