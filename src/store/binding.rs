//! Bound stores: a store whose sessions belong to another store's session
//! (the *primary*), for state the victim may hold no cookie of at all (an
//! OAuth `state`, a checkout flow). The reader's conflict rule cannot see a
//! session tossed under such a name, since nothing of the victim's is there
//! to conflict with; the binding refuses it instead (SECURITY.md, "Cookie
//! injection").
//!
//! A bound session carries, under the data key [`BOUND_KEY`], a hash of the
//! primary store's name and the primary session's id. The id is 16 random
//! bytes, so the hash reveals nothing usable about it (a sign-only bound
//! cookie shows the hash, never the id); only a server that saw the
//! primary session can write the matching value, and only under its keys.

use std::time::SystemTime;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest as _, Sha256};
use subtle::ConstantTimeEq as _;

use super::CookieStore;
use crate::ValueError;
use crate::error::LoadError;
use crate::session::{Session, SessionId, unix_secs};

/// The data key under which a bound session carries its primary's hash.
pub const BOUND_KEY: &str = "__bound";

/// The data key set in an empty primary session when a bound session is
/// saved beside it, so that the primary's id (which the binding names) is
/// written to the client too.
pub const ANCHOR_KEY: &str = "__bound_anchor";

/// The value a session bound to `primary` (store name, session id) carries.
fn tag(primary_name: &str, id: SessionId) -> String {
    let mut hash = Sha256::new();
    hash.update(b"sealed-session v1 bound session\0");
    hash.update(primary_name.as_bytes());
    hash.update([0]);
    hash.update(id.0);
    let digest = hash.finalize();
    URL_SAFE_NO_PAD.encode(digest.get(..16).unwrap_or_default())
}

