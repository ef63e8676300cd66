//! Header transport: the whole session in one request/response header
//! instead of cookies (for API clients).

use std::time::SystemTime;

use super::CookieStore;
use super::SaveError;
use super::save::Plan;
use crate::chunk_set::ChunkSet;
use crate::session::{Session, unix_secs};

/// The result of [`CookieStore::save_header`].
///
/// ```
/// # let keyring = sealed_session::Keyring::from_config(&sealed_session::Keyring::generate_entry(Default::default())?)?;
/// # let store = sealed_session::CookieStore::builder("__Host-s", keyring).with_header_transport("x-session").build()?;
/// let mut session = store.load_header(None);
/// assert_eq!(store.save_header(&mut session)?, sealed_session::HeaderUpdate::Unchanged);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum HeaderUpdate {
    /// Nothing to send.
    Unchanged,
    /// Send this value in the response header.
    Set(String),
    /// The session ended: tell the client to drop its value (e.g. send the header empty).
    Clear,
}

impl CookieStore {
    /// Loads the session from the header-transport value (beego's
    /// `EnableSidInHTTPHeader`), for clients without cookies.
    ///
    /// ```
    /// # let keyring = sealed_session::Keyring::from_config(&sealed_session::Keyring::generate_entry(Default::default())?)?;
    /// # let store = sealed_session::CookieStore::builder("__Host-s", keyring).with_header_transport("x-session").build()?;
    /// let mut session = store.load_header(None);
    /// session.insert("user", "alice")?;
    /// let sealed_session::HeaderUpdate::Set(value) = store.save_header(&mut session)? else { panic!() };
    /// let again = store.load_header(Some(&value));
    /// assert_eq!(again.get::<String>("user")?.as_deref(), Some("alice"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn load_header(&self, value: Option<&str>) -> Session {
        self.load_header_at(value, unix_secs(SystemTime::now()))
    }

    /// [`CookieStore::load_header`] at a given time (Unix seconds).
    pub(crate) fn load_header_at(&self, value: Option<&str>, now: u64) -> Session {
        // Only spaces and horizontal tabs are trimmed, as around a cookie
        // pair (SECURITY.md "Header transport"): the field value's optional
        // white space (RFC 9110 §5.6.3), nothing a reader must guess at.
        let Some(value) = value
            .map(|v| v.trim_matches([' ', '\t']))
            .filter(|v| !v.is_empty())
        else {
            return self.fresh_load(now);
        };
        let result = self
            .open_text(value, 1, now)
            .and_then(|session| self.admit(session));
        // No cookies: a save in cookies would have none to delete.
        self.finish_load(result, 1, ChunkSet::default(), now)
    }

    /// Saves the session for header transport: one sealed value within the
    /// size budget.
    ///
    /// # Errors
    ///
    /// As [`CookieStore::save`].
    ///
    /// ```
    /// # let keyring = sealed_session::Keyring::from_config(&sealed_session::Keyring::generate_entry(Default::default())?)?;
    /// # let store = sealed_session::CookieStore::builder("__Host-s", keyring).with_header_transport("x-session").build()?;
    /// let mut session = store.load_header(None);
    /// session.insert("k", &1)?;
    /// assert!(matches!(store.save_header(&mut session)?, sealed_session::HeaderUpdate::Set(_)));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn save_header(&self, session: &mut Session) -> Result<HeaderUpdate, SaveError> {
        self.save_header_at(session, unix_secs(SystemTime::now()))
    }

    /// [`CookieStore::save_header`] at a given time (Unix seconds).
    pub(crate) fn save_header_at(
        &self,
        session: &mut Session,
        now: u64,
    ) -> Result<HeaderUpdate, SaveError> {
        Ok(match self.plan_counted(session, now, false)? {
            Plan::Nothing => HeaderUpdate::Unchanged,
            Plan::Delete(_) => HeaderUpdate::Clear,
            Plan::Write { text, .. } => HeaderUpdate::Set(text),
        })
    }
}
