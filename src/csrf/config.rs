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
    /// Not a path starting with `/`, or one with a query, a fragment, an
    /// empty, `.` or `..` segment, or a control character: no request path
    /// the check sees would match it as written.
    ExemptPath(String),
    /// `/` (or only slashes) as an exemption would be a prefix of every
    /// path and turn the check off for the whole application.
    ExemptsEverything,
    /// A trusted origin that no browser ever sends in `Origin`, so listing
    /// it would silently have no effect; the text says which rule it breaks.
    UnmatchableOrigin {
        /// The origin as given.
        origin: String,
        /// What is wrong with it.
        reason: &'static str,
    },
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
            CsrfConfigError::ExemptPath(p) => write!(
                f,
                "{p:?} is not a path starting with '/' without query, fragment, empty, '.' or '..' segments"
            ),
            CsrfConfigError::ExemptsEverything => f.write_str(
                "exempting \"/\" would turn the CSRF check off for every path; exempt the routes that need it"
            ),
            CsrfConfigError::UnmatchableOrigin { origin, reason } => write!(
                f,
                "trusted origin {origin:?} can never match a browser's Origin header: {reason}"
            ),
        }
    }
}

impl std::error::Error for CsrfConfigError {}

fn is_token_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// Whether `segment` is `.` or `..`, also percent-encoded (RFC 3986 5.2.4).
fn is_dot_segment(segment: &str) -> bool {
    let lower = segment.to_ascii_lowercase();
    matches!(
        lower.as_str(),
        "." | ".." | "%2e" | "%2e%2e" | ".%2e" | "%2e."
    )
}

