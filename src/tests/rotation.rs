//! Key rotation as the README's runbook describes it (stage, promote,
//! retire), with injected time: no session is lost in any phase of a
//! rolling deploy, re-sealing keeps lifetimes, and the counters tell when
//! the old key can go. Also the key-file loaders and the opt-in revocation
//! (`with_not_before`, `with_revocation_check`).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, UNIX_EPOCH};

use crate::{CookieStore, KeyId, Keyring, LoadError, Session, StoreError, StoreStats};

const T0: u64 = 1_700_000_000;
const DAY: u64 = 24 * 3600;
const MAX_AGE: u64 = 14 * DAY;

fn store(config: &str) -> CookieStore {
    CookieStore::builder("sid", Keyring::from_config(config).unwrap())
        .allow_non_host_name()
        .with_max_age(Duration::from_secs(MAX_AGE))
        .with_clock_skew(Duration::ZERO)
        .build()
        .unwrap()
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

/// A logged-in session sealed by `store` at `now`: (its Cookie header, the session).
fn login(store: &CookieStore, now: u64) -> (String, Session) {
    let mut session = store.load_at(None::<&str>, now);
    session.insert("user", "alice").unwrap();
    let lines = store.save_at(&mut session, now).unwrap();
    (cookie(&lines), session)
}

/// Loads `header` on `store` at `now`, asserts it opened as `alice`, saves
/// it unchanged; returns the key that opened it and the lines sent.
fn visit(store: &CookieStore, header: &str, now: u64) -> (Option<KeyId>, Vec<String>) {
    let mut session = store.load_at([header], now);
    assert_eq!(session.load_error(), None, "session lost");
    assert_eq!(
        session.get::<String>("user").unwrap().as_deref(),
        Some("alice")
    );
    let opened_with = session.opened_with();
    let lines = store.save_at(&mut session, now).unwrap();
    (opened_with, lines)
}

#[test]
fn runbook_phases_lose_no_session_during_a_rolling_deploy() {
    let a = Keyring::generate_entry(Default::default()).unwrap();
    let b = Keyring::generate_entry(Default::default()).unwrap();
    let phase0 = store(&a);
    let phase1 = store(&format!("{}\n{}", *a, *b)); // B staged: opens only
    let phase2 = store(&format!("{}\n{}", *b, *a)); // B promoted, A opens only
    let phase3 = store(&b); // A retired
    let id_a = Keyring::from_config(&a).unwrap().primary_id();
    let id_b = Keyring::from_config(&b).unwrap().primary_id();

    // Phase 1 rollout: old and new instances both seal with A.
    let (from_old, _) = login(&phase0, T0);
    let (from_new, _) = login(&phase1, T0);
    for (store, header) in [(&phase1, &from_old), (&phase0, &from_new)] {
        let (opened_with, lines) = visit(store, header, T0 + 60);
        assert_eq!(opened_with, Some(id_a));
        assert!(lines.is_empty(), "opened by the primary: nothing to write");
    }

    // Phase 2 rollout: phase-1 instances can already open B's cookies.
    let (sealed_b, _) = login(&phase2, T0 + DAY);
    let (opened_with, lines) = visit(&phase1, &sealed_b, T0 + DAY + 60);
    assert_eq!(opened_with, Some(id_b));
    // Phase-1 instances still seal with A; phase-2 ones re-seal it with B.
    let back_to_a = cookie(&lines);
    let (opened_with, lines) = visit(&phase2, &back_to_a, T0 + DAY + 120);
    assert_eq!(opened_with, Some(id_a));
    let resealed = cookie(&lines);
    assert!(!resealed.is_empty());

    // An active user's session moves to B on its next response.
    let (header, _) = login(&phase0, T0 + 2 * DAY);
    let (_, lines) = visit(&phase2, &header, T0 + 3 * DAY);
    let moved = cookie(&lines);
    assert_eq!(
        phase2.load_at([moved.as_str()], T0 + 3 * DAY).opened_with(),
        Some(id_b)
    );
    assert_eq!(phase2.stats().opened_with_non_primary, 2);
    assert_eq!(phase2.stats().resealed, 2);

    // Phase 3 rollout: B's cookies open on both; nothing re-sealed any more.
    for store in [&phase2, &phase3] {
        for header in [&resealed, &moved] {
            let (opened_with, lines) = visit(store, header, T0 + 4 * DAY);
            assert_eq!(opened_with, Some(id_b));
            assert!(lines.is_empty());
        }
    }
    assert_eq!(phase3.stats().opened_with_non_primary, 0);

    // What retiring too early costs: a session still sealed under A (its
    // user did not come back during phase 2) is fresh now: logged out.
    let (dormant, _) = login(&phase0, T0 + 3 * DAY);
    let session = phase3.load_at([dormant.as_str()], T0 + 4 * DAY);
    assert!(session.is_new());
    assert_eq!(session.load_error(), Some(LoadError::Invalid));
    assert_eq!(phase3.stats().invalid, 1);
}

#[test]
fn reseal_under_the_primary_keeps_issued_at_and_expiry() {
    let a = Keyring::generate_entry(Default::default()).unwrap();
    let b = Keyring::generate_entry(Default::default()).unwrap();
    let old = store(&a);
    let rotated = store(&format!("{}\n{}", *b, *a));
    let (header, original) = login(&old, T0);

    // Ten days later the unchanged session is written back under B...
    let now = T0 + 10 * DAY;
    let mut session = rotated.load_at([header.as_str()], now);
    assert!(!session.is_modified());
    let lines = rotated.save_at(&mut session, now).unwrap();
    assert!(
        !lines.is_empty(),
        "an old key's session is re-sealed even if unchanged"
    );
    // ...with the cookie's Max-Age the time left, not a fresh 14 days.
    assert!(
        lines[0].contains(&format!("Max-Age={}", 4 * DAY)),
        "{}",
        lines[0]
    );

    let reopened = rotated.load_at([cookie(&lines).as_str()], now + 1);
    assert_eq!(
        reopened.opened_with(),
        Some(Keyring::from_config(&b).unwrap().primary_id())
    );
    assert_eq!(reopened.id(), original.id());
    assert_eq!(reopened.issued_at(), original.issued_at());
    assert_eq!(reopened.expires_at(), original.expires_at());
    assert_eq!(
        reopened.expires_at(),
        UNIX_EPOCH + Duration::from_secs(T0 + MAX_AGE)
    );
    // Once under the primary, nothing more to write, and it still expires on time.
    let mut again = reopened;
    assert!(rotated.save_at(&mut again, now + 2).unwrap().is_empty());
    let late = rotated.load_at([cookie(&lines).as_str()], T0 + MAX_AGE + 1);
    assert_eq!(late.load_error(), Some(LoadError::Expired));
}

#[test]
fn stats_count_every_outcome() {
    let a = Keyring::generate_entry(Default::default()).unwrap();
    let b = Keyring::generate_entry(Default::default()).unwrap();
    let old = store(&a);
    let s = store(&format!("{}\n{}", *b, *a));
    let (under_a, _) = login(&old, T0);
    let (under_b, _) = login(&s, T0);

    s.load_at(None::<&str>, T0);
    s.load_at(["sid=garbage"], T0);
    s.load_at([under_b.as_str()], T0 + MAX_AGE + 1);
    let mut session = s.load_at([under_a.as_str()], T0 + 1);
    s.save_at(&mut session, T0 + 1).unwrap();
    session.insert("big", &"x".repeat(20_000)).unwrap();
    assert!(s.save_at(&mut session, T0 + 2).is_err());

    let stats = s.stats();
    let want = StoreStats {
        loads_fresh: 2, // the explicit one, and login()'s
        loads_opened: 1,
        opened_with_non_primary: 1,
        invalid: 1,
        expired: 1,
        revoked: 0,
        injections: 0,
        saves: 2, // login()'s and the re-seal
        resealed: 1,
        too_large: 1,
        reloads_applied: 0,
        reloads_refused: 0,
    };
    assert_eq!(stats, want);
    // Clones share the counters; another name's store has its own.
    assert_eq!(s.clone().stats(), want);
    assert_eq!(s.for_name("other").unwrap().stats(), StoreStats::default());
}

#[test]
fn not_before_logs_out_sessions_issued_earlier() {
    let a = Keyring::generate_entry(Default::default()).unwrap();
    let plain = store(&a);
    let (before, _) = login(&plain, T0);
    let (after, _) = login(&plain, T0 + 100);
    let cut = CookieStore::builder("sid", Keyring::from_config(&a).unwrap())
        .allow_non_host_name()
        .with_clock_skew(Duration::ZERO)
        .with_not_before(UNIX_EPOCH + Duration::from_secs(T0 + 50))
        .build()
        .unwrap();

    let session = cut.load_at([before.as_str()], T0 + 200);
    assert!(session.is_new());
    assert_eq!(session.load_error(), Some(LoadError::Expired));
    assert_eq!(cut.load_at([after.as_str()], T0 + 200).load_error(), None);
    // A re-seal keeps issued-at, so an old session stays cut off after it.
    let mut s = plain.load_at([before.as_str()], T0 + 60);
    s.insert("touched", &true).unwrap();
    let resaved = cookie(&plain.save_at(&mut s, T0 + 60).unwrap());
    assert_eq!(
        cut.load_at([resaved.as_str()], T0 + 200).load_error(),
        Some(LoadError::Expired)
    );
    assert_eq!(cut.stats().expired, 2);

    // A cut-off in the future is a configuration mistake.
    let err = CookieStore::builder("sid", Keyring::from_config(&a).unwrap())
        .allow_non_host_name()
        .with_not_before(std::time::SystemTime::now() + Duration::from_secs(3600))
        .build()
        .unwrap_err();
    assert_eq!(err, StoreError::NotBeforeInFuture);
}

#[test]
fn revocation_check_is_asked_only_for_authentic_sessions() {
    let a = Keyring::generate_entry(Default::default()).unwrap();
    let plain = store(&a);
    let (alice, alice_session) = login(&plain, T0);
    let (bob, _) = login(&plain, T0);
    let revoked = alice_session.id();
    let calls = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&calls);
    let checked = CookieStore::builder("sid", Keyring::from_config(&a).unwrap())
        .allow_non_host_name()
        .with_revocation_check(move |session| {
            counted.fetch_add(1, Ordering::SeqCst);
            session.id() == revoked
        })
        .build()
        .unwrap();

    let session = checked.load_at([alice.as_str()], T0 + 1);
    assert!(session.is_new());
    assert_ne!(
        session.id(),
        revoked,
        "a revoked session's id is not reused"
    );
    assert_eq!(session.load_error(), Some(LoadError::Invalid));
    assert_eq!(checked.load_at([bob.as_str()], T0 + 1).load_error(), None);
    // Forged or expired cookies never reach the hook.
    checked.load_at(["sid=forged"], T0 + 1);
    checked.load_at([bob.as_str()], T0 + 30 * DAY);
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    let stats = checked.stats();
    assert_eq!((stats.invalid, stats.revoked, stats.expired), (2, 1, 1));
    // The hook travels with the options to stores for other names.
    let other = checked.for_name("other").unwrap();
    let (header, _) = login(&other, T0);
    other.load_at([header.as_str()], T0 + 1);
    assert_eq!(calls.load(Ordering::SeqCst), 3);
}

