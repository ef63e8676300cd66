//! The threat model's attacks on sessions over real HTTP (SECURITY.md
//! "Cookie injection" and "Limitations", README "Logging out"): a session
//! tossed beside the user's (both orders), a session tossed before login,
//! a copied cookie replayed after logout, and "sign out of all devices"
//! with the application's own async extractor, in axum and in actix-web.
//!
//! The clients are reqwest with a cookie jar. A jar cannot hold a cookie
//! that a sibling subdomain set with `Domain=` for this host, so an
//! injected cookie is added to the request's `Cookie` header by hand,
//! beside the jar's own, as a browser would send both.
#![cfg(all(feature = "axum", feature = "actix"))]
// Test code: a failed expectation is a panic with a message.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod threat_support;

use reqwest::StatusCode;
use threat_support::{Client, actix_server, axum_server, backend, cookie_pairs, next_second};

/// Where the attacker's cookie lands in the victim's `Cookie` header: a
/// longer `Path` sorts first, and the attacker picks the path.
#[derive(Clone, Copy, Debug)]
enum Order {
    InjectedFirst,
    InjectedLast,
}

#[tokio::test]
async fn injection_a_tossed_session_beside_the_victims_is_refused_in_both_orders() {
    let backend = backend();
    let store = backend.store.clone();
    let server = axum_server(backend).await;
    let victim = Client::new(&server);
    let attacker = Client::new(&server);
    victim.post("/login/victim").await;
    attacker.post("/login/mallory").await;
    let tossed = attacker.cookie_header();
    assert_eq!(
        victim.get("/whoami").await.1,
        "user=Some(\"victim\") error=None"
    );

    for order in [Order::InjectedFirst, Order::InjectedLast] {
        let before = store.stats().injections;
        let own = victim.cookie_header();
        let header = match order {
            Order::InjectedFirst => format!("{tossed}; {own}"),
            Order::InjectedLast => format!("{own}; {tossed}"),
        };
        let (status, body, _) = victim.get_with_cookie("/whoami", &header).await;
        assert_eq!(status, StatusCode::OK);
        // Never the attacker's account; not the victim's either: two
        // authentic sessions under one name are both refused.
        assert_eq!(body, "user=None error=Some(Conflict)", "{order:?}");
        assert_eq!(store.stats().injections, before + 1, "{order:?}");
        // A state-changing request in that state writes into neither
        // account: it starts a fresh session, never the attacker's.
        let (_, body, set) = victim.get_with_cookie("/count", &header).await;
        assert_eq!(body, "1", "{order:?}");
        assert!(!set.iter().any(|l| l.contains(&tossed)), "{set:?}");
        // The jar now holds that fresh session: log the victim in again.
        victim.post("/login/victim").await;
    }
    // Junk beside the session (no valid session needed) changes nothing.
    let own = victim.cookie_header();
    for junk in ["session.1=x", "session.2=x", "session=garbage"] {
        for header in [format!("{junk}; {own}"), format!("{own}; {junk}")] {
            let (_, body, _) = victim.get_with_cookie("/whoami", &header).await;
            assert_eq!(body, "user=Some(\"victim\") error=None", "{header}");
        }
    }
    // Without the injected cookie the victim's session opens again: the
    // cost of the refusal is a logout for as long as the browser sends the
    // injected cookie (a `__Host-` name prevents the injection).
    assert_eq!(
        victim.get("/whoami").await.1,
        "user=Some(\"victim\") error=None"
    );
    // The attacker's session alone still opens.
    let (_, body, _) = attacker.get_with_cookie("/whoami", &tossed).await;
    assert_eq!(body, "user=Some(\"mallory\") error=None");
}

#[tokio::test]
async fn injection_a_session_tossed_before_login_is_replaced_by_begin_login() {
    let server = axum_server(backend()).await;
    let attacker = Client::new(&server);
    // An anonymous session with data the attacker wants in the victim's
    // account (a redirect target, an OAuth state).
    attacker.post("/plant").await;
    let tossed = attacker.cookie_header();
    let victim = Client::new(&server);
    // The victim has no cookie of its own: the tossed one opens as theirs...
    let (_, body, _) = victim.get_with_cookie("/planted", &tossed).await;
    assert_eq!(body, "Some(\"attacker-state\")");
    // ...and logs in with it in the Cookie header.
    let (status, _, set) = victim.post_with_cookie("/login/victim", &tossed).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!set.is_empty());
    // begin_login dropped what was planted and issued a new id.
    let (_, body, _) = victim.get("/planted").await;
    assert_eq!(body, "None");
    assert_eq!(
        victim.get("/whoami").await.1,
        "user=Some(\"victim\") error=None"
    );
    let victim_id = victim.get("/id").await.1;
    // The attacker's copy is still their anonymous session: no login in it.
    let (_, body, _) = attacker.get_with_cookie("/whoami", &tossed).await;
    assert_eq!(body, "user=None error=None");
    assert_ne!(attacker.get_with_cookie("/id", &tossed).await.1, victim_id);
    // regenerate_id alone, as a login once did, would have kept it.
    let other = Client::new(&server);
    other
        .post_with_cookie("/login-regenerate/victim", &tossed)
        .await;
    assert_eq!(other.get("/planted").await.1, "Some(\"attacker-state\")");
}

