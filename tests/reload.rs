//! The key reloader on a real file system, with real signals: each way a
//! key file changes in practice (renamed over, rewritten in place, a
//! Kubernetes `..data` symlink swap, a symlink into another directory) and
//! `SIGHUP` reach the store, a bad file is refused while the old keys keep
//! serving, and a file whose keys did not change replaces nothing.

#![cfg(feature = "reload")]
// Test code: a failed expectation is a panic with a message.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::time::{Duration, Instant};

use sealed_session::reload::KeyReloader;
use sealed_session::{CookieStore, KeyId, Keyring, StoreStats};

fn entry() -> String {
    Keyring::generate_entry(Default::default())
        .unwrap()
        .to_string()
}

fn id(entry: &str) -> KeyId {
    Keyring::from_config(entry).unwrap().primary_id()
}

/// Waits (bounded) until `done` holds; panics with `what` otherwise.
fn eventually(what: &str, done: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !done() {
        assert!(Instant::now() < deadline, "not within 10 s: {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// A store on the key file at `path`, and its reloader (no SIGHUP).
fn watched(path: &Path) -> (CookieStore, KeyReloader) {
    let store = CookieStore::new("__Host-s", Keyring::from_file(path).unwrap()).unwrap();
    let reloader = KeyReloader::builder(path)
        .store(&store)
        .with_debounce(Duration::from_millis(20))
        .with_sighup(false)
        .start()
        .unwrap();
    (store, reloader)
}

/// A cookie the store seals now, and the key id it was sealed under.
fn seal(store: &CookieStore) -> (String, KeyId) {
    let mut session = store.load(None::<&str>);
    session.insert("user", "alice").unwrap();
    let line = store.save(&mut session).unwrap().remove(0);
    let cookie = line.split(';').next().unwrap().to_owned();
    (cookie, session.opened_with().unwrap())
}

fn opens(store: &CookieStore, cookie: &str) -> bool {
    store.load(Some(cookie)).load_error().is_none()
}

/// Stats after settling: no reload left in flight.
fn settled(store: &CookieStore) -> StoreStats {
    std::thread::sleep(Duration::from_millis(200));
    store.stats()
}

#[test]
fn a_key_file_renamed_over_is_applied_and_the_rotation_loses_no_session() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keys.conf");
    let (old, new) = (entry(), entry());
    std::fs::write(&path, format!("{old}\n")).unwrap();
    let (store, _reloader) = watched(&path);
    let (old_cookie, sealed_by) = seal(&store);
    assert_eq!(sealed_by, id(&old));

    let replace = |text: String| {
        let tmp = dir.path().join(".keys.conf.tmp");
        std::fs::write(&tmp, text).unwrap();
        std::fs::rename(&tmp, &path).unwrap();
    };
    // Stage: the new key opens, the old one still seals.
    replace(format!("{old}\n{new}\n"));
    eventually("staged", || store.keyring().len() == 2);
    assert_eq!(seal(&store).1, id(&old));
    // Promote: the new key seals; the old cookie opens and is re-sealed.
    replace(format!("{new}\n{old}\n"));
    eventually("promoted", || store.keyring().primary_id() == id(&new));
    let mut session = store.load(Some(old_cookie.as_str()));
    assert_eq!(session.load_error(), None);
    let resealed = store.save(&mut session).unwrap().remove(0);
    let resealed = resealed.split(';').next().unwrap().to_owned();
    assert_eq!(session.opened_with(), Some(id(&new)));
    // Retire: the old cookie no longer opens, the re-sealed one does.
    replace(format!("{new}\n"));
    eventually("retired", || store.keyring().len() == 1);
    assert!(!opens(&store, &old_cookie));
    assert!(opens(&store, &resealed));
    let stats = settled(&store);
    assert_eq!((stats.reloads_applied, stats.reloads_refused), (3, 0));
    assert_eq!(stats.resealed, 1);
}

#[test]
fn a_key_file_rewritten_in_place_is_applied_once_complete() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keys.conf");
    let (old, new) = (entry(), entry());
    std::fs::write(&path, format!("{old}\n")).unwrap();
    let (store, _reloader) = watched(&path);

    // Truncate, then write the new list in two parts with a pause shorter
    // than the debounce: one reload, of the whole file.
    use std::io::Write as _;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .truncate(true)
        .open(&path)
        .unwrap();
    let text = format!("{new}\n{old}\n");
    let (first, second) = text.split_at(text.len() / 3);
    file.write_all(first.as_bytes()).unwrap();
    file.flush().unwrap();
    std::thread::sleep(Duration::from_millis(5));
    file.write_all(second.as_bytes()).unwrap();
    drop(file);
    eventually("promoted", || store.keyring().primary_id() == id(&new));
    assert_eq!(store.keyring().len(), 2);
    let stats = settled(&store);
    assert_eq!((stats.reloads_applied, stats.reloads_refused), (1, 0));
}

#[test]
fn a_kubernetes_secret_update_swaps_the_data_symlink() {
    use std::os::unix::fs::symlink;
    // The layout the kubelet writes into a secret volume: the file is a
    // link through `..data`, itself a link to a timestamped directory.
    let dir = tempfile::tempdir().unwrap();
    let volume = dir.path();
    let (old, new) = (entry(), entry());
    let publish = |stamp: &str, text: String| {
        let data = volume.join(stamp);
        std::fs::create_dir(&data).unwrap();
        std::fs::write(data.join("keys"), text).unwrap();
        symlink(stamp, volume.join("..data_tmp")).unwrap();
        std::fs::rename(volume.join("..data_tmp"), volume.join("..data")).unwrap();
    };
    publish("..2026_12_01_00_00_00.1", format!("{old}\n"));
    symlink("..data/keys", volume.join("keys")).unwrap();
    let path = volume.join("keys");
    let (store, _reloader) = watched(&path);
    assert_eq!(store.keyring().primary_id(), id(&old));

    publish("..2026_12_02_00_00_00.2", format!("{new}\n{old}\n"));
    std::fs::remove_dir_all(volume.join("..2026_12_01_00_00_00.1")).unwrap();
    eventually("promoted through ..data", || {
        store.keyring().primary_id() == id(&new)
    });
    publish("..2026_12_03_00_00_00.3", format!("{new}\n"));
    eventually("retired through ..data", || store.keyring().len() == 1);
    let stats = settled(&store);
    assert_eq!((stats.reloads_applied, stats.reloads_refused), (2, 0));
}

#[test]
fn a_symlink_into_another_directory_follows_its_target() {
    let dir = tempfile::tempdir().unwrap();
    let secrets = dir.path().join("secrets");
    let config = dir.path().join("config");
    std::fs::create_dir_all(&secrets).unwrap();
    std::fs::create_dir_all(&config).unwrap();
    let (old, new) = (entry(), entry());
    std::fs::write(secrets.join("keys.conf"), format!("{old}\n")).unwrap();
    std::os::unix::fs::symlink(secrets.join("keys.conf"), config.join("keys")).unwrap();
    let (store, _reloader) = watched(&config.join("keys"));
    // Only the target changes (the link does not).
    std::fs::write(secrets.join("keys.conf"), format!("{new}\n{old}\n")).unwrap();
    eventually("target rewritten", || {
        store.keyring().primary_id() == id(&new)
    });
}

#[test]
fn a_bad_file_is_refused_and_the_old_keys_keep_serving() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keys.conf");
    let (old, new) = (entry(), entry());
    std::fs::write(&path, format!("{old}\n")).unwrap();
    let (store, _reloader) = watched(&path);
    let (cookie, _) = seal(&store);

    // A key cut short, as a half-finished copy-paste leaves it.
    std::fs::write(&path, format!("{}\n", &new[..new.len() - 9])).unwrap();
    eventually("refused", || store.stats().reloads_refused >= 1);
    assert_eq!(store.keyring().primary_id(), id(&old));
    assert!(opens(&store, &cookie));
    assert_eq!(seal(&store).1, id(&old));

    // Fixed: applied.
    std::fs::write(&path, format!("{new}\n{old}\n")).unwrap();
    eventually("fixed", || store.keyring().primary_id() == id(&new));
    assert!(opens(&store, &cookie));
    assert_eq!(settled(&store).reloads_applied, 1);
}

