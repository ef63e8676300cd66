//! Nonces and session ids never repeat in a process that inherits the
//! generator's state and has the same pid as the process it was copied from.
//!
//! The test re-runs itself as PID 1 of a fresh user and PID namespace
//! (`unshare`), draws from the generator there, moves into a new nested PID
//! namespace and forks: the child is PID 1 too, with a copy of the parent's
//! memory. A generator that reseeds only when the pid changes would hand both
//! the same session id and the same nonce. Needs unprivileged user
//! namespaces (or root) and the `unshare` tool from util-linux.
//!
//! The second test runs the same check under a C library whose `getrandom`
//! is served in user space by the kernel's vDSO (glibc 2.41 or later on
//! Linux 6.11 or later), which the `getrandom` crate calls when the C
//! library has it: nonces then cost no system call, and still differ across
//! the same-pid fork (the vDSO generator keeps its state in memory the
//! kernel wipes in a forked child). `.ci/test` fetches such a C library
//! (`.ci/glibc-vdso.sh`) and runs it; `strace` counts the system calls.
// fork, unshare, pipe, read, write, _exit and waitpid need unsafe.
#![allow(unsafe_code)]
// Test helpers outside #[test] functions: clippy.toml's allow-*-in-tests
// does not reach them in an integration-test crate.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::process::Command;

use base64::Engine as _;
use sealed_session::{Algorithm, CookieStore, KeyPair, Keyring};

const INNER: &str = "SEALED_SESSION_NONCE_PID_REUSE_INNER";
const TEST: &str = "item3_nonces_and_ids_differ_in_a_forked_child_with_the_same_pid";
/// How many sessions the inner run seals before it forks (default 1).
const DRAWS: &str = "SEALED_SESSION_NONCE_DRAWS";
/// A directory holding `ld-linux-x86-64.so.2` and a `libc.so.6` whose
/// `getrandom` uses the vDSO (`.ci/glibc-vdso.sh` prints one).
const VDSO_GLIBC: &str = "SEALED_SESSION_VDSO_GLIBC";

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

/// Runs this test binary's inner check as PID 1 of new namespaces, through
/// `wrapper` (a program and its arguments placed before the namespaces'
/// `unshare`, e.g. `strace`) and `loader` (arguments placed before the test
/// binary, e.g. another C library's dynamic loader); returns its stdout and
/// stderr. Panics if no namespace could be made or the inner check failed.
fn run_inner(wrapper: &[&std::ffi::OsStr], loader: &[&std::ffi::OsStr], draws: usize) -> String {
    let exe = std::env::current_exe().unwrap();
    // An unprivileged user namespace first; plain root (CAP_SYS_ADMIN)
    // where user namespaces are disabled.
    let mut reports = Vec::new();
    for namespaces in [
        &["--user", "--map-root-user", "--pid", "--fork"][..],
        &["--pid", "--fork"],
    ] {
        let mut command = match wrapper.split_first() {
            Some((program, args)) => {
                let mut command = Command::new(program);
                command.args(args).arg("unshare");
                command
            }
            None => Command::new("unshare"),
        };
        let out = command
            .args(namespaces)
            .arg("--")
            .args(loader)
            .arg(&exe)
            .args(["--exact", TEST, "--test-threads=1", "--nocapture"])
            .env(INNER, "1")
            .env(DRAWS, draws.to_string())
            .output()
            .expect("the util-linux `unshare` tool (and the wrapper) run");
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        if out.status.success() && stdout.contains("pid-reuse check ran") {
            return format!("{stdout}\n{stderr}");
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

#[test]
fn item3_nonces_and_ids_differ_in_a_forked_child_with_the_same_pid() {
    if std::env::var_os(INNER).is_none() {
        run_inner(&[], &[], 1);
        return;
    }
    inner();
}

/// Sessions sealed before the fork in the vDSO run: two draws each (an id
/// and a nonce), far more than the system calls allowed for them.
const VDSO_DRAWS: usize = 2000;

#[test]
#[ignore = "needs a glibc >= 2.41 in $SEALED_SESSION_VDSO_GLIBC and strace; .ci/test provides both"]
fn nonces_from_the_vdso_make_no_system_call_and_differ_across_a_pid_1_fork() {
    let dir = std::path::PathBuf::from(
        std::env::var_os(VDSO_GLIBC)
            .expect("SEALED_SESSION_VDSO_GLIBC names the C library's directory"),
    );
    let summary =
        std::env::temp_dir().join(format!("sealed-session-vdso-{}.strace", std::process::id()));
    let loader = dir.join("ld-linux-x86-64.so.2");
    let out = run_inner(
        &[
            "strace".as_ref(),
            "-f".as_ref(),
            "-c".as_ref(),
            "-e".as_ref(),
            "trace=getrandom".as_ref(),
            "-o".as_ref(),
            summary.as_os_str(),
        ],
        &[
            loader.as_os_str(),
            "--library-path".as_ref(),
            dir.as_os_str(),
        ],
        VDSO_DRAWS,
    );
    let text = std::fs::read_to_string(&summary).expect("strace wrote its summary");
    let _ = std::fs::remove_file(&summary);
    // `strace -c`: "% time  seconds  usecs/call  calls  errors syscall",
    // one row per call traced; no row when there was none.
    let calls: usize = text
        .lines()
        .filter(|line| line.trim_end().ends_with(" getrandom"))
        .map(|line| {
            line.split_whitespace()
                .nth(3)
                .and_then(|n| n.parse::<usize>().ok())
                .expect("a calls column")
        })
        .sum();
    println!(
        "{out}\ngetrandom system calls for {VDSO_DRAWS} sessions sealed, then a fork: {calls}"
    );
    assert!(
        calls < 64,
        "{calls} getrandom system calls for {VDSO_DRAWS} sessions: the C library in {} does not serve getrandom from the vDSO (glibc >= 2.41 and Linux >= 6.11 do)\n{text}",
        dir.display()
    );
}

fn inner() {
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
    let draws: usize = std::env::var(DRAWS)
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1);
    for _ in 0..draws {
        let _ = draw(&store);
    }

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
