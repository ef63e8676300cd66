//! The `Set-Cookie` attributes after `name=value; Max-Age=N`.

use super::options::Options;

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
