//! The request-scoped session handle the integrations hand to handlers:
//! loaded lazily on first use, saved when the response is finished.

use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{CookieHeaders, Raw};
use crate::store::{CookieStore, SaveError};
use crate::{KeyId, LoadError, SessionId, ValueError};

mod io;
use io::{loaded, save};

/// What the request carried for one store, kept until the session is
/// first used (loading is lazy: a handler that never touches the session
/// costs no cryptography).
struct Source {
    /// Every `Cookie` header value of the request (HTTP/2 may send several).
    cookies: CookieHeaders,
    /// The header-transport value, when the store has header transport and
    /// the request carried that header (possibly empty: "I use the header").
    header: Option<Raw>,
}

struct State {
    source: Source,
    session: Option<crate::Session>,
    /// What an early [`Session::save`] produced and the response has not
    /// carried yet.
    early: Option<Emit>,
    /// The `touches` count at a failed early save: unless the handler
    /// touches the session again, the response leaves the client's cookies
    /// as they are (the handler has handled the error).
    failed_at: Option<u64>,
    /// Counts calls that may change the session.
    touches: u64,
}

struct Shared {
    store: CookieStore,
    via_header: bool,
    state: Mutex<State>,
    /// For a bound store: the request's session of its primary store.
    primary: Option<Session>,
    /// The id the session had when it was loaded (before any change by the
    /// handler): what a session bound to it was saved with.
    loaded_id: OnceLock<SessionId>,
}

/// What one session adds to a response.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Emit {
    /// `Set-Cookie` header values, in order.
    pub(crate) set_cookie: Vec<String>,
    /// A header-transport header to set: name and value (empty: "drop it").
    pub(crate) header: Option<(String, String)>,
    /// The request field the response depends on, when the handler used
    /// the session: `Cookie`, or the header-transport header.
    pub(crate) vary: Option<String>,
}

impl Emit {
    fn is_empty(&self) -> bool {
        self.set_cookie.is_empty() && self.header.is_none()
    }

    /// Nothing for the response at all: a session the handler never used.
    pub(super) fn adds_nothing(&self) -> bool {
        self.is_empty() && self.vary.is_none()
    }
}

/// A request's session, from a `SessionLayer` (axum/tower), a
/// `SessionMiddleware` (actix-web) or a `SessionFairing` (Rocket): a cheap
/// handle (an `Arc`) that handlers receive as an extractor (a request guard
/// in Rocket) and may clone freely.
///
/// The session is loaded lazily, on first use, from the request's `Cookie`
/// header(s) with [`CookieStore::load`]; after the handler, the layer
/// saves it with [`CookieStore::save`] and adds the `Set-Cookie` lines to
/// the response when there is something to write. Every method mirrors the
/// core [`Session`](crate::Session) but takes `&self`; [`Session::with`]
/// gives the core session itself.
///
/// ```
/// # #[cfg(feature = "axum")] use sealed_session::axum::Session;
///# #[cfg(all(not(feature = "axum"), feature = "actix"))] use sealed_session::actix::Session;
///# #[cfg(not(any(feature = "axum", feature = "actix")))] use sealed_session::rocket::Session;
/// fn count_visit(session: &Session) -> Result<u32, sealed_session::ValueError> {
///     let n: u32 = session.get("count")?.unwrap_or(0);
///     session.insert("count", &(n + 1))?;
///     Ok(n + 1)
/// }
/// ```
#[derive(Clone)]
pub struct Session {
    shared: Arc<Shared>,
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never the contents: they may be secret.
        f.debug_struct("Session")
            .field("name", &self.name())
            .finish_non_exhaustive()
    }
}

impl Session {
    pub(super) fn new(
        store: CookieStore,
        cookies: CookieHeaders,
        header: Option<Raw>,
        primary: Option<Session>,
    ) -> Self {
        Session {
            shared: Arc::new(Shared {
                store,
                primary,
                loaded_id: OnceLock::new(),
                via_header: header.is_some(),
                state: Mutex::new(State {
                    source: Source { cookies, header },
                    session: None,
                    early: None,
                    failed_at: None,
                    touches: 0,
                }),
            }),
        }
    }

