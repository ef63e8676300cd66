//! "Sign out of all devices" in the demo, end to end: the real demo binary
//! with a users file, reqwest clients with cookie jars. Two clients log in
//! as the same user; one signs out everywhere; the other's session, and a
//! copy of its cookie, are refused from then on, while another user is
//! untouched and a fresh login works at once (SECURITY.md "Limitations",
//! README "Sign out of all devices").

// Test code: a failed expectation is a panic with a message.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod e2e_support;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use e2e_support::{Client, Demo, DemoOptions};
use reqwest::StatusCode;

const PASSWORD: &str = "correct horse battery";

/// A client holding exactly `cookies` (a copy taken from another client).
fn holding(demo: &Demo, cookies: &[(String, String)]) -> Client {
    let client = Client::new(&demo.url);
    for (name, value) in cookies {
        client.set_cookie(name, value);
    }
    client
}

/// Sleeps into the next whole second: sessions issued before it are then
/// "before" a sign-out made after (times are compared in whole seconds).
fn next_second() {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    let rest = Duration::from_secs(1) - Duration::from_nanos(u64::from(now.subsec_nanos()));
    std::thread::sleep(rest + Duration::from_millis(20));
}

#[test]
fn sign_out_of_all_devices_refuses_the_other_devices_and_copies() {
    let dir = tempfile::tempdir().unwrap();
    let users = dir.path().join("users.tsv");
    let demo = Demo::start(
        &DemoOptions {
            users_file: Some(users.clone()),
            ..DemoOptions::default()
        },
        dir.path(),
    );
    let laptop = Client::new(&demo.url);
    laptop.register("alice", PASSWORD);
    laptop.login("alice", PASSWORD);
    let phone = Client::new(&demo.url);
    phone.login("alice", PASSWORD);
    let bob = Client::new(&demo.url);
    bob.register("bob", PASSWORD);
    bob.login("bob", PASSWORD);
    // A copy of the phone's cookie (a proxy log, a stolen cookie): it opens
    // as alice, like the phone itself.
    let copied = phone.session_cookies();
    assert_eq!(holding(&demo, &copied).whoami()["user"], "alice");
    assert_eq!(phone.whoami()["user"], "alice");

    next_second();
    let index = laptop.get("/");
    assert!(
        index.body.contains("Sign out of all devices"),
        "{}",
        index.body
    );
    let done = laptop.post("/sign-out-everywhere", &[("csrf_token", &index.csrf())]);
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(done.location.as_deref(), Some("/login"));
    let text = std::fs::read_to_string(&users).unwrap();
    assert!(text.contains("!signed-out\talice\t"), "{text}");

    // The device that signed out is logged out, with a message.
    let page = laptop.follow(&done);
    assert!(
        page.body.contains("Signed out on all devices"),
        "{}",
        page.body
    );
    assert_eq!(laptop.whoami()["user"], serde_json::Value::Null);
    // The other device: refused, and its session cookie replaced.
    let me = phone.whoami();
    assert_eq!(me["user"], serde_json::Value::Null, "{me}");
    assert_ne!(phone.session_cookies(), copied);
    assert_eq!(phone.get("/").location.as_deref(), Some("/login"));
    // The copy: refused too (each time from a client holding just the copy:
    // a refusal replaces the cookie in the jar that sent it).
    let me = holding(&demo, &copied).whoami();
    assert_eq!(me["user"], serde_json::Value::Null, "{me}");
    // Another user is untouched.
    assert_eq!(bob.whoami()["user"], "bob");
    // A fresh login works at once, in the same second as the sign-out or
    // later; the old copy stays refused.
    let page = phone.login("alice", PASSWORD);
    assert!(page.body.contains("Hello, alice"), "{}", page.body);
    assert_eq!(phone.whoami()["user"], "alice");
    assert_eq!(
        holding(&demo, &copied).whoami()["user"],
        serde_json::Value::Null
    );
}
