//! Distributed end to end: three demo instances with the same
//! `SESSION_KEYS` and a shared users file behind a real nginx (round-robin
//! on loopback), then a rolling key rotation while a client keeps working.

// Test code: a failed expectation is a panic with a message.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod e2e_support;

use e2e_support::cluster::{Cluster, INSTANCES};
use e2e_support::nginx::{NginxOptions, start_nginx};
use e2e_support::{Client, cookie_key_id, free_port};
use reqwest::{StatusCode, Url};
use sealed_session::Keyring;
use std::collections::BTreeSet;

const PASSWORD: &str = "correct horse battery";

/// Requests that must all see alice's session; returns the instances
/// that served them.
fn check_session(client: &Client, session_id: &str, requests: usize) -> BTreeSet<String> {
    let mut served = BTreeSet::new();
    for _ in 0..requests {
        let page = client.get("/whoami");
        assert_eq!(page.status, StatusCode::OK, "{page:?}");
        let me = page.json();
        assert_eq!(me["user"], "alice", "session lost: {me}");
        assert_eq!(me["session_id"], session_id, "another session: {me}");
        served.insert(page.instance.expect("an X-Instance header"));
    }
    served
}

fn key_id(config: &str) -> String {
    Keyring::from_config(config)
        .expect("a key config")
        .primary_id()
        .to_string()
}

#[test]
fn three_instances_behind_nginx_share_sessions_through_a_rolling_key_rotation() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let old = Keyring::generate_entry(Default::default()).expect("a key");
    let new = Keyring::generate_entry(Default::default()).expect("a key");
    let (old, new) = (old.as_str(), new.as_str());
    let (old_id, new_id) = (key_id(old), key_id(new));

    let mut cluster = Cluster::start(dir.path(), old);
    let nginx_port = free_port();
    let _nginx = start_nginx(
        dir.path(),
        nginx_port,
        &cluster.ports,
        &NginxOptions::default(),
    );
    let base = Url::parse(&format!("http://127.0.0.1:{nginx_port}/")).unwrap();
    let client = Client::new(&base);

    // Register and log in through nginx: the form, the POST and the next
    // page are served by different instances (shared users file, shared keys).
    client.register("alice", PASSWORD);
    let index = client.login("alice", PASSWORD);
    assert!(index.body.contains("Welcome back, alice"), "{}", index.body);
    let session_id = client.whoami()["session_id"]
        .as_str()
        .expect("a session id")
        .to_owned();
    let served = check_session(&client, &session_id, 6);
    assert_eq!(
        served.len(),
        3,
        "round-robin over every instance: {served:?}"
    );
    let chunk0 = || client.session_cookies()[0].1.clone();
    assert_eq!(cookie_key_id(&chunk0()), old_id);

    // A write on one instance is seen by the others (CSRF token from one,
    // verified by the next).
    let mut notes = 0;
    let mut add_note = |client: &Client, label: &str| {
        let page = client.add_note(&format!("note {notes} ({label})"));
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{label}: {}", page.body);
        notes += 1;
        notes
    };
    let n = add_note(&client, "before rotation");
    assert_eq!(client.whoami()["notes"], n);

    // The rolling rotation: each step restarts the instances one by one;
    // after every restart the client keeps working with the same session.
    let steps = [
        ("1: new key added as secondary", format!("{old}\n{new}")),
        ("2: new key promoted", format!("{new}\n{old}")),
        ("3: old key removed", new.to_owned()),
    ];
    for (step, keys) in &steps {
        for (i, instance) in INSTANCES.iter().enumerate() {
            // While it is down, nginx passes its turn to the others.
            cluster.stop(i);
            let served = check_session(&client, &session_id, 3);
            assert!(
                !served.contains(*instance),
                "{instance} is down: {served:?}"
            );
            cluster.restart(i, keys);
            let label = format!("step {step}, instance {instance} restarted");
            let served = check_session(&client, &session_id, 3);
            assert_eq!(served.len(), 3, "{label}: {served:?}");
            let n = add_note(&client, &label);
            for me in [client.whoami(), client.whoami(), client.whoami()] {
                assert_eq!(me["notes"], n, "{label}: {me}");
            }
        }
        let sealed_with = cookie_key_id(&chunk0());
        match step.as_bytes()[0] {
            b'1' => assert_eq!(sealed_with, old_id, "old key still seals after step 1"),
            _ => assert_eq!(sealed_with, new_id, "new key seals after {step}"),
        }
    }

    // After the old key is gone, every instance opens the session.
    let served = check_session(&client, &session_id, 6);
    assert_eq!(served.len(), 3);
    for me in [client.whoami(), client.whoami(), client.whoami()] {
        assert_eq!(me["opened_with"], new_id.as_str());
    }
}
