//! Lifetimes: max-age, idle timeout, rolling renewal, clock skew.

use super::*;

// ---- lifetimes -----------------------------------------------------------

#[test]
fn max_age_drives_cookie_max_age_and_sealed_expiry_and_then_expires() {
    let store = builder("session")
        .with_max_age(Duration::from_secs(3600))
        .build()
        .unwrap();
    let mut jar = Jar::new();
    let (session, lines) = request(&store, &mut jar, T0, |s| s.insert("k", &1).unwrap());
    assert_eq!(written(&lines)[0].max_age, Some(3600));
    assert_eq!(secs(session.expires_at()), T0 + 3600);
    assert_eq!(secs(session.issued_at()), T0);

    let at_expiry = store.load_at([jar.header()], T0 + 3600);
    assert!(!at_expiry.is_new());
    let past = store.load_at([jar.header()], T0 + 3601);
    assert!(past.is_new());
    assert_eq!(past.load_error(), Some(LoadError::Expired));
    assert!(past.get::<u32>("k").unwrap().is_none());

    // Saving the fresh session deletes the expired cookie.
    let mut past = past;
    let lines = store.save_at(&mut past, T0 + 3601).unwrap();
    jar.apply(&lines);
    assert!(jar.0.is_empty());
}

#[test]
fn clock_skew_allowance_extends_expiry_and_bounds_the_future() {
    let store = CookieStore::builder("session", keyring(Algorithm::Xaes256Gcm, 1))
        .allow_non_host_name()
        .with_max_age(Duration::from_secs(3600))
        .with_clock_skew(Duration::from_secs(60))
        .build()
        .unwrap();
    let mut jar = Jar::new();
    request(&store, &mut jar, T0, |s| s.insert("k", &1).unwrap());
    assert!(!store.load_at([jar.header()], T0 + 3660).is_new());
    assert_eq!(
        store.load_at([jar.header()], T0 + 3661).load_error(),
        Some(LoadError::Expired)
    );
    // Another instance whose clock is behind by at most the allowance accepts it.
    assert!(!store.load_at([jar.header()], T0 - 60).is_new());
    assert_eq!(
        store.load_at([jar.header()], T0 - 61).load_error(),
        Some(LoadError::Invalid)
    );
}

#[test]
fn idle_timeout_expires_and_activity_renews_at_most_once_per_half_timeout() {
    let store = builder("session")
        .with_max_age(Duration::from_secs(DAY))
        .with_idle_timeout(Duration::from_secs(600))
        .build()
        .unwrap();
    let mut jar = Jar::new();
    let (session, _) = request(&store, &mut jar, T0, |s| s.insert("k", &1).unwrap());
    assert_eq!(session.idle_deadline().map(secs), Some(T0 + 600));
    let original = jar.clone();

    // Idle for longer than the timeout: expired.
    let idle = store.load_at([original.header()], T0 + 601);
    assert_eq!(idle.load_error(), Some(LoadError::Expired));
    assert!(!store.load_at([original.header()], T0 + 600).is_new());

    // Within the first half nothing is written; past it, the deadline moves.
    let (_, lines) = request(&store, &mut jar, T0 + 300, |_| {});
    assert!(lines.is_empty());
    let (session, lines) = request(&store, &mut jar, T0 + 301, |_| {});
    assert_eq!(written(&lines).len(), 1);
    assert_eq!(session.idle_deadline().map(secs), Some(T0 + 901));
    assert_eq!(
        secs(session.expires_at()),
        T0 + DAY,
        "absolute expiry unchanged"
    );
    assert!(!store.load_at([jar.header()], T0 + 901).is_new());
    assert_eq!(
        store.load_at([jar.header()], T0 + 902).load_error(),
        Some(LoadError::Expired)
    );

    // A user active every 20 s for 2 hours stays logged in, with at most
    // one write per half-timeout.
    let mut jar = original;
    let mut writes = 0;
    for now in (T0 + 20..T0 + 7200).step_by(20) {
        let (session, lines) = request(&store, &mut jar, now, |_| {});
        assert!(!session.is_new(), "logged out at {}", now - T0);
        if !lines.is_empty() {
            writes += 1;
        }
    }
    assert!(writes <= 7200 / 300, "{writes} writes");
    assert!(writes >= 7200 / 600 - 1, "{writes} writes");
}