#[test]
fn unchanged_keys_and_unrelated_files_replace_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keys.conf");
    let old = entry();
    std::fs::write(&path, format!("{old}\n")).unwrap();
    let (store, reloader) = watched(&path);
    // Comments added, the same keys: read, not applied.
    std::fs::write(&path, format!("# rotated by ops\n{old}  # current\n")).unwrap();
    // Another file in the directory, written many times.
    for i in 0..20 {
        std::fs::write(dir.path().join("users.tsv"), format!("{i}\n")).unwrap();
    }
    std::thread::sleep(Duration::from_millis(300));
    let stats = store.stats();
    assert_eq!((stats.reloads_applied, stats.reloads_refused), (0, 0));
    assert_eq!(
        reloader.reload_now().unwrap(),
        sealed_session::reload::Reloaded::Unchanged
    );
}

#[test]
fn a_missing_key_file_is_refused_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keys.conf");
    std::fs::write(&path, format!("{}\n", entry())).unwrap();
    let store = CookieStore::new("__Host-s", Keyring::from_file(&path).unwrap()).unwrap();
    let err = KeyReloader::builder(dir.path().join("absent.conf"))
        .store(&store)
        .with_sighup(false)
        .start()
        .unwrap_err();
    assert!(err.to_string().contains("absent.conf"), "{err}");
    let err = KeyReloader::builder(dir.path().join("nodir/keys.conf"))
        .store(&store)
        .with_sighup(false)
        .start()
        .unwrap_err();
    assert!(err.to_string().contains("nodir"), "{err}");
    // Nothing was replaced, and the refusals were counted.
    assert_eq!(store.keyring().len(), 1);
}

#[test]
fn sighup_reloads_the_key_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keys.conf");
    let (old, new) = (entry(), entry());
    std::fs::write(&path, format!("{old}\n")).unwrap();
    let store = CookieStore::new("__Host-s", Keyring::from_file(&path).unwrap()).unwrap();
    // Signals only: the write below is not seen until SIGHUP.
    let _reloader = KeyReloader::builder(&path)
        .store(&store)
        .with_file_watch(false)
        .start()
        .unwrap();
    std::fs::write(&path, format!("{new}\n{old}\n")).unwrap();
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(store.keyring().primary_id(), id(&old));
    let status = std::process::Command::new("kill")
        .arg("-HUP")
        .arg(std::process::id().to_string())
        .status()
        .unwrap();
    assert!(status.success());
    eventually("reloaded on SIGHUP", || {
        store.keyring().primary_id() == id(&new)
    });
    assert_eq!(settled(&store).reloads_applied, 1);
}
