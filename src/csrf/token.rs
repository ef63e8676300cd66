//! The secret, its masked tokens, and the constant-time check.
//!
//! Stored in the session: `base64url(session id (16) || secret (32))`.
//! Handed out: `base64url(mask (32) || mask XOR secret (32))`, 86 characters.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use subtle::ConstantTimeEq as _;
use zeroize::Zeroizing;

use super::Reason;
use crate::{SessionId, ValueError};

const ID_LEN: usize = 16;
const SECRET_LEN: usize = 32;
const STORED_LEN: usize = ID_LEN + SECRET_LEN;
const TOKEN_LEN: usize = 2 * SECRET_LEN;
/// `TOKEN_LEN` bytes in unpadded base64url.
const TOKEN_TEXT_LEN: usize = (TOKEN_LEN * 4).div_ceil(3);

/// A masked CSRF token to put in a form field, a `<meta>` tag or a request
/// header. Every call for one makes a new one; any of them verifies until
/// the session's id is regenerated or the session destroyed.
///
/// `Display` writes the token (86 URL-safe characters, nothing to escape);
/// `Debug` does not.
///
/// ```
/// # let store = sealed_session::CookieStore::new("__Host-s", sealed_session::Keyring::from_config(
/// #     &sealed_session::Keyring::generate_entry(Default::default())?)?)?;
/// let mut session = store.load(None::<&str>);
/// let token = session.csrf_token()?;
/// let field = format!(r#"<input type="hidden" name="csrf_token" value="{token}">"#);
/// assert_eq!(token.as_str().len(), 86);
/// assert!(!format!("{token:?}").contains(token.as_str()));
/// # let _ = field;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct CsrfToken(String);

impl CsrfToken {
    /// The token text.
    ///
    /// ```
    /// # let store = sealed_session::CookieStore::new("__Host-s", sealed_session::Keyring::from_config(
    /// #     &sealed_session::Keyring::generate_entry(Default::default())?)?)?;
    /// let token = store.load(None::<&str>).csrf_token()?;
    /// assert!(token.as_str().bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CsrfToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for CsrfToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CsrfToken").finish_non_exhaustive()
    }
}

/// Why no token could be made.
///
/// ```
/// use sealed_session::csrf::TokenError;
/// fn describe(e: &TokenError) -> String {
///     e.to_string()
/// }
/// # let _ = describe;
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum TokenError {
    /// The operating system's random source failed.
    Random,
    /// The application stored something under [`super::SESSION_KEY`] that
    /// could not be replaced, or the session could not take the secret.
    Value(ValueError),
}

impl fmt::Display for TokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TokenError::Random => f.write_str("the random source failed; no CSRF token made"),
            TokenError::Value(e) => write!(f, "the CSRF secret could not be stored: {e}"),
        }
    }
}

impl std::error::Error for TokenError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            TokenError::Random => None,
            TokenError::Value(e) => Some(e),
        }
    }
}

/// The secret stored for `id`, if `stored` holds one made for this id.
fn secret_for(stored: Option<&str>, id: SessionId) -> Option<Zeroizing<[u8; SECRET_LEN]>> {
    let stored = stored?;
    if stored.len() != STORED_LEN.div_ceil(3) * 4 {
        return None;
    }
    let mut raw = Zeroizing::new([0u8; STORED_LEN]);
    let n = URL_SAFE_NO_PAD
        .decode_slice(stored, raw.as_mut_slice())
        .ok()?;
    if n != STORED_LEN {
        return None;
    }
    let (stored_id, secret) = raw.split_at(ID_LEN);
    // A secret made before `regenerate_id` belongs to the old id: retired.
    if stored_id != id.to_bytes().as_slice() {
        return None;
    }
    let mut out = Zeroizing::new([0u8; SECRET_LEN]);
    out.copy_from_slice(secret);
    Some(out)
}

/// Whether `stored` holds a secret made for `id`.
#[cfg(any(feature = "axum", feature = "actix", feature = "rocket"))]
pub(crate) fn has_secret(stored: Option<&str>, id: SessionId) -> bool {
    secret_for(stored, id).is_some()
}