/// Why an origin (already `scheme://authority` in shape) never appears in a
/// browser's `Origin` header, which carries the ASCII serialisation of the
/// origin (WHATWG URL, "origin"): lowercase punycode host, no default port.
fn unmatchable(scheme: &str, authority: &str) -> Result<(), &'static str> {
    if authority.contains('*') {
        return Err("browsers send one exact origin; wildcards are not supported");
    }
    if !authority.is_ascii() {
        return Err("the host must be in its ASCII (punycode, xn--) form");
    }
    if authority.bytes().any(|b| b.is_ascii_uppercase()) {
        return Err("browsers send the host in lowercase");
    }
    let (host, port) = match authority.strip_prefix('[') {
        Some(v6) => {
            let (address, rest) = v6.split_once(']').ok_or("unclosed IPv6 literal")?;
            if address.is_empty()
                || !address
                    .bytes()
                    .all(|b| b.is_ascii_hexdigit() || b":.".contains(&b))
            {
                return Err("not an IPv6 address");
            }
            match rest {
                "" => (address, None),
                _ => (
                    address,
                    Some(
                        rest.strip_prefix(':')
                            .ok_or("junk after the IPv6 literal")?,
                    ),
                ),
            }
        }
        None => match authority.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        },
    };
    if host.is_empty()
        || !host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._:".contains(&b))
    {
        return Err("the host has characters no host name has");
    }
    if let Some(port) = port {
        let number = port
            .parse::<u16>()
            .ok()
            .filter(|p| {
                *p != 0 && !port.starts_with('0') && port.bytes().all(|b| b.is_ascii_digit())
            })
            .ok_or("the port must be a number from 1 to 65535 without leading zeros")?;
        if (scheme, number) == ("https", 443) || (scheme, number) == ("http", 80) {
            return Err("browsers omit the scheme's default port; leave it out");
        }
    }
    Ok(())
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

    /// How many bytes of an urlencoded or multipart body are searched for
    /// the token field when the header does not carry it. The body is read
    /// only as far as the field, and only for a session that has a secret;
    /// what was read (at most this many bytes plus one read from the
    /// connection) is handed to the handler followed by the rest of the
    /// body, streamed. A body without the field within the limit is refused
    /// with [`Reason::BodyTooLarge`](super::Reason::BodyTooLarge). (Rocket's
    /// fairing sees at most 512 bytes, whatever the limit.)
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
    /// [`CsrfConfigError::ExemptsEverything`] for `/` (a prefix of every
    /// path); [`CsrfConfigError::ExemptPath`] if `path` does not start with
    /// `/` or has a query, a fragment, an empty, `.` or `..` segment.
    ///
    /// ```
    /// let config = sealed_session::csrf::CsrfConfig::new().with_exempt_path("/hooks/")?;
    /// assert!(config.is_exempt("/hooks/github"));
    /// assert!(!config.is_exempt("/hooks"));
    /// # Ok::<(), sealed_session::csrf::CsrfConfigError>(())
    /// ```
    pub fn with_exempt_path(mut self, path: &str) -> Result<Self, CsrfConfigError> {
        if path.bytes().all(|b| b == b'/') && !path.is_empty() {
            return Err(CsrfConfigError::ExemptsEverything);
        }
        let segments = path.strip_prefix('/').map(|rest| {
            // A prefix ends with `/`: its last (empty) segment is not one.
            let rest = rest.strip_suffix('/').unwrap_or(rest);
            rest.split('/')
                .any(|seg| seg.is_empty() || is_dot_segment(seg))
        });
        if segments.is_none_or(|bad| bad)
            || path
                .bytes()
                .any(|b| b == b'?' || b == b'#' || b.is_ascii_control() || b == b' ')
        {
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
        // A path with dot segments, or with an encoded or backslash
        // separator, may be resolved by something in front of the
        // application to a route outside the exemption: never exempt.
        let lower = path.to_ascii_lowercase();
        if path.split('/').any(is_dot_segment)
            || lower.contains("%2f")
            || lower.contains("%5c")
            || path.contains('\\')
        {
            return false;
        }
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
    /// [`CsrfConfigError::Origin`] unless `origin` is
    /// `scheme://host[:port]` with no path, query or user;
    /// [`CsrfConfigError::UnmatchableOrigin`] for one that browsers never
    /// send as written (and that would so silently trust nothing): a host
    /// with uppercase or non-ASCII letters (write its punycode form,
    /// `xn--…`), a wildcard, an explicit default port (`:443` for `https`,
    /// `:80` for `http`) or a port that is not a number from 1 to 65535
    /// without leading zeros.
    ///
    /// # Security
    ///
    /// Requests whose `Origin` is a listed origin pass the provenance check
    /// whatever `Sec-Fetch-Site` says (`same-site` or `cross-site`): they
    /// still need the session's token, but anything served on that origin
    /// (user content, a taken-over subdomain) can send them. List only
    /// origins you control.
    ///
    /// ```
    /// let config = sealed_session::csrf::CsrfConfig::new()
    ///     .with_trusted_origin("https://app.example.com")?;
    /// # let _ = config;
    /// # Ok::<(), sealed_session::csrf::CsrfConfigError>(())
    /// ```
    pub fn with_trusted_origin(mut self, origin: &str) -> Result<Self, CsrfConfigError> {
        let Some((scheme, authority)) = origin.split_once("://") else {
            return Err(CsrfConfigError::Origin(origin.to_owned()));
        };
        let scheme_ok = scheme
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_lowercase())
            && scheme
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"+-.".contains(&b));
        if !scheme_ok
            || authority.is_empty()
            || authority
                .bytes()
                .any(|b| b"/?#@".contains(&b) || b.is_ascii_whitespace() || b.is_ascii_control())
        {
            return Err(CsrfConfigError::Origin(origin.to_owned()));
        }
        if let Err(reason) = unmatchable(scheme, authority) {
            return Err(CsrfConfigError::UnmatchableOrigin {
                origin: origin.to_owned(),
                reason,
            });
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

#[cfg(test)]
mod tests {
    use super::*;

    fn trusted(origin: &str) -> Result<CsrfConfig, CsrfConfigError> {
        CsrfConfig::new().with_trusted_origin(origin)
    }

    #[test]
    fn origins_that_can_match() {
        for ok in [
            "https://admin.example.com",
            "http://127.0.0.1:8080",
            "https://xn--bcher-kva.example",
            "http://[::1]:3000",
            "https://[2001:db8::1]",
            "https://a.example:8443",
            "chrome-extension://abcdef",
        ] {
            assert!(trusted(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn origins_that_never_match_are_refused() {
        for never in [
            "https://*.example.com",
            "*",
            "https://bücher.example",
            "https://Admin.example.com",
            "https://example.com:443",
            "http://example.com:80",
            "https://example.com:0443",
            "https://example.com:0",
            "https://example.com:65536",
            "https://example.com:",
            "https://[::1",
            "https://[::1]x",
            "https://exa mple.com",
        ] {
            assert!(
                matches!(
                    trusted(never),
                    Err(CsrfConfigError::UnmatchableOrigin { .. } | CsrfConfigError::Origin(_))
                ),
                "{never}"
            );
        }
        assert!(matches!(
            trusted("https://bücher.example"),
            Err(CsrfConfigError::UnmatchableOrigin { reason, .. }) if reason.contains("punycode")
        ));
        assert!(matches!(
            trusted("https://example.com:443"),
            Err(CsrfConfigError::UnmatchableOrigin { reason, .. }) if reason.contains("default port")
        ));
        for malformed in [
            "example.com",
            "https://example.com/",
            "https://example.com/path",
            "https://user@example.com",
            "HTTPS://example.com",
            "https://",
            "://example.com",
        ] {
            assert!(
                matches!(trusted(malformed), Err(CsrfConfigError::Origin(_))),
                "{malformed}"
            );
        }
    }

    #[test]
    fn the_root_cannot_be_exempted_and_paths_are_exact_or_prefixes() {
        for everything in ["/", "//", "///"] {
            assert_eq!(
                CsrfConfig::new().with_exempt_path(everything).err(),
                Some(CsrfConfigError::ExemptsEverything)
            );
        }
        for bad in [
            "",
            "hooks",
            "/hooks//",
            "/a//b",
            "/a/../b",
            "/a/./",
            "/a/%2E%2e/",
            "/a?x",
            "/a#b",
            "/a b",
        ] {
            assert!(
                matches!(
                    CsrfConfig::new().with_exempt_path(bad),
                    Err(CsrfConfigError::ExemptPath(_))
                ),
                "{bad}"
            );
        }
        let config = CsrfConfig::new()
            .with_exempt_path("/hooks/")
            .unwrap()
            .with_exempt_path("/ping")
            .unwrap();
        assert!(config.is_exempt("/hooks/github"));
        assert!(config.is_exempt("/ping"));
        assert!(!config.is_exempt("/"));
        assert!(!config.is_exempt("/pingx"));
        assert!(!config.is_exempt("/ping/"));
        assert!(!config.is_exempt("/hooks"));
        // Dot segments could resolve outside the exemption.
        assert!(!config.is_exempt("/hooks/../account"));
        assert!(!config.is_exempt("/hooks/%2e%2E/account"));
        assert!(!config.is_exempt("/hooks/./x"));
        assert!(!config.is_exempt("/hooks/..%2Faccount"));
        assert!(!config.is_exempt("/hooks/..%5caccount"));
        assert!(!config.is_exempt("/hooks/..\\account"));
    }
}
