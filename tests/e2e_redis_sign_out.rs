//! "Sign out of all devices" across machines: three demo instances behind
//! nginx sharing one real `redis-server` (instance c reaches it through a
//! loopback relay the test can cut). A sign-out on a refuses a copied
//! cookie on b and c within the measured bound; a logout refuses copies of
//! that one session everywhere; with Redis killed the
//! instances keep serving from their copies and a sign-out is an error
//! page, not a silent loss; after a restart every instance resyncs; a
//! sign-out made while c was partitioned applies on c once it reconnects.

// Test code: a failed expectation is a panic with a message.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod e2e_support;

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use e2e_support::cluster::{Cluster, INSTANCES};
use e2e_support::nginx::{NginxOptions, start_nginx};
use e2e_support::redis_server::{RedisServer, Relay};
use e2e_support::{Client, free_port};
use reqwest::{StatusCode, Url};

const PASSWORD: &str = "correct horse battery";

/// Sleeps into the next whole second (times are compared in seconds).
fn next_second() {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    let rest = Duration::from_secs(1) - Duration::from_nanos(u64::from(now.subsec_nanos()));
    std::thread::sleep(rest + Duration::from_millis(20));
}

/// Who `url` thinks a client holding exactly `cookies` is.
fn user_on(url: &Url, cookies: &[(String, String)]) -> serde_json::Value {
    let client = Client::new(url);
    for (name, value) in cookies {
        client.set_cookie(name, value);
    }
    client.whoami()["user"].clone()
}

fn status_of(url: &Url) -> serde_json::Value {
    Client::new(url).get("/revocation-status").json()
}

/// Polls until `done` or `limit`; returns the time it took.
fn within(limit: Duration, what: &str, mut done: impl FnMut() -> bool) -> Duration {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < limit, "{what}: not within {limit:?}");
        std::thread::sleep(Duration::from_millis(2));
    }
    start.elapsed()
}

fn sign_out_everywhere(client: &Client) -> e2e_support::Page {
    let index = client.get("/");
    assert_eq!(index.status, StatusCode::OK, "{}", index.body);
    client.post("/sign-out-everywhere", &[("csrf_token", &index.csrf())])
}

