//! Framework integrations: the request-scoped session handle and the
//! "finish the response" decision, shared by the axum and actix-web
//! modules. Only header plumbing differs between frameworks; every session
//! rule (what to write, when, and how big) stays in
//! [`CookieStore::load`]/[`CookieStore::save`].

use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::store::{CookieStore, HeaderUpdate, SaveError};
use crate::{KeyId, LoadError, SessionId, ValueError};

#[cfg(feature = "actix")]
#[cfg_attr(docsrs, doc(cfg(feature = "actix")))]
pub mod actix;
#[cfg(feature = "axum")]
#[cfg_attr(docsrs, doc(cfg(feature = "axum")))]
pub mod axum;

/// The body of the rejection when a handler asks for a session but no
/// session layer or middleware ran for the request.
pub(crate) const MISSING: &str = "sealed-session: no session layer for this request; is `SessionLayer` (axum/tower) or `SessionMiddleware` (actix-web) installed on this route?";

/// What the request carried for one store, kept until the session is
/// first used (loading is lazy: a handler that never touches the session
/// costs no cryptography).
struct Source {
    /// Every `Cookie` header value of the request (HTTP/2 may send several).
    cookies: Arc<[String]>,
    /// The header-transport value, when the store has header transport and
    /// the request carried that header (possibly empty: "I use the header").
    header: Option<String>,
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
}

