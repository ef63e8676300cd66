//! Framework integrations: the request-scoped session handle and the
//! "finish the response" decision, shared by the axum, actix-web and
//! Rocket modules. Only header plumbing differs between frameworks; every session
//! rule (what to write, when, and how big) stays in
//! [`CookieStore::load`]/[`CookieStore::save`].

//!
//! [`handle`] is the request-scoped [`Session`] handle (lazy load,
//! response-time save), [`login`] its login and sign-out-everywhere
//! methods; [`sessions`] is a request's [`Sessions`], whose handles are made
//! when something first asks for one; [`response`] turns what the sessions
//! emit into response header operations; this file checks a layer's stores
//! and finishes a request's handles.

use std::sync::Arc;

use crate::ValueError;
use crate::store::{CookieStore, SaveError};

#[cfg(feature = "actix")]
#[cfg_attr(docsrs, doc(cfg(feature = "actix")))]
pub mod actix;
#[cfg(feature = "axum")]
#[cfg_attr(docsrs, doc(cfg(feature = "axum")))]
pub mod axum;
#[cfg(feature = "csrf")]
mod csrf;
#[cfg(all(feature = "csrf", feature = "actix"))]
pub mod csrf_actix;
#[cfg(all(feature = "csrf", feature = "axum"))]
pub mod csrf_axum;
#[cfg(all(feature = "csrf", feature = "rocket"))]
pub mod csrf_rocket;
mod handle;
mod login;
mod request;
mod response;
#[cfg(feature = "rocket")]
#[cfg_attr(docsrs, doc(cfg(feature = "rocket")))]
pub mod rocket;
mod sessions;

pub(crate) use handle::Emit;
pub use handle::Session;
pub(crate) use request::{CookieHeaders, Raw};
pub(crate) use response::response_headers;
pub use sessions::Sessions;
#[cfg(any(feature = "axum", feature = "actix", test))]
pub(crate) use sessions::Source;

/// The body of the rejection when a handler asks for a session but no
/// session layer, middleware or fairing ran for the request.
pub(crate) const MISSING: &str = "sealed-session: no session layer for this request; is `SessionLayer` (axum/tower) or `SessionMiddleware` (actix-web) installed on this route? (Rocket: attach `SessionFairing`.)";

/// Adds `store` to `stores`, replacing a store with the same cookie name.
pub(crate) fn add_store(
    stores: &[CookieStore],
    store: CookieStore,
) -> Result<Arc<[CookieStore]>, crate::StoreError> {
    // A bound store reads its primary's session, created before its own.
    if let Some(primary) = store.bound_to()
        && !stores.iter().any(|s| s.name() == primary)
    {
        return Err(crate::StoreError::InvalidBinding {
            name: store.name().to_owned(),
            primary: primary.to_owned(),
        });
    }
    // `auth` beside `auth.1`: each would read and delete the other's cookies.
    if let Some(other) = stores
        .iter()
        .find(|s| crate::store::names_collide(s.name(), store.name()))
    {
        return Err(crate::StoreError::NameCollision {
            name: store.name().to_owned(),
            other: other.name().to_owned(),
        });
    }
    let mut stores = stores.to_vec();
    match stores.iter_mut().find(|s| s.name() == store.name()) {
        Some(slot) => *slot = store,
        None => stores.push(store),
    }
    Ok(stores.into())
}

/// The response-time saves of `own`, in order, leaving out sessions that
/// add nothing (never used: then nothing is allocated). On the first
/// failure the whole response must become a 500 with no session headers.
/// Bound sessions are saved first: saving one may set the anchor in its
/// primary session, which must then be saved too.
pub(crate) fn finish(own: &[Session]) -> Result<Vec<Emit>, SaveError> {
    let finish = |session: &Session| {
        session
            .finish()
            .inspect_err(|e| log_failure(session.name(), e))
    };
    // Saved first, kept aside until their place in `own` comes; empty (and
    // unallocated) unless a bound session has something to add.
    let mut bound = Vec::new();
    for (index, session) in own.iter().enumerate().filter(|(_, s)| s.is_bound()) {
        let emit = finish(session)?;
        if !emit.adds_nothing() {
            bound.push((index, emit));
        }
    }
    let mut out = Vec::new();
    for (index, session) in own.iter().enumerate() {
        let emit = if session.is_bound() {
            match bound.iter().position(|(i, _)| *i == index) {
                Some(at) => bound.swap_remove(at).1,
                None => continue,
            }
        } else {
            finish(session)?
        };
        if !emit.adds_nothing() {
            out.push(emit);
        }
    }
    Ok(out)
}

