//! End to end over real HTTP: the demo binary on loopback, driven by reqwest
//! with a cookie jar. Each test starts its own demo instance on a free port.

// Test code: a failed expectation is a panic with a message.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod e2e_support;

use e2e_support::{Client, Demo, DemoOptions};
use reqwest::StatusCode;

const PASSWORD: &str = "correct horse battery";

fn start() -> (tempfile::TempDir, Demo) {
    let dir = tempfile::tempdir().expect("a temp dir");
    let demo = Demo::start(&DemoOptions::default(), dir.path());
    (dir, demo)
}

/// A note of `len` characters, different for each `n`.
fn note(n: usize, len: usize) -> String {
    let head = format!("note {n}: ");
    let fill: String = "lorem ipsum dolor sit amet "
        .chars()
        .cycle()
        .take(len - head.len() - 1)
        .collect();
    head + &fill + "."
}

#[test]
fn register_login_flash_notes_budget_and_logout() {
    let (_dir, demo) = start();
    let client = Client::new(&demo.url);

    // Not logged in: the index sends us to the login page.
    let index = client.get("/");
    assert_eq!(index.status, StatusCode::SEE_OTHER);
    assert_eq!(index.location.as_deref(), Some("/login"));

    client.register("alice", PASSWORD);
    let login_page = client.get("/login");
    assert!(login_page.body.contains("Account created for alice"));

    // A wrong password is refused and logs nobody in.
    let wrong = client.post(
        "/login",
        &[
            ("username", "alice"),
            ("password", "wrong password"),
            ("csrf_token", &login_page.csrf()),
        ],
    );
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    let anonymous = client.whoami();
    assert!(anonymous["user"].is_null());

    // Login regenerates the session id; the flash shows once.
    let index = client.login("alice", PASSWORD);
    assert_eq!(index.status, StatusCode::OK);
    assert!(index.body.contains("Hello, alice"), "{}", index.body);
    assert!(index.body.contains("Welcome back, alice"));
    let me = client.whoami();
    assert_eq!(me["user"], "alice");
    assert_ne!(me["session_id"], anonymous["session_id"]);
    let again = client.get("/");
    assert!(again.body.contains("Hello, alice"));
    assert!(!again.body.contains("Welcome back"), "flash shown twice");
    assert_eq!(client.session_cookie_names(), ["session"]);

    // Notes past 3 KiB: the session spans two cookies.
    let mut n = 0;
    let mut notes_len = 0;
    while notes_len <= 3 * 1024 {
        let added = client.add_note(&note(n, 500));
        assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
        n += 1;
        notes_len += 500;
    }
    let me = client.whoami();
    assert_eq!(me["notes"], n);
    assert_eq!(me["cookie_count"], 2, "{me}");
    assert_eq!(client.session_cookie_names(), ["session", "session.1"]);
    let index = client.get("/");
    assert!(index.body.contains("<dd id=\"cookie-count\">2</dd>"));

    // Keep adding until the budget is hit, before the notes reach 8 KiB:
    // a clear error page, and the previous session intact.
    let too_large = loop {
        assert!(notes_len <= 8 * 1024, "no error before 8 KiB of notes");
        let before = client.session_cookies();
        let added = client.add_note(&note(n, 500));
        if added.status == StatusCode::PAYLOAD_TOO_LARGE {
            break (added, before);
        }
        assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
        n += 1;
        notes_len += 500;
    };
    let (page, before) = too_large;
    assert!(page.body.contains("Session too large"), "{}", page.body);
    assert!(
        page.body.contains("<b id=\"allowed\">6144</b>"),
        "{}",
        page.body
    );
    let needed: usize = page
        .body
        .split("<b id=\"needed\">")
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .and_then(|n| n.parse().ok())
        .expect("the needed size on the error page");
    assert!(needed > 6144, "needed {needed}");
    assert_eq!(client.session_cookie_names(), ["session", "session.1"]);
    let me = client.whoami();
    assert_eq!(me["user"], "alice");
    assert_eq!(me["notes"], n, "the failed note must not be stored");
    assert_eq!(me["cookie_count"], 2);
    // The cookies the client holds are the previous session (re-sealed or
    // untouched), and they still open.
    assert_eq!(before.len(), 2);
    let index = client.get("/");
    assert!(index.body.contains(&note(n - 1, 500)));
    assert!(!index.body.contains(&note(n, 500)));

    // Logout deletes every chunk cookie; the flash comes in a fresh session.
    let csrf = index.csrf();
    let logout = client.post("/logout", &[("csrf_token", &csrf)]);
    assert_eq!(logout.status, StatusCode::SEE_OTHER, "{}", logout.body);
    assert_eq!(logout.location.as_deref(), Some("/login"));
    assert!(
        logout
            .set_cookies
            .iter()
            .any(|c| c.starts_with("session.1=;") && c.contains("Max-Age=0")),
        "{:?}",
        logout.set_cookies
    );
    assert_eq!(client.session_cookie_names(), ["session"]);
    let after = client.whoami();
    assert!(after["user"].is_null(), "{after}");
    assert_eq!(after["notes"], 0);
    assert_ne!(after["session_id"], me["session_id"]);
    let login_page = client.get("/login");
    assert!(login_page.body.contains("Logged out"));
    let again = client.get("/login");
    assert!(!again.body.contains("Logged out"), "flash shown twice");
    assert_eq!(client.get("/").status, StatusCode::SEE_OTHER);
    // What is left is a one-cookie anonymous session holding only the
    // login form's CSRF secret.
    assert_eq!(client.session_cookie_names(), ["session"]);
}

