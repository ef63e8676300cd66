//! Logging out and its limits, with injected time: what a copy of the
//! cookie taken before `destroy` can still do (the replay window of each
//! configuration README "Logging out" gives), which id to deny, the
//! revocation hook seeing the session (per-user "sign out of all devices"),
//! and `begin_login` dropping what a pre-login session carried.

use std::sync::{Arc, RwLock};
use std::time::{Duration, UNIX_EPOCH};

use crate::{CookieStore, CookieStoreBuilder, Keyring, LoadError, Session, SessionId};

const T0: u64 = 1_800_000_000;
const MIN: u64 = 60;
const HOUR: u64 = 3600;
const DAY: u64 = 24 * HOUR;

fn builder() -> CookieStoreBuilder {
    let config = Keyring::generate_entry(crate::Algorithm::default()).unwrap();
    CookieStore::builder("session", Keyring::from_config(&config).unwrap()).allow_non_host_name()
}

fn cookie(lines: &[String]) -> String {
    lines
        .iter()
        .filter(|l| !l.contains("Max-Age=0"))
        .map(|l| l.split(';').next().unwrap())
        .collect::<Vec<_>>()
        .join("; ")
}

/// Logs `user` in at `now`: the session and the cookie a copy would hold.
fn logged_in(store: &CookieStore, user: &str, now: u64) -> (Session, String) {
    let mut session = store.load_at(None::<&str>, now);
    session.begin_login(&[]);
    session.insert("user", user).unwrap();
    let header = cookie(&store.save_at(&mut session, now).unwrap());
    (session, header)
}

fn opens(store: &CookieStore, header: &str, now: u64) -> Result<Session, LoadError> {
    let session = store.load_at([header], now);
    match session.load_error() {
        None if !session.is_new() => Ok(session),
        None => Err(LoadError::Invalid),
        Some(e) => Err(e),
    }
}

/// The last second (after `T0`, within 500 days) at which a copy taken at
/// login still opens.
fn replay_window(store: &CookieStore, header: &str, keep_alive: bool) -> u64 {
    replay_window_within(store, header, keep_alive, 500 * DAY)
}

fn replay_window_within(store: &CookieStore, header: &str, keep_alive: bool, horizon: u64) -> u64 {
    // The copy's owner may keep using it: each use renews the idle deadline
    // when it is half spent, and the renewed cookie is what they send next.
    let mut header = header.to_owned();
    let mut last = 0;
    let mut now = T0;
    while now < T0 + horizon {
        now += 5 * MIN;
        match store.load_at([header.as_str()], now) {
            s if s.load_error().is_none() && !s.is_new() => {
                last = now - T0;
                if keep_alive {
                    let mut s = s;
                    let lines = store.save_at(&mut s, now).unwrap();
                    if !lines.is_empty() {
                        header = cookie(&lines);
                    }
                }
            }
            _ => break,
        }
    }
    last
}

#[test]
fn a_copied_cookie_still_opens_after_destroy_until_its_expiry() {
    let store = builder().build().unwrap();
    let (mut session, copy) = logged_in(&store, "alice", T0);
    // Logout: the response deletes the browser's cookies...
    session.destroy();
    let lines = store.save_at(&mut session, T0 + MIN).unwrap();
    assert!(!lines.is_empty() && lines.iter().all(|l| l.contains("Max-Age=0")));
    // ...but a copy taken before opens as alice for the whole lifetime.
    let replayed = opens(&store, &copy, T0 + 14 * DAY - 1).unwrap();
    assert_eq!(
        replayed.get::<String>("user").unwrap().as_deref(),
        Some("alice")
    );
    assert_eq!(
        opens(&store, &copy, T0 + 14 * DAY + 61).unwrap_err(),
        LoadError::Expired
    );
}

#[test]
fn replay_window_of_each_configuration() {
    // Default: 14 days, no idle timeout; use does not extend it.
    let store = builder().build().unwrap();
    let (_, copy) = logged_in(&store, "alice", T0);
    let window = replay_window(&store, &copy, true);
    assert!((14 * DAY..=14 * DAY + MIN).contains(&window), "{window}");

    // Idle timeout 30 min, max-age 12 h: an unused copy dies after ~30 min,
    // one kept in use lives until the absolute expiry and no longer.
    let store = builder()
        .with_max_age(Duration::from_secs(12 * HOUR))
        .with_idle_timeout(Duration::from_secs(30 * MIN))
        .build()
        .unwrap();
    let (_, copy) = logged_in(&store, "alice", T0);
    let unused = replay_window(&store, &copy, false);
    assert!((30 * MIN..=32 * MIN).contains(&unused), "{unused}");
    let used = replay_window(&store, &copy, true);
    assert!((12 * HOUR..=12 * HOUR + MIN).contains(&used), "{used}");

    // Remember me: the same store, 30 days for that session; with rolling
    // renewal a copy in use would live on, so rolling stays off.
    let (mut session, _) = logged_in(&store, "alice", T0);
    session.set_max_age(Duration::from_secs(30 * DAY));
    let copy = cookie(&store.save_at(&mut session, T0).unwrap());
    let unused = replay_window(&store, &copy, false);
    assert!((30 * MIN..=32 * MIN).contains(&unused), "{unused}");
    let used = replay_window(&store, &copy, true);
    assert!((30 * DAY..=30 * DAY + MIN).contains(&used), "{used}");

    // Rolling renewal: a copy kept in use has no bound (here: still open
    // at the end of three days, six times the max-age).
    let rolling = builder()
        .with_max_age(Duration::from_secs(12 * HOUR))
        .with_idle_timeout(Duration::from_secs(30 * MIN))
        .with_rolling(true)
        .build()
        .unwrap();
    let (_, copy) = logged_in(&rolling, "alice", T0);
    let used = replay_window_within(&rolling, &copy, true, 3 * DAY);
    assert!(used >= 3 * DAY - 5 * MIN, "{used}");
    let unused = replay_window(&rolling, &copy, false);
    assert!((30 * MIN..=32 * MIN).contains(&unused), "{unused}");
}