#[allow(unused_variables)] // without the `tracing` feature nothing is logged
pub(crate) fn log_failure(name: &str, error: &SaveError) {
    #[cfg(feature = "tracing")]
    tracing::error!(
        cookie = name,
        %error,
        "sealed-session: saving the session failed; answering 500 and leaving the client's cookies unchanged"
    );
}

#[allow(unused_variables)] // without the `tracing` feature nothing is logged
pub(crate) fn log_value_error(error: &ValueError) {
    // The message names the key and the Rust type, never the value.
    #[cfg(feature = "tracing")]
    tracing::error!(%error, "sealed-session: a session value could not be read or stored; answering 500");
}

#[cfg(feature = "csrf")]
#[allow(unused_variables)] // without the `tracing` feature nothing is logged
pub(crate) fn log_token_error(error: &crate::csrf::TokenError) {
    #[cfg(feature = "tracing")]
    tracing::error!(%error, "sealed-session: no CSRF token could be made; answering 500");
}

#[cfg(test)]
mod tests {
    use super::response::{HeaderOp, private_cache_control, varies_on};
    use super::*;

    #[test]
    fn cache_control_is_made_private() {
        assert_eq!(private_cache_control(None).as_deref(), Some("private"));
        assert_eq!(private_cache_control(Some(" ")).as_deref(), Some("private"));
        assert_eq!(private_cache_control(Some("no-store")), None);
        assert_eq!(private_cache_control(Some("Private, max-age=5")), None);
        assert_eq!(
            private_cache_control(Some("public, max-age=3600, s-maxage=600")).as_deref(),
            Some("private, max-age=3600")
        );
        assert_eq!(
            private_cache_control(Some("max-age=60")).as_deref(),
            Some("private, max-age=60")
        );
        assert_eq!(private_cache_control(Some("public, no-store")), None);
        assert_eq!(
            private_cache_control(Some("public, , must-revalidate")).as_deref(),
            Some("private, must-revalidate")
        );
    }

    #[test]
    fn vary_detection() {
        assert!(varies_on(["Accept-Encoding, Cookie"], "cookie"));
        assert!(varies_on(["*"], "cookie"));
        assert!(!varies_on(["Accept-Encoding", "Cookie-Extra"], "cookie"));
        assert!(!varies_on([], "cookie"));
    }

    /// The sessions of `stores` for a request with no cookies, whose
    /// transport headers `header` gives.
    fn begin(
        stores: &[CookieStore],
        header: impl Fn(&str) -> Option<Raw>,
        outer: Option<&Sessions>,
    ) -> Sessions {
        let stores: Arc<[CookieStore]> = stores.into();
        let source = Source::new(&stores, CookieHeaders::default(), header);
        Sessions::begin(&stores, outer, Some(source))
    }

    fn store(name: &str) -> CookieStore {
        let keyring = crate::Keyring::from_config(
            &crate::Keyring::generate_entry(crate::Algorithm::default()).unwrap(),
        )
        .unwrap();
        CookieStore::builder(name, keyring)
            .allow_non_host_name()
            .with_header_transport("x-session")
            .build()
            .unwrap()
    }

    #[test]
    fn a_bound_store_needs_its_primary_before_it() {
        let keyring = || {
            crate::Keyring::from_config(
                &crate::Keyring::generate_entry(crate::Algorithm::default()).unwrap(),
            )
            .unwrap()
        };
        let flow = CookieStore::builder("flow", keyring())
            .allow_non_host_name()
            .with_bound_to("auth")
            .build()
            .unwrap();
        let err = add_store(&[store("other")], flow.clone()).unwrap_err();
        assert!(matches!(err, crate::StoreError::InvalidBinding { .. }));
        let stores = add_store(&[store("auth")], flow).unwrap();
        let all = begin(&stores, |_| None, None);
        assert!(
            all.own().is_empty(),
            "nothing is made before it is asked for"
        );
        assert_eq!(all.names().collect::<Vec<_>>(), ["auth", "flow"]);
        let own = all.own();
        assert!(own[1].is_bound() && !own[0].is_bound());
        // The bound session is saved first; it sets the anchor in the empty
        // primary, which is then written too.
        own[1].insert("state", &1).unwrap();
        let emit = finish(own).unwrap();
        assert!(emit[0].set_cookie[0].starts_with("auth="), "{emit:?}");
        assert!(emit[1].set_cookie[0].starts_with("flow="), "{emit:?}");
    }

