//! What the CSRF layer and middleware check, with secure defaults.

use std::fmt;

use super::{DEFAULT_BODY_LIMIT, DEFAULT_FIELD, DEFAULT_HEADER};

/// The CSRF check's options: a consuming `with_*` builder over secure
/// defaults (header `x-csrf-token`, field `csrf_token`, 1 MiB form limit,
/// `Origin` and `Sec-Fetch-Site` checked, same-site requests refused, no
/// exemptions).
///
/// ```
/// use sealed_session::csrf::CsrfConfig;
///
/// let config = CsrfConfig::new()
///     .with_header_name("x-xsrf-token")?
///     .with_field_name("_token")?
///     .with_exempt_path("/webhooks/")?
///     .with_trusted_origin("https://admin.example.com")?;
/// assert!(config.is_exempt("/webhooks/stripe"));
/// assert!(!config.is_exempt("/notes"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct CsrfConfig {
    pub(crate) header: String,
    pub(crate) field: String,
    pub(crate) body_limit: usize,
    pub(crate) exempt: Vec<String>,
    pub(crate) trusted_origins: Vec<String>,
    pub(crate) allow_same_site: bool,
    pub(crate) check_origin: bool,
}

impl Default for CsrfConfig {
    fn default() -> Self {
        CsrfConfig {
            header: DEFAULT_HEADER.to_owned(),
            field: DEFAULT_FIELD.to_owned(),
            body_limit: DEFAULT_BODY_LIMIT,
            exempt: Vec::new(),
            trusted_origins: Vec::new(),
            allow_same_site: false,
            check_origin: true,
        }
    }
}

/// A rejected [`CsrfConfig`] option.
///
/// ```
/// use sealed_session::csrf::{CsrfConfig, CsrfConfigError};
/// assert!(matches!(
///     CsrfConfig::new().with_header_name("bad header"),
///     Err(CsrfConfigError::HeaderName(_))
/// ));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CsrfConfigError {
    /// Not an HTTP header name (RFC 9110 token characters).
    HeaderName(String),
    /// Empty, longer than 256 bytes, or with control characters.
    FieldName(String),
    /// Not `scheme://host[:port]` in lowercase without a path.
    Origin(String),
    /// Not a path starting with `/`.
    ExemptPath(String),
}

impl fmt::Display for CsrfConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CsrfConfigError::HeaderName(n) => write!(f, "{n:?} is not an HTTP header name"),
            CsrfConfigError::FieldName(n) => write!(
                f,
                "{n:?} is not a usable form field name (1 to 256 bytes, no control characters)"
            ),
            CsrfConfigError::Origin(o) => write!(
                f,
                "{o:?} is not an origin: expected lowercase scheme://host[:port] with no path"
            ),
            CsrfConfigError::ExemptPath(p) => write!(f, "{p:?} is not a path starting with '/'"),
        }
    }
}

impl std::error::Error for CsrfConfigError {}

fn is_token_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

impl CsrfConfig {
    /// The defaults.
    ///
    /// ```
    /// let config = sealed_session::csrf::CsrfConfig::new();
    /// assert_eq!(config.header_name(), "x-csrf-token");
    /// ```
    #[must_use]
    pub fn new() -> Self {
        CsrfConfig::default()
    }

    /// The request header that carries the token (for `fetch` and other
    /// scripts), compared case-insensitively.
    ///
    /// # Errors
    ///
    /// [`CsrfConfigError::HeaderName`] if `name` is not a header name.
    ///
    /// ```
    /// let config = sealed_session::csrf::CsrfConfig::new().with_header_name("X-XSRF-Token")?;
    /// assert_eq!(config.header_name(), "x-xsrf-token");
    /// # Ok::<(), sealed_session::csrf::CsrfConfigError>(())
    /// ```
    pub fn with_header_name(mut self, name: &str) -> Result<Self, CsrfConfigError> {
        if name.is_empty() || !name.bytes().all(is_token_char) {
            return Err(CsrfConfigError::HeaderName(name.to_owned()));
        }
        self.header = name.to_ascii_lowercase();
        Ok(self)
    }

    /// The header name in use (lowercase).
    ///
    /// ```
    /// assert_eq!(sealed_session::csrf::CsrfConfig::new().header_name(), "x-csrf-token");
    /// ```
    #[must_use]
    pub fn header_name(&self) -> &str {
        &self.header
    }

    /// The urlencoded or multipart form field that carries the token.
    ///
    /// # Errors
    ///
    /// [`CsrfConfigError::FieldName`] if `name` is empty, longer than 256
    /// bytes or has control characters.
    ///
    /// ```
    /// let config = sealed_session::csrf::CsrfConfig::new().with_field_name("_csrf")?;
    /// assert_eq!(config.field_name(), "_csrf");
    /// # Ok::<(), sealed_session::csrf::CsrfConfigError>(())
    /// ```
    pub fn with_field_name(mut self, name: &str) -> Result<Self, CsrfConfigError> {
        if name.is_empty() || name.len() > 256 || name.chars().any(char::is_control) {
            return Err(CsrfConfigError::FieldName(name.to_owned()));
        }
        name.clone_into(&mut self.field);
        Ok(self)
    }

