//! Keyrings replaced at run time (`CookieStore::replace_keyring`, and the
//! key file reloader): requests in flight never see a mix of two keyrings,
//! a session opened just before a promotion is still re-sealed, the
//! retire counters stay right, and a refused reload keeps the old keys.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::{Algorithm, CookieStore, KeyId, Keyring};

/// One entry of each algorithm whose sealed lengths differ: a 12-byte
/// nonce, a 24-byte nonce, none with a 32-byte tag.
fn entries() -> [String; 3] {
    [
        Algorithm::Aes256Gcm,
        Algorithm::XChaCha20Poly1305,
        Algorithm::HmacSha256,
    ]
    .map(|alg| Keyring::generate_entry(alg).unwrap().to_string())
}

/// The keyring of `entries` in the order of `order` (each opens all three).
fn ring(entries: &[String; 3], order: [usize; 3]) -> Arc<Keyring> {
    let text = order.map(|i| entries[i].as_str()).join("\n");
    Arc::new(Keyring::from_config(&text).unwrap())
}

/// The `Cookie` header a browser sends back after `lines`.
fn cookie(lines: &[String]) -> String {
    lines
        .iter()
        .filter(|l| !l.contains("Max-Age=0"))
        .map(|l| l.split(';').next().unwrap())
        .collect::<Vec<_>>()
        .join("; ")
}

/// (algorithm byte, key id, chunk count) from the first cookie's header.
fn header_of(lines: &[String]) -> (u8, KeyId, usize) {
    let value = lines[0]
        .split(';')
        .next()
        .unwrap()
        .split_once('=')
        .unwrap()
        .1;
    let head = URL_SAFE_NO_PAD.decode(&value[..12]).unwrap();
    (
        head[1],
        KeyId([head[2], head[3], head[4], head[5]]),
        usize::from(head[6]),
    )
}

/// A note length at which the three algorithms need different chunk counts
/// (one chunk for the shortest seal, two for the longest), so a save that
/// sized its chunks under one keyring and sealed under another makes
/// cookies that do not open.
fn boundary_note(entries: &[String; 3]) -> usize {
    let stores: Vec<CookieStore> = (0..3)
        .map(|i| {
            CookieStore::builder("sid", ring(entries, [i, (i + 1) % 3, (i + 2) % 3]))
                .allow_non_host_name()
                .build()
                .unwrap()
        })
        .collect();
    (2500..3200)
        .find(|&n| {
            let chunks: Vec<usize> = stores
                .iter()
                .map(|store| {
                    let mut session = store.new_session();
                    session.insert("note", &"n".repeat(n)).unwrap();
                    header_of(&store.save(&mut session).unwrap()).2
                })
                .collect();
            chunks.iter().min() != chunks.iter().max()
        })
        .expect("a note length where the algorithms' chunk counts differ")
}