/// A masked token for the secret in `stored`, or for a new secret, which
/// comes back second (to store under `SESSION_KEY`).
pub(crate) fn new_token(
    stored: Option<&str>,
    id: SessionId,
) -> Result<(CsrfToken, Option<Zeroizing<String>>), TokenError> {
    let (secret, created) = match secret_for(stored, id) {
        Some(secret) => (secret, None),
        None => {
            let mut raw = Zeroizing::new([0u8; STORED_LEN]);
            let (stored_id, stored_secret) = raw.split_at_mut(ID_LEN);
            stored_id.copy_from_slice(&id.to_bytes());
            crate::rng::fill(stored_secret).map_err(|_| TokenError::Random)?;
            let mut secret = Zeroizing::new([0u8; SECRET_LEN]);
            secret.copy_from_slice(stored_secret);
            (
                secret,
                Some(Zeroizing::new(URL_SAFE_NO_PAD.encode(raw.as_slice()))),
            )
        }
    };
    let mut token = Zeroizing::new([0u8; TOKEN_LEN]);
    let (mask, masked) = token.split_at_mut(SECRET_LEN);
    crate::rng::fill(mask).map_err(|_| TokenError::Random)?;
    for ((out, m), s) in masked.iter_mut().zip(mask.iter()).zip(secret.iter()) {
        *out = m ^ s;
    }
    Ok((CsrfToken(URL_SAFE_NO_PAD.encode(token.as_slice())), created))
}

/// Checks an untrusted token against the secret in `stored`.
pub(crate) fn verify(
    stored: Option<&str>,
    id: SessionId,
    untrusted: Option<&str>,
) -> Result<(), Reason> {
    let untrusted = untrusted.map(str::trim).filter(|t| !t.is_empty());
    let Some(untrusted) = untrusted else {
        return Err(Reason::MissingToken);
    };
    if untrusted.len() != TOKEN_TEXT_LEN {
        return Err(Reason::MalformedToken);
    }
    let mut token = Zeroizing::new([0u8; TOKEN_LEN]);
    match URL_SAFE_NO_PAD.decode_slice(untrusted, token.as_mut_slice()) {
        Ok(TOKEN_LEN) => {}
        _ => return Err(Reason::MalformedToken),
    }
    let Some(secret) = secret_for(stored, id) else {
        return Err(Reason::NoSecret);
    };
    let (mask, masked) = token.split_at(SECRET_LEN);
    let mut unmasked = Zeroizing::new([0u8; SECRET_LEN]);
    for ((out, m), x) in unmasked.iter_mut().zip(mask).zip(masked) {
        *out = m ^ x;
    }
    if bool::from(unmasked.ct_eq(secret.as_slice())) {
        Ok(())
    } else {
        Err(Reason::WrongToken)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: u8) -> SessionId {
        SessionId([n; 16])
    }

    #[test]
    fn tokens_verify_only_for_their_secret_and_id() {
        let (token, stored) = new_token(None, id(1)).unwrap();
        let stored = stored.unwrap();
        assert_eq!(token.as_str().len(), TOKEN_TEXT_LEN);
        assert_eq!(verify(Some(&stored), id(1), Some(token.as_str())), Ok(()));
        // The id changed (regenerate_id): the secret is retired.
        assert_eq!(
            verify(Some(&stored), id(2), Some(token.as_str())),
            Err(Reason::NoSecret)
        );
        let (again, none) = new_token(Some(&stored), id(1)).unwrap();
        assert!(none.is_none());
        assert_ne!(again, token);
        assert_eq!(verify(Some(&stored), id(1), Some(again.as_str())), Ok(()));
        let (_, other) = new_token(None, id(1)).unwrap();
        assert_eq!(
            verify(Some(&other.unwrap()), id(1), Some(token.as_str())),
            Err(Reason::WrongToken)
        );
    }

    #[test]
    fn every_flipped_bit_is_refused() {
        let (token, stored) = new_token(None, id(3)).unwrap();
        let stored = stored.unwrap();
        let mut raw = URL_SAFE_NO_PAD.decode(token.as_str()).unwrap();
        for i in 0..raw.len() * 8 {
            raw[i / 8] ^= 1 << (i % 8);
            let text = URL_SAFE_NO_PAD.encode(&raw);
            assert_eq!(
                verify(Some(&stored), id(3), Some(&text)),
                Err(Reason::WrongToken)
            );
            raw[i / 8] ^= 1 << (i % 8);
        }
    }

    #[test]
    fn malformed_and_missing() {
        let (token, stored) = new_token(None, id(4)).unwrap();
        let stored = stored.unwrap();
        assert_eq!(
            verify(Some(&stored), id(4), None),
            Err(Reason::MissingToken)
        );
        assert_eq!(
            verify(Some(&stored), id(4), Some(" ")),
            Err(Reason::MissingToken)
        );
        assert_eq!(
            verify(Some(&stored), id(4), Some("abc")),
            Err(Reason::MalformedToken)
        );
        let bad = format!("{}!", &token.as_str()[1..]);
        assert_eq!(
            verify(Some(&stored), id(4), Some(&bad)),
            Err(Reason::MalformedToken)
        );
        assert_eq!(
            verify(None, id(4), Some(token.as_str())),
            Err(Reason::NoSecret)
        );
        assert_eq!(
            verify(Some("junk"), id(4), Some(token.as_str())),
            Err(Reason::NoSecret)
        );
    }
}