#[test]
fn key_files_allow_comments_blank_lines_and_whitespace() {
    let a = Keyring::generate_entry(Default::default()).unwrap();
    let b = Keyring::generate_entry(crate::Algorithm::HmacSha256).unwrap();
    let expected = Keyring::from_config(&format!("{}\n{}", *a, *b)).unwrap();
    let text = format!(
        "\u{feff}# session keys, newest first\r\n\r\n   {}\t# added 2026-11-22, by ops\r\n\n# old, retire after 2026-12-06\n  {}  \n\n",
        *a, *b
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keys.conf");
    std::fs::write(&path, text).unwrap();
    let keyring = Keyring::from_file(&path).unwrap();
    assert_eq!(
        keyring.ids().collect::<Vec<_>>(),
        expected.ids().collect::<Vec<_>>()
    );

    // Errors name the file; an empty file is no keyring.
    let missing = dir.path().join("missing.conf");
    let err = Keyring::from_file(&missing).unwrap_err();
    assert!(err.to_string().contains("missing.conf"), "{err}");
    std::fs::write(&path, "# nothing yet\n\n").unwrap();
    assert!(Keyring::from_file(&path).is_err());
    let err = Keyring::from_env("SEALED_SESSION_TEST_SURELY_UNSET").unwrap_err();
    assert!(err.to_string().contains("SEALED_SESSION_TEST_SURELY_UNSET"));
}
