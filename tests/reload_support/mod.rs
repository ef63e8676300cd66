//! A key file that a [`KeyReloader`] watches, for the framework tests'
//! rotation without a restart (`tests/axum.rs`, `tests/actix.rs`,
//! `tests/rocket.rs`): the same reloader serves every integration, because
//! each holds a clone of the store whose keys it replaces.

#![allow(dead_code)] // each test crate uses a different part of this module

use std::path::PathBuf;
use std::time::{Duration, Instant};

use base64::Engine as _;
use sealed_session::reload::KeyReloader;
use sealed_session::{CookieStore, Keyring};

/// A key file in a temporary directory, its store and its reloader.
pub struct Rotating {
    _dir: tempfile::TempDir,
    path: PathBuf,
    pub store: CookieStore,
    _reloader: KeyReloader,
    pub old: String,
    pub new: String,
}

impl Rotating {
    /// A store for cookie `name` on a key file holding one fresh key.
    pub fn new(name: &str) -> Rotating {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys.conf");
        let old = Keyring::generate_entry(Default::default())
            .unwrap()
            .to_string();
        let new = Keyring::generate_entry(Default::default())
            .unwrap()
            .to_string();
        std::fs::write(&path, format!("{old}\n")).unwrap();
        let store = CookieStore::builder(name, Keyring::from_file(&path).unwrap())
            .with_secure(false)
            .build()
            .unwrap();
        let reloader = KeyReloader::builder(&path)
            .store(&store)
            .with_sighup(false)
            .with_debounce(Duration::from_millis(20))
            .start()
            .unwrap();
        Rotating {
            _dir: dir,
            path,
            store,
            _reloader: reloader,
            old,
            new,
        }
    }

    /// Replaces the key file (a temporary file renamed over it) with
    /// `entries`, and waits until the store holds them.
    fn replace(&self, entries: &[&str]) {
        let tmp = self.path.with_extension("tmp");
        std::fs::write(&tmp, entries.join("\n")).unwrap();
        std::fs::rename(&tmp, &self.path).unwrap();
        let want = Keyring::from_config(&entries.join("\n")).unwrap();
        let want: Vec<_> = want.ids().collect();
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.store.keyring().ids().collect::<Vec<_>>() != want {
            assert!(Instant::now() < deadline, "the key file was not reloaded");
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// Fleet phase 2 in one step (the new key seals, the old one opens).
    pub fn promote(&self) {
        self.replace(&[&self.new, &self.old]);
    }

    /// Phase 3: only the new key.
    pub fn retire(&self) {
        self.replace(&[&self.new]);
    }

    pub fn old_id(&self) -> String {
        key_id(&self.old)
    }

    pub fn new_id(&self) -> String {
        key_id(&self.new)
    }
}

fn key_id(entry: &str) -> String {
    Keyring::from_config(entry)
        .unwrap()
        .primary_id()
        .to_string()
}

/// The key id in the header of cookie `name` in a `Cookie` header.
pub fn sealed_by(cookie_header: &str, name: &str) -> String {
    let value = cookie_header
        .split("; ")
        .filter_map(|pair| pair.split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v)
        .unwrap_or_else(|| panic!("no cookie {name} in {cookie_header:?}"));
    let head = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(&value[..8])
        .unwrap();
    head[2..6].iter().map(|b| format!("{b:02x}")).collect()
}
