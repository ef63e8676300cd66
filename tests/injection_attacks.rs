//! One regression test per cookie-injection attack of the adversarial
//! review (SECURITY.md, "Cookie injection"), over real HTTP through axum,
//! actix-web and Rocket, with a cookie jar that orders cookies as browsers
//! do (longer paths first, then creation time), keeps cookies a sibling
//! subdomain set with `Domain=` apart from the host's own, and sends
//! empty-name cookies as their value alone:
//!
//! - nine occurrences: junk and the attacker's session listed before the
//!   victim's, beyond what the reader tries -> `Conflict`, never the
//!   attacker's session;
//! - junk tail copies: the victim's chunk 1 between two junk copies, the
//!   attacker's one-chunk session beside -> `Conflict`;
//! - a tossed flow store beside the victim's auth store -> refused by the
//!   binding (`Conflict`), while a flow started in the same browser opens;
//! - two paths and one junk cookie -> the victim's session opens.
//!
//! The jar's model is checked against headless Chromium (playwright-core,
//! `e2e/injection.mjs`) on the nine-occurrences arrangement.
#![cfg(all(feature = "axum", feature = "actix", feature = "rocket"))]
// Test code: a failed expectation is a panic with a message.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod injection_support;

use injection_support::{
    Browser, FLOW, PRIMARY, Server, actix_server, axum_server, rocket_server, stores,
};
use sealed_session::CookieStore;

const VICTIM: &str = "user=Some(\"victim\") error=None";
const CONFLICT: &str = "user=None error=Some(Conflict)";

type Start = fn(CookieStore, CookieStore) -> Server;

const FRAMEWORKS: [(&str, Start); 3] = [
    ("axum", axum_server),
    ("actix-web", actix_server),
    ("rocket", rocket_server),
];

/// A logged-in browser and the value of its primary session cookie (one
/// chunk, or two after growing it by `grow` characters).
async fn logged_in(server: &Server, user: &str, grow: usize) -> (Browser, Vec<(String, String)>) {
    let browser = Browser::new(&server.url);
    assert_eq!(browser.post(&format!("/login/{user}")).await, "ok");
    if grow > 0 {
        assert_eq!(browser.post(&format!("/grow/{grow}")).await, "ok");
    }
    let own = browser.own();
    (browser, own)
}

fn value_of<'a>(cookies: &'a [(String, String)], name: &str) -> &'a str {
    &cookies.iter().find(|(n, _)| n == name).unwrap().1
}