    #[test]
    fn unused_sessions_emit_nothing_and_outer_sessions_are_reused() {
        let stores = [store("a"), store("b")];
        let outer = begin(&stores[..1], |_| None, None);
        let all = begin(&stores, |_| None, Some(&outer));
        assert!(outer.own().is_empty() && all.own().is_empty());
        assert_eq!(finish(all.own()).unwrap(), []);
        assert_eq!(all.names().collect::<Vec<_>>(), ["a", "b"]);
        // Making the inner sessions made the outer ones, shared.
        assert_eq!(outer.own().len(), 1);
        assert_eq!(outer.own()[0].name(), "a");
        let own = all.own();
        assert_eq!(own.len(), 1);
        assert_eq!(own[0].name(), "b");
        assert_eq!(finish(own).unwrap(), []);
        assert!(response_headers(finish(own).unwrap(), &[], &[]).is_empty());
    }

    #[test]
    fn failed_early_save_keeps_cookies_unless_touched_again() {
        let stores = [store("a")];
        let all = begin(&stores, |_| None, None);
        let own = [all.primary().unwrap()];
        let s = &own[0];
        s.insert("big", &"x".repeat(10_000)).unwrap();
        assert!(matches!(s.save(), Err(SaveError::TooLarge { .. })));
        let used = Emit {
            vary: Some("Cookie".into()),
            ..Emit::default()
        };
        assert_eq!(finish(&own).unwrap(), std::slice::from_ref(&used));
        // Touched after the failure: the response-time save runs and fails.
        s.insert("more", &1).unwrap();
        assert!(finish(&own).is_err());
        s.revert();
        assert!(s.is_empty());
        assert_eq!(finish(&own).unwrap(), [used]);
    }

    #[test]
    fn early_save_is_sent_once_and_superseded_by_later_changes() {
        let stores = [store("a")];
        let all = begin(&stores, |_| None, None);
        let own = [all.primary().unwrap()];
        own[0].insert("k", &1).unwrap();
        own[0].save().unwrap();
        let early = finish(&own).unwrap();
        assert!(early[0].set_cookie[0].starts_with("a="));
        own[0].insert("k", &2).unwrap();
        let later = finish(&own).unwrap();
        assert_ne!(later[0].set_cookie[0], early[0].set_cookie[0]);
    }

    #[test]
    fn header_transport_is_used_when_the_request_carries_the_header() {
        let stores = [store("a")];
        let all = begin(
            &stores,
            |h| (h == "x-session").then(|| Raw::Text(Arc::from(""))),
            None,
        );
        let own = [all.primary().unwrap()];
        own[0].insert("k", &1).unwrap();
        let emit = finish(&own).unwrap();
        assert!(emit[0].set_cookie.is_empty());
        let (name, value) = emit[0].header.clone().unwrap();
        assert_eq!(name, "x-session");
        assert_eq!(emit[0].vary.as_deref(), Some("x-session"));
        let all = begin(
            &stores,
            |_| Some(Raw::Text(Arc::from(value.as_str()))),
            None,
        );
        let own = [all.primary().unwrap()];
        assert_eq!(own[0].get::<u32>("k").unwrap(), Some(1));
    }

    #[test]
    fn response_headers_for_used_and_changed_sessions() {
        let changed = Emit {
            set_cookie: vec!["a=1".into(), "a.1=; Max-Age=0".into()],
            header: None,
            vary: Some("Cookie".into()),
        };
        let read_only = Emit {
            vary: Some("cookie".into()),
            ..Emit::default()
        };
        let op = |name: &'static str, value: &str, append| HeaderOp {
            name: name.into(),
            value: value.into(),
            append,
        };
        assert_eq!(
            response_headers(vec![changed.clone(), read_only.clone()], &[], &["Accept"]),
            [
                op("set-cookie", "a=1", true),
                op("set-cookie", "a.1=; Max-Age=0", true),
                op("cache-control", "private", false),
                op("vary", "Cookie", true),
            ]
        );
        // Read only: the response varies on the cookie but stays cacheable.
        assert_eq!(
            response_headers(vec![read_only.clone()], &["public"], &[]),
            [op("vary", "cookie", true)]
        );
        assert!(response_headers(vec![read_only], &[], &["Accept, Cookie"]).is_empty());
        assert_eq!(
            response_headers(vec![changed], &["no-cache", "public"], &["*"]),
            [
                op("set-cookie", "a=1", true),
                op("set-cookie", "a.1=; Max-Age=0", true),
                op("cache-control", "private, no-cache", false),
            ]
        );
    }
}
