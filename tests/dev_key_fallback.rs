//! `Keyring::from_env_or_generate` in a real process environment: each case
//! runs this test binary again as a child with the variable unset, blank or
//! set, and reads what the child reports and logs. (A child process, not
//! `set_var`: the environment is process-wide and tests run in threads.)
// Test helpers outside #[test] functions: clippy.toml's allow-*-in-tests
// does not reach them in an integration-test crate.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::Command;

use sealed_session::{ALLOW_GENERATED_KEY_VAR, Keyring};

const VAR: &str = "SEALED_SESSION_DEV_KEYS_UNDER_TEST";
const CHILD: &str = "SEALED_SESSION_DEV_KEY_CHILD";

/// The child's side: load the keyring as an application would, with a
/// `tracing` subscriber on stderr, and print the outcome on stdout.
#[test]
#[ignore = "run by the other tests of this file, in a child process with the environment they set"]
fn child_loads_the_keyring() {
    assert_eq!(
        std::env::var(CHILD).as_deref(),
        Ok("1"),
        "run as a child only"
    );
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .init();
    match Keyring::from_env_or_generate(VAR) {
        Ok(keyring) => println!("RESULT ok {} {}", keyring.len(), keyring.primary_id()),
        Err(e) => println!("RESULT err {:?} | {e}", e.kind()),
    }
}

/// Runs the child with `VAR` as given (`None`: unset); (result line, stderr).
fn run_child(value: Option<&str>) -> (String, String) {
    run_child_allowing(value, false)
}

/// As [`run_child`], with the release-build switch set to `1` when `allow`.
fn run_child_allowing(value: Option<&str>, allow: bool) -> (String, String) {
    let mut command = Command::new(std::env::current_exe().unwrap());
    command
        .args([
            "child_loads_the_keyring",
            "--exact",
            "--ignored",
            "--nocapture",
        ])
        .env(CHILD, "1")
        .env_remove(ALLOW_GENERATED_KEY_VAR);
    if allow {
        command.env(ALLOW_GENERATED_KEY_VAR, "1");
    }
    match value {
        Some(value) => command.env(VAR, value),
        None => command.env_remove(VAR),
    };
    let output = command.output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(output.status.success(), "{stdout}\n{stderr}");
    let result = stdout
        .lines()
        .find_map(|line| line.strip_prefix("RESULT "))
        .unwrap_or_else(|| panic!("no result from the child: {stdout}\n{stderr}"))
        .to_owned();
    (result, stderr)
}

/// In a release build (`cargo test --release`) a missing variable is an
/// error, logged, unless the switch allows the fallback; in a development
/// build it falls back.
#[test]
fn missing_variable_in_a_release_build_is_refused_without_the_switch() {
    let (result, stderr) = run_child(None);
    if cfg!(debug_assertions) {
        assert!(result.starts_with("ok 1 "), "{result}");
    } else {
        assert!(result.starts_with("err GeneratedKeyInRelease"), "{result}");
        assert!(result.contains(ALLOW_GENERATED_KEY_VAR), "{result}");
        assert!(!stderr.contains("fresh development key"), "{stderr}");
        #[cfg(feature = "tracing")]
        assert!(
            stderr.contains("ERROR") && stderr.contains("does not fall back"),
            "{stderr}"
        );
    }
    // The switch allows it in either build.
    let (result, _) = run_child_allowing(None, true);
    assert!(result.starts_with("ok 1 "), "{result}");
}

/// The fallback is loud: a warning on stderr, and an `error` event.
#[test]
fn missing_variable_falls_back_loudly() {
    let (first, stderr) = run_child_allowing(None, true);
    let (second, _) = run_child_allowing(None, true);
    assert!(first.starts_with("ok 1 "), "{first}");
    assert_ne!(first, second, "a fresh key in each process");
    assert!(
        stderr.contains(&format!(
            "warning: {VAR} is not set: using a fresh development key"
        )),
        "{stderr}"
    );
    #[cfg(feature = "tracing")]
    {
        let event = stderr
            .lines()
            .find(|line| line.contains("session keys not configured"))
            .unwrap_or_else(|| panic!("no tracing event: {stderr}"));
        assert!(event.contains("ERROR"), "{event}");
        assert!(event.contains(VAR), "{event}");
    }
}

#[test]
fn blank_variable_is_an_error_not_a_fresh_key() {
    for blank in ["", "   ", "\t"] {
        let (result, stderr) = run_child(Some(blank));
        assert!(
            result.starts_with("err BlankVariable"),
            "{blank:?}: {result}"
        );
        assert!(
            result.contains(&format!("{VAR} is set but blank")),
            "{result}"
        );
        assert!(!stderr.contains("fresh development key"), "{stderr}");
    }
}

#[test]
fn set_variable_is_read_strictly() {
    let entry = Keyring::generate_entry(Default::default()).unwrap();
    let id = Keyring::from_config(&entry).unwrap().primary_id();
    let (result, _) = run_child(Some(&entry));
    assert_eq!(result, format!("ok 1 {id}"));
    let (result, stderr) = run_child(Some("xaes-256-gcm:short:short"));
    assert!(result.starts_with("err "), "{result}");
    assert!(!stderr.contains("fresh development key"), "{stderr}");
}
