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

use std::collections::BTreeSet;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::Command;

use e2e_support::{Client, Demo, DemoOptions, Proc, cookie_key_id, free_port};
use reqwest::{StatusCode, Url};
use sealed_session::Keyring;

const PASSWORD: &str = "correct horse battery";
const INSTANCES: [&str; 3] = ["a", "b", "c"];

fn nginx_binary() -> PathBuf {
    for candidate in ["/usr/sbin/nginx", "/usr/bin/nginx"] {
        if Path::new(candidate).exists() {
            return PathBuf::from(candidate);
        }
    }
    PathBuf::from("nginx")
}

/// nginx as a foreground process with everything (config, pid file, logs,
/// temp paths) inside `dir`.
fn start_nginx(dir: &Path, port: u16, upstreams: &[u16]) -> Proc {
    let servers: String = upstreams
        .iter()
        // max_fails=0: an instance that is down for a restart is retried on
        // the next request instead of being skipped for fail_timeout.
        .map(|p| format!("        server 127.0.0.1:{p} max_fails=0;\n"))
        .collect();
    // As root, nginx would switch its workers to `nobody`, who cannot write
    // the temp paths inside our 0700 temp dir.
    let user = if is_root() { "user root;\n" } else { "" };
    let d = dir.display();
    // One process, no master: stopping it by pid (even with SIGKILL when a
    // test fails) leaves no orphaned worker behind.
    let config = format!(
        "{user}master_process off;\n\
         worker_processes 1;\n\
         pid {d}/nginx.pid;\n\
         error_log {d}/error.log info;\n\
         events {{ worker_connections 64; }}\n\
         http {{\n\
         \x20   access_log {d}/access.log;\n\
         \x20   client_body_temp_path {d}/client_body;\n\
         \x20   proxy_temp_path {d}/proxy;\n\
         \x20   fastcgi_temp_path {d}/fastcgi;\n\
         \x20   uwsgi_temp_path {d}/uwsgi;\n\
         \x20   scgi_temp_path {d}/scgi;\n\
         \x20   upstream demo {{\n{servers}    }}\n\
         \x20   server {{\n\
         \x20       listen 127.0.0.1:{port};\n\
         \x20       location / {{\n\
         \x20           proxy_pass http://demo;\n\
         \x20           proxy_next_upstream error timeout http_502;\n\
         \x20           proxy_set_header Host $http_host;\n\
         \x20       }}\n\
         \x20   }}\n\
         }}\n"
    );
    let conf = dir.join("nginx.conf");
    std::fs::write(&conf, config).expect("writing nginx.conf");
    let mut command = Command::new(nginx_binary());
    command
        .arg("-p")
        .arg(dir)
        .arg("-e")
        .arg(dir.join("error.log"))
        .arg("-c")
        .arg(&conf)
        .args(["-g", "daemon off;"]);
    let proc = Proc::spawn("nginx", command, dir.join("nginx.stderr"));
    // Ready when it accepts connections (bounded; a start failure ends the
    // process, which the loop notices through the pid file never showing up
    // and the attempts running out).
    for _ in 0..400 {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return proc;
        }
        std::thread::sleep(std::time::Duration::from_millis(25));
    }
    panic!(
        "nginx did not start listening on {port}:\n{}\n{}",
        proc.log_text(),
        std::fs::read_to_string(dir.join("error.log")).unwrap_or_default()
    );
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0\n"))
}

struct Cluster {
    dir: PathBuf,
    users: PathBuf,
    ports: Vec<u16>,
    instances: Vec<Option<Demo>>,
}

impl Cluster {
    fn start(dir: &Path, keys: &str) -> Cluster {
        let mut cluster = Cluster {
            dir: dir.to_owned(),
            users: dir.join("users.tsv"),
            ports: INSTANCES.iter().map(|_| free_port()).collect(),
            instances: INSTANCES.iter().map(|_| None).collect(),
        };
        for i in 0..INSTANCES.len() {
            cluster.restart(i, keys);
        }
        cluster
    }

    /// Stops instance `i` (by pid).
    fn stop(&mut self, i: usize) {
        if let Some(mut old) = self.instances[i].take() {
            old.proc.stop();
        }
    }

    /// Stops instance `i` (if running) and starts it again on the same
    /// port with `keys`.
    fn restart(&mut self, i: usize, keys: &str) {
        self.stop(i);
        let demo = Demo::start(
            &DemoOptions {
                port: self.ports[i],
                session_keys: Some(keys.to_owned()),
                users_file: Some(self.users.clone()),
                instance: Some(INSTANCES[i].to_owned()),
                ..DemoOptions::default()
            },
            &self.dir,
        );
        self.instances[i] = Some(demo);
    }
}

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
    let _nginx = start_nginx(dir.path(), nginx_port, &cluster.ports);
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
