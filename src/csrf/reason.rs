//! Why a request was refused by the CSRF check.

use std::fmt;

/// Why the CSRF check refused a request (answered with `403 Forbidden`).
///
/// The layer and the middleware put it into the refusal's response
/// extensions, so an application can log it or render its own page;
/// [`code`](Reason::code) is a stable short name for logs and metrics.
///
/// ```
/// use sealed_session::csrf::Reason;
/// assert_eq!(Reason::MissingToken.code(), "missing-token");
/// assert!(Reason::CrossOrigin.to_string().contains("Origin"));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Reason {
    /// No token in the header nor in the form field.
    MissingToken,
    /// The token is not one this crate makes (wrong length or alphabet).
    MalformedToken,
    /// The session has no CSRF secret: a new or expired session, or one
    /// whose id was regenerated (login) or that was destroyed (logout)
    /// since the page with the token was rendered.
    NoSecret,
    /// The token was made for another session or was altered.
    WrongToken,
    /// The `Origin` header names another origin (or is `null`).
    CrossOrigin,
    /// `Sec-Fetch-Site` says the browser sent the request from another
    /// site (or a same-site origin, unless allowed).
    CrossSite,
    /// The token field is not within the part of the form body the check
    /// reads (the limit); send the token in the header for such forms, or
    /// put the field first.
    BodyTooLarge,
    /// The request body could not be read.
    BodyUnreadable,
}

impl Reason {
    /// A stable short name for logs and metrics.
    ///
    /// ```
    /// assert_eq!(sealed_session::csrf::Reason::WrongToken.code(), "wrong-token");
    /// ```
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Reason::MissingToken => "missing-token",
            Reason::MalformedToken => "malformed-token",
            Reason::NoSecret => "no-secret",
            Reason::WrongToken => "wrong-token",
            Reason::CrossOrigin => "cross-origin",
            Reason::CrossSite => "cross-site",
            Reason::BodyTooLarge => "body-too-large",
            Reason::BodyUnreadable => "body-unreadable",
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Reason::MissingToken => "no CSRF token in the request header or form field",
            Reason::MalformedToken => "the CSRF token is malformed",
            Reason::NoSecret => {
                "the session has no CSRF secret (new, expired, logged in or out since the page was rendered); reload the page"
            }
            Reason::WrongToken => "the CSRF token does not belong to this session",
            Reason::CrossOrigin => "the Origin header names another origin",
            Reason::CrossSite => "Sec-Fetch-Site says the request comes from another site",
            Reason::BodyTooLarge => {
                "no CSRF token field within the part of the form that is searched; put the field first or send the token in the header"
            }
            Reason::BodyUnreadable => "the request body could not be read",
        })
    }
}

impl std::error::Error for Reason {}
