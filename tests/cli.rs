//! The `sealed-session` CLI, run as the real binary: keygen, check, rotate
//! (including in-place rewrites that fail or crash mid-write), retire, and
//! inspect of cookies sealed by the library (`inspect` and `seal` round trips:
//! `cli_seal.rs`).
#![cfg(feature = "cli")]
// Test helpers outside #[test] functions: clippy.toml's allow-*-in-tests
// does not reach them in an integration-test crate.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::fs;
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use assert_cmd::Command;
use sealed_session::{Algorithm, CookieStore, KeyId, Keyring};

const BIN: &str = env!("CARGO_BIN_EXE_sealed-session");

fn cli() -> Command {
    Command::new(BIN)
}

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn run(cmd: &mut Command) -> Run {
    let out = cmd.output().unwrap();
    Run {
        code: out.status.code(),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

fn keygen(alg: &str) -> String {
    let r = run(cli().args(["keygen", "--alg", alg]));
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    r.stdout.trim().to_owned()
}

/// A private key file (mode 0600) in a fresh directory.
fn key_file(text: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keys.conf");
    fs::write(&path, text).unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
    (dir, path)
}

fn ids(path: &Path) -> Vec<KeyId> {
    Keyring::from_file(path)
        .unwrap()
        .ids()
        .map(|(id, _)| id)
        .collect()
}

fn ids_of(text: &str) -> Vec<KeyId> {
    Keyring::from_config(text)
        .unwrap()
        .ids()
        .map(|(id, _)| id)
        .collect()
}

fn mode(path: &Path) -> u32 {
    fs::metadata(path).unwrap().permissions().mode() & 0o7777
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// The `name=value` pairs of `Set-Cookie` lines, as a `Cookie` header.
fn cookie_header(set_cookies: &[String]) -> String {
    set_cookies
        .iter()
        .filter(|l| !l.contains("Max-Age=0"))
        .map(|l| l.split(';').next().unwrap())
        .collect::<Vec<_>>()
        .join("; ")
}

/// Seals a session with values and a flash under the key file's keys, at `at`.
fn seal(keys: &Path, name: &str, at: u64) -> (String, String) {
    let store = CookieStore::builder(name, Keyring::from_file(keys).unwrap())
        .allow_non_host_name()
        .build()
        .unwrap();
    let mut session = store.load(None::<&str>);
    session.insert("user", "alice").unwrap();
    session.insert("visits", &3u32).unwrap();
    session.insert("roles", &["admin", "dev"]).unwrap();
    session.add_flash("welcome back").unwrap();
    let lines = sealed_session::__private::save_at(&store, &mut session, at).unwrap();
    (cookie_header(&lines), session.id().to_string())
}

#[test]
fn every_subcommand_has_help_with_exit_codes() {
    for sub in [
        &[][..],
        &["keygen"],
        &["rotate"],
        &["retire"],
        &["check"],
        &["inspect"],
        &["seal"],
    ] {
        let r = run(cli().args(sub).arg("--help"));
        assert_eq!(r.code, Some(0), "{sub:?}");
        assert!(r.stdout.contains("Usage: sealed-session"), "{sub:?}");
        assert!(r.stdout.contains("Exit codes:"), "{sub:?}: {}", r.stdout);
    }
    let r = run(cli().args(["keygen", "--alg", "rot13"]));
    assert_eq!(r.code, Some(2));
    assert!(r.stdout.is_empty());
    assert!(r.stderr.contains("unknown algorithm"), "{}", r.stderr);
}

#[test]
fn keygen_output_parses_as_a_keyring() {
    let entry = keygen("xaes-256-gcm");
    assert_eq!(
        Keyring::from_config(&entry).unwrap().primary_algorithm(),
        Algorithm::Xaes256Gcm
    );
    let r = run(cli().arg("keygen"));
    assert_eq!(r.code, Some(0));
    assert_eq!(r.stdout.lines().count(), 1);
    assert_ne!(r.stdout.trim(), entry, "two keygens gave the same key");
    let chacha = keygen("xchacha20-poly1305");
    assert!(chacha.starts_with("xchacha20-poly1305:"));
    let r = run(cli().args(["keygen", "--sign-only"]));
    let signed = Keyring::from_config(&r.stdout).unwrap();
    assert_eq!(signed.primary_algorithm(), Algorithm::HmacSha256);
    // Several keygens make a keyring, as the config format promises.
    let list = format!("{entry}\n{chacha}\n{}", r.stdout);
    assert_eq!(Keyring::from_config(&list).unwrap().len(), 3);
}

#[test]
fn check_lists_ids_algorithms_and_modes_never_key_bytes() {
    let (a, b) = (keygen("xaes-256-gcm"), keygen("hmac-sha256"));
    let text =
        format!("# production keys, newest first\n\n  {a}   # since march, rotated by ops\n{b}\n");
    let (_dir, path) = key_file(&text);
    let r = run(cli().args(["check", "--keys"]).arg(&path));
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let want = ids(&path);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert!(lines[1].contains(&want[0].to_string()));
    assert!(lines[1].contains("xaes-256-gcm") && lines[1].contains("encrypted"));
    assert!(lines[1].contains("primary"));
    assert!(lines[2].contains(&want[1].to_string()));
    assert!(lines[2].contains("sign-only") && lines[2].contains("opens only"));
    for entry in [&a, &b] {
        for key in entry.split(':').skip(1) {
            assert!(!r.stdout.contains(&key[..12]), "check printed key bytes");
            assert!(!r.stderr.contains(&key[..12]), "check printed key bytes");
        }
    }
    // The same list from an environment variable, comma-separated.
    let r = run(cli()
        .args(["check", "--keys-env", "TEST_SESSION_KEYS"])
        .env("TEST_SESSION_KEYS", format!("{a}, {b}")));
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(r.stdout.contains(&want[1].to_string()));

    // Invalid files fail with exit code 3, naming the entry, never echoing it.
    let (_dir, bad) = key_file(&format!("{a}\nxaes-256-gcm:c2hvcnQ:c2hvcnQ\n"));
    let r = run(cli().args(["check", "--keys"]).arg(&bad));
    assert_eq!(r.code, Some(3));
    assert!(r.stderr.contains("entry 2"), "{}", r.stderr);
    assert!(!r.stderr.contains("c2hvcnQ"));
    let r = run(cli().args(["check", "--keys", "/nonexistent/keys.conf"]));
    assert_eq!(r.code, Some(3));
    assert!(r.stderr.contains("/nonexistent/keys.conf"));
    let r = run(cli()
        .args(["check", "--keys-env", "TEST_UNSET_KEYS"])
        .env_remove("TEST_UNSET_KEYS"));
    assert_eq!(r.code, Some(3));
    assert!(r.stderr.contains("TEST_UNSET_KEYS"));
}

#[test]
fn rotate_prepends_and_retires() {
    let (old, older) = (keygen("xaes-256-gcm"), keygen("xchacha20-poly1305"));
    // Written by an editor that adds a byte-order mark.
    let (_dir, path) = key_file(&format!("\u{feff}# header\n{old}\n{older}\n"));
    let before = ids(&path);

    let r = run(cli().args(["rotate", "--keys"]).arg(&path));
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let after = ids_of(&r.stdout);
    assert_eq!(after.len(), 3);
    assert!(!before.contains(&after[0]), "the new primary is a new key");
    assert_eq!(after[1..], before[..]);
    assert!(r.stdout.starts_with("# header\n"), "{}", r.stdout);
    assert_eq!(
        ids(&path),
        before,
        "without --in-place the file is untouched"
    );

    let r = run(cli().args(["rotate", "--retire", "2", "--keys"]).arg(&path));
    let after = ids_of(&r.stdout);
    assert_eq!(after.len(), 2);
    assert_eq!(after[1], before[0]);

    let r = run(cli()
        .args(["rotate", "--alg", "aes-256-gcm", "--stage", "--keys"])
        .arg(&path));
    let staged = Keyring::from_config(&r.stdout).unwrap();
    let staged_ids: Vec<_> = staged.ids().collect();
    assert_eq!(staged_ids[0].0, before[0], "staging keeps the primary");
    assert_eq!(staged_ids[1].1, Algorithm::Aes256Gcm);
    assert_eq!(staged_ids[2].0, before[1]);

    let r = run(cli().args(["rotate", "--promote", "--keys"]).arg(&path));
    assert_eq!(ids_of(&r.stdout), [before[1], before[0]]);

    let r = run(cli().args(["retire", "--keep", "1", "--keys"]).arg(&path));
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(ids_of(&r.stdout), [before[0]]);

    let r = run(cli().args(["rotate", "--retire", "0", "--keys"]).arg(&path));
    assert_eq!(r.code, Some(2), "keeping no key is a usage error");
}

#[test]
fn in_place_rotation_keeps_permissions_and_prints_no_key() {
    let old = keygen("xaes-256-gcm");
    let (dir, path) = key_file(&format!("{old}\n"));
    fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
    let before = ids(&path);

    let r = run(cli().args(["rotate", "--in-place", "--keys"]).arg(&path));
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let after = ids(&path);
    assert_eq!(after.len(), 2);
    assert_eq!(after[1], before[0]);
    assert_eq!(mode(&path), 0o640);
    assert!(r.stdout.contains(&after[0].to_string()), "{}", r.stdout);
    let new_entry = fs::read_to_string(&path).unwrap();
    let new_key = new_entry.lines().next().unwrap().split(':').nth(1).unwrap();
    assert!(!r.stdout.contains(new_key) && !r.stderr.contains(new_key));
    // Only the key file is left in the directory: no temp files.
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);

    // A symlink is followed: the real file is replaced, the link kept.
    let link = dir.path().join("current.conf");
    std::os::unix::fs::symlink(&path, &link).unwrap();
    let r = run(cli()
        .args(["retire", "--keep", "1", "--in-place", "--keys"])
        .arg(&link));
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(
        fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(ids(&path), [after[0]]);
    assert_eq!(mode(&path), 0o640);
}

#[test]
fn in_place_rotation_refuses_a_world_readable_file() {
    let text = format!("{}\n", keygen("xaes-256-gcm"));
    let (_dir, path) = key_file(&text);
    fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
    let r = run(cli().args(["rotate", "--in-place", "--keys"]).arg(&path));
    assert_eq!(r.code, Some(3));
    assert!(r.stderr.contains("world-readable"), "{}", r.stderr);
    assert!(r.stderr.contains("chmod 600"), "{}", r.stderr);
    assert_eq!(fs::read_to_string(&path).unwrap(), text);
    // Reading it is allowed, with a warning.
    let r = run(cli().args(["check", "--keys"]).arg(&path));
    assert_eq!(r.code, Some(0));
    assert!(r.stderr.contains("warning") && r.stderr.contains("world-readable"));
}

/// Runs the CLI under `sh` with a file-size limit of 0, so the first write
/// of the temp file fails: with `trap_xfsz` the write returns EFBIG (a clean
/// error); without, the kernel kills the process mid-write (SIGXFSZ), as a
/// crash or power loss would stop it.
fn rotate_with_no_file_space(path: &Path, trap_xfsz: bool) -> Run {
    let trap = if trap_xfsz { "trap '' XFSZ; " } else { "" };
    let script = format!("{trap}ulimit -f 0; exec \"$0\" rotate --in-place --keys \"$1\"");
    run(Command::new("sh").arg("-c").arg(script).arg(BIN).arg(path))
}

#[test]
fn in_place_rotation_survives_a_failure_mid_write() {
    let text = format!("# keys\n{}\n", keygen("xaes-256-gcm"));
    let (dir, path) = key_file(&text);

    // A write error: reported with exit code 4, original intact, temp removed.
    let r = rotate_with_no_file_space(&path, true);
    assert_eq!(r.code, Some(4), "{}", r.stderr);
    assert!(
        r.stderr.contains("cannot write the temporary file"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("is unchanged"), "{}", r.stderr);
    assert_eq!(fs::read_to_string(&path).unwrap(), text);
    assert_eq!(
        fs::read_dir(dir.path()).unwrap().count(),
        1,
        "temp file left"
    );

    // Killed mid-write: the original is intact, and the next rotation works.
    let r = rotate_with_no_file_space(&path, false);
    assert_eq!(r.code, None, "expected death by SIGXFSZ: {}", r.stderr);
    assert_eq!(fs::read_to_string(&path).unwrap(), text);
    assert_eq!(mode(&path), 0o600);
    let r = run(cli().args(["rotate", "--in-place", "--keys"]).arg(&path));
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(ids(&path).len(), 2);
}

#[test]
fn inspect_opens_a_cookie_sealed_by_the_library() {
    let (dir, path) = key_file(&format!("{}\n", keygen("xaes-256-gcm")));
    let t = now();
    let (header, id) = seal(&path, "sid", t);

    let r = run(cli()
        .args(["inspect", "--name", "sid", "--keys"])
        .arg(&path)
        .arg(format!("Cookie: theme=dark; {header}")));
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let json: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(json["status"], "ok");
    assert_eq!(json["id"], id);
    assert_eq!(json["key_id"], ids(&path)[0].to_string());
    assert_eq!(json["primary_key"], true);
    assert_eq!(json["data"]["user"], "alice");
    assert_eq!(json["data"]["visits"], 3);
    assert_eq!(json["data"]["roles"], serde_json::json!(["admin", "dev"]));
    assert_eq!(
        json["flashes"]["_flash"],
        serde_json::json!(["welcome back"])
    );
    assert_eq!(json["cookies"], 1);
    let issued = json["issued_at"].as_str().unwrap();
    assert_eq!(issued.len(), 20, "{issued}");
    assert!(issued.ends_with('Z') && issued.as_bytes()[10] == b'T');
    assert!(json["expires_at"].as_str().unwrap() > issued);
    assert_eq!(json["idle_deadline"], serde_json::Value::Null);

    // A bare sealed value, from standard input.
    let value = header.split_once('=').unwrap().1;
    let r = run(cli()
        .args(["inspect", "--name", "sid", "-", "--keys"])
        .arg(&path)
        .write_stdin(format!("{value}\n")));
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(r.stdout.contains("\"alice\""));

    // A file holding the header (what `inspect cookie.txt` means), not
    // the file's name taken for a cookie.
    let cookie_file = dir.path().join("cookie.txt");
    fs::write(&cookie_file, format!("Cookie: {header}\n")).unwrap();
    let r = run(cli()
        .args(["inspect", "--name", "sid", "--keys"])
        .arg(&path)
        .arg(&cookie_file));
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(r.stdout.contains("\"alice\""), "{}", r.stdout);
}

#[test]
fn inspect_reports_expired_invalid_and_absent_with_exit_code_1() {
    let (_dir, path) = key_file(&format!("{}\n", keygen("xaes-256-gcm")));
    // Sealed 30 days ago with the default 14-day max-age.
    let (expired, _) = seal(&path, "sid", now() - 30 * 24 * 3600);
    let (fresh, _) = seal(&path, "sid", now());
    let mut tampered = fresh.clone().into_bytes();
    let last = tampered.len() - 3;
    tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).unwrap();

    for (cookie, status) in [
        (expired.as_str(), "expired"),
        (tampered.as_str(), "invalid"),
        ("other=1", "absent"),
    ] {
        let r = run(cli()
            .args(["inspect", "--name", "sid", "--keys"])
            .arg(&path)
            .arg(cookie));
        assert_eq!(r.code, Some(1), "{status}: {}", r.stderr);
        let json: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
        assert_eq!(json, serde_json::json!({ "status": status }));
        assert!(r.stderr.contains(status));
        assert!(!r.stdout.contains("alice"));
    }
    // Another cookie name never opens the value (subkeys are per name).
    let r = run(cli()
        .args(["inspect", "--name", "other", "--keys"])
        .arg(&path)
        .arg(fresh.replacen("sid=", "other=", 1)));
    assert_eq!(r.code, Some(1));
    assert!(r.stdout.contains("invalid"));
}

#[test]
fn full_rotation_with_the_cli() {
    // keygen -> check -> rotate -> inspect an old cookie -> retire.
    let (_dir, path) = key_file(&format!("{}\n", keygen("xaes-256-gcm")));
    let old_id = ids(&path)[0];
    assert_eq!(
        run(cli().args(["check", "--keys"]).arg(&path)).code,
        Some(0)
    );
    let (old_cookie, id) = seal(&path, "sid", now());

    let r = run(cli().args(["rotate", "--in-place", "--keys"]).arg(&path));
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let new_id = ids(&path)[0];
    let r = run(cli()
        .args(["inspect", "--name", "sid", "--keys"])
        .arg(&path)
        .arg(&old_cookie));
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let json: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(json["id"], id);
    assert_eq!(json["key_id"], old_id.to_string());
    assert_eq!(json["primary_key"], false);

    let r = run(cli()
        .args(["retire", "--keep", "1", "--in-place", "--keys"])
        .arg(&path));
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(ids(&path), [new_id]);
    // Retired too early for this cookie: its user would be logged out.
    let r = run(cli()
        .args(["inspect", "--name", "sid", "--keys"])
        .arg(&path)
        .arg(&old_cookie));
    assert_eq!(r.code, Some(1));
    assert!(r.stdout.contains("invalid"));
}

/// Seals one session at `at` under a store built by `build`; returns the
/// Cookie header and the session's expiry in Unix seconds.
fn seal_with(
    keys: &Path,
    at: u64,
    build: impl FnOnce(sealed_session::CookieStoreBuilder) -> sealed_session::CookieStoreBuilder,
    fill: impl FnOnce(&mut sealed_session::Session),
) -> (String, u64) {
    let store =
        build(CookieStore::builder("sid", Keyring::from_file(keys).unwrap()).allow_non_host_name())
            .build()
            .unwrap();
    let mut session = store.load(None::<&str>);
    fill(&mut session);
    let lines = sealed_session::__private::save_at(&store, &mut session, at).unwrap();
    let expires = session
        .expires_at()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    (cookie_header(&lines), expires)
}

fn inspect_status(keys: &Path, cookie: &str, flags: &[&str]) -> (Option<i32>, String) {
    let r = run(cli()
        .args(["inspect", "--name", "sid", "--keys"])
        .arg(keys)
        .args(flags)
        .write_stdin(cookie.to_owned()));
    let json: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    (r.code, json["status"].as_str().unwrap().to_owned())
}

#[test]
fn item7_key_files_writable_by_group_or_others_are_refused() {
    let text = format!("{}\n", keygen("xaes-256-gcm"));
    for bits in [0o620, 0o602, 0o660, 0o666, 0o622] {
        let (_dir, path) = key_file(&text);
        fs::set_permissions(&path, fs::Permissions::from_mode(bits)).unwrap();
        for args in [
            &["check", "--keys"][..],
            &["rotate", "--keys"],
            &["rotate", "--in-place", "--keys"],
            &["retire", "--keep", "1", "--in-place", "--keys"],
            &["inspect", "--name", "sid", "x", "--keys"],
        ] {
            let r = run(cli().args(args).arg(&path));
            assert_eq!(r.code, Some(3), "{bits:o} {args:?}: {}", r.stderr);
            assert!(
                r.stderr.contains("writable by group or others"),
                "{}",
                r.stderr
            );
            assert!(r.stdout.is_empty(), "{args:?} printed {}", r.stdout);
        }
        assert_eq!(fs::read_to_string(&path).unwrap(), text);
        assert_eq!(mode(&path), bits);
    }
}

#[test]
fn item7_in_place_rotation_keeps_only_safe_mode_bits() {
    for (before, after) in [
        (0o600, 0o600),
        (0o640, 0o640),
        (0o740, 0o640),
        (0o4700, 0o600),
    ] {
        let (_dir, path) = key_file(&format!("{}\n", keygen("xaes-256-gcm")));
        fs::set_permissions(&path, fs::Permissions::from_mode(before)).unwrap();
        let r = run(cli().args(["rotate", "--in-place", "--keys"]).arg(&path));
        assert_eq!(r.code, Some(0), "{before:o}: {}", r.stderr);
        assert_eq!(ids(&path).len(), 2);
        assert_eq!(mode(&path), after, "from {before:o}");
    }
}

#[test]
fn item7_inspect_escapes_control_characters() {
    let (_dir, path) = key_file(&format!("{}\n", keygen("xaes-256-gcm")));
    let hostile = "a\u{1b}]0;owned\u{7}b\u{9b}2Jc\u{85}d\u{7f}e\u{202e}f";
    let (header, _) = seal_with(
        &path,
        now(),
        |b| b,
        |s| {
            s.insert("note", hostile).unwrap();
            s.insert("\u{9b}key", &1u8).unwrap();
        },
    );
    let r = run(cli()
        .args(["inspect", "--name", "sid", "--keys"])
        .arg(&path)
        .write_stdin(header));
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let raw: Vec<char> = r
        .stdout
        .chars()
        .filter(|c| c.is_control() && *c != '\n')
        .collect();
    assert!(
        raw.is_empty(),
        "raw control characters {raw:?} in {:?}",
        r.stdout
    );
    assert!(!r.stdout.contains('\u{202e}'));
    assert!(r.stdout.contains(r"\u009b") && r.stdout.contains(r"\u202e"));
    // Escaped, not dropped: the JSON still holds the exact values.
    let json: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(json["data"]["note"], hostile);
    assert_eq!(json["data"]["\u{9b}key"], 1);
}

#[test]
fn issue11_cli_inspect_at_reproduces_a_past_decision() {
    let (_dir, path) = key_file(&format!("{}\n", keygen("xaes-256-gcm")));
    // Issued 30 days ago with the default 14-day max-age: expired now.
    let t0 = now() - 30 * 24 * 3600;
    let (header, expires) = seal_with(&path, t0, |b| b, |s| s.insert("user", "alice").unwrap());
    assert_eq!(
        inspect_status(&path, &header, &[]),
        (Some(1), "expired".into())
    );
    let at = |t: u64| t.to_string();
    assert_eq!(
        inspect_status(&path, &header, &["--at", &at(t0 + 5)]),
        (Some(0), "ok".into())
    );
    // The same moment in RFC 3339, in UTC and with an offset.
    let utc = run(cli()
        .args(["inspect", "--name", "sid", "--keys"])
        .arg(&path)
        .args(["--at", &at(t0)])
        .write_stdin(header.clone()));
    let json: serde_json::Value = serde_json::from_str(&utc.stdout).unwrap();
    let issued = json["issued_at"].as_str().unwrap().to_owned();
    assert_eq!(
        inspect_status(&path, &header, &["--at", &issued]),
        (Some(0), "ok".into())
    );
    let shifted = format!("{}+00:30", issued.trim_end_matches('Z'));
    // 00:30 east of UTC is half an hour earlier: before issue, beyond the skew.
    assert_eq!(
        inspect_status(&path, &header, &["--at", &shifted]),
        (Some(1), "invalid".into())
    );
    // Expiry, with and without clock skew.
    let after = at(expires + 30);
    assert_eq!(
        inspect_status(&path, &header, &["--at", &after]),
        (Some(0), "ok".into())
    );
    assert_eq!(
        inspect_status(&path, &header, &["--at", &after, "--clock-skew", "0"]),
        (Some(1), "expired".into())
    );
    assert_eq!(
        inspect_status(&path, &header, &["--at", &at(expires + 61)]),
        (Some(1), "expired".into())
    );
    // Bad times are usage errors.
    for bad in ["yesterday", "2026-02-30T00:00:00Z", "2026-11-29T01:30:00"] {
        let r = run(cli()
            .args(["inspect", "--name", "sid", "--at", bad, "--keys"])
            .arg(&path)
            .write_stdin(header.clone()));
        assert_eq!(r.code, Some(2), "{bad}: {}", r.stderr);
    }
}

#[test]
fn issue11_cli_inspect_size_limit_not_before_and_idle_timeout() {
    let (_dir, path) = key_file(&format!("{}\n", keygen("xaes-256-gcm")));
    let t0 = now() - 3600;
    // About 4 KB of text: two chunks under the default budget.
    let big: String = (0..4000u32)
        .map(|i| char::from(b'a' + u8::try_from(i.wrapping_mul(2_654_435_761) >> 27).unwrap() % 26))
        .collect();
    let (two, _) = seal_with(&path, t0, |b| b, |s| s.insert("big", &big).unwrap());
    assert!(two.contains("sid.1="), "{two}");
    assert_eq!(inspect_status(&path, &two, &[]), (Some(0), "ok".into()));
    assert_eq!(
        inspect_status(&path, &two, &["--size-limit", "4000"]),
        (Some(1), "invalid".into())
    );
    assert_eq!(
        inspect_status(&path, &two, &["--size-limit", "6144"]),
        (Some(0), "ok".into())
    );
    // The not-before cut-off of a store.
    let (one, _) = seal_with(&path, t0, |b| b, |s| s.insert("user", "alice").unwrap());
    let cut = |t: u64| t.to_string();
    // (Refused while issued_at < not-before + skew, 60 s by default.)
    assert_eq!(
        inspect_status(&path, &one, &["--not-before", &cut(t0 - 59)]),
        (Some(1), "expired".into())
    );
    assert_eq!(
        inspect_status(&path, &one, &["--not-before", &cut(t0 - 60)]),
        (Some(0), "ok".into())
    );
    assert_eq!(
        inspect_status(
            &path,
            &one,
            &["--not-before", &cut(t0), "--clock-skew", "0"]
        ),
        (Some(0), "ok".into())
    );
    // A session sealed with an idle deadline: --at decides; --idle-timeout
    // is accepted and configures the store as the application's did.
    let (idle, _) = seal_with(
        &path,
        t0,
        |b| b.with_idle_timeout(std::time::Duration::from_secs(600)),
        |s| s.insert("user", "alice").unwrap(),
    );
    let flags = |t: u64| {
        vec![
            "--idle-timeout".to_owned(),
            "600".to_owned(),
            "--at".to_owned(),
            t.to_string(),
        ]
    };
    let run_at = |t: u64| {
        let f = flags(t);
        let f: Vec<&str> = f.iter().map(String::as_str).collect();
        inspect_status(&path, &idle, &f)
    };
    assert_eq!(run_at(t0 + 500), (Some(0), "ok".into()));
    assert_eq!(run_at(t0 + 700), (Some(1), "expired".into()));
    // Invalid store options are usage errors.
    let r = run(cli()
        .args(["inspect", "--name", "sid", "--size-limit", "10", "--keys"])
        .arg(&path)
        .write_stdin(one));
    assert_eq!(r.code, Some(2), "{}", r.stderr);
}