/// A request's session, from a `SessionLayer` (axum/tower) or a
/// `SessionMiddleware` (actix-web): a cheap handle (an `Arc`) that
/// handlers receive as an extractor and may clone freely.
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
/// # #[cfg(not(feature = "axum"))] use sealed_session::actix::Session;
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
    fn new(store: CookieStore, cookies: Arc<[String]>, header: Option<String>) -> Self {
        Session {
            shared: Arc::new(Shared {
                store,
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
    fn access<R>(&self, touch: bool, f: impl FnOnce(&mut crate::Session) -> R) -> R {
        let mut state = self.lock();
        if touch {
            state.touches = state.touches.wrapping_add(1);
        }
        let state = &mut *state;
        let session = state
            .session
            .get_or_insert_with(|| load(&self.shared, &state.source));
        f(session)
    }

    /// Runs `f` with the core session, for anything the handle does not
    /// offer. The whole call holds the session's lock.
    ///
    /// The closure must not use this handle (or a clone of it): it already
    /// has the session, and locking it again from inside would deadlock.
    ///
    /// ```
    /// # #[cfg(feature = "axum")] use sealed_session::axum::Session;
    /// # #[cfg(not(feature = "axum"))] use sealed_session::actix::Session;
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
    /// # #[cfg(not(feature = "axum"))] use sealed_session::actix::Session;
    /// fn is_auth(session: &Session) -> bool {
    ///     session.name() == "auth"
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
    /// # #[cfg(not(feature = "axum"))] use sealed_session::actix::Session;
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
    /// # #[cfg(not(feature = "axum"))] use sealed_session::actix::Session;
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
    /// # #[cfg(not(feature = "axum"))] use sealed_session::actix::Session;
    /// fn log_in(session: &Session, user: &str) -> Result<(), sealed_session::ValueError> {
    ///     session.regenerate_id();
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
    /// # #[cfg(not(feature = "axum"))] use sealed_session::actix::Session;
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
    /// # #[cfg(not(feature = "axum"))] use sealed_session::actix::Session;
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
    /// # #[cfg(not(feature = "axum"))] use sealed_session::actix::Session;
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
    /// # #[cfg(not(feature = "axum"))] use sealed_session::actix::Session;
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
    /// # #[cfg(not(feature = "axum"))] use sealed_session::actix::Session;
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
    /// # #[cfg(not(feature = "axum"))] use sealed_session::actix::Session;
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
    /// # #[cfg(not(feature = "axum"))] use sealed_session::actix::Session;
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
    /// # #[cfg(not(feature = "axum"))] use sealed_session::actix::Session;
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
    /// # #[cfg(not(feature = "axum"))] use sealed_session::actix::Session;
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
    /// # #[cfg(not(feature = "axum"))] use sealed_session::actix::Session;
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
    /// # #[cfg(not(feature = "axum"))] use sealed_session::actix::Session;
    /// fn errors(session: &Session) -> Result<Vec<String>, sealed_session::ValueError> {
    ///     session.flashes_from("errors")
    /// }
    /// ```
    pub fn flashes_from<T: DeserializeOwned>(&self, bucket: &str) -> Result<Vec<T>, ValueError> {
        self.access(true, |s| s.flashes_from(bucket))
    }

    /// Gives the session a new random id, keeping its data (see
    /// [`crate::Session::regenerate_id`]). Call it at login.
    ///
    /// ```
    /// # #[cfg(feature = "axum")] use sealed_session::axum::Session;
    /// # #[cfg(not(feature = "axum"))] use sealed_session::actix::Session;
    /// fn elevate(session: &Session) {
    ///     let before = session.id();
    ///     session.regenerate_id();
    ///     assert_ne!(session.id(), before);
    /// }
    /// ```
    pub fn regenerate_id(&self) {
        self.access(true, crate::Session::regenerate_id);
    }

    /// Empties the session; the response deletes every cookie of it (see
    /// [`crate::Session::destroy`]).
    ///
    /// ```
    /// # #[cfg(feature = "axum")] use sealed_session::axum::Session;
    /// # #[cfg(not(feature = "axum"))] use sealed_session::actix::Session;
    /// fn log_out(session: &Session) {
    ///     session.destroy();
    /// }
    /// ```
    pub fn destroy(&self) {
        self.access(true, crate::Session::destroy);
    }

    /// Overrides the store's max-age for this session, e.g. for "remember
    /// me" (see [`crate::Session::set_max_age`]).
    ///
    /// ```
    /// # #[cfg(feature = "axum")] use sealed_session::axum::Session;
    /// # #[cfg(not(feature = "axum"))] use sealed_session::actix::Session;
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
    /// # #[cfg(not(feature = "axum"))] use sealed_session::actix::Session;
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
    /// # #[cfg(not(feature = "axum"))] use sealed_session::actix::Session;
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
    /// # #[cfg(not(feature = "axum"))] use sealed_session::actix::Session;
    /// fn dirty(session: &Session) -> bool {
    ///     session.is_modified()
    /// }
    /// ```
    #[must_use]
    pub fn is_modified(&self) -> bool {
        self.access(false, |s| s.is_modified())
    }

    /// Why the request's session cookie was not used, if one was sent but
    /// did not open (`Invalid` or `Expired`); the session is fresh then.
    ///
    /// ```
    /// # #[cfg(feature = "axum")] use sealed_session::axum::Session;
    /// # #[cfg(not(feature = "axum"))] use sealed_session::actix::Session;
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
    /// # #[cfg(not(feature = "axum"))] use sealed_session::actix::Session;
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
    /// # #[cfg(not(feature = "axum"))] use sealed_session::actix::Session;
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
    /// # #[cfg(not(feature = "axum"))] use sealed_session::actix::Session;
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
    /// # #[cfg(not(feature = "axum"))] use sealed_session::actix::Session;
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
        let state = &mut *state;
        let session = state
            .session
            .get_or_insert_with(|| load(&self.shared, &state.source));
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
    /// # #[cfg(not(feature = "axum"))] use sealed_session::actix::Session;
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
    fn finish(&self) -> Result<Emit, SaveError> {
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

fn load(shared: &Shared, source: &Source) -> crate::Session {
    match &source.header {
        Some(value) => shared.store.load_header(Some(value)),
        None => shared.store.load(source.cookies.iter()),
    }
}

fn save(shared: &Shared, session: &mut crate::Session) -> Result<Emit, SaveError> {
    let store = &shared.store;
    match (shared.via_header, store.header_name()) {
        (true, Some(name)) => {
            let value = match store.save_header(session)? {
                HeaderUpdate::Set(value) => value,
                HeaderUpdate::Clear => String::new(),
                _ => return Ok(Emit::default()),
            };
            Ok(Emit {
                set_cookie: Vec::new(),
                header: Some((name.to_owned(), value)),
                vary: None,
            })
        }
        _ => Ok(Emit {
            set_cookie: store.save(session)?,
            header: None,
            vary: None,
        }),
    }
}

/// Every session of a request, by cookie name: the layer's stores
/// (`SessionLayer::new(a).with_store(b)` in axum,
/// `SessionMiddleware::new(a).with_store(b)` in actix-web), like hertz's
/// `DefaultMany`. Also an extractor.
///
/// Each session is independent: its own cookies, its own subkeys (bound to
/// its name), loaded lazily and saved separately.
///
/// ```
/// # #[cfg(feature = "axum")] use sealed_session::axum::Sessions;
/// # #[cfg(not(feature = "axum"))] use sealed_session::actix::Sessions;
/// fn theme(sessions: &Sessions) -> Result<String, sealed_session::ValueError> {
///     let Some(prefs) = sessions.get("prefs") else {
///         return Ok("light".into());
///     };
///     Ok(prefs.get("theme")?.unwrap_or_else(|| "light".into()))
/// }
/// ```
#[derive(Clone)]
pub struct Sessions {
    all: Arc<[Session]>,
}

impl fmt::Debug for Sessions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.all.iter().map(Session::name))
            .finish()
    }
}

impl Sessions {
    /// The session stored under cookie `name`, if the layer has that store.
    ///
    /// ```
    /// # #[cfg(feature = "axum")] use sealed_session::axum::Sessions;
    /// # #[cfg(not(feature = "axum"))] use sealed_session::actix::Sessions;
    /// fn user(sessions: &Sessions) -> Option<String> {
    ///     sessions.get("auth")?.get("user").ok().flatten()
    /// }
    /// ```
    #[must_use]
    pub fn get(&self, name: &str) -> Option<Session> {
        self.all.iter().find(|s| s.name() == name).cloned()
    }

    /// The first store's session: the one the `Session` extractor gives.
    ///
    /// ```
    /// # #[cfg(feature = "axum")] use sealed_session::axum::Sessions;
    /// # #[cfg(not(feature = "axum"))] use sealed_session::actix::Sessions;
    /// fn main_session_name(sessions: &Sessions) -> Option<String> {
    ///     sessions.primary().map(|s| s.name().to_owned())
    /// }
    /// ```
    #[must_use]
    pub fn primary(&self) -> Option<Session> {
        self.all.first().cloned()
    }

    /// The cookie names, in the order the stores were added.
    ///
    /// ```
    /// # #[cfg(feature = "axum")] use sealed_session::axum::Sessions;
    /// # #[cfg(not(feature = "axum"))] use sealed_session::actix::Sessions;
    /// fn names(sessions: &Sessions) -> Vec<&str> {
    ///     sessions.names().collect()
    /// }
    /// ```
    pub fn names(&self) -> impl Iterator<Item = &str> + '_ {
        self.all.iter().map(Session::name)
    }
}

/// Adds `store` to `stores`, replacing a store with the same cookie name.
pub(crate) fn add_store(
    stores: &[CookieStore],
    store: CookieStore,
) -> Result<Arc<[CookieStore]>, crate::StoreError> {
    // `auth` beside `auth.1`: each would read and delete the other's cookies.
    if let Some(other) = stores
        .iter()
        .find(|s| crate::store::names_collide(s.name(), store.name()))
    {
        return Err(crate::StoreError::NameCollision {
            name: store.name().to_owned(),
            other: other.name().to_owned(),
        });
    }
    let mut stores = stores.to_vec();
    match stores.iter_mut().find(|s| s.name() == store.name()) {
        Some(slot) => *slot = store,
        None => stores.push(store),
    }
    Ok(stores.into())
}

/// Creates the request's handles. `header` looks a request header up by
/// name. Sessions an outer layer already created are reused (and left to
/// it to save); the handles this layer must finish come back second.
pub(crate) fn begin(
    stores: &[CookieStore],
    cookies: Arc<[String]>,
    header: impl Fn(&str) -> Option<String>,
    outer: Option<&Sessions>,
) -> (Sessions, Vec<Session>) {
    let mut all: Vec<Session> = outer.map(|o| o.all.to_vec()).unwrap_or_default();
    let mut own = Vec::new();
    for store in stores {
        if all.iter().any(|s| s.name() == store.name()) {
            continue;
        }
        let transport = store.header_name().and_then(&header);
        let session = Session::new(store.clone(), Arc::clone(&cookies), transport);
        all.push(session.clone());
        own.push(session);
    }
    (Sessions { all: all.into() }, own)
}

/// The response-time saves of `own`, in order. On the first failure the
/// whole response must become a 500 with no session headers at all.
pub(crate) fn finish(own: &[Session]) -> Result<Vec<Emit>, SaveError> {
    let mut out = Vec::with_capacity(own.len());
    for session in own {
        match session.finish() {
            Ok(emit) => out.push(emit),
            Err(e) => {
                log_failure(session.name(), &e);
                return Err(e);
            }
        }
    }
    Ok(out)
}

#[allow(unused_variables)] // without the `tracing` feature nothing is logged
pub(crate) fn log_failure(name: &str, error: &SaveError) {
    #[cfg(feature = "tracing")]
    tracing::error!(
        cookie = name,
        %error,
        "sealed-session: saving the session failed; answering 500 and leaving the client's cookies unchanged"
    );
}

#[allow(unused_variables)] // without the `tracing` feature nothing is logged
pub(crate) fn log_value_error(error: &ValueError) {
    // The message names the key and the Rust type, never the value.
    #[cfg(feature = "tracing")]
    tracing::error!(%error, "sealed-session: a session value could not be read or stored; answering 500");
}

/// One header operation on the response.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct HeaderOp {
    pub(crate) name: String,
    pub(crate) value: String,
    /// Append a field (`Set-Cookie`, `Vary`) rather than replace the header.
    pub(crate) append: bool,
}

