//! The reader's answers to cookie injection and to stale lifetimes, one
//! named test per weakness an adversarial review reproduced (each fails if
//! the weakness comes back): a junk chunk cookie must not log a user out, a
//! tossed session must never be opened instead of the user's, an idle
//! timeout bounds cookies sealed before it existed, and a not-before cut-off
//! allows for the clock skew. Store-level here; the same attacks against the
//! demo over real HTTP follow at the end.

// Test code: a failed expectation is a panic with a message.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod e2e_support;

use std::time::{Duration, UNIX_EPOCH};

use e2e_support::{Client, Demo, DemoOptions};
use reqwest::StatusCode;
use sealed_session::{
    __private, Algorithm, CookieStore, CookieStoreBuilder, KeyPair, Keyring, LoadError, Session,
};

const NOW: u64 = 1_800_000_000;

/// 32 fixed key bytes that look random (SHA-256 of `seed`): key pairs
/// refuse placeholders such as one repeated byte.
fn key_bytes(seed: u8) -> [u8; 32] {
    use sha2::Digest as _;
    sha2::Sha256::digest([seed]).into()
}

fn builder() -> CookieStoreBuilder {
    let pair = KeyPair::new(
        &key_bytes(0x51),
        Some(&key_bytes(0x15)),
        Algorithm::Xaes256Gcm,
    )
    .unwrap();
    CookieStore::builder("session", Keyring::new(vec![pair]).unwrap()).allow_non_host_name()
}

/// A user's session saved at `now` with `filler` bytes of data: its cookies'
/// `name=value` pairs, in chunk order.
fn sealed(store: &CookieStore, now: u64, user: &str, filler: usize) -> Vec<String> {
    let mut session = __private::load_at(store, None::<&str>, now);
    session.insert("user", user).unwrap();
    session.insert("filler", &"f".repeat(filler)).unwrap();
    __private::save_at(store, &mut session, now)
        .unwrap()
        .iter()
        .filter(|line| !line.contains("Max-Age=0"))
        .map(|line| line.split(';').next().unwrap().to_owned())
        .collect()
}

fn load(store: &CookieStore, header: &str, now: u64) -> Session {
    __private::load_at(store, [header], now)
}

fn user(session: &Session) -> Option<String> {
    session.get::<String>("user").unwrap()
}

#[test]
fn item1_a_junk_chunk_cookie_cannot_log_a_user_out() {
    let store = builder().build().unwrap();
    let alice = sealed(&store, NOW, "alice", 10);
    assert_eq!(alice.len(), 1);
    let two = sealed(&store, NOW, "bob", 3500);
    assert_eq!(two.len(), 2);
    let cases = [
        // A junk chunk beside a one-chunk session (set with Domain= by a
        // sibling, or over plain HTTP: no valid session needed).
        format!("{}; session.1=x", alice[0]),
        format!("session.1=x; {}", alice[0]),
        // A gap index.
        format!("{}; session.2=x", alice[0]),
        // A valid cookie between two junk copies of its own name.
        format!("session=junk; {}; session=garbage; session.1=x", alice[0]),
        // Index 0 junk first, several times, then the genuine one.
        format!("session=a; session=b; session=c; {}", alice[0]),
    ];
    for header in &cases {
        let session = load(&store, header, NOW + 1);
        assert_eq!(session.load_error(), None, "{header}");
        assert_eq!(user(&session).as_deref(), Some("alice"), "{header}");
    }
    // A junk copy of an index the session does have is tried as well.
    let header = format!("{}; {}; session.1=junk", two[0], two[1]);
    assert_eq!(
        user(&load(&store, &header, NOW + 1)).as_deref(),
        Some("bob")
    );
    let header = format!("{}; session.1=junk; {}", two[0], two[1]);
    assert_eq!(
        user(&load(&store, &header, NOW + 1)).as_deref(),
        Some("bob")
    );
}

#[test]
fn item2_a_tossed_session_is_never_opened_instead_of_the_users() {
    let store = builder().build().unwrap();
    let victim = sealed(&store, NOW, "victim", 10);
    let victim_two = sealed(&store, NOW, "victim", 3500);
    let attacker = sealed(&store, NOW, "attacker", 3500);
    assert_eq!((victim.len(), attacker.len()), (1, 2));
    let tossed = attacker.join("; ");
    let cases = [
        // The review's case: the victim's one-chunk session first, the
        // attacker's two chunks tossed after it (or before it).
        format!("{}; {tossed}", victim[0]),
        format!("{tossed}; {}", victim[0]),
        // Two-chunk sessions on both sides, interleaved.
        format!(
            "{}; {}; {}; {}",
            victim_two[0], attacker[0], victim_two[1], attacker[1]
        ),
        format!(
            "{}; {}; {}; {}",
            attacker[0], victim_two[0], attacker[1], victim_two[1]
        ),
    ];
    let before = store.stats().injections;
    for header in &cases {
        let session = load(&store, header, NOW + 1);
        assert_ne!(user(&session).as_deref(), Some("attacker"), "{header}");
        // Both sessions authentic and different: neither is used.
        assert!(session.is_new(), "{header}");
        assert_eq!(session.load_error(), Some(LoadError::Conflict), "{header}");
    }
    assert_eq!(store.stats().injections, before + cases.len() as u64);
    // The attacker's session alone still opens: only the mix is refused.
    assert_eq!(
        user(&load(&store, &tossed, NOW + 1)).as_deref(),
        Some("attacker")
    );
}

