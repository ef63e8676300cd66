//! Opening: a request's chunks -> an authenticated, unexpired session, or a
//! fresh one with the reason.

use std::time::SystemTime;

use super::CookieStore;
use crate::chunk_set::ChunkSet;
use crate::envelope::Reject;
use crate::error::LoadError;
use crate::observe::{bump, event};
use crate::payload::Payload;
use crate::session::{Session, unix_secs};

/// A candidate that did not open: why, and the id of its session when it
/// authenticated all the same (expired, issued in the future).
pub(crate) struct Refused {
    pub(crate) error: LoadError,
    pub(crate) authentic: Option<[u8; 16]>,
}

impl From<LoadError> for Refused {
    fn from(error: LoadError) -> Self {
        Refused {
            error,
            authentic: None,
        }
    }
}

impl CookieStore {
    /// Loads this store's session from a request's `Cookie` header values
    /// (several header fields are fine, as HTTP/2 sends them).
    ///
    /// Never fails: with no session cookie, or one that is forged,
    /// truncated, for another name or key, or expired, the session is fresh
    /// and [`Session::load_error`] says why (`Invalid` or `Expired` only);
    /// with cookies the reader cannot trust (two different authentic
    /// sessions under the name, or more cookies of it than it tries) it is
    /// fresh with [`LoadError::Conflict`] (SECURITY.md, "Cookie injection").
    ///
    /// Only exactly this store's chunk names are read (`name`, `name.1`, ...;
    /// never a prefix match); other cookies are ignored. Copies of one value
    /// (cookies set for two paths) count once; up to 8 distinct values of
    /// `name` and 2 of each further chunk are tried.
    ///
    /// ```
    /// # let keyring = sealed_session::Keyring::from_config(&sealed_session::Keyring::generate_entry(Default::default())?)?;
    /// # let store = sealed_session::CookieStore::new("__Host-s", keyring)?;
    /// let session = store.load(["a=1; b=2", "__Host-s=not-a-session"]);
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

    /// A fresh session for a request that carried no session cookie.
    pub(super) fn fresh_load(&self, now: u64) -> Session {
        bump(&self.inner.counters.loads_fresh);
        event!(
            trace,
            cookie = self.name(),
            "no session cookie: fresh session"
        );
        self.fresh(now)
    }