/// A store named `session` with idle timeout `idle` and a 60 s skew
/// allowance (max-age 14 days), all sharing one keyring.
fn idle_store(idle: u64) -> CookieStore {
    CookieStore::builder("session", keyring(Algorithm::Xaes256Gcm, 1))
        .allow_non_host_name()
        .with_max_age(Duration::from_secs(14 * DAY))
        .with_idle_timeout(Duration::from_secs(idle))
        .with_clock_skew(Duration::from_secs(60))
        .build()
        .unwrap()
}

/// Issue 19: the idle timeout shortened from 7 days to 15 minutes. Cookies
/// sealed under the old timeout carry a deadline up to 7 days ahead; the
/// store bounds them by its current setting, so one unused for a day (or a
/// minute) does not open, while sessions sealed under the new timeout open
/// as before.
#[test]
fn shortening_the_idle_timeout_bounds_cookies_sealed_under_the_longer_one() {
    let (long, short) = (idle_store(7 * DAY), idle_store(900));
    let mut jar = Jar::new();
    request(&long, &mut jar, T0, |s| s.insert("user", "alice").unwrap());
    // Under the old settings the cookie opens a day later.
    assert!(!long.load_at([jar.header()], T0 + DAY).is_new());
    for unused in [60, 901, 3600, DAY, 6 * DAY] {
        let session = short.load_at([jar.header()], T0 + unused);
        assert_eq!(
            session.load_error(),
            Some(LoadError::Expired),
            "unused for {unused} s"
        );
        assert!(session.is_new());
    }
    // The bound is the current timeout plus the skew: the payload records
    // no time of its last save, so in the last 15 minutes (+ skew) of its
    // old deadline the cookie is indistinguishable from a fresh one.
    let deadline = T0 + 7 * DAY;
    assert_eq!(
        short.load_at([jar.header()], deadline - 961).load_error(),
        Some(LoadError::Expired)
    );
    assert!(!short.load_at([jar.header()], deadline - 960).is_new());

    // Sessions sealed under the new timeout: open for 15 minutes (+ skew).
    let mut jar = Jar::new();
    request(&short, &mut jar, T0, |s| s.insert("user", "bob").unwrap());
    assert!(!short.load_at([jar.header()], T0 + 960).is_new());
    assert_eq!(
        short.load_at([jar.header()], T0 + 961).load_error(),
        Some(LoadError::Expired)
    );
}

/// The bound allows for an instance whose clock runs ahead by the skew:
/// its refreshed deadline is at most `idle + skew` ahead of the reader.
#[test]
fn idle_bound_allows_the_clock_skew_of_the_sealing_instance() {
    let store = idle_store(900);
    let mut jar = Jar::new();
    request(&store, &mut jar, T0, |s| s.insert("user", "alice").unwrap());
    // Refreshed at T0 + 500 by an instance whose clock is ahead: deadline T0 + 1400.
    let (session, lines) = request(&store, &mut jar, T0 + 500, |_| {});
    assert_eq!(written(&lines).len(), 1);
    assert_eq!(session.idle_deadline().map(secs), Some(T0 + 1400));
    // Read by an instance 60 s behind: opens; 61 s behind: refused.
    assert!(!store.load_at([jar.header()], T0 + 440).is_new());
    assert_eq!(
        store.load_at([jar.header()], T0 + 439).load_error(),
        Some(LoadError::Expired)
    );
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]

    /// For any old and new idle timeout, save time and load time: a cookie
    /// sealed under the old timeout opens under the new one only while its
    /// deadline is within the new timeout (+ skew) of the reader's clock,
    /// and never past it (+ skew); with an unchanged timeout, every load
    /// within the timeout opens.
    #[test]
    fn idle_deadline_is_bounded_by_the_current_timeout(
        old_idle in 1..=14 * DAY,
        new_idle in 1..=14 * DAY,
        saved in 0..DAY,
        later in 0..15 * DAY,
    ) {
        let (old, new) = (idle_store(old_idle), idle_store(new_idle));
        let mut jar = Jar::new();
        request(&old, &mut jar, T0 + saved, |s| s.insert("k", &1).unwrap());
        let (deadline, now) = (T0 + saved + old_idle, T0 + saved + later);
        let session = new.load_at([jar.header()], now);
        let opens = now <= deadline + 60 && deadline <= now + new_idle + 60;
        proptest::prop_assert_eq!(!session.is_new(), opens);
        if !opens {
            proptest::prop_assert_eq!(session.load_error(), Some(LoadError::Expired));
        }
        let same = old.load_at([jar.header()], now);
        proptest::prop_assert_eq!(!same.is_new(), later <= old_idle + 60);
    }
}

