//! Browser end to end: the demo driven by Debian's headless Chromium
//! through playwright-core (`e2e/browser.mjs`). `.ci/test` installs
//! chromium and runs `npm ci` in `e2e/` when they are missing. The forms
//! post their CSRF tokens; a script sends one in the header; a form on
//! another site, even with a valid token, is refused.

// Test code: a failed expectation is a panic with a message.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod e2e_support;

use std::process::{Command, Stdio};

use e2e_support::{Demo, DemoOptions, Proc, root};

#[test]
fn chromium_register_login_chunked_notes_shrink_and_logout() {
    let e2e = root().join("e2e");
    assert!(
        e2e.join("node_modules/playwright-core").exists(),
        "playwright-core is not installed: run `npm ci` in e2e/ (.ci/test does)"
    );
    let dir = tempfile::tempdir().expect("a temp dir");
    // A 12 KiB budget lets the session span three cookies.
    let demo = Demo::start(
        &DemoOptions {
            cookie_budget: Some(12 * 1024),
            ..DemoOptions::default()
        },
        dir.path(),
    );
    // A second instance with `Secure` cookies: Chromium treats
    // http://localhost as a secure context and keeps them over plain HTTP.
    let secure = Demo::start(
        &DemoOptions {
            secure_cookies: true,
            instance: Some("secure".to_owned()),
            ..DemoOptions::default()
        },
        dir.path(),
    );
    let mut secure_url = secure.url.clone();
    secure_url.set_host(Some("localhost")).expect("a host");
    let artifacts = e2e.join("artifacts");
    std::fs::create_dir_all(&artifacts).expect("creating e2e/artifacts");

    let mut command = Command::new("node");
    command
        .arg("browser.mjs")
        .arg(demo.url.as_str())
        .arg(secure_url.as_str())
        .current_dir(&e2e)
        .env("ARTIFACTS", &artifacts)
        .env("BROWSER_TMP", dir.path())
        // Progress and failures go to stderr (the log).
        .stdout(Stdio::null());
    let log = dir.path().join("browser.log");
    let mut node = Proc::spawn("node e2e/browser.mjs", command, log);
    let pid = node.pid();
    let status = node.wait();
    let output = node.log_text();
    println!("{output}");
    assert!(
        status.success(),
        "e2e/browser.mjs (pid {pid}) failed: {status}\n{output}\n---- demo ----\n{}",
        demo.proc.log_text()
    );
}