    /// Locks the state; a panic in another holder does not poison it for us:
    /// every update of the state is a single assignment, so it is consistent.
    fn lock(&self) -> MutexGuard<'_, State> {
        self.shared
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Runs `f` on the loaded session; `touch` marks a possible change.
    pub(super) fn access<R>(&self, touch: bool, f: impl FnOnce(&mut crate::Session) -> R) -> R {
        let mut state = self.lock();
        if touch {
            state.touches = state.touches.wrapping_add(1);
        }
        let session = loaded(&self.shared, &mut state);
        f(session)
    }

    /// Runs `f` with the core session, for anything the handle does not
    /// offer. The whole call holds the session's lock.
    ///
    /// The closure must not use this handle (or a clone of it): it already
    /// has the session, and locking it again from inside would deadlock.
    /// For the same reason it must not call `save` on the session of a
    /// store bound to this one ([`CookieStoreBuilder::with_bound_to`](crate::CookieStoreBuilder::with_bound_to)),
    /// which binds it to this session.
    ///
    /// ```
    /// # #[cfg(feature = "axum")] use sealed_session::axum::Session;
    ///# #[cfg(all(not(feature = "axum"), feature = "actix"))] use sealed_session::actix::Session;
    ///# #[cfg(not(any(feature = "axum", feature = "actix")))] use sealed_session::rocket::Session;
    /// fn keys(session: &Session) -> Vec<String> {
    ///     session.with(|s| s.keys().map(str::to_owned).collect())
    /// }
    /// ```
    pub fn with<R>(&self, f: impl FnOnce(&mut crate::Session) -> R) -> R {
        self.access(true, f)
    }

    /// The cookie name of the session's store.
    ///
    /// ```
    /// # #[cfg(feature = "axum")] use sealed_session::axum::Session;
    ///# #[cfg(all(not(feature = "axum"), feature = "actix"))] use sealed_session::actix::Session;
    ///# #[cfg(not(any(feature = "axum", feature = "actix")))] use sealed_session::rocket::Session;
    /// fn is_auth(session: &Session) -> bool {
    ///     session.name() == "__Host-auth"
    /// }
    /// ```
    #[must_use]
    pub fn name(&self) -> &str {
        self.shared.store.name()
    }

    /// The store this session is loaded from and saved by.
    ///
    /// ```
    /// # #[cfg(feature = "axum")] use sealed_session::axum::Session;
    ///# #[cfg(all(not(feature = "axum"), feature = "actix"))] use sealed_session::actix::Session;
    ///# #[cfg(not(any(feature = "axum", feature = "actix")))] use sealed_session::rocket::Session;
    /// fn budget(session: &Session) -> usize {
    ///     session.store().size_limit()
    /// }
    /// ```
    #[must_use]
    pub fn store(&self) -> &CookieStore {
        &self.shared.store
    }

    /// The value stored under `key`, if any (see [`crate::Session::get`]).
    ///
    /// # Errors
    ///
    /// [`ValueError`] if the stored value is not a valid `T`.
    ///
    /// ```
    /// # #[cfg(feature = "axum")] use sealed_session::axum::Session;
    ///# #[cfg(all(not(feature = "axum"), feature = "actix"))] use sealed_session::actix::Session;
    ///# #[cfg(not(any(feature = "axum", feature = "actix")))] use sealed_session::rocket::Session;
    /// fn user(session: &Session) -> Result<Option<String>, sealed_session::ValueError> {
    ///     session.get("user")
    /// }
    /// ```
    pub fn get<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, ValueError> {
        self.access(false, |s| s.get(key))
    }

