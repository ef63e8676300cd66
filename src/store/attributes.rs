//! The `Set-Cookie` attributes after `name=value; Max-Age=N`.

use super::builder::Options;

/// The `SameSite` cookie attribute.
///
/// ```
/// assert_eq!(sealed_session::SameSite::default(), sealed_session::SameSite::Lax);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum SameSite {
    /// Sent only with same-site requests.
    Strict,
    /// Sent with same-site requests and top-level cross-site navigations (the default).
    #[default]
    Lax,
    /// Sent with every request; requires `Secure`.
    None,
}

impl SameSite {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            SameSite::Strict => "Strict",
            SameSite::Lax => "Lax",
            SameSite::None => "None",
        }
    }
}

/// The attributes after `name=value; Max-Age=N`, in a fixed order.
pub(super) fn attributes(o: &Options) -> String {
    let mut a = String::new();
    if let Some(domain) = &o.domain {
        a.push_str("; Domain=");
        a.push_str(domain);
    }
    a.push_str("; Path=");
    a.push_str(&o.path);
    if o.secure {
        a.push_str("; Secure");
    }
    if o.http_only {
        a.push_str("; HttpOnly");
    }
    a.push_str("; SameSite=");
    a.push_str(o.same_site.as_str());
    if o.partitioned {
        a.push_str("; Partitioned");
    }
    a
}
