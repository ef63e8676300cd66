//! The soak's key rotation without restarts: the three fleet phases are
//! each one `sealed-session ... --in-place` rewrite of the key file that
//! every instance watches, and the time from the rewrite to every instance
//! acting on it is measured by probing each instance directly (not through
//! nginx):
//!
//! - stage: the instance opens a cookie sealed under the new key alone;
//! - promote: a fresh session the instance seals carries the new key id;
//! - retire: the instance refuses a cookie sealed under the old key alone.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use reqwest::blocking::Client as HttpClient;
use sealed_session::{CookieStore, Keyring};

/// The operator CLI, built by `cargo test --all-features`.
const CLI: &str = env!("CARGO_BIN_EXE_sealed-session");

/// How long an instance may take to act on a rewritten key file.
const RELOAD_LIMIT: Duration = Duration::from_secs(10);

/// The rotation phases, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    Stage,
    Promote,
    Retire,
}

impl Phase {
    pub const ALL: [Phase; 3] = [Phase::Stage, Phase::Promote, Phase::Retire];

    pub fn name(self) -> &'static str {
        match self {
            Phase::Stage => "stage",
            Phase::Promote => "promote",
            Phase::Retire => "retire",
        }
    }

    fn args(self) -> &'static [&'static str] {
        match self {
            Phase::Stage => &["rotate", "--stage"],
            Phase::Promote => &["rotate", "--promote"],
            Phase::Retire => &["retire", "--keep", "1"],
        }
    }
}

/// The key file and the entries it held before and after the rotation.
pub struct KeyFile {
    pub path: PathBuf,
    /// The entry the run starts with.
    pub old: String,
    /// The entry `stage` adds (known once it ran).
    pub new: Option<String>,
}

/// The entries of a key file, newest first (comments dropped).
fn entries(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .expect("reading the key file")
        .lines()
        .map(|line| line.split('#').next().unwrap_or("").trim().to_owned())
        .filter(|entry| !entry.is_empty())
        .collect()
}

impl KeyFile {
    /// A fresh key file (mode 0600, as the CLI requires for `--in-place`).
    pub fn create(dir: &Path) -> KeyFile {
        use std::os::unix::fs::PermissionsExt as _;
        let path = dir.join("session-keys.conf");
        let old = Keyring::generate_entry(Default::default()).expect("a key");
        std::fs::write(&path, format!("# session keys, newest first\n{}\n", *old))
            .expect("writing the key file");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).expect("chmod 600");
        KeyFile {
            path,
            old: old.to_string(),
            new: None,
        }
    }

    /// Runs the phase's CLI command on the file; returns when the file was
    /// replaced (the command has exited).
    pub fn rewrite(&mut self, phase: Phase) -> Instant {
        let output = Command::new(CLI)
            .args(phase.args())
            .arg("--in-place")
            .arg("--keys")
            .arg(&self.path)
            .output()
            .expect("running sealed-session");
        let written = Instant::now();
        assert!(
            output.status.success(),
            "sealed-session {}: {}",
            phase.name(),
            String::from_utf8_lossy(&output.stderr)
        );
        if phase == Phase::Stage {
            self.new = entries(&self.path).get(1).cloned();
        }
        written
    }

    pub fn new_entry(&self) -> &str {
        self.new.as_deref().expect("the staged key")
    }

    pub fn new_id(&self) -> String {
        key_id(self.new_entry())
    }
}

fn key_id(entry: &str) -> String {
    Keyring::from_config(entry)
        .expect("a key entry")
        .primary_id()
        .to_string()
}

/// A `Cookie` header with a session sealed under `entry` alone, as the
/// demo's store (cookie `session`) would seal it.
fn cookie_under(entry: &str) -> String {
    let store = CookieStore::builder("session", Keyring::from_config(entry).expect("a key"))
        .with_secure(false)
        .build()
        .expect("a store");
    let mut session = store.new_session();
    session.insert("probe", &1u8).expect("a value");
    let lines = store.save(&mut session).expect("sealing a probe");
    lines[0].split(';').next().expect("name=value").to_owned()
}

/// Probes one instance at a time for a phase's effect.
pub struct Prober {
    http: HttpClient,
    opens_new: String,
    opens_old: String,
    new_id: String,
}

impl Prober {
    /// For the phases after `stage` ran on `keys`.
    pub fn new(keys: &KeyFile) -> Prober {
        Prober {
            http: HttpClient::builder()
                .no_proxy()
                .redirect(reqwest::redirect::Policy::none())
                .timeout(Duration::from_secs(5))
                .build()
                .expect("an HTTP client"),
            opens_new: cookie_under(keys.new_entry()),
            opens_old: cookie_under(&keys.old),
            new_id: keys.new_id(),
        }
    }

    /// Whether the instance on `port` shows the effect of `phase`.
    fn done(&self, port: u16, phase: Phase) -> bool {
        let base = format!("http://127.0.0.1:{port}");
        match phase {
            Phase::Stage | Phase::Retire => {
                let cookie = if phase == Phase::Stage {
                    &self.opens_new
                } else {
                    &self.opens_old
                };
                let Ok(response) = self
                    .http
                    .get(format!("{base}/whoami"))
                    .header("cookie", cookie)
                    .send()
                else {
                    return false;
                };
                let Ok(body) = response
                    .text()
                    .map(|text| serde_json::from_str::<serde_json::Value>(&text))
                else {
                    return false;
                };
                let Ok(body) = body else {
                    return false;
                };
                let opened = body["load_error"].is_null() && body["is_new"] == false;
                opened == (phase == Phase::Stage)
            }
            Phase::Promote => {
                let Ok(response) = self.http.get(format!("{base}/login")).send() else {
                    return false;
                };
                response
                    .headers()
                    .get_all("set-cookie")
                    .iter()
                    .filter_map(|v| v.to_str().ok())
                    .filter_map(|v| v.strip_prefix("session="))
                    .any(|v| v.len() >= 8 && super::e2e_support::cookie_key_id(v) == self.new_id)
            }
        }
    }

    /// Polls every instance until it shows `phase`'s effect; the time from
    /// `written` to each one's first such answer.
    pub fn wait(&self, ports: &[u16], phase: Phase, written: Instant) -> Vec<Duration> {
        let mut seen: Vec<Option<Duration>> = vec![None; ports.len()];
        while seen.iter().any(Option::is_none) {
            for (port, seen) in ports.iter().zip(&mut seen) {
                if seen.is_none() && self.done(*port, phase) {
                    *seen = Some(written.elapsed());
                }
            }
            assert!(
                written.elapsed() < RELOAD_LIMIT,
                "{}: not every instance reloaded within {RELOAD_LIMIT:?}: {seen:?}",
                phase.name()
            );
            std::thread::sleep(Duration::from_millis(1));
        }
        seen.into_iter().flatten().collect()
    }
}