    /// Counts the load's outcome (an opened session has passed
    /// [`CookieStore::admit`] already) and falls back to a fresh session on
    /// failure.
    /// `present` is how many of the session's cookies the request carried,
    /// `carried` which ones.
    pub(super) fn finish_load(
        &self,
        result: Result<Session, LoadError>,
        present: usize,
        carried: ChunkSet,
        now: u64,
    ) -> Session {
        let counters = &self.inner.counters;
        match result {
            Ok(mut session) => {
                session.client_chunks = carried;
                bump(&counters.loads_opened);
                // `primary`: the key was the primary of the keyring that
                // opened it (a reload may have changed the primary since).
                if let Some((key_id, primary)) = session.opened_with {
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
                }
                session
            }
            Err(error) => {
                bump(match error {
                    LoadError::Invalid => &counters.invalid,
                    LoadError::Expired => &counters.expired,
                    LoadError::Conflict => &counters.injections,
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
                // A bad cookie is deleted by the next save. Not on a
                // conflict: a deletion reaches only the host's own cookies
                // (the user's), never one set with `Domain=` by a sibling,
                // so it would turn a logout while the injected cookie lasts
                // into a lasting one.
                if error != LoadError::Conflict {
                    session.chunks_loaded = present;
                    session.client_chunks = carried;
                }
                session
            }
        }
    }

    /// The opt-in revocation checks, on a session that authenticated and
    /// has not expired.
    pub(crate) fn admit(&self, session: Session) -> Result<Session, LoadError> {
        let o = &self.inner.builder_options;
        // An instance whose clock runs ahead by up to the skew stamps a
        // session issued before the cut-off with a later issued_at: refuse
        // those too (the cost: sessions of the first `skew` seconds after
        // the cut-off are refused as well).
        let skew = o.clock_skew.as_secs();
        if o.not_before
            .is_some_and(|nb| session.payload.issued_at < nb.saturating_add(skew))
        {
            event!(
                debug,
                cookie = self.name(),
                "session issued before the not-before cut-off"
            );
            return Err(LoadError::Expired);
        }
        if let Some(check) = &o.revocation
            && (check.0)(&session)
        {
            bump(&self.inner.counters.revoked);
            event!(
                debug,
                cookie = self.name(),
                "session revoked by the application"
            );
            return Err(LoadError::Invalid);
        }
        Ok(session)
    }

    /// Opens the text of `count` chunks: `first` and then `rest`, in order.
    /// A single chunk is opened where it lies; several are joined into one
    /// buffer of exactly their length, after checking that none is empty
    /// and that together they fit the longest text this store accepts.
    pub(super) fn open_pieces<'a>(
        &self,
        first: &'a str,
        rest: impl Iterator<Item = &'a str> + Clone,
        count: usize,
        now: u64,
    ) -> Result<Session, Refused> {
        let max_text = self.max_text_len();
        let mut total = 0usize;
        for piece in std::iter::once(first).chain(rest.clone()) {
            total = total.saturating_add(piece.len());
            if piece.is_empty() || total > max_text {
                return Err(self.reject(Reject::TooLong).into());
            }
        }
        if count == 1 {
            return self.open_candidate(first, 1, now);
        }
        let mut text = String::with_capacity(total);
        text.push_str(first);
        rest.for_each(|piece| text.push_str(piece));
        self.open_candidate(&text, count, now)
    }

    pub(crate) fn open_text(
        &self,
        text: &str,
        count: usize,
        now: u64,
    ) -> Result<Session, LoadError> {
        self.open_candidate(text, count, now)
            .map_err(|refused| refused.error)
    }

    /// [`CookieStore::open_text`], keeping the id of a session that
    /// authenticated but was refused (the reader's conflict rule counts it).
    pub(crate) fn open_candidate(
        &self,
        text: &str,
        count: usize,
        now: u64,
    ) -> Result<Session, Refused> {
        let opened = self
            .keys()
            .envelope
            .open(text, count, self.max_text_len())
            .map_err(|r| self.reject(r))?;
        // Validated and indexed in one pass; the plaintext is kept as the
        // session's buffer and values are read from it on demand.
        let key_id = opened.key_id;
        let by_primary = opened.by_primary;
        let payload = Payload::open(opened.payload).map_err(|_| self.reject(Reject::Payload))?;
        let authentic = |error| Refused {
            error,
            authentic: Some(payload.id),
        };
        // Lifetimes are checked only after authentication: an unauthenticated
        // cookie must not learn whether its timestamps would have passed.
        let skew = self.inner.builder_options.clock_skew.as_secs();
        if payload.issued_at > now.saturating_add(skew) {
            return Err(authentic(self.reject(Reject::FromFuture)));
        }
        // A payload sealed before the store had an idle timeout carries no
        // idle deadline: it is held to `issued_at + idle`, so turning the
        // timeout on bounds the cookies already out there too.
        let idle = self.inner.builder_options.idle_timeout.map(|i| i.as_secs());
        let idle_deadline = payload
            .idle_deadline
            .or_else(|| Some(payload.issued_at.saturating_add(idle?)));
        let expired = now > payload.expires_at.saturating_add(skew)
            || idle_deadline.is_some_and(|d| now > d.saturating_add(skew));
        if expired {
            return Err(authentic(LoadError::Expired));
        }
        // Every save seals `idle_deadline = now + idle`, so a deadline
        // further ahead than the current timeout (plus the skew of the
        // instance that sealed it) was sealed under a longer one: shortening
        // the timeout bounds the cookies already out there too.
        if let (Some(d), Some(idle)) = (payload.idle_deadline, idle)
            && d > now.saturating_add(idle).saturating_add(skew)
        {
            event!(
                debug,
                cookie = self.name(),
                "idle deadline beyond the store's current idle timeout"
            );
            return Err(authentic(LoadError::Expired));
        }
        Ok(Session {
            payload,
            is_new: false,
            modified: false,
            destroyed: false,
            load_error: None,
            opened_with: Some((key_id, by_primary)),
            chunks_loaded: count,
            client_chunks: ChunkSet::default(),
            sealed_len: text.len(),
            store_name: self.shared_name(),
        })
    }

    pub(super) fn reject(&self, reason: Reject) -> LoadError {
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
}