#[tokio::test]
async fn logout_a_copied_cookie_still_opens_until_revoked() {
    let backend = backend();
    let store = backend.store.clone();
    let server = axum_server(backend).await;
    let victim = Client::new(&server);
    victim.post("/login/alice").await;
    // A copy taken before logout (another device, a stolen cookie).
    let copy = victim.cookie_header();
    let (status, _, set) = victim.post("/logout").await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert!(set.iter().all(|l| l.contains("Max-Age=0")), "{set:?}");
    assert!(
        victim.cookie_header().is_empty(),
        "the browser's cookie is gone"
    );
    // The limitation: the copy still opens, as alice, until it expires.
    let thief = Client::new(&server);
    let (status, body, _) = thief.get_with_cookie("/me", &copy).await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "alice"));

    // Denying the id destroy() returned refuses the copy (store-wide
    // synchronous revocation hook)...
    victim.post("/login/alice").await;
    let copy = victim.cookie_header();
    victim.post("/logout-and-deny").await;
    let (status, body, _) = thief.get_with_cookie("/whoami", &copy).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, "user=None error=Some(Invalid)");
    assert!(store.stats().revoked >= 1);

    // ...and so does signing out of all devices (the async extractor).
    victim.post("/login/alice").await;
    let copy = victim.cookie_header();
    assert_eq!(thief.get_with_cookie("/me", &copy).await.1, "alice");
    next_second().await;
    victim.post("/sign-out-everywhere").await;
    let (status, _, set) = thief.get_with_cookie("/me", &copy).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(set.iter().all(|l| l.contains("Max-Age=0")), "{set:?}");
}

/// Two clients logged in as alice (and one as bob); alice signs out of all
/// devices from the first; the second's cookie and a copy of it are
/// refused; bob is untouched; a fresh login works at once.
async fn sign_out_everywhere(server: &str) {
    let laptop = Client::new(server);
    let phone = Client::new(server);
    let bob = Client::new(server);
    laptop.post("/login/alice").await;
    phone.post("/login/alice").await;
    bob.post("/login/bob").await;
    let copy = phone.cookie_header();
    assert_eq!(phone.get("/me").await.1, "alice");
    // Sessions are compared with the sign-out time in whole seconds: one
    // issued in the same second as the sign-out passes (README).
    next_second().await;
    let (status, _, set) = laptop.post("/sign-out-everywhere").await;
    assert_eq!(status, StatusCode::OK);
    assert!(set.iter().all(|l| l.contains("Max-Age=0")), "{set:?}");
    // The other device: refused, and its cookie deleted by the response.
    let (status, _, set) = phone.get("/me").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(
        !set.is_empty() && set.iter().all(|l| l.contains("Max-Age=0")),
        "{set:?}"
    );
    assert!(phone.cookie_header().is_empty());
    // A copy of its cookie (from a proxy log, say) is refused as well.
    let thief = Client::new(server);
    assert_eq!(
        thief.get_with_cookie("/me", &copy).await.0,
        StatusCode::UNAUTHORIZED
    );
    // So is the device that signed out.
    assert_eq!(laptop.get("/me").await.0, StatusCode::UNAUTHORIZED);
    // Other users are untouched.
    assert_eq!(bob.get("/me").await.1, "bob");
    // A fresh login works at once, in the same second as the sign-out.
    phone.post("/login/alice").await;
    let (status, body, _) = phone.get("/me").await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "alice"));
    assert_eq!(cookie_pairs(&phone.cookie_header()).len(), 1);
}

#[tokio::test]
async fn sign_out_everywhere_refuses_the_other_devices_in_axum() {
    let server = axum_server(backend()).await;
    sign_out_everywhere(&server).await;
}

#[tokio::test]
async fn sign_out_everywhere_refuses_the_other_devices_in_actix() {
    let server = actix_server(backend());
    sign_out_everywhere(&server.url).await;
}