#[test]
fn requests_never_see_a_mix_of_two_keyrings_while_reloads_run() {
    let entries = entries();
    let rings = [
        ring(&entries, [0, 1, 2]),
        ring(&entries, [1, 2, 0]),
        ring(&entries, [2, 0, 1]),
    ];
    let algorithm_of = |id: KeyId| {
        rings[0]
            .ids()
            .find(|(k, _)| *k == id)
            .map(|(_, alg)| alg.wire_id())
            .expect("a key of the keyrings")
    };
    let store = CookieStore::builder("sid", Arc::clone(&rings[0]))
        .allow_non_host_name()
        .build()
        .unwrap();
    let note = "n".repeat(boundary_note(&entries));
    let done = AtomicBool::new(false);
    let swaps = AtomicU64::new(0);
    std::thread::scope(|s| {
        let workers: Vec<_> = (0..6)
            .map(|worker| {
                let (store, note) = (&store, &note);
                s.spawn(move || {
                    let mut header = String::new();
                    let mut seen_primaries = std::collections::BTreeSet::new();
                    for round in 0..200u32 {
                        let mut session = store.load([header.as_str()]);
                        if round > 0 {
                            assert_eq!(session.load_error(), None, "worker {worker} round {round}");
                            assert_eq!(session.get::<u32>("round").unwrap(), Some(round - 1));
                        }
                        session.insert("round", &round).unwrap();
                        session.insert("note", note).unwrap();
                        let lines = store.save(&mut session).unwrap();
                        let (alg, id, chunks) = header_of(&lines);
                        // The key that sealed is the one the session records,
                        // with its own algorithm, over the chunks sent.
                        assert_eq!(session.opened_with(), Some(id));
                        assert_eq!(alg, algorithm_of(id));
                        let sent = lines.iter().filter(|l| !l.contains("Max-Age=0")).count();
                        assert_eq!(chunks, sent);
                        seen_primaries.insert(id);
                        header = cookie(&lines);
                    }
                    seen_primaries.len()
                })
            })
            .collect();
        s.spawn(|| {
            let mut i = 0;
            while !done.load(Ordering::Relaxed) {
                i += 1;
                store.replace_keyring(Arc::clone(&rings[i % 3])).unwrap();
                swaps.fetch_add(1, Ordering::Relaxed);
                std::thread::yield_now();
            }
        });
        // Stop the reloads before looking at the results: a failed worker
        // must fail the test, not leave the reloading thread spinning.
        let results: Vec<_> = workers.into_iter().map(|w| w.join()).collect();
        done.store(true, Ordering::Relaxed);
        let primaries: Vec<usize> = results.into_iter().map(|r| r.unwrap()).collect();
        // The reloads did interleave with the requests.
        assert!(primaries.iter().any(|&n| n > 1), "{primaries:?}");
    });
    let stats = store.stats();
    assert_eq!(stats.reloads_applied, swaps.load(Ordering::Relaxed));
    assert_eq!(stats.reloads_refused, 0);
    assert_eq!(stats.invalid, 0);
}

#[test]
fn a_session_opened_just_before_a_promotion_is_resealed_by_its_save() {
    let entries = entries();
    let store = CookieStore::builder("sid", ring(&entries, [0, 1, 2]))
        .allow_non_host_name()
        .build()
        .unwrap();
    let mut session = store.load(None::<&str>);
    session.insert("user", "alice").unwrap();
    let header = cookie(&store.save(&mut session).unwrap());

    // Opened under the primary of the time, promoted before the response.
    let mut session = store.load([header.as_str()]);
    store.replace_keyring(ring(&entries, [1, 0, 2])).unwrap();
    let lines = store.save(&mut session).unwrap();
    let new_primary = store.keyring().primary_id();
    assert_eq!(header_of(&lines).1, new_primary);
    assert_eq!(session.opened_with(), Some(new_primary));
    let stats = store.stats();
    assert_eq!((stats.resealed, stats.opened_with_non_primary), (1, 0));

    // The old cookie after the promotion: opened by a non-primary key,
    // counted for the retire decision, re-sealed.
    let mut session = store.load([header.as_str()]);
    assert_eq!(session.load_error(), None);
    store.save(&mut session).unwrap();
    let stats = store.stats();
    assert_eq!((stats.resealed, stats.opened_with_non_primary), (2, 1));
}

#[test]
fn retiring_by_replacement_stops_the_old_key_and_keeps_the_new() {
    let entries = entries();
    let store = CookieStore::builder("sid", ring(&entries, [0, 1, 2]))
        .allow_non_host_name()
        .build()
        .unwrap();
    let mut session = store.load(None::<&str>);
    session.insert("user", "alice").unwrap();
    let old_cookie = cookie(&store.save(&mut session).unwrap());
    store.replace_keyring(ring(&entries, [1, 0, 2])).unwrap();
    let mut session = store.load([old_cookie.as_str()]);
    let new_cookie = cookie(&store.save(&mut session).unwrap());

    let retired = Keyring::from_config(&format!("{}\n{}", entries[1], entries[2])).unwrap();
    store.replace_keyring(retired).unwrap();
    assert_eq!(
        store.load([old_cookie.as_str()]).load_error(),
        Some(crate::LoadError::Invalid)
    );
    let session = store.load([new_cookie.as_str()]);
    assert_eq!(session.load_error(), None);
    assert_eq!(
        session.get::<String>("user").unwrap().as_deref(),
        Some("alice")
    );
    assert_eq!(store.stats().reloads_applied, 2);
}