    /// Stores `value` under `key` (see [`crate::Session::insert`]).
    ///
    /// # Errors
    ///
    /// [`ValueError`] if serde cannot serialize the value.
    ///
    /// ```
    /// # #[cfg(feature = "axum")] use sealed_session::axum::Session;
    ///# #[cfg(all(not(feature = "axum"), feature = "actix"))] use sealed_session::actix::Session;
    ///# #[cfg(not(any(feature = "axum", feature = "actix")))] use sealed_session::rocket::Session;
    /// fn log_in(session: &Session, user: &str) -> Result<(), sealed_session::ValueError> {
    ///     session.begin_login(&[]);
    ///     session.insert("user", user)
    /// }
    /// ```
    pub fn insert<T: Serialize + ?Sized>(&self, key: &str, value: &T) -> Result<(), ValueError> {
        self.access(true, |s| s.insert(key, value))
    }

    /// Removes `key`; whether it was there (see [`crate::Session::remove`]).
    ///
    /// ```
    /// # #[cfg(feature = "axum")] use sealed_session::axum::Session;
    ///# #[cfg(all(not(feature = "axum"), feature = "actix"))] use sealed_session::actix::Session;
    ///# #[cfg(not(any(feature = "axum", feature = "actix")))] use sealed_session::rocket::Session;
    /// fn forget_cart(session: &Session) -> bool {
    ///     session.remove("cart")
    /// }
    /// ```
    pub fn remove(&self, key: &str) -> bool {
        self.access(true, |s| s.remove(key))
    }

    /// Removes `key` and returns its value (see [`crate::Session::take`]).
    ///
    /// # Errors
    ///
    /// [`ValueError`] if the stored value is not a valid `T`.
    ///
    /// ```
    /// # #[cfg(feature = "axum")] use sealed_session::axum::Session;
    ///# #[cfg(all(not(feature = "axum"), feature = "actix"))] use sealed_session::actix::Session;
    ///# #[cfg(not(any(feature = "axum", feature = "actix")))] use sealed_session::rocket::Session;
    /// fn pop_return_to(session: &Session) -> Result<Option<String>, sealed_session::ValueError> {
    ///     session.take("return_to")
    /// }
    /// ```
    pub fn take<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, ValueError> {
        self.access(true, |s| s.take(key))
    }

    /// Removes every value and flash (see [`crate::Session::clear`]).
    ///
    /// ```
    /// # #[cfg(feature = "axum")] use sealed_session::axum::Session;
    ///# #[cfg(all(not(feature = "axum"), feature = "actix"))] use sealed_session::actix::Session;
    ///# #[cfg(not(any(feature = "axum", feature = "actix")))] use sealed_session::rocket::Session;
    /// fn reset(session: &Session) {
    ///     session.clear();
    /// }
    /// ```
    pub fn clear(&self) {
        self.access(true, crate::Session::clear);
    }

    /// Whether a value is stored under `key`.
    ///
    /// ```
    /// # #[cfg(feature = "axum")] use sealed_session::axum::Session;
    ///# #[cfg(all(not(feature = "axum"), feature = "actix"))] use sealed_session::actix::Session;
    ///# #[cfg(not(any(feature = "axum", feature = "actix")))] use sealed_session::rocket::Session;
    /// fn logged_in(session: &Session) -> bool {
    ///     session.contains_key("user")
    /// }
    /// ```
    #[must_use]
    pub fn contains_key(&self, key: &str) -> bool {
        self.access(false, |s| s.contains_key(key))
    }

    /// The stored keys, sorted.
    ///
    /// ```
    /// # #[cfg(feature = "axum")] use sealed_session::axum::Session;
    ///# #[cfg(all(not(feature = "axum"), feature = "actix"))] use sealed_session::actix::Session;
    ///# #[cfg(not(any(feature = "axum", feature = "actix")))] use sealed_session::rocket::Session;
    /// fn debug_keys(session: &Session) -> String {
    ///     session.keys().join(", ")
    /// }
    /// ```
    #[must_use]
    pub fn keys(&self) -> Vec<String> {
        self.access(false, |s| s.keys().map(str::to_owned).collect())
    }

