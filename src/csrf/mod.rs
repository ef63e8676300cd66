//! Cross-site request forgery protection bound to the sealed session
//! (feature `csrf`).
//!
//! Each session gets a 32-byte secret the first time a token is asked for.
//! It lives in the session itself, under [`SESSION_KEY`], together with the
//! session id it was made for, so nothing is kept on the server, and
//! [`Session::begin_login`](crate::Session::begin_login) (at login; as does
//! [`Session::regenerate_id`](crate::Session::regenerate_id)) or
//! [`Session::destroy`](crate::Session::destroy) (at logout) retires it:
//! tokens rendered before either no longer verify.
//!
//! A [`CsrfToken`] handed to a template is `base64url(mask ||
//! mask XOR secret)` with a fresh random mask on every render, so no two
//! pages carry the same bytes and a compressed response does not leak the
//! secret to a length-measuring attacker (BREACH). Verification unmasks and
//! compares in constant time.
//!
//! The checks on requests — unsafe methods only, trusted origins, then
//! `Sec-Fetch-Site` and `Origin`, then the token from a header or a form
//! field searched as the body streams — are done by the framework parts:
//! `axum` (a tower layer), `actix` (a middleware) and `rocket` (a fairing),
//! all configured by [`CsrfConfig`]. SECURITY.md, "Cross-site request forgery", says what
//! each check stops and when it applies.
//!
//! ```
//! use sealed_session::{CookieStore, Keyring};
//!
//! let store = CookieStore::new("__Host-session", Keyring::from_config(
//!     &Keyring::generate_entry(Default::default())?)?)?;
//! let mut session = store.load(None::<&str>);
//! let token = session.csrf_token()?;           // for the form
//! assert!(session.verify_csrf_token(Some(token.as_str())).is_ok());
//! session.begin_login(&[]);                    // at login
//! assert!(session.verify_csrf_token(Some(token.as_str())).is_err());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod config;
// The request checks exist only for the framework parts.
#[cfg(any(feature = "axum", feature = "actix", feature = "rocket"))]
mod form;
#[cfg(any(feature = "axum", feature = "actix", feature = "rocket"))]
mod origin;
mod reason;
mod testing;
mod token;

pub use config::{CsrfConfig, CsrfConfigError};
pub use reason::Reason;
pub use token::{CsrfToken, TokenError};

#[cfg(any(feature = "axum", feature = "actix", feature = "rocket"))]
pub(crate) use form::{BodyKind, FieldScan, Scan, body_kind};
#[cfg(any(feature = "axum", feature = "actix", feature = "rocket"))]
pub(crate) use origin::check_origin;
#[cfg(any(feature = "axum", feature = "actix", feature = "rocket"))]
pub(crate) use token::has_secret;
pub(crate) use token::{new_token, verify};

#[cfg(feature = "actix")]
#[cfg_attr(docsrs, doc(cfg(feature = "actix")))]
pub use crate::integrations::csrf_actix as actix;
#[cfg(feature = "axum")]
#[cfg_attr(docsrs, doc(cfg(feature = "axum")))]
pub use crate::integrations::csrf_axum as axum;
#[cfg(feature = "rocket")]
#[cfg_attr(docsrs, doc(cfg(feature = "rocket")))]
pub use crate::integrations::csrf_rocket as rocket;

/// The session key under which the CSRF secret is stored. Applications
/// should leave it alone; removing it retires the session's tokens.
///
/// ```
/// assert_eq!(sealed_session::csrf::SESSION_KEY, "_csrf");
/// ```
pub const SESSION_KEY: &str = "_csrf";

/// The request header checked for a token by default.
///
/// ```
/// assert_eq!(sealed_session::csrf::DEFAULT_HEADER, "x-csrf-token");
/// ```
pub const DEFAULT_HEADER: &str = "x-csrf-token";

/// The form field (urlencoded or multipart) checked for a token by default.
///
/// ```
/// assert_eq!(sealed_session::csrf::DEFAULT_FIELD, "csrf_token");
/// ```
pub const DEFAULT_FIELD: &str = "csrf_token";

/// How far into a form body the token field is looked for by default
/// (1 MiB). A form whose field comes later must send the token in the
/// header; one whose field comes first may be of any size (the rest of the
/// body streams to the handler).
///
/// ```
/// assert_eq!(sealed_session::csrf::DEFAULT_BODY_LIMIT, 1 << 20);
/// ```
pub const DEFAULT_BODY_LIMIT: usize = 1 << 20;

/// Whether requests with this method must carry a token: every method but
/// the safe ones (RFC 9110 9.2.1), so POST, PUT, PATCH, DELETE and any
/// extension method.
#[cfg(any(feature = "axum", feature = "actix", feature = "rocket"))]
pub(crate) fn is_unsafe_method(method: &str) -> bool {
    !matches!(method, "GET" | "HEAD" | "OPTIONS" | "TRACE")
}

impl crate::Session {
    /// A fresh masked token for a form or a page, creating the session's
    /// secret if it has none yet (or only one made before the id was
    /// regenerated). Creating it changes the session, so an anonymous
    /// visitor who opens a login form gets a session cookie holding only
    /// the secret.
    ///
    /// # Errors
    ///
    /// [`TokenError`] if the operating system's random source fails, or
    /// the secret cannot be stored.
    ///
    /// ```
    /// # let store = sealed_session::CookieStore::new("__Host-s", sealed_session::Keyring::from_config(
    /// #     &sealed_session::Keyring::generate_entry(Default::default())?)?)?;
    /// let mut session = store.load(None::<&str>);
    /// let a = session.csrf_token()?;
    /// let b = session.csrf_token()?;
    /// assert_ne!(a.as_str(), b.as_str()); // masked per render
    /// assert!(session.verify_csrf_token(Some(b.as_str())).is_ok());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn csrf_token(&mut self) -> Result<CsrfToken, TokenError> {
        let stored = self.get::<String>(SESSION_KEY).ok().flatten();
        let (token, created) = new_token(stored.as_deref(), self.id())?;
        if let Some(created) = created {
            self.insert(SESSION_KEY, created.as_str())
                .map_err(TokenError::Value)?;
        }
        Ok(token)
    }

    /// Checks an untrusted token against the session's secret, in constant
    /// time. Changes nothing in the session.
    ///
    /// # Errors
    ///
    /// The [`Reason`]: [`Reason::MissingToken`], [`Reason::MalformedToken`],
    /// [`Reason::NoSecret`] (no secret, or one from before the last
    /// [`regenerate_id`](crate::Session::regenerate_id)) or
    /// [`Reason::WrongToken`].
    ///
    /// ```
    /// # let store = sealed_session::CookieStore::new("__Host-s", sealed_session::Keyring::from_config(
    /// #     &sealed_session::Keyring::generate_entry(Default::default())?)?)?;
    /// use sealed_session::csrf::Reason;
    /// let mut session = store.load(None::<&str>);
    /// assert_eq!(session.verify_csrf_token(None), Err(Reason::MissingToken));
    /// let token = session.csrf_token()?;
    /// let other = store.load(None::<&str>).csrf_token()?;
    /// assert_eq!(session.verify_csrf_token(Some(other.as_str())), Err(Reason::WrongToken));
    /// assert_eq!(session.verify_csrf_token(Some(token.as_str())), Ok(()));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn verify_csrf_token(&self, untrusted: Option<&str>) -> Result<(), Reason> {
        let stored = self.get::<String>(SESSION_KEY).ok().flatten();
        verify(stored.as_deref(), self.id(), untrusted)
    }
}