#[test]
fn item4_an_idle_timeout_bounds_cookies_sealed_without_one() {
    let without = builder().build().unwrap();
    let cookie = sealed(&without, NOW, "alice", 10).remove(0);
    let with = builder()
        .with_idle_timeout(Duration::from_secs(600))
        .with_clock_skew(Duration::from_secs(60))
        .build()
        .unwrap();
    // Within issued_at + idle (+ skew): still open.
    let session = load(&with, &cookie, NOW + 600 + 60);
    assert_eq!(session.load_error(), None);
    assert_eq!(user(&session).as_deref(), Some("alice"));
    // Past it: expired, although the cookie carries no idle deadline and
    // its absolute expiry (14 days) is far away.
    let session = load(&with, &cookie, NOW + 600 + 61);
    assert_eq!(session.load_error(), Some(LoadError::Expired));
    // The store without the timeout still opens it.
    assert_eq!(load(&without, &cookie, NOW + 601 + 60).load_error(), None);
}

#[test]
fn item10_not_before_allows_for_a_clock_that_runs_ahead() {
    let skew = 60;
    let plain = builder().build().unwrap();
    // An instance whose clock runs 50 s ahead issued this session 10 s
    // before the cut-off (true time), stamping it 40 s after.
    // In the past of the wall clock: the builder refuses a future cut-off.
    let cut_off = 1_700_000_000;
    let cookie = sealed(&plain, cut_off + 40, "alice", 10).remove(0);
    let guarded = builder()
        .with_clock_skew(Duration::from_secs(skew))
        .with_not_before(UNIX_EPOCH + Duration::from_secs(cut_off))
        .build()
        .unwrap();
    let session = load(&guarded, &cookie, cut_off + 100);
    assert_eq!(session.load_error(), Some(LoadError::Expired));
    // Issued at cut-off + skew or later: opens.
    let later = sealed(&plain, cut_off + skew, "alice", 10).remove(0);
    assert_eq!(load(&guarded, &later, cut_off + 100).load_error(), None);
}

// ---- the demo over real HTTP ----------------------------------------------

const PASSWORD: &str = "correct horse battery";

/// The Cookie header a browser would send with `extra` cookies set by
/// another origin: the jar's own cookies, then the injected ones (a
/// reqwest jar cannot hold a cookie for a sibling domain).
fn with_injected(client: &Client, extra: &str) -> String {
    let own = client
        .session_cookies()
        .iter()
        .map(|(n, v)| format!("{n}={v}"))
        .collect::<Vec<_>>()
        .join("; ");
    format!("{own}; {extra}")
}

fn whoami_with(client: &Client, cookie: &str) -> serde_json::Value {
    let response = reqwest::blocking::Client::builder()
        .no_proxy()
        .build()
        .unwrap()
        .get(client.url("/whoami"))
        .header("cookie", cookie)
        .send()
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    serde_json::from_str(&response.text().unwrap()).unwrap()
}

#[test]
fn items1_and_2_injected_cookies_against_the_demo_over_http() {
    let dir = tempfile::tempdir().unwrap();
    let demo = Demo::start(&DemoOptions::default(), dir.path());
    let victim = Client::new(&demo.url);
    victim.register("victim", PASSWORD);
    victim.login("victim", PASSWORD);
    let attacker = Client::new(&demo.url);
    attacker.register("mallory", PASSWORD);
    attacker.login("mallory", PASSWORD);
    // Grow the attacker's session over two cookies.
    for n in 0..4 {
        let done = attacker.add_note(&format!("{n}: {}", "m".repeat(900)));
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    }
    assert_eq!(attacker.session_cookies().len(), 2);

    // Item 1: a junk chunk beside the victim's one-chunk session.
    let me = whoami_with(&victim, &with_injected(&victim, "session.1=x"));
    assert_eq!(me["user"], "victim");
    let me = whoami_with(&victim, &with_injected(&victim, "session.2=x"));
    assert_eq!(me["user"], "victim");

    // Item 2: the attacker's two-chunk session tossed beside the victim's,
    // in both orders: never the attacker's account.
    let tossed = attacker
        .session_cookies()
        .iter()
        .map(|(n, v)| format!("{n}={v}"))
        .collect::<Vec<_>>()
        .join("; ");
    let own = with_injected(&victim, "").trim_end_matches("; ").to_owned();
    for cookie in [format!("{own}; {tossed}"), format!("{tossed}; {own}")] {
        let me = whoami_with(&victim, &cookie);
        assert_ne!(me["user"], "mallory", "{me}");
        assert_eq!(me["user"], serde_json::Value::Null, "{me}");
        assert_eq!(
            me["load_error"], "two sessions under one cookie name (ambiguous cookies)",
            "{me}"
        );
    }
    // The victim's own cookies alone still open.
    assert_eq!(victim.whoami()["user"], "victim");
}