    /// The number of stored values (flashes not counted).
    ///
    /// ```
    /// # #[cfg(feature = "axum")] use sealed_session::axum::Session;
    ///# #[cfg(all(not(feature = "axum"), feature = "actix"))] use sealed_session::actix::Session;
    ///# #[cfg(not(any(feature = "axum", feature = "actix")))] use sealed_session::rocket::Session;
    /// fn count(session: &Session) -> usize {
    ///     session.len()
    /// }
    /// ```
    #[must_use]
    pub fn len(&self) -> usize {
        self.access(false, |s| s.len())
    }

    /// Whether there are no values and no flashes.
    ///
    /// ```
    /// # #[cfg(feature = "axum")] use sealed_session::axum::Session;
    ///# #[cfg(all(not(feature = "axum"), feature = "actix"))] use sealed_session::actix::Session;
    ///# #[cfg(not(any(feature = "axum", feature = "actix")))] use sealed_session::rocket::Session;
    /// fn anonymous(session: &Session) -> bool {
    ///     session.is_empty()
    /// }
    /// ```
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.access(false, |s| s.is_empty())
    }

    /// Adds a flash message to the default bucket (see [`crate::Session::add_flash`]).
    ///
    /// # Errors
    ///
    /// [`ValueError`] if serde cannot serialize the value.
    ///
    /// ```
    /// # #[cfg(feature = "axum")] use sealed_session::axum::Session;
    ///# #[cfg(all(not(feature = "axum"), feature = "actix"))] use sealed_session::actix::Session;
    ///# #[cfg(not(any(feature = "axum", feature = "actix")))] use sealed_session::rocket::Session;
    /// fn saved(session: &Session) -> Result<(), sealed_session::ValueError> {
    ///     session.add_flash("Saved")
    /// }
    /// ```
    pub fn add_flash<T: Serialize + ?Sized>(&self, value: &T) -> Result<(), ValueError> {
        self.access(true, |s| s.add_flash(value))
    }

    /// Adds a flash message to a named bucket (see [`crate::Session::add_flash_to`]).
    ///
    /// # Errors
    ///
    /// [`ValueError`] if serde cannot serialize the value.
    ///
    /// ```
    /// # #[cfg(feature = "axum")] use sealed_session::axum::Session;
    ///# #[cfg(all(not(feature = "axum"), feature = "actix"))] use sealed_session::actix::Session;
    ///# #[cfg(not(any(feature = "axum", feature = "actix")))] use sealed_session::rocket::Session;
    /// fn bad_password(session: &Session) -> Result<(), sealed_session::ValueError> {
    ///     session.add_flash_to("errors", "Wrong password")
    /// }
    /// ```
    pub fn add_flash_to<T: Serialize + ?Sized>(
        &self,
        bucket: &str,
        value: &T,
    ) -> Result<(), ValueError> {
        self.access(true, |s| s.add_flash_to(bucket, value))
    }

    /// Returns and removes the default bucket's flashes; the removal is
    /// saved, so each flash is shown once (see [`crate::Session::flashes`]).
    ///
    /// # Errors
    ///
    /// [`ValueError`] if a flash is not a valid `T`; the bucket is consumed anyway.
    ///
    /// ```
    /// # #[cfg(feature = "axum")] use sealed_session::axum::Session;
    ///# #[cfg(all(not(feature = "axum"), feature = "actix"))] use sealed_session::actix::Session;
    ///# #[cfg(not(any(feature = "axum", feature = "actix")))] use sealed_session::rocket::Session;
    /// fn banner(session: &Session) -> Result<String, sealed_session::ValueError> {
    ///     Ok(session.flashes::<String>()?.join(" "))
    /// }
    /// ```
    pub fn flashes<T: DeserializeOwned>(&self) -> Result<Vec<T>, ValueError> {
        self.access(true, |s| s.flashes())
    }

    /// Returns and removes a named bucket's flashes (see [`crate::Session::flashes_from`]).
    ///
    /// # Errors
    ///
    /// [`ValueError`] if a flash is not a valid `T`; the bucket is consumed anyway.
    ///
    /// ```
    /// # #[cfg(feature = "axum")] use sealed_session::axum::Session;
    ///# #[cfg(all(not(feature = "axum"), feature = "actix"))] use sealed_session::actix::Session;
    ///# #[cfg(not(any(feature = "axum", feature = "actix")))] use sealed_session::rocket::Session;
    /// fn errors(session: &Session) -> Result<Vec<String>, sealed_session::ValueError> {
    ///     session.flashes_from("errors")
    /// }
    /// ```
    pub fn flashes_from<T: DeserializeOwned>(&self, bucket: &str) -> Result<Vec<T>, ValueError> {
        self.access(true, |s| s.flashes_from(bucket))
    }

    /// Gives the session a new random id, keeping its data, and returns the
    /// old one (see [`crate::Session::regenerate_id`]). At login use
    /// [`Session::begin_login`] instead.
    ///
    /// ```
    /// # #[cfg(feature = "axum")] use sealed_session::axum::Session;
    ///# #[cfg(all(not(feature = "axum"), feature = "actix"))] use sealed_session::actix::Session;
    ///# #[cfg(not(any(feature = "axum", feature = "actix")))] use sealed_session::rocket::Session;
    /// fn elevate(session: &Session) {
    ///     let before = session.id();
    ///     session.regenerate_id();
    ///     assert_ne!(session.id(), before);
    /// }
    /// ```
    pub fn regenerate_id(&self) -> SessionId {
        self.access(true, crate::Session::regenerate_id)
    }

    /// Empties the session; the response deletes every cookie of it.
    /// Returns the old id: copies of the cookie keep it (see
    /// [`crate::Session::destroy`]).
    ///
    /// ```
    /// # #[cfg(feature = "axum")] use sealed_session::axum::Session;
    ///# #[cfg(all(not(feature = "axum"), feature = "actix"))] use sealed_session::actix::Session;
    ///# #[cfg(not(any(feature = "axum", feature = "actix")))] use sealed_session::rocket::Session;
    /// fn log_out(session: &Session) {
    ///     session.destroy();
    /// }
    /// ```
    pub fn destroy(&self) -> SessionId {
        self.access(true, crate::Session::destroy)
    }

    /// Overrides the store's max-age for this session, e.g. for "remember
    /// me" (see [`crate::Session::set_max_age`]).
    ///
    /// ```
    /// # #[cfg(feature = "axum")] use sealed_session::axum::Session;
    ///# #[cfg(all(not(feature = "axum"), feature = "actix"))] use sealed_session::actix::Session;
    ///# #[cfg(not(any(feature = "axum", feature = "actix")))] use sealed_session::rocket::Session;
    /// fn remember_me(session: &Session) {
    ///     session.set_max_age(std::time::Duration::from_secs(30 * 24 * 3600));
    /// }
    /// ```
    pub fn set_max_age(&self, max_age: Duration) {
        self.access(true, |s| s.set_max_age(max_age));
    }

    /// The session's random id.
    ///
    /// ```
    /// # #[cfg(feature = "axum")] use sealed_session::axum::Session;
    ///# #[cfg(all(not(feature = "axum"), feature = "actix"))] use sealed_session::actix::Session;
    ///# #[cfg(not(any(feature = "axum", feature = "actix")))] use sealed_session::rocket::Session;
    /// fn id_hex(session: &Session) -> String {
    ///     session.id().to_string()
    /// }
    /// ```
    #[must_use]
    pub fn id(&self) -> SessionId {
        self.access(false, |s| s.id())
    }

    /// Whether no valid session cookie came with the request (or the
    /// session was destroyed and saved since).
    ///
    /// ```
    /// # #[cfg(feature = "axum")] use sealed_session::axum::Session;
    ///# #[cfg(all(not(feature = "axum"), feature = "actix"))] use sealed_session::actix::Session;
    ///# #[cfg(not(any(feature = "axum", feature = "actix")))] use sealed_session::rocket::Session;
    /// fn first_visit(session: &Session) -> bool {
    ///     session.is_new()
    /// }
    /// ```
    #[must_use]
    pub fn is_new(&self) -> bool {
        self.access(false, |s| s.is_new())
    }

    /// Whether the session changed since it was loaded or last saved.
    ///
    /// ```
    /// # #[cfg(feature = "axum")] use sealed_session::axum::Session;
    ///# #[cfg(all(not(feature = "axum"), feature = "actix"))] use sealed_session::actix::Session;
    ///# #[cfg(not(any(feature = "axum", feature = "actix")))] use sealed_session::rocket::Session;
    /// fn dirty(session: &Session) -> bool {
    ///     session.is_modified()
    /// }
    /// ```
    #[must_use]
    pub fn is_modified(&self) -> bool {
        self.access(false, |s| s.is_modified())
    }

    /// Why the request's session cookie was not used, if one was sent but
    /// did not open (`Invalid`, `Expired` or `Conflict`); the session is fresh then.
    ///
    /// ```
    /// # #[cfg(feature = "axum")] use sealed_session::axum::Session;
    ///# #[cfg(all(not(feature = "axum"), feature = "actix"))] use sealed_session::actix::Session;
    ///# #[cfg(not(any(feature = "axum", feature = "actix")))] use sealed_session::rocket::Session;
    /// fn expired(session: &Session) -> bool {
    ///     session.load_error() == Some(sealed_session::LoadError::Expired)
    /// }
    /// ```
    #[must_use]
    pub fn load_error(&self) -> Option<LoadError> {
        self.access(false, |s| s.load_error())
    }

    /// The id of the key that opened the session, if it came from a cookie.
    ///
    /// ```
    /// # #[cfg(feature = "axum")] use sealed_session::axum::Session;
    ///# #[cfg(all(not(feature = "axum"), feature = "actix"))] use sealed_session::actix::Session;
    ///# #[cfg(not(any(feature = "axum", feature = "actix")))] use sealed_session::rocket::Session;
    /// fn key_id(session: &Session) -> Option<String> {
    ///     session.opened_with().map(|id| id.to_string())
    /// }
    /// ```
    #[must_use]
    pub fn opened_with(&self) -> Option<KeyId> {
        self.access(false, |s| s.opened_with())
    }

    /// How many cookies the session occupied when loaded or last saved.
    ///
    /// ```
    /// # #[cfg(feature = "axum")] use sealed_session::axum::Session;
    ///# #[cfg(all(not(feature = "axum"), feature = "actix"))] use sealed_session::actix::Session;
    ///# #[cfg(not(any(feature = "axum", feature = "actix")))] use sealed_session::rocket::Session;
    /// fn footer(session: &Session) -> String {
    ///     format!("{} cookie(s), {} bytes", session.cookie_count(), session.sealed_len())
    /// }
    /// ```
    #[must_use]
    pub fn cookie_count(&self) -> usize {
        self.access(false, |s| s.cookie_count())
    }

    /// The sealed length in bytes when loaded or last saved.
    ///
    /// ```
    /// # #[cfg(feature = "axum")] use sealed_session::axum::Session;
    ///# #[cfg(all(not(feature = "axum"), feature = "actix"))] use sealed_session::actix::Session;
    ///# #[cfg(not(any(feature = "axum", feature = "actix")))] use sealed_session::rocket::Session;
    /// fn near_limit(session: &Session) -> bool {
    ///     session.sealed_len() > session.store().size_limit() * 3 / 4
    /// }
    /// ```
    #[must_use]
    pub fn sealed_len(&self) -> usize {
        self.access(false, |s| s.sealed_len())
    }

    /// Saves now, so the handler sees a too-large session as an error it
    /// can handle, instead of the layer turning the response into a 500.
    ///
    /// On success the sealed cookies are kept for the response; the layer
    /// saves again only if the session changes after this call (and
    /// [`Session::cookie_count`]/[`Session::sealed_len`] are up to date).
    /// On failure nothing is written and, unless the handler changes the
    /// session again, the response leaves the client's cookies as they
    /// are: the previous session stays intact. [`Session::revert`] undoes
    /// this request's changes.
    ///
    /// # Errors
    ///
    /// [`SaveError::TooLarge`] (naming both sizes) when the session exceeds
    /// the store's budget, or another [`SaveError`] from
    /// [`CookieStore::save`].
    ///
    /// ```
    /// # #[cfg(feature = "axum")] use sealed_session::axum::Session;
    ///# #[cfg(all(not(feature = "axum"), feature = "actix"))] use sealed_session::actix::Session;
    ///# #[cfg(not(any(feature = "axum", feature = "actix")))] use sealed_session::rocket::Session;
    /// use sealed_session::SaveError;
    ///
    /// fn add_note(session: &Session, note: String) -> Result<&'static str, sealed_session::ValueError> {
    ///     let mut notes: Vec<String> = session.get("notes")?.unwrap_or_default();
    ///     notes.push(note);
    ///     session.insert("notes", &notes)?;
    ///     Ok(match session.save() {
    ///         Ok(()) => "saved",
    ///         Err(SaveError::TooLarge { .. }) => {
    ///             session.revert();
    ///             session.add_flash("Too many notes: delete some first")?;
    ///             "too large"
    ///         }
    ///         Err(_) => "error",
    ///     })
    /// }
    /// ```
    pub fn save(&self) -> Result<(), SaveError> {
        let mut state = self.lock();
        let session = loaded(&self.shared, &mut state);
        match save(&self.shared, session) {
            Ok(emit) => {
                state.failed_at = None;
                if !emit.is_empty() {
                    state.early = Some(emit);
                }
                Ok(())
            }
            Err(e) => {
                state.failed_at = Some(state.touches);
                Err(e)
            }
        }
    }

    /// Discards this request's changes: the session becomes again what the
    /// request's cookies hold, and nothing saved early is sent.
    ///
    /// ```
    /// # #[cfg(feature = "axum")] use sealed_session::axum::Session;
    ///# #[cfg(all(not(feature = "axum"), feature = "actix"))] use sealed_session::actix::Session;
    ///# #[cfg(not(any(feature = "axum", feature = "actix")))] use sealed_session::rocket::Session;
    /// fn cancel(session: &Session) {
    ///     session.revert();
    ///     assert!(!session.is_modified());
    /// }
    /// ```
    pub fn revert(&self) {
        let mut state = self.lock();
        state.session = None;
        state.early = None;
        state.failed_at = None;
        state.touches = state.touches.wrapping_add(1);
    }

    /// The response-time save: what to add to the response.
    pub(super) fn finish(&self) -> Result<Emit, SaveError> {
        let mut state = self.lock();
        let state = &mut *state;
        let Some(session) = state.session.as_mut() else {
            // Never used: nothing can have changed, nothing is due, and the
            // response does not depend on the session.
            return Ok(Emit::default());
        };
        let mut emit = if state.failed_at == Some(state.touches) {
            // The handler saw its early save fail and left the session
            // alone since: keep the client's cookies as they are.
            state.early.take().unwrap_or_default()
        } else {
            let emit = save(&self.shared, session)?;
            if emit.is_empty() {
                state.early.take().unwrap_or_default()
            } else {
                emit
            }
        };
        // The handler read the session, so the response may depend on the
        // request's cookies even when it sets none (Django's
        // SessionMiddleware does the same for accessed sessions).
        emit.vary = Some(
            match (self.shared.via_header, self.shared.store.header_name()) {
                (true, Some(name)) => name.to_owned(),
                _ => "Cookie".to_owned(),
            },
        );
        Ok(emit)
    }
}
