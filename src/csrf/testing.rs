//! The test helper for CSRF-protected routes: a prepared session's
//! `Cookie` header together with a token that verifies for it.

use super::{CsrfToken, TokenError};
use crate::{CookieStore, PrepareError, Session, ValueError};

impl CookieStore {
    /// Like [`CookieStore::cookie_header_for`], and a CSRF token for the
    /// prepared session: send the header as `Cookie` and the token as
    /// `X-CSRF-Token` (or the form field) to pass the CSRF check in a test.
    /// The session's secret is created after `prepare` runs, so a
    /// `regenerate_id` or `begin_login` inside it does not retire the token.
    ///
    /// # Errors
    ///
    /// [`PrepareError::Value`] from the closure, [`PrepareError::Token`] if
    /// no token could be made (the random source failed, or `prepare` left
    /// something unusable under [`super::SESSION_KEY`]), or
    /// [`PrepareError::Save`] if the session cannot be saved.
    ///
    /// ```
    /// # let store = sealed_session::CookieStore::new("__Host-session", sealed_session::Keyring::from_config(
    /// #     &sealed_session::Keyring::generate_entry(Default::default())?)?)?;
    /// let (cookie, token) = store.csrf_cookie_header_for(|s| {
    ///     s.insert("user", "alice")?;
    ///     Ok(())
    /// })?;
    /// let session = store.load([cookie.as_str()]);
    /// assert!(session.verify_csrf_token(Some(token.as_str())).is_ok());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn csrf_cookie_header_for(
        &self,
        prepare: impl FnOnce(&mut Session) -> Result<(), ValueError>,
    ) -> Result<(String, CsrfToken), PrepareError> {
        let mut token = Err(TokenError::Random);
        let cookie = self.cookie_header_for(|session| {
            prepare(session)?;
            token = session.csrf_token();
            Ok(())
        })?;
        Ok((cookie, token.map_err(PrepareError::Token)?))
    }
}

#[cfg(test)]
mod tests {
    use crate::csrf::Reason;
    use crate::{CookieStore, Keyring};

    #[test]
    fn the_token_verifies_for_the_prepared_session_only() {
        let keyring =
            Keyring::from_config(&Keyring::generate_entry(Default::default()).unwrap()).unwrap();
        let store = CookieStore::builder("s", keyring)
            .allow_non_host_name()
            .build()
            .unwrap();
        let (cookie, token) = store
            .csrf_cookie_header_for(|s| {
                s.begin_login(&[]);
                s.insert("user", "alice")
            })
            .unwrap();
        let session = store.load([cookie.as_str()]);
        assert_eq!(
            session.get::<String>("user").unwrap().as_deref(),
            Some("alice")
        );
        assert_eq!(session.verify_csrf_token(Some(token.as_str())), Ok(()));
        let (other, _) = store.csrf_cookie_header_for(|_| Ok(())).unwrap();
        assert_eq!(
            store
                .load([other.as_str()])
                .verify_csrf_token(Some(token.as_str())),
            Err(Reason::WrongToken)
        );
    }
}