/// The headers to add to a response, given the sessions' [`Emit`]s and the
/// response's current `Cache-Control` and `Vary` field values: one
/// `Set-Cookie` per line, the header-transport header, `Cache-Control`
/// made private when anything is set, and `Vary` for each used session
/// unless already covered. The frameworks only convert and apply them.
pub(crate) fn response_headers(
    emits: &[Emit],
    cache_control: &[&str],
    vary: &[&str],
) -> Vec<HeaderOp> {
    let mut ops = Vec::new();
    let mut fields: Vec<&str> = Vec::new();
    for emit in emits {
        ops.extend(emit.set_cookie.iter().map(|line| HeaderOp {
            name: "set-cookie".to_owned(),
            value: line.clone(),
            append: true,
        }));
        if let Some((name, value)) = &emit.header {
            ops.push(HeaderOp {
                name: name.clone(),
                value: value.clone(),
                append: false,
            });
        }
        if let Some(field) = &emit.vary
            && !fields.iter().any(|f| f.eq_ignore_ascii_case(field))
        {
            fields.push(field);
        }
    }
    if !ops.is_empty() {
        // Several fields are one comma-separated list (RFC 9110 §5.3).
        if let Some(value) = private_cache_control(Some(&cache_control.join(", "))) {
            ops.push(HeaderOp {
                name: "cache-control".to_owned(),
                value,
                append: false,
            });
        }
    }
    for field in fields {
        if !varies_on(vary.iter().copied(), field) {
            ops.push(HeaderOp {
                name: "vary".to_owned(),
                value: field.to_owned(),
                append: true,
            });
        }
    }
    ops
}

