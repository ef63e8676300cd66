//! Nonces and session ids never repeat in a process that inherits the
//! generator's state and has the same pid as the process it was copied from.
//!
//! The test re-runs itself as PID 1 of a fresh user and PID namespace
//! (`unshare`), draws from the generator there, moves into a new nested PID
//! namespace and forks: the child is PID 1 too, with a copy of the parent's
//! memory. A generator that reseeds only when the pid changes would hand both
//! the same session id and the same nonce. Needs unprivileged user
//! namespaces (or root) and the `unshare` tool from util-linux.
// fork, unshare, pipe, read, write, _exit and waitpid need unsafe.
#![allow(unsafe_code)]
// Test helpers outside #[test] functions: clippy.toml's allow-*-in-tests
// does not reach them in an integration-test crate.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::process::Command;

use base64::Engine as _;
use sealed_session::{Algorithm, CookieStore, KeyPair, Keyring};

const INNER: &str = "SEALED_SESSION_NONCE_PID_REUSE_INNER";
const TEST: &str = "item3_nonces_and_ids_differ_in_a_forked_child_with_the_same_pid";

/// The session id and the 24-byte nonce of one freshly sealed session.
fn draw(store: &CookieStore) -> [u8; 40] {
    let mut session = store.new_session();
    session.insert("user", "alice").unwrap();
    let lines = store.save(&mut session).unwrap();
    let value = lines[0]
        .split(';')
        .next()
        .unwrap()
        .split_once('=')
        .unwrap()
        .1;
    let sealed = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(value)
        .unwrap();
    let mut out = [0u8; 40];
    out[..16].copy_from_slice(&hex::decode(session.id().to_string()).unwrap());
    // version, algorithm, 4-byte key id, chunk count, then the nonce.
    out[16..].copy_from_slice(&sealed[7..31]);
    out
}

#[test]
fn item3_nonces_and_ids_differ_in_a_forked_child_with_the_same_pid() {
    if std::env::var_os(INNER).is_none() {
        let exe = std::env::current_exe().unwrap();
        // An unprivileged user namespace first; plain root (CAP_SYS_ADMIN)
        // where user namespaces are disabled.
        let mut reports = Vec::new();
        for namespaces in [
            &["--user", "--map-root-user", "--pid", "--fork"][..],
            &["--pid", "--fork"],
        ] {
            let out = Command::new("unshare")
                .args(namespaces)
                .arg("--")
                .arg(&exe)
                .args(["--exact", TEST, "--test-threads=1", "--nocapture"])
                .env(INNER, "1")
                .output()
                .expect("the util-linux `unshare` tool runs");
            let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
            let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
            if out.status.success() && stdout.contains("pid-reuse check ran") {
                return;
            }
            assert!(
                !stderr.contains("repeated across a pid-1 fork"),
                "the weakness is back:\n{stdout}\n{stderr}"
            );
            reports.push(format!("unshare {namespaces:?}:\n{stdout}\n{stderr}"));
        }
        panic!(
            "no PID namespace could be made (user namespaces or root needed):\n{}",
            reports.join("\n")
        );
    }

    assert_eq!(std::process::id(), 1, "the inner run is PID 1");
    let keyring = Keyring::new(vec![
        KeyPair::generate(Algorithm::XChaCha20Poly1305).unwrap(),
    ])
    .unwrap();
    let store = CookieStore::builder("session", keyring)
        .allow_non_host_name()
        .build()
        .unwrap();
    // Any per-process generator is seeded by now.
    let _ = draw(&store);

    let mut fds = [0i32; 2];
    // SAFETY: plain libc calls on valid pointers; the child only draws,
    // writes to the pipe and `_exit`s.
    unsafe {
        assert_eq!(libc::unshare(libc::CLONE_NEWPID), 0, "new PID namespace");
        assert_eq!(libc::pipe(fds.as_mut_ptr()), 0);
        let child = libc::fork();
        assert!(child >= 0, "fork");
        if child == 0 {
            let pid_is_one = std::process::id() == 1;
            let drawn = draw(&store);
            let mut msg = [0u8; 41];
            msg[0] = u8::from(pid_is_one);
            msg[1..].copy_from_slice(&drawn);
            let written = libc::write(fds[1], msg.as_ptr().cast(), msg.len());
            libc::_exit(if written == 41 { 0 } else { 1 });
        }
        let mine = draw(&store);
        let mut msg = [0u8; 41];
        let mut got = 0usize;
        while got < msg.len() {
            let n = libc::read(fds[0], msg[got..].as_mut_ptr().cast(), msg.len() - got);
            assert!(n > 0, "child wrote its draw");
            got += usize::try_from(n).unwrap();
        }
        let mut status = 0;
        assert_eq!(libc::waitpid(child, &raw mut status, 0), child);
        assert!(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0);
        assert_eq!(msg[0], 1, "the child has the parent's pid (1)");
        assert_ne!(
            msg[1..17],
            mine[..16],
            "session id repeated across a pid-1 fork"
        );
        assert_ne!(msg[17..], mine[16..], "nonce repeated across a pid-1 fork");
    }
    println!("pid-reuse check ran");
}