    /// The form field name in use.
    ///
    /// ```
    /// assert_eq!(sealed_session::csrf::CsrfConfig::new().field_name(), "csrf_token");
    /// ```
    #[must_use]
    pub fn field_name(&self) -> &str {
        &self.field
    }

    /// The most bytes of an urlencoded or multipart body read to find the
    /// token field when the header does not carry it. The body is handed to
    /// the handler whole afterwards; a larger body is refused with
    /// [`Reason::BodyTooLarge`](super::Reason::BodyTooLarge).
    ///
    /// ```
    /// let config = sealed_session::csrf::CsrfConfig::new().with_body_limit(64 * 1024);
    /// # let _ = config;
    /// ```
    #[must_use]
    pub fn with_body_limit(mut self, bytes: usize) -> Self {
        self.body_limit = bytes;
        self
    }

    /// Skips the check for `path`, or for every path under it when it ends
    /// with `/` (webhooks authenticated otherwise, APIs that use no cookies).
    ///
    /// # Security
    ///
    /// An exempt route that acts on the session cookie can be forged from
    /// any site: exempt only routes that do not rely on the cookie session.
    ///
    /// # Errors
    ///
    /// [`CsrfConfigError::ExemptPath`] if `path` does not start with `/`.
    ///
    /// ```
    /// let config = sealed_session::csrf::CsrfConfig::new().with_exempt_path("/hooks/")?;
    /// assert!(config.is_exempt("/hooks/github"));
    /// assert!(!config.is_exempt("/hooks"));
    /// # Ok::<(), sealed_session::csrf::CsrfConfigError>(())
    /// ```
    pub fn with_exempt_path(mut self, path: &str) -> Result<Self, CsrfConfigError> {
        if !path.starts_with('/') {
            return Err(CsrfConfigError::ExemptPath(path.to_owned()));
        }
        self.exempt.push(path.to_owned());
        Ok(self)
    }

    /// Whether requests to `path` skip the check.
    ///
    /// ```
    /// let config = sealed_session::csrf::CsrfConfig::new().with_exempt_path("/ping")?;
    /// assert!(config.is_exempt("/ping"));
    /// assert!(!config.is_exempt("/ping/more"));
    /// # Ok::<(), sealed_session::csrf::CsrfConfigError>(())
    /// ```
    #[must_use]
    pub fn is_exempt(&self, path: &str) -> bool {
        self.exempt.iter().any(|e| {
            if e.ends_with('/') {
                path.starts_with(e.as_str())
            } else {
                path == e
            }
        })
    }

    /// Accepts requests whose `Origin` is `origin` besides the request's
    /// own host (a separate front end, an admin subdomain).
    ///
    /// # Errors
    ///
    /// [`CsrfConfigError::Origin`] unless `origin` is lowercase
    /// `scheme://host[:port]` with no path.
    ///
    /// ```
    /// let config = sealed_session::csrf::CsrfConfig::new()
    ///     .with_trusted_origin("https://app.example.com")?;
    /// # let _ = config;
    /// # Ok::<(), sealed_session::csrf::CsrfConfigError>(())
    /// ```
    pub fn with_trusted_origin(mut self, origin: &str) -> Result<Self, CsrfConfigError> {
        let valid = origin.split_once("://").is_some_and(|(scheme, authority)| {
            !scheme.is_empty()
                && !authority.is_empty()
                && !authority.contains('/')
                && scheme
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b"+-.".contains(&b))
        }) && !origin
            .bytes()
            .any(|b| b.is_ascii_uppercase() || b.is_ascii_whitespace());
        if !valid {
            return Err(CsrfConfigError::Origin(origin.to_owned()));
        }
        self.trusted_origins.push(origin.to_owned());
        Ok(self)
    }

    /// Accepts requests that `Sec-Fetch-Site` marks `same-site` (sent from
    /// another origin of the same registrable domain).
    ///
    /// # Security
    ///
    /// Any subdomain, including one serving user content or taken over,
    /// can then forge requests that carry a stolen or leaked token; the
    /// token check still applies.
    ///
    /// ```
    /// let config = sealed_session::csrf::CsrfConfig::new().with_same_site_allowed(true);
    /// # let _ = config;
    /// ```
    #[must_use]
    pub fn with_same_site_allowed(mut self, allowed: bool) -> Self {
        self.allow_same_site = allowed;
        self
    }

    /// Turns the `Origin` / `Sec-Fetch-Site` checks off, leaving the token
    /// check alone.
    ///
    /// # Security
    ///
    /// They are defence in depth: a token leaked through a page or a log
    /// is then usable from any site.
    ///
    /// ```
    /// let config = sealed_session::csrf::CsrfConfig::new().with_origin_check(false);
    /// # let _ = config;
    /// ```
    #[must_use]
    pub fn with_origin_check(mut self, check: bool) -> Self {
        self.check_origin = check;
        self
    }
}