/// The `Cache-Control` value a response that sets a session cookie should
/// carry, given the one it has; `None` when it is already private enough.
///
/// A response carrying a session cookie must never be stored by a shared
/// cache (it would hand one user's session to the next): `private` or
/// `no-store` is kept as is; anything else loses `public` and `s-maxage`
/// and gains `private`.
pub(crate) fn private_cache_control(existing: Option<&str>) -> Option<String> {
    let Some(existing) = existing.map(str::trim).filter(|v| !v.is_empty()) else {
        return Some("private".to_owned());
    };
    let directives: Vec<&str> = existing.split(',').map(str::trim).collect();
    let name = |d: &str| {
        d.split('=')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase()
    };
    if directives
        .iter()
        .any(|d| matches!(name(d).as_str(), "private" | "no-store"))
    {
        return None;
    }
    let mut value = String::from("private");
    for d in directives {
        if d.is_empty() || matches!(name(d).as_str(), "public" | "s-maxage") {
            continue;
        }
        value.push_str(", ");
        value.push_str(d);
    }
    Some(value)
}

/// Whether the `Vary` header values already cover `field`.
pub(crate) fn varies_on<'a>(values: impl IntoIterator<Item = &'a str>, field: &str) -> bool {
    values.into_iter().any(|v| {
        v.split(',')
            .map(str::trim)
            .any(|t| t == "*" || t.eq_ignore_ascii_case(field))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_control_is_made_private() {
        assert_eq!(private_cache_control(None).as_deref(), Some("private"));
        assert_eq!(private_cache_control(Some(" ")).as_deref(), Some("private"));
        assert_eq!(private_cache_control(Some("no-store")), None);
        assert_eq!(private_cache_control(Some("Private, max-age=5")), None);
        assert_eq!(
            private_cache_control(Some("public, max-age=3600, s-maxage=600")).as_deref(),
            Some("private, max-age=3600")
        );
        assert_eq!(
            private_cache_control(Some("max-age=60")).as_deref(),
            Some("private, max-age=60")
        );
        assert_eq!(private_cache_control(Some("public, no-store")), None);
        assert_eq!(
            private_cache_control(Some("public, , must-revalidate")).as_deref(),
            Some("private, must-revalidate")
        );
    }

    #[test]
    fn vary_detection() {
        assert!(varies_on(["Accept-Encoding, Cookie"], "cookie"));
        assert!(varies_on(["*"], "cookie"));
        assert!(!varies_on(["Accept-Encoding", "Cookie-Extra"], "cookie"));
        assert!(!varies_on([], "cookie"));
    }

    fn store(name: &str) -> CookieStore {
        let keyring = crate::Keyring::from_config(
            &crate::Keyring::generate_entry(crate::Algorithm::default()).unwrap(),
        )
        .unwrap();
        CookieStore::builder(name, keyring)
            .with_header_transport("x-session")
            .build()
            .unwrap()
    }

    #[test]
    fn unused_sessions_emit_nothing_and_outer_sessions_are_reused() {
        let stores = [store("a"), store("b")];
        let (outer, own) = begin(&stores[..1], Arc::from(vec![]), |_| None, None);
        assert_eq!(own.len(), 1);
        let (all, own) = begin(&stores, Arc::from(vec![]), |_| None, Some(&outer));
        assert_eq!(all.names().collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(own.len(), 1);
        assert_eq!(own[0].name(), "b");
        assert_eq!(finish(&own).unwrap(), [Emit::default()]);
        assert!(response_headers(&finish(&own).unwrap(), &[], &[]).is_empty());
    }

    #[test]
    fn failed_early_save_keeps_cookies_unless_touched_again() {
        let stores = [store("a")];
        let (_, own) = begin(&stores, Arc::from(vec![]), |_| None, None);
        let s = &own[0];
        s.insert("big", &"x".repeat(10_000)).unwrap();
        assert!(matches!(s.save(), Err(SaveError::TooLarge { .. })));
        let used = Emit {
            vary: Some("Cookie".into()),
            ..Emit::default()
        };
        assert_eq!(finish(&own).unwrap(), std::slice::from_ref(&used));
        // Touched after the failure: the response-time save runs and fails.
        s.insert("more", &1).unwrap();
        assert!(finish(&own).is_err());
        s.revert();
        assert!(s.is_empty());
        assert_eq!(finish(&own).unwrap(), [used]);
    }

    #[test]
    fn early_save_is_sent_once_and_superseded_by_later_changes() {
        let stores = [store("a")];
        let (_, own) = begin(&stores, Arc::from(vec![]), |_| None, None);
        own[0].insert("k", &1).unwrap();
        own[0].save().unwrap();
        let early = finish(&own).unwrap();
        assert!(early[0].set_cookie[0].starts_with("a="));
        own[0].insert("k", &2).unwrap();
        let later = finish(&own).unwrap();
        assert_ne!(later[0].set_cookie[0], early[0].set_cookie[0]);
    }

    #[test]
    fn header_transport_is_used_when_the_request_carries_the_header() {
        let stores = [store("a")];
        let (_, own) = begin(
            &stores,
            Arc::from(vec![]),
            |h| (h == "x-session").then(String::new),
            None,
        );
        own[0].insert("k", &1).unwrap();
        let emit = finish(&own).unwrap();
        assert!(emit[0].set_cookie.is_empty());
        let (name, value) = emit[0].header.clone().unwrap();
        assert_eq!(name, "x-session");
        assert_eq!(emit[0].vary.as_deref(), Some("x-session"));
        let (_, own) = begin(&stores, Arc::from(vec![]), |_| Some(value.clone()), None);
        assert_eq!(own[0].get::<u32>("k").unwrap(), Some(1));
    }

    #[test]
    fn response_headers_for_used_and_changed_sessions() {
        let changed = Emit {
            set_cookie: vec!["a=1".into(), "a.1=; Max-Age=0".into()],
            header: None,
            vary: Some("Cookie".into()),
        };
        let read_only = Emit {
            vary: Some("cookie".into()),
            ..Emit::default()
        };
        let op = |name: &str, value: &str, append| HeaderOp {
            name: name.into(),
            value: value.into(),
            append,
        };
        assert_eq!(
            response_headers(&[changed.clone(), read_only.clone()], &[], &["Accept"]),
            [
                op("set-cookie", "a=1", true),
                op("set-cookie", "a.1=; Max-Age=0", true),
                op("cache-control", "private", false),
                op("vary", "Cookie", true),
            ]
        );
        // Read only: the response varies on the cookie but stays cacheable.
        assert_eq!(
            response_headers(std::slice::from_ref(&read_only), &["public"], &[]),
            [op("vary", "cookie", true)]
        );
        assert!(response_headers(&[read_only], &[], &["Accept, Cookie"]).is_empty());
        assert_eq!(
            response_headers(&[changed], &["no-cache", "public"], &["*"]),
            [
                op("set-cookie", "a=1", true),
                op("set-cookie", "a.1=; Max-Age=0", true),
                op("cache-control", "private, no-cache", false),
            ]
        );
    }
}