impl CookieStore {
    /// The name of the primary store this store's sessions are bound to
    /// ([`CookieStoreBuilder::with_bound_to`](crate::CookieStoreBuilder::with_bound_to)).
    ///
    /// ```
    /// # let keyring = sealed_session::Keyring::from_config(&sealed_session::Keyring::generate_entry(Default::default())?)?;
    /// let flow = sealed_session::CookieStore::builder("__Host-flow", keyring)
    ///     .with_bound_to("__Host-session")
    ///     .build()?;
    /// assert_eq!(flow.bound_to(), Some("__Host-session"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn bound_to(&self) -> Option<&str> {
        self.inner.builder_options.bound_to.as_deref()
    }

    /// Loads this bound store's session for a request whose primary session
    /// (the store named by [`CookieStore::bound_to`]) is `primary`, as
    /// loaded from the same request. A session that opens but was not
    /// saved beside this primary session (another browser's, tossed by an
    /// attacker) is refused: the session is fresh and
    /// [`Session::load_error`] is [`LoadError::Conflict`]. The integrations
    /// call this for bound stores.
    ///
    /// ```
    /// # use sealed_session::{CookieStore, Keyring, LoadError};
    /// # let entry = Keyring::generate_entry(Default::default())?;
    /// let auth = CookieStore::new("__Host-auth", Keyring::from_config(&entry)?)?;
    /// let flow = CookieStore::builder("__Host-flow", Keyring::from_config(&entry)?)
    ///     .with_bound_to("__Host-auth")
    ///     .build()?;
    /// let cookie = |lines: Vec<String>| lines[0].split(';').next().unwrap().to_owned();
    ///
    /// let mut user = auth.load(None::<&str>);
    /// user.insert("user", "alice")?;
    /// let mut state = flow.load_bound(None::<&str>, &user);
    /// state.insert("oauth_state", "xyz")?;
    /// flow.bind(&mut state, &mut user)?;
    /// let (user_cookie, state_cookie) = (cookie(auth.save(&mut user)?), cookie(flow.save(&mut state)?));
    ///
    /// // Next request: the same browser's primary session, the flow opens.
    /// let user = auth.load(Some(user_cookie.as_str()));
    /// let state = flow.load_bound(Some(state_cookie.as_str()), &user);
    /// assert_eq!(state.get::<String>("oauth_state")?.as_deref(), Some("xyz"));
    ///
    /// // Beside another primary session (the victim's), it is refused.
    /// let victim = auth.load(None::<&str>);
    /// let state = flow.load_bound(Some(state_cookie.as_str()), &victim);
    /// assert_eq!(state.load_error(), Some(LoadError::Conflict));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn load_bound<I>(&self, cookie_headers: I, primary: &Session) -> Session
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        let expected = tag(primary.name(), primary.id());
        self.load_checked(
            cookie_headers,
            unix_secs(SystemTime::now()),
            Some(&expected),
        )
    }

    /// [`CookieStore::load_bound`] with the primary's name and id given
    /// (the integrations use the id the primary session was loaded with).
    #[cfg(any(feature = "axum", feature = "actix", feature = "rocket"))]
    pub(crate) fn load_bound_to<I>(&self, cookie_headers: I, primary: (&str, SessionId)) -> Session
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        let expected = tag(primary.0, primary.1);
        self.load_checked(
            cookie_headers,
            unix_secs(SystemTime::now()),
            Some(&expected),
        )
    }

    /// Binds `session`, of this bound store, to `primary`, before saving
    /// it: stores the primary's hash under [`BOUND_KEY`] and, when the
    /// primary session is empty (so would write no cookie, and its id would
    /// be lost), sets [`ANCHOR_KEY`] in it so that it is written too. A
    /// session holding nothing but the binding is emptied (its cookies are
    /// deleted). The integrations call this when they save a bound store's
    /// session. For a store that is not bound, it does nothing.
    ///
    /// # Errors
    ///
    /// [`ValueError`] if a value cannot be stored (as
    /// [`Session::insert`]).
    ///
    /// ```
    /// # use sealed_session::{CookieStore, Keyring};
    /// # let entry = Keyring::generate_entry(Default::default())?;
    /// # let auth = CookieStore::new("__Host-auth", Keyring::from_config(&entry)?)?;
    /// # let flow = CookieStore::builder("__Host-flow", Keyring::from_config(&entry)?).with_bound_to("__Host-auth").build()?;
    /// let mut user = auth.load(None::<&str>);
    /// let mut state = flow.load_bound(None::<&str>, &user);
    /// state.insert("checkout_step", &2)?;
    /// flow.bind(&mut state, &mut user)?;
    /// assert!(state.contains_key(sealed_session::BOUND_KEY));
    /// assert!(!user.is_empty()); // the anchor: the primary is written too
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn bind(&self, session: &mut Session, primary: &mut Session) -> Result<(), ValueError> {
        if self.bound_to().is_none() {
            return Ok(());
        }
        let others = session.keys().filter(|k| *k != BOUND_KEY).count();
        if others == 0 {
            session.remove(BOUND_KEY);
            return Ok(());
        }
        if primary.is_empty() {
            primary.insert(ANCHOR_KEY, &true)?;
        }
        session.insert(BOUND_KEY, &tag(primary.name(), primary.id()))
    }

    /// For a bound store, refuses an opened session whose binding is not
    /// `expected` (or any, when there is no primary session to compare).
    pub(super) fn check_bound(
        &self,
        session: Session,
        expected: Option<&str>,
    ) -> Result<Session, LoadError> {
        if self.bound_to().is_none() {
            return Ok(session);
        }
        let carried = session.get::<String>(BOUND_KEY).ok().flatten();
        let matches = match (carried, expected) {
            (Some(carried), Some(expected)) => {
                bool::from(carried.as_bytes().ct_eq(expected.as_bytes()))
            }
            _ => false,
        };
        if matches {
            return Ok(session);
        }
        crate::observe::event!(
            warn,
            cookie = self.name(),
            "bound session not made for this request's primary session (cookie injection?): refused, fresh session"
        );
        Err(LoadError::Conflict)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tag_depends_on_the_primary_name_and_id() {
        let a = tag("auth", SessionId([1; 16]));
        assert_eq!(a.len(), 22);
        assert_ne!(a, tag("auth", SessionId([2; 16])));
        assert_ne!(a, tag("autH", SessionId([1; 16])));
        assert_eq!(a, tag("auth", SessionId([1; 16])));
    }
}