#[test]
fn rolling_renewal_pushes_the_absolute_expiry() {
    let rolling = builder("session")
        .with_max_age(Duration::from_secs(1000))
        .with_rolling(true)
        .build()
        .unwrap();
    let mut jar = Jar::new();
    request(&rolling, &mut jar, T0, |s| s.insert("k", &1).unwrap());

    let (_, lines) = request(&rolling, &mut jar, T0 + 500, |_| {});
    assert!(lines.is_empty(), "half the max-age left: no renewal yet");
    let (session, lines) = request(&rolling, &mut jar, T0 + 501, |_| {});
    let cookie = &written(&lines)[0];
    assert_eq!(cookie.max_age, Some(1000));
    assert_eq!(secs(session.expires_at()), T0 + 1501);
    assert_eq!(secs(session.issued_at()), T0, "renewal keeps issued-at");
    assert!(!rolling.load_at([jar.header()], T0 + 1501).is_new());

    // Without rolling renewal the same activity does not extend the session.
    let fixed = builder("session")
        .with_max_age(Duration::from_secs(1000))
        .build()
        .unwrap();
    let mut jar = Jar::new();
    request(&fixed, &mut jar, T0, |s| s.insert("k", &1).unwrap());
    let (_, lines) = request(&fixed, &mut jar, T0 + 501, |_| {});
    assert!(lines.is_empty());
    let (session, lines) = request(&fixed, &mut jar, T0 + 900, |s| s.insert("k", &2).unwrap());
    assert_eq!(
        written(&lines)[0].max_age,
        Some(100),
        "the remaining lifetime"
    );
    assert_eq!(secs(session.expires_at()), T0 + 1000);
    assert_eq!(
        fixed.load_at([jar.header()], T0 + 1001).load_error(),
        Some(LoadError::Expired)
    );
}

#[test]
fn max_age_override_drives_both_lifetimes_and_survives_later_saves() {
    let store = builder("session")
        .with_max_age(Duration::from_secs(3600))
        .build()
        .unwrap();
    let mut jar = Jar::new();
    let remember = 30 * DAY;
    let (session, lines) = request(&store, &mut jar, T0, |s| {
        s.insert("user", "alice").unwrap();
        s.set_max_age(Duration::from_secs(remember));
    });
    assert_eq!(written(&lines)[0].max_age, Some(remember));
    assert_eq!(secs(session.expires_at()), T0 + remember);

    // Long after the store's max-age, the session is alive and later saves
    // keep the override's expiry and cookie Max-Age.
    let later = T0 + 2 * DAY;
    let (session, lines) = request(&store, &mut jar, later, |s| {
        assert!(!s.is_new());
        s.insert("visits", &2).unwrap();
    });
    assert_eq!(written(&lines)[0].max_age, Some(T0 + remember - later));
    assert_eq!(secs(session.expires_at()), T0 + remember);
    let (_, lines) = request(&store, &mut jar, later + 1, |s| {
        s.insert("visits", &3).unwrap()
    });
    assert_eq!(written(&lines)[0].max_age, Some(T0 + remember - later - 1));
    assert_eq!(
        store
            .load_at([jar.header()], T0 + remember + 1)
            .load_error(),
        Some(LoadError::Expired)
    );

    // With rolling renewal the override, not the store's max-age, is renewed.
    let rolling = builder("session")
        .with_max_age(Duration::from_secs(3600))
        .with_rolling(true)
        .build()
        .unwrap();
    let renew_at = T0 + remember / 2 + 1;
    let (session, lines) = request(&rolling, &mut jar, renew_at, |_| {});
    assert_eq!(written(&lines)[0].max_age, Some(remember));
    assert_eq!(secs(session.expires_at()), renew_at + remember);
}

#[test]
fn a_shorter_max_age_override_expires_sooner() {
    let store = store("session");
    let mut jar = Jar::new();
    let (_, lines) = request(&store, &mut jar, T0, |s| {
        s.insert("k", &1).unwrap();
        s.set_max_age(Duration::from_secs(60));
    });
    assert_eq!(written(&lines)[0].max_age, Some(60));
    assert!(!store.load_at([jar.header()], T0 + 60).is_new());
    assert_eq!(
        store.load_at([jar.header()], T0 + 61).load_error(),
        Some(LoadError::Expired)
    );
}

#[test]
fn max_age_override_is_capped_at_400_days() {
    let store = store("session");
    let mut session = store.load_at(None::<&str>, T0);
    session.insert("k", &1).unwrap();
    session.set_max_age(Duration::from_secs(1000 * DAY));
    let lines = store.save_at(&mut session, T0).unwrap();
    assert_eq!(written(&lines)[0].max_age, Some(400 * DAY));
}