#[test]
fn clones_and_named_stores_follow_their_own_replacements() {
    let entries = entries();
    let store = CookieStore::builder("sid", ring(&entries, [0, 1, 2]))
        .allow_non_host_name()
        .build()
        .unwrap();
    let clone = store.clone();
    let other = store.for_name("other").unwrap();
    store.replace_keyring(ring(&entries, [1, 0, 2])).unwrap();
    assert_eq!(clone.keyring().primary_id(), store.keyring().primary_id());
    // `for_name` derived its own keys: replaced separately.
    assert_ne!(other.keyring().primary_id(), store.keyring().primary_id());
    assert_eq!(other.stats().reloads_applied, 0);
    // A store made after the replacement starts from the current keys.
    let later = store.for_name("later").unwrap();
    assert_eq!(later.keyring().primary_id(), store.keyring().primary_id());
}

#[cfg(feature = "reload")]
mod file {
    use super::*;
    use crate::reload::{KeyReloader, ReloadError, Reloaded};

    #[test]
    fn a_refused_reload_keeps_serving_with_the_old_keys() {
        let entries = entries();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys.conf");
        std::fs::write(&path, format!("{}\n", entries[0])).unwrap();
        let store = CookieStore::builder("sid", Keyring::from_file(&path).unwrap())
            .allow_non_host_name()
            .build()
            .unwrap();
        // Driven by `reload_now` alone: the counts below are exact.
        let reloader = KeyReloader::builder(&path)
            .store(&store)
            .with_sighup(false)
            .with_file_watch(false)
            .start()
            .unwrap();
        let mut session = store.load(None::<&str>);
        session.insert("user", "alice").unwrap();
        let header = cookie(&store.save(&mut session).unwrap());
        let primary = store.keyring().primary_id();

        // Half a key, a duplicated key, an empty file, a missing file.
        let half = &entries[1][..entries[1].len() / 2];
        let duplicated = format!("{}\n{}\n", entries[1], entries[1]);
        for bad in [half, duplicated.as_str(), "", "# only a comment\n"] {
            std::fs::write(&path, bad).unwrap();
            assert!(matches!(reloader.reload_now(), Err(ReloadError::Config(_))));
        }
        std::fs::remove_file(&path).unwrap();
        assert!(matches!(reloader.reload_now(), Err(ReloadError::Config(_))));

        // Still the old keys: the old cookie opens, new seals use them.
        assert_eq!(store.keyring().primary_id(), primary);
        let mut session = store.load([header.as_str()]);
        assert_eq!(
            session.get::<String>("user").unwrap().as_deref(),
            Some("alice")
        );
        session.insert("n", &1).unwrap();
        let lines = store.save(&mut session).unwrap();
        assert_eq!(header_of(&lines).1, primary);
        let stats = store.stats();
        assert_eq!((stats.reloads_refused, stats.reloads_applied), (5, 0));

        // A good file again: applied once; read again, unchanged.
        std::fs::write(&path, format!("{}\n{}\n", entries[1], entries[0])).unwrap();
        assert!(matches!(
            reloader.reload_now(),
            Ok(Reloaded::Applied { keys: 2, .. })
        ));
        assert_eq!(reloader.reload_now().unwrap(), Reloaded::Unchanged);
        assert_eq!(store.stats().reloads_applied, 1);
        assert_ne!(store.keyring().primary_id(), primary);
    }
}