#[test]
fn sign_out_everywhere_across_three_instances_sharing_redis() {
    let dir = tempfile::tempdir().unwrap();
    let mut redis = RedisServer::start(dir.path(), true);
    let relay = Relay::start(redis.port);
    let keys = sealed_session::Keyring::generate_entry(Default::default())
        .unwrap()
        .to_string();
    let mut urls: Vec<Option<String>> = vec![Some(redis.url()); INSTANCES.len()];
    urls[2] = Some(relay.url());
    let cluster = Cluster::start_with_redis(dir.path(), &keys, urls);
    let direct: Vec<Url> = cluster
        .instances
        .iter()
        .map(|d| d.as_ref().unwrap().url.clone())
        .collect();
    let proxy_port = free_port();
    let _nginx = start_nginx(
        dir.path(),
        proxy_port,
        &cluster.ports,
        &NginxOptions::default(),
    );
    let front = Url::parse(&format!("http://127.0.0.1:{proxy_port}/")).unwrap();

    // Accounts live in Redis: registered through one instance, usable on all.
    let laptop = Client::new(&front);
    laptop.register("alice", PASSWORD);
    laptop.login("alice", PASSWORD);
    let phone = Client::new(&front);
    phone.login("alice", PASSWORD);
    let bob = Client::new(&front);
    bob.register("bob", PASSWORD);
    bob.login("bob", PASSWORD);
    let copied = phone.session_cookies();
    let bob_copy = bob.session_cookies();
    for url in &direct {
        assert_eq!(user_on(url, &copied), "alice");
        assert_eq!(user_on(url, &bob_copy), "bob");
    }

    // Sign out everywhere on instance a: b and c refuse the copy within
    // the bound.
    next_second();
    let on_a = Client::new(&direct[0]);
    for (name, value) in laptop.session_cookies() {
        on_a.set_cookie(&name, &value);
    }
    let done = sign_out_everywhere(&on_a);
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(user_on(&direct[0], &copied), serde_json::Value::Null);
    let took = within(Duration::from_secs(1), "copy refused on b and c", || {
        user_on(&direct[1], &copied).is_null() && user_on(&direct[2], &copied).is_null()
    });
    eprintln!("sign-out on a refused on b and c after {took:?} (HTTP polling included)");
    assert_eq!(phone.whoami()["user"], serde_json::Value::Null);
    for url in &direct {
        assert_eq!(user_on(url, &bob_copy), "bob");
    }

    // Logging out one session denies its id: a copy of its cookie is
    // refused on every instance, the user's other sessions are not.
    let tablet = Client::new(&front);
    tablet.login("bob", PASSWORD);
    let tablet_copy = tablet.session_cookies();
    let index = tablet.get("/");
    let out = tablet.post("/logout", &[("csrf_token", &index.csrf())]);
    assert_eq!(out.status, StatusCode::SEE_OTHER, "{}", out.body);
    within(
        Duration::from_secs(1),
        "logged-out copy refused everywhere",
        || direct.iter().all(|u| user_on(u, &tablet_copy).is_null()),
    );
    for url in &direct {
        assert_eq!(user_on(url, &bob_copy), "bob");
    }

    // Redis goes away: every instance keeps serving from its copy.
    redis.kill();
    within(
        Duration::from_secs(5),
        "every instance sees the outage",
        || direct.iter().all(|u| status_of(u)["connected"] == false),
    );
    for url in &direct {
        assert_eq!(user_on(url, &copied), serde_json::Value::Null);
        assert_eq!(user_on(url, &bob_copy), "bob");
        assert_eq!(status_of(url)["outages"], 1);
    }
    // A sign-out during the outage is an error the user sees; nothing
    // changes (bob stays signed in everywhere).
    next_second();
    let failed = sign_out_everywhere(&bob);
    assert_eq!(
        failed.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        failed.body
    );
    assert!(failed.body.contains("sign-out-failed"), "{}", failed.body);
    assert_eq!(bob.whoami()["user"], "bob");
    let write_errors: u64 = direct
        .iter()
        .map(|u| status_of(u)["write_errors"].as_u64().unwrap())
        .sum();
    assert_eq!(write_errors, 1);

    // Redis is back: every instance resyncs.
    redis.restart();
    within(Duration::from_secs(5), "every instance resyncs", || {
        direct.iter().all(|u| {
            let s = status_of(u);
            s["connected"] == true && s["reloads"].as_u64().unwrap() >= 2
        })
    });
    for url in &direct {
        assert_eq!(user_on(url, &copied), serde_json::Value::Null);
    }

    // c is partitioned from Redis while bob signs out on a.
    relay.cut();
    within(Duration::from_secs(5), "c sees the partition", || {
        status_of(&direct[2])["connected"] == false
    });
    let on_a = Client::new(&direct[0]);
    for (name, value) in &bob_copy {
        on_a.set_cookie(name, value);
    }
    let mut attempts = 0;
    loop {
        // The write connection reconnects on its own after the restart;
        // its first use may still find it down.
        let done = sign_out_everywhere(&on_a);
        if done.status == StatusCode::SEE_OTHER {
            break;
        }
        assert_eq!(
            done.status,
            StatusCode::SERVICE_UNAVAILABLE,
            "{}",
            done.body
        );
        attempts += 1;
        assert!(attempts < 20, "sign-outs keep failing after the restart");
        std::thread::sleep(Duration::from_millis(100));
        for (name, value) in &bob_copy {
            on_a.set_cookie(name, value);
        }
    }
    within(Duration::from_secs(1), "bob refused on b", || {
        user_on(&direct[1], &bob_copy).is_null()
    });
    // The partitioned instance cannot know yet (the documented staleness).
    assert_eq!(user_on(&direct[2], &bob_copy), "bob");
    relay.heal();
    let took = within(
        Duration::from_secs(5),
        "bob refused on c after healing",
        || user_on(&direct[2], &bob_copy).is_null(),
    );
    eprintln!("c caught up {took:?} after the partition healed");
    let c = status_of(&direct[2]);
    assert_eq!(c["connected"], true, "{c}");
    assert!(c["reloads"].as_u64().unwrap() >= 3, "{c}");
}
