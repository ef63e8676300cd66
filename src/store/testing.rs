//! Test helpers: a `Cookie` header for a session prepared in code, and the
//! session a response's `Set-Cookie` lines carry.
//!
//! Always available, not behind a feature: both only compose
//! [`CookieStore::load`] and [`CookieStore::save`] with the store's own
//! keys, which the application holds anyway, so they grant nothing a caller
//! could not already do.

use std::fmt;

use super::CookieStore;
use super::errors::SaveError;
use super::names::chunk_index;
use crate::{LoadError, Session, ValueError};

/// Why [`CookieStore::cookie_header_for`] made no header.
///
/// ```
/// use sealed_session::PrepareError;
/// fn describe(e: &PrepareError) -> String { e.to_string() }
/// # let _ = describe;
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum PrepareError {
    /// The closure failed to store a value.
    Value(ValueError),
    /// The prepared session could not be saved (too large, random source).
    Save(SaveError),
    /// No CSRF token could be made for the prepared session
    /// (`CookieStore::csrf_cookie_header_for`).
    #[cfg(feature = "csrf")]
    Token(crate::csrf::TokenError),
}

impl fmt::Display for PrepareError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PrepareError::Value(e) => write!(f, "preparing the session failed: {e}"),
            PrepareError::Save(e) => write!(f, "saving the prepared session failed: {e}"),
            #[cfg(feature = "csrf")]
            PrepareError::Token(e) => write!(f, "preparing the CSRF token failed: {e}"),
        }
    }
}

impl std::error::Error for PrepareError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            PrepareError::Value(e) => Some(e),
            PrepareError::Save(e) => Some(e),
            #[cfg(feature = "csrf")]
            PrepareError::Token(e) => Some(e),
        }
    }
}

impl From<ValueError> for PrepareError {
    fn from(e: ValueError) -> Self {
        PrepareError::Value(e)
    }
}

/// What a response did to a store's session, read from its `Set-Cookie`
/// lines by [`CookieStore::session_from_response`].
///
/// ```
/// use sealed_session::ResponseSession;
/// fn was_logged_out(outcome: &ResponseSession) -> bool {
///     matches!(outcome, ResponseSession::Deleted)
/// }
/// # let _ = was_logged_out;
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum ResponseSession {
    /// No cookie of this store: the client keeps what it had.
    Unchanged,
    /// The session's cookies are deleted (`destroy`, or everything removed).
    Deleted,
    /// The session the client will send from now on, opened.
    Saved(Session),
}

impl ResponseSession {
    /// The saved session, if the response set one.
    ///
    /// ```
    /// # let store = sealed_session::CookieStore::new("__Host-s", sealed_session::Keyring::from_config(
    /// #     &sealed_session::Keyring::generate_entry(Default::default())?)?)?;
    /// let outcome = store.session_from_response(Vec::<String>::new())?;
    /// assert!(outcome.saved().is_none());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn saved(self) -> Option<Session> {
        match self {
            ResponseSession::Saved(session) => Some(session),
            ResponseSession::Unchanged | ResponseSession::Deleted => None,
        }
    }
}

/// `name=value` of a `Set-Cookie` line, and whether it deletes the cookie.
fn pair_of(line: &str) -> Option<(&str, &str, bool)> {
    let mut parts = line.split(';');
    let (name, value) = parts.next()?.split_once('=')?;
    let (name, value) = (name.trim(), value.trim());
    let deletes = value.is_empty()
        || parts.any(|attr| {
            let attr = attr.trim();
            attr.get(..8)
                .is_some_and(|k| k.eq_ignore_ascii_case("max-age="))
                && attr
                    .get(8..)
                    .is_some_and(|v| v.trim().starts_with(['0', '-']))
        });
    Some((name, value, deletes))
}