#[test]
fn destroy_returns_the_id_copies_carry_and_denying_it_refuses_them() {
    let denied: Arc<RwLock<Vec<SessionId>>> = Arc::default();
    let list = Arc::clone(&denied);
    let store = builder()
        .with_revocation_check(move |s| list.read().unwrap().contains(&s.id()))
        .build()
        .unwrap();
    let (mut session, copy) = logged_in(&store, "alice", T0);
    let id = session.id();
    let old = session.destroy();
    assert_eq!(old, id);
    assert_ne!(session.id(), id, "after destroy, id() is already a new id");
    assert!(opens(&store, &copy, T0 + 1).is_ok());
    denied.write().unwrap().push(session.id());
    assert!(
        opens(&store, &copy, T0 + 1).is_ok(),
        "the new id is the wrong one"
    );
    denied.write().unwrap().push(old);
    assert_eq!(
        opens(&store, &copy, T0 + 1).unwrap_err(),
        LoadError::Invalid
    );
    assert_eq!(store.stats().revoked, 1);

    // A copy from before regenerate_id keeps the old id too.
    let (mut session, before) = logged_in(&store, "bob", T0);
    let old = session.regenerate_id();
    let after = cookie(&store.save_at(&mut session, T0 + 1).unwrap());
    assert_eq!(opens(&store, &before, T0 + 2).unwrap().id(), old);
    denied.write().unwrap().push(old);
    assert!(opens(&store, &before, T0 + 2).is_err());
    assert_eq!(opens(&store, &after, T0 + 2).unwrap().id(), session.id());
}

#[test]
fn revocation_hook_sees_issued_at_and_values_for_sign_out_everywhere() {
    // The user table: alice's sign-out-everywhere time, if any.
    let signed_out: Arc<RwLock<Option<u64>>> = Arc::default();
    let table = Arc::clone(&signed_out);
    let store = builder()
        .with_revocation_check(move |s| {
            let alice = s.get::<String>("user").unwrap().as_deref() == Some("alice");
            let cutoff = *table.read().unwrap();
            alice && cutoff.is_some_and(|t| s.issued_before(UNIX_EPOCH + Duration::from_secs(t)))
        })
        .build()
        .unwrap();
    let (_, laptop) = logged_in(&store, "alice", T0);
    let (_, phone) = logged_in(&store, "alice", T0 + HOUR);
    let (_, bob) = logged_in(&store, "bob", T0);
    // Signed out everywhere from the phone, two hours in.
    *signed_out.write().unwrap() = Some(T0 + 2 * HOUR);
    for copy in [&laptop, &phone] {
        assert_eq!(
            opens(&store, copy, T0 + 2 * HOUR).unwrap_err(),
            LoadError::Invalid
        );
    }
    assert!(
        opens(&store, &bob, T0 + 2 * HOUR).is_ok(),
        "other users unaffected"
    );
    // A login in the same second as the sign-out, or later, works.
    let (_, again) = logged_in(&store, "alice", T0 + 2 * HOUR);
    assert!(opens(&store, &again, T0 + 2 * HOUR + 1).is_ok());
}

#[test]
fn begin_login_drops_planted_data_and_issues_fresh_lifetimes() {
    let store = builder().build().unwrap();
    // A pre-login session: an attacker's tossed cookie, or one the victim
    // got anonymously, with a planted value, flash and 400-day max-age.
    let mut planted = store.load_at(None::<&str>, T0);
    planted.insert("oauth_state", "attacker's").unwrap();
    planted.insert("return_to", "/billing").unwrap();
    planted
        .add_flash("Your account is locked: call ...")
        .unwrap();
    planted.set_max_age(Duration::from_secs(400 * DAY));
    let tossed = cookie(&store.save_at(&mut planted, T0).unwrap());

    let later = T0 + 3 * DAY;
    let mut session = store.load_at([tossed.as_str()], later);
    assert!(!session.is_new());
    let old = session.id();
    assert_eq!(session.begin_login(&["return_to", "absent"]), old);
    session.insert("user", "victim").unwrap();
    assert_ne!(session.id(), old);
    assert_eq!(session.keys().collect::<Vec<_>>(), ["return_to", "user"]);
    let lines = store.save_at(&mut session, later).unwrap();
    assert!(
        lines[0].contains(&format!("Max-Age={}", 14 * DAY)),
        "{}",
        lines[0]
    );
    let mut reopened = store.load_at([cookie(&lines).as_str()], later + 1);
    assert_eq!(unix(reopened.issued_at()), later);
    assert_eq!(unix(reopened.expires_at()), later + 14 * DAY);
    assert!(reopened.flashes::<String>().unwrap().is_empty());
    assert_eq!(reopened.get::<String>("oauth_state").unwrap(), None);

    // regenerate_id alone (the old advice) kept all of it.
    let mut session = store.load_at([tossed.as_str()], later);
    session.regenerate_id();
    session.insert("user", "victim").unwrap();
    let lines = store.save_at(&mut session, later).unwrap();
    let kept = store.load_at([cookie(&lines).as_str()], later + 1);
    assert_eq!(
        kept.get::<String>("oauth_state").unwrap().as_deref(),
        Some("attacker's")
    );
    assert_eq!(unix(kept.issued_at()), T0);
}

fn unix(t: std::time::SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).unwrap().as_secs()
}
