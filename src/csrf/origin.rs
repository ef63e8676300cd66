//! `Sec-Fetch-Site` and `Origin`: where a browser says a request comes from.
//!
//! Both headers are set by browsers and cannot be set by page scripts
//! (forbidden header names), so a cross-site form or `fetch` cannot hide its
//! origin. Clients that are not browsers send neither: then only the token
//! protects (SECURITY.md, "Cross-site request forgery").

use super::{CsrfConfig, Reason};

/// Checks the request's provenance. `host` is the request's `Host` header
/// (or HTTP/2 `:authority`).
pub(crate) fn check_origin(
    config: &CsrfConfig,
    origin: Option<&[u8]>,
    sec_fetch_site: Option<&[u8]>,
    host: Option<&[u8]>,
) -> Result<(), Reason> {
    if !config.check_origin {
        return Ok(());
    }
    let origin = origin.map(<[u8]>::trim_ascii);
    // Listed origins come first and bypass the fetch-metadata verdict: a
    // trusted admin subdomain is `same-site`, a separate front end
    // `cross-site`, and both must pass (Go's `net/http.CrossOriginProtection`
    // checks its trusted list first too). `Origin` cannot be set by page
    // scripts, so only a browser on that very origin sends it.
    if let Some(origin) = origin
        && config
            .trusted_origins
            .iter()
            .any(|t| t.as_bytes().eq_ignore_ascii_case(origin))
    {
        return Ok(());
    }
    // Fetch metadata is the browser's own verdict; `none` is a navigation
    // the user started (address bar, bookmark).
    match sec_fetch_site.map(<[u8]>::trim_ascii) {
        Some(b"same-origin" | b"none") => return Ok(()),
        Some(b"same-site") if config.allow_same_site => return Ok(()),
        Some(b"same-site" | b"cross-site") => return Err(Reason::CrossSite),
        // Unknown future values fall through to `Origin`.
        _ => {}
    }
    let Some(origin) = origin else {
        return Ok(());
    };
    // `null`: sandboxed frames, `data:` documents, redirects across origins.
    if origin == b"null" {
        return Err(Reason::CrossOrigin);
    }
    let Ok(origin) = std::str::from_utf8(origin) else {
        return Err(Reason::CrossOrigin);
    };
    // The scheme is not compared: behind a TLS-terminating proxy the
    // application does not know it, and an attacker who can serve pages on
    // this very host over the other scheme already shares its cookies.
    let authority = origin.split_once("://").map(|(_, a)| a);
    match (authority, host.map(<[u8]>::trim_ascii)) {
        (Some(authority), Some(host)) if authority.as_bytes().eq_ignore_ascii_case(host) => Ok(()),
        _ => Err(Reason::CrossOrigin),
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn origin() -> impl Strategy<Value = String> {
        (
            prop::sample::select(vec!["http", "https"]),
            prop::collection::vec("[a-c]{1,3}", 1..4),
            prop::option::of(prop::sample::select(vec![8080u16, 8443, 3000])),
        )
            .prop_map(|(scheme, labels, port)| {
                let port = port.map(|p| format!(":{p}")).unwrap_or_default();
                format!("{scheme}://{}{port}", labels.join("."))
            })
    }

    proptest! {
        /// Against a cross-site or same-site verdict, a request passes iff
        /// its `Origin` is one of the trusted origins (ASCII
        /// case-insensitively): no prefix, suffix, port or scheme variant.
        #[test]
        fn only_a_listed_origin_overrides_fetch_metadata(
            trusted in prop::collection::vec(origin(), 1..4),
            sent in origin(),
            pick in any::<prop::sample::Index>(),
            use_listed in any::<bool>(),
            upper in any::<bool>(),
            site in prop::sample::select(vec!["same-site", "cross-site"]),
        ) {
            let mut config = CsrfConfig::new();
            for t in &trusted {
                config = config.with_trusted_origin(t).unwrap();
            }
            let sent = if use_listed { pick.get(&trusted).clone() } else { sent };
            let on_wire = if upper { sent.to_ascii_uppercase() } else { sent.clone() };
            let verdict = check_origin(
                &config,
                Some(on_wire.as_bytes()),
                Some(site.as_bytes()),
                Some(b"app.example"),
            );
            let listed = trusted.iter().any(|t| t.eq_ignore_ascii_case(&sent));
            prop_assert_eq!(verdict.is_ok(), listed);
            // Without an `Origin`, the list never applies.
            prop_assert_eq!(
                check_origin(&config, None, Some(site.as_bytes()), Some(b"app.example")),
                Err(Reason::CrossSite)
            );
        }
    }

    fn check(origin: Option<&str>, site: Option<&str>, host: &str) -> Result<(), Reason> {
        check_origin(
            &CsrfConfig::new(),
            origin.map(str::as_bytes),
            site.map(str::as_bytes),
            Some(host.as_bytes()),
        )
    }

    #[test]
    fn provenance() {
        let host = "app.example:8080";
        assert_eq!(check(None, None, host), Ok(()));
        assert_eq!(check(Some("http://app.example:8080"), None, host), Ok(()));
        assert_eq!(check(Some("https://APP.example:8080"), None, host), Ok(()));
        assert_eq!(
            check(Some("http://evil.example"), None, host),
            Err(Reason::CrossOrigin)
        );
        assert_eq!(
            check(Some("http://app.example"), None, host),
            Err(Reason::CrossOrigin)
        );
        assert_eq!(check(Some("null"), None, host), Err(Reason::CrossOrigin));
        assert_eq!(
            check(None, Some("cross-site"), host),
            Err(Reason::CrossSite)
        );
        assert_eq!(check(None, Some("same-site"), host), Err(Reason::CrossSite));
        assert_eq!(
            check(Some("http://evil.example"), Some("same-origin"), host),
            Ok(())
        );
        assert_eq!(
            check(Some("http://evil.example"), Some("future"), host),
            Err(Reason::CrossOrigin)
        );
        let relaxed = CsrfConfig::new()
            .with_same_site_allowed(true)
            .with_trusted_origin("https://admin.example")
            .unwrap();
        let c = |o: &str, s: Option<&str>| {
            check_origin(
                &relaxed,
                Some(o.as_bytes()),
                s.map(str::as_bytes),
                Some(host.as_bytes()),
            )
        };
        assert_eq!(c("https://sub.example", Some("same-site")), Ok(()));
        assert_eq!(c("https://admin.example", None), Ok(()));
        assert_eq!(
            c("https://sub.example", Some("cross-site")),
            Err(Reason::CrossSite)
        );
        // Trusted origins pass whatever fetch metadata says.
        let trusted = CsrfConfig::new()
            .with_trusted_origin("https://admin.example")
            .unwrap()
            .with_trusted_origin("https://front.other")
            .unwrap();
        let t = |o: &str, s: &str| {
            check_origin(
                &trusted,
                Some(o.as_bytes()),
                Some(s.as_bytes()),
                Some(host.as_bytes()),
            )
        };
        assert_eq!(t("https://admin.example", "same-site"), Ok(()));
        assert_eq!(t("https://front.other", "cross-site"), Ok(()));
        assert_eq!(
            t("https://sub.example", "same-site"),
            Err(Reason::CrossSite)
        );
        assert_eq!(
            t("https://front.other.evil", "cross-site"),
            Err(Reason::CrossSite)
        );
        assert_eq!(
            t("https://admin.example:8443", "same-site"),
            Err(Reason::CrossSite)
        );
        assert_eq!(c("https://other.example", None), Err(Reason::CrossOrigin));
        let off = CsrfConfig::new().with_origin_check(false);
        assert_eq!(
            check_origin(&off, Some(b"null"), Some(b"cross-site"), None),
            Ok(())
        );
    }
}