#[test]
fn posts_without_a_valid_csrf_token_are_rejected() {
    let (_dir, demo) = start();
    let client = Client::new(&demo.url);
    client.register("bob", PASSWORD);
    client.login("bob", PASSWORD);
    let added = client.add_note("first");
    assert_eq!(added.status, StatusCode::SEE_OTHER);

    // Missing, forged and another session's tokens are all refused.
    let other = Client::new(&demo.url);
    let other_token = other.get("/login").csrf();
    let good = client.get("/").csrf();
    let mut flipped = good.clone().into_bytes();
    flipped[40] = if flipped[40] == b'A' { b'B' } else { b'A' };
    let flipped = String::from_utf8(flipped).unwrap();
    let forged = "A".repeat(good.len());
    for (what, form) in [
        ("no token", vec![("note", "forged")]),
        ("empty token", vec![("note", "forged"), ("csrf_token", "")]),
        (
            "forged token",
            vec![("note", "forged"), ("csrf_token", &forged)],
        ),
        (
            "flipped token",
            vec![("note", "forged"), ("csrf_token", &flipped)],
        ),
        (
            "another session's token",
            vec![("note", "forged"), ("csrf_token", &other_token)],
        ),
    ] {
        let page = client.post("/notes", &form);
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{what}: {}", page.body);
    }
    let page = client.post("/logout", &[]);
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    let page = client.post("/notes/clear", &[]);
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    let page = other.post("/login", &[("username", "bob"), ("password", PASSWORD)]);
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(
        page.body.contains("id=\"csrf-reason\">missing-token<"),
        "{}",
        page.body
    );

    // A valid token does not help a request from another origin, nor a
    // JSON body (the token must then come in the header).
    let form = format!("note=cross&csrf_token={good}");
    let form_type = "application/x-www-form-urlencoded";
    for (what, headers, content_type, body, reason) in [
        (
            "foreign Origin",
            vec![("origin", "http://evil.example")],
            form_type,
            form.clone(),
            "cross-origin",
        ),
        (
            "Sec-Fetch-Site cross-site",
            vec![("sec-fetch-site", "cross-site")],
            form_type,
            form.clone(),
            "cross-site",
        ),
        (
            "JSON, token in the body",
            vec![],
            "application/json",
            format!("{{\"csrf_token\":\"{good}\"}}"),
            "missing-token",
        ),
        (
            "form, foreign token in the header",
            vec![("x-csrf-token", other_token.as_str())],
            form_type,
            form.clone(),
            "wrong-token",
        ),
    ] {
        let page = client.post_raw("/notes", &headers, content_type, &body);
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{what}: {}", page.body);
        assert!(
            page.set_cookies.is_empty(),
            "{what}: {:?}",
            page.set_cookies
        );
        assert!(
            page.body.contains(&format!("id=\"csrf-reason\">{reason}<")),
            "{what}: {}",
            page.body
        );
    }
    // The page's own origin and the header token pass.
    let own = demo.url.as_str().trim_end_matches('/').to_owned();
    let page = client.post_raw("/notes", &[("origin", own.as_str())], form_type, &form);
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let page = client.post_raw(
        "/notes",
        &[("x-csrf-token", good.as_str())],
        form_type,
        "note=header",
    );
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);

    let me = client.whoami();
    assert_eq!(me["user"], "bob");
    assert_eq!(me["notes"], 3);

    // Masking: two pages carry different tokens, and both verify.
    let a = client.get("/").csrf();
    let b = client.get("/").csrf();
    assert_ne!(a, b);
    for token in [a, b] {
        let page = client.post("/notes", &[("note", "masked"), ("csrf_token", &token)]);
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    }
    assert_eq!(client.whoami()["notes"], 5);

    // A token rendered before a login is stale after it (regenerate_id
    // retires the secret), even for the same user.
    let logout = client.post("/logout", &[("csrf_token", &client.get("/").csrf())]);
    assert_eq!(logout.status, StatusCode::SEE_OTHER);
    let before_login = client.get("/login").csrf();
    client.login("bob", PASSWORD);
    let page = client.post(
        "/notes",
        &[("note", "stale"), ("csrf_token", &before_login)],
    );
    assert_eq!(page.status, StatusCode::FORBIDDEN, "{}", page.body);
    // The index page after the login made the new id's secret.
    assert!(
        page.body.contains("id=\"csrf-reason\">wrong-token<"),
        "{}",
        page.body
    );
    assert!(page.set_cookies.is_empty());
    let me = client.whoami();
    assert_eq!(
        (me["user"].as_str(), me["notes"].as_u64()),
        (Some("bob"), Some(0))
    );
}

#[test]
fn a_tampered_cookie_gives_a_fresh_logged_out_session() {
    let (_dir, demo) = start();
    let client = Client::new(&demo.url);
    client.register("carol", PASSWORD);
    client.login("carol", PASSWORD);
    let me = client.whoami();
    assert_eq!(me["user"], "carol");

    let cookies = client.session_cookies();
    let (name, value) = cookies.first().expect("a session cookie").clone();
    let mut bytes = value.into_bytes();
    let i = bytes.len() / 2;
    bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
    client.set_cookie(&name, &String::from_utf8(bytes).unwrap());

    let after = client.whoami();
    assert!(after["user"].is_null(), "{after}");
    assert_eq!(after["is_new"], true);
    assert!(after["load_error"].is_string(), "{after}");
    assert_ne!(after["session_id"], me["session_id"]);
    // That response also deleted the cookie that did not open.
    assert!(client.session_cookie_names().is_empty());
    let index = client.get("/");
    assert_eq!(index.status, StatusCode::SEE_OTHER);
    assert_eq!(index.location.as_deref(), Some("/login"));
}