#[tokio::test(flavor = "multi_thread")]
async fn nine_occurrences_the_attackers_session_is_refused_as_a_conflict() {
    for (framework, start) in FRAMEWORKS {
        let (primary, flow) = stores();
        let injections = primary.clone();
        let server = start(primary, flow);
        let (victim, _) = logged_in(&server, "victim", 0).await;
        let (_, attacker) = logged_in(&server, "mallory", 0).await;
        let attackers = value_of(&attacker, PRIMARY);
        // Four path prefixes of a three-segment page, each with a named and
        // an empty-name cookie: eight cookies listed before the victim's
        // `Path=/` one, the attacker's own session first.
        let page = "/a/b/c/whoami";
        let paths = ["/a/b/c/whoami", "/a/b/c", "/a/b", "/a"];
        for (i, path) in paths.iter().enumerate() {
            if i == 0 {
                victim.toss(PRIMARY, attackers, path);
            } else {
                victim.toss(PRIMARY, &format!("junk{i}"), path);
            }
            victim.toss("", &format!("{PRIMARY}=junk-empty-name{i}"), path);
        }
        let header = victim.cookie_header(page);
        let names: Vec<&str> = header
            .split("; ")
            .map(|p| p.split('=').next().unwrap())
            .collect();
        assert_eq!(names, [PRIMARY; 9], "{framework}: {header}");
        assert!(
            header.starts_with(&format!("{PRIMARY}={attackers}")),
            "{framework}"
        );
        let before = injections.stats().injections;
        assert_eq!(victim.get(page).await, CONFLICT, "{framework}");
        assert_eq!(injections.stats().injections, before + 1, "{framework}");
        // The victim's session is not replaced: where the tossed cookies do
        // not reach, it opens as before.
        assert_eq!(victim.get("/whoami").await, VICTIM, "{framework}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn junk_tail_copies_the_attackers_session_is_refused_as_a_conflict() {
    for (framework, start) in FRAMEWORKS {
        let (primary, flow) = stores();
        let server = start(primary, flow);
        // The victim's session spans `session` and `session.1`.
        let (victim, own) = logged_in(&server, "victim", 3000).await;
        assert_eq!(own.len(), 2, "{framework}: {own:?}");
        let (_, attacker) = logged_in(&server, "mallory", 0).await;
        // A junk `session.1` and the attacker's one-chunk session at a longer
        // path (listed first), a junk `session.1` at `/` set later (listed
        // last): the victim's real `session.1` is in the middle.
        victim.toss(&format!("{PRIMARY}.1"), "junkA", "/x");
        victim.toss(PRIMARY, value_of(&attacker, PRIMARY), "/x");
        victim.toss(&format!("{PRIMARY}.1"), "junkB", "/");
        let header = victim.cookie_header("/x/whoami");
        let names: Vec<&str> = header
            .split("; ")
            .map(|p| p.split('=').next().unwrap())
            .collect();
        assert_eq!(
            names,
            ["session.1", "session", "session", "session.1", "session.1"],
            "{framework}"
        );
        assert_eq!(victim.get("/x/whoami").await, CONFLICT, "{framework}");
        // With one junk copy of `session.1` only (no third value), and no
        // attacker session under the page, the victim's session opens.
        let clean = Browser::new(&server.url);
        for (name, value) in &own {
            clean.set_own(name, value, "/");
        }
        clean.toss(&format!("{PRIMARY}.1"), "junk", "/x");
        clean.toss(&format!("{PRIMARY}.1"), "junk", "/");
        assert_eq!(clean.get("/x/whoami").await, VICTIM, "{framework}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn tossed_flow_store_beside_the_auth_store_is_refused_by_the_binding() {
    for (framework, start) in FRAMEWORKS {
        let (primary, flow) = stores();
        let flow_stats = flow.clone();
        let server = start(primary, flow);
        let (victim, _) = logged_in(&server, "victim", 0).await;
        // The attacker starts a flow (an OAuth state of theirs) in their
        // own browser, anonymous: the binding anchors their primary session.
        let attacker = Browser::new(&server.url);
        assert_eq!(attacker.post("/flow/start/attacker-state").await, "ok");
        assert_eq!(
            attacker.get("/flow").await,
            "state=Some(\"attacker-state\") error=None",
            "{framework}: a flow opens in the browser that started it"
        );
        let tossed = attacker.own();
        let tossed = value_of(&tossed, FLOW);
        // The victim holds no flow cookie: nothing for the reader's
        // conflict rule to see. The binding refuses it.
        victim.toss(FLOW, tossed, "/");
        let before = flow_stats.stats().injections;
        assert_eq!(
            victim.get("/flow").await,
            "state=None error=Some(Conflict)",
            "{framework}"
        );
        assert_eq!(flow_stats.stats().injections, before + 1, "{framework}");
        assert_eq!(victim.get("/whoami").await, VICTIM, "{framework}");
        // A logged-in user's own flow opens for them.
        let (user, _) = logged_in(&server, "alice", 0).await;
        assert_eq!(user.post("/flow/start/mine").await, "ok");
        assert_eq!(
            user.get("/flow").await,
            "state=Some(\"mine\") error=None",
            "{framework}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn two_paths_and_one_junk_cookie_the_users_session_opens() {
    for (framework, start) in FRAMEWORKS {
        let (primary, flow) = stores();
        let server = start(primary, flow);
        // A session of about 5.1K characters (two cookies), set for two
        // paths (the application once used `Path=/app`), and one junk
        // `session` of 12 characters that counts two chunks.
        let (victim, own) = logged_in(&server, "victim", 3800).await;
        assert_eq!(own.len(), 2, "{framework}");
        let total: usize = own.iter().map(|(_, v)| v.len()).sum();
        assert!(total > 5100, "{framework}: {total}");
        for (name, value) in &own {
            victim.set_own(name, value, "/app");
        }
        victim.toss(PRIMARY, &value_of(&own, PRIMARY)[..12], "/");
        assert_eq!(victim.get("/app/whoami").await, VICTIM, "{framework}");
    }
}

/// The jar's model against a real browser: the nine-occurrences
/// arrangement (the attacker's session and seven junk values at eight path
/// prefixes of a page, after the victim's own cookie) set in headless
/// Chromium reaches the server in exactly the order the model gives, and
/// is a conflict. Chromium ignores an empty-name cookie whose value holds
/// `=` (`=session=junk`, RFC 6265bis §5.6), so those, set too, are not
/// sent; other browsers may send them, as the model does.
#[tokio::test(flavor = "multi_thread")]
async fn nine_occurrences_in_chromium_are_a_conflict_in_the_models_order() {
    let e2e = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("e2e");
    assert!(
        e2e.join("node_modules/playwright-core").exists(),
        "playwright-core is not installed: run `npm ci` in e2e/ (.ci/test does)"
    );
    let (primary, flow) = stores();
    let server = axum_server(primary, flow);
    let (_, victim) = logged_in(&server, "victim", 0).await;
    let (_, attacker) = logged_in(&server, "mallory", 0).await;
    // In creation order: the victim's cookie first, then the tossed ones.
    let page = "/a/b/c/d/e/f/g/h";
    let mut cookies = vec![(
        PRIMARY.to_owned(),
        value_of(&victim, PRIMARY).to_owned(),
        "/".to_owned(),
    )];
    let mut path = page.to_owned();
    for i in 0..8 {
        let named = match i {
            0 => value_of(&attacker, PRIMARY).to_owned(),
            _ => format!("junk{i}"),
        };
        cookies.push((PRIMARY.to_owned(), named, path.clone()));
        if i < 2 {
            cookies.push((
                String::new(),
                format!("{PRIMARY}=junk-empty-name{i}"),
                path.clone(),
            ));
        }
        path.truncate(path.rfind('/').unwrap());
    }
    let model = Browser::new(&server.url);
    for (name, value, path) in cookies.iter().filter(|(name, _, _)| !name.is_empty()) {
        model.set_own(name, value, path);
    }
    let json = serde_json::to_string(&cookies).unwrap();
    let output = std::process::Command::new("node")
        .arg("injection.mjs")
        .arg(&server.url)
        .arg(page)
        .arg(&json)
        .current_dir(&e2e)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "e2e/injection.mjs failed: {}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    let got: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let echo = got["echo"].as_str().unwrap();
    assert_eq!(echo, model.cookie_header(&format!("{page}/echo")));
    assert_eq!(echo.split("; ").count(), 9, "{echo}");
    assert!(echo.starts_with(&format!("{PRIMARY}={}", value_of(&attacker, PRIMARY))));
    assert!(echo.ends_with(&format!("{PRIMARY}={}", value_of(&victim, PRIMARY))));
    assert_eq!(got["whoami"], CONFLICT);
}