impl CookieStore {
    /// The `Cookie` header value a client holding the session that
    /// `prepare` builds would send: for a test request that needs a logged
    /// in user (`tower::ServiceExt::oneshot`, `actix_web::test::TestRequest`).
    /// Sealed with the store's primary key, like any session the
    /// application saves.
    ///
    /// # Errors
    ///
    /// [`PrepareError::Value`] from the closure, or [`PrepareError::Save`]
    /// if the session cannot be saved.
    ///
    /// ```
    /// # let store = sealed_session::CookieStore::new("__Host-session", sealed_session::Keyring::from_config(
    /// #     &sealed_session::Keyring::generate_entry(Default::default())?)?)?;
    /// let cookie = store.cookie_header_for(|s| {
    ///     s.insert("user", "alice")?;
    ///     Ok(())
    /// })?;
    /// assert!(cookie.starts_with("__Host-session="));
    /// let session = store.load([cookie.as_str()]);
    /// assert_eq!(session.get::<String>("user")?.as_deref(), Some("alice"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn cookie_header_for(
        &self,
        prepare: impl FnOnce(&mut Session) -> Result<(), ValueError>,
    ) -> Result<String, PrepareError> {
        let mut session = self.load(None::<&str>);
        prepare(&mut session)?;
        let lines = self.save(&mut session).map_err(PrepareError::Save)?;
        Ok(lines
            .iter()
            .filter_map(|line| pair_of(line))
            .filter(|(_, _, deletes)| !deletes)
            .map(|(name, value, _)| format!("{name}={value}"))
            .collect::<Vec<_>>()
            .join("; "))
    }

    /// What a response did to this store's session, from its `Set-Cookie`
    /// header values (other cookies are ignored): unchanged, deleted, or
    /// the saved session, opened with the store's keys so a test can
    /// assert on what the handler stored, flashes included.
    ///
    /// # Errors
    ///
    /// The [`LoadError`] if the response sets cookies of this store that do
    /// not open (another store's keys, cookies cut short).
    ///
    /// ```
    /// use sealed_session::ResponseSession;
    /// # let store = sealed_session::CookieStore::new("__Host-session", sealed_session::Keyring::from_config(
    /// #     &sealed_session::Keyring::generate_entry(Default::default())?)?)?;
    /// // What a handler did: stored a user and a flash.
    /// let mut session = store.load(None::<&str>);
    /// session.insert("user", "alice")?;
    /// session.add_flash("Welcome back")?;
    /// let set_cookie = store.save(&mut session)?;
    ///
    /// let Some(mut seen) = store.session_from_response(&set_cookie)?.saved() else {
    ///     panic!("the response saved no session");
    /// };
    /// assert_eq!(seen.get::<String>("user")?.as_deref(), Some("alice"));
    /// assert_eq!(seen.flashes::<String>()?, ["Welcome back"]);
    ///
    /// session.destroy();
    /// let deleted = store.save(&mut session)?;
    /// assert!(matches!(store.session_from_response(&deleted)?, ResponseSession::Deleted));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn session_from_response<I>(&self, set_cookie: I) -> Result<ResponseSession, LoadError>
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        let lines: Vec<I::Item> = set_cookie.into_iter().collect();
        let mut pairs = Vec::new();
        let mut head = None;
        for line in &lines {
            let Some((name, value, deletes)) = pair_of(line.as_ref()) else {
                continue;
            };
            let Some(index) = chunk_index(name, self.name(), usize::MAX) else {
                continue;
            };
            if index == 0 {
                head = Some(deletes);
            }
            if !deletes {
                pairs.push(format!("{name}={value}"));
            }
        }
        match head {
            None => Ok(ResponseSession::Unchanged),
            Some(true) => Ok(ResponseSession::Deleted),
            Some(false) => {
                let session = self.load([pairs.join("; ")]);
                match session.load_error() {
                    Some(error) => Err(error),
                    None => Ok(ResponseSession::Saved(session)),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new_store() -> CookieStore {
        let keyring = crate::Keyring::from_config(
            &crate::Keyring::generate_entry(crate::Algorithm::default()).unwrap(),
        )
        .unwrap();
        CookieStore::builder("s", keyring)
            .allow_non_host_name()
            .with_size_limit(12 * 1024)
            .allow_large_cookie_header()
            .build()
            .unwrap()
    }

    #[test]
    fn chunked_sessions_round_trip_and_shrink() {
        let store = new_store();
        let big = "x".repeat(7000);
        let header = store
            .cookie_header_for(|s| s.insert("notes", big.as_str()))
            .unwrap();
        assert!(header.contains("; s.1="), "{header}");
        let mut session = store.load([header.as_str()]);
        assert_eq!(
            session.get::<String>("notes").unwrap().as_deref(),
            Some(big.as_str())
        );
        // Shrinking deletes the tail chunk; chunk 0 is rewritten.
        session.insert("notes", "short").unwrap();
        let lines = store.save(&mut session).unwrap();
        assert!(lines.iter().any(|l| l.starts_with("s.1=;")), "{lines:?}");
        let seen = store
            .session_from_response(&lines)
            .unwrap()
            .saved()
            .unwrap();
        assert_eq!(
            seen.get::<String>("notes").unwrap().as_deref(),
            Some("short")
        );
    }

    #[test]
    fn other_cookies_and_foreign_sessions() {
        let store = new_store();
        let other = new_store();
        assert!(matches!(
            store
                .session_from_response(["sx=1", "t=2; Max-Age=0"])
                .unwrap(),
            ResponseSession::Unchanged
        ));
        let mut session = other.load(None::<&str>);
        session.insert("k", &1).unwrap();
        let lines = other.save(&mut session).unwrap();
        assert!(store.session_from_response(&lines).is_err());
        let (_, _, deletes) = pair_of("s=abc; Path=/; Max-Age=0").unwrap();
        assert!(deletes);
        let (_, _, deletes) = pair_of("s=abc; Path=/; Max-Age=100").unwrap();
        assert!(!deletes);
    }
}
