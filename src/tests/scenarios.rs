//! Scenario tests: the behaviours users of gorilla/sessions, gin-contrib and
//! hertz-contrib rely on (and the bugs they keep filing), replayed request by
//! request against a simulated browser jar with injected time.

use std::collections::BTreeSet;
use std::time::{Duration, UNIX_EPOCH};

use super::jar::{Jar, T0, deleted, keyring, pair, parse, parse_all, written};
use crate::{
    Algorithm, CookieStore, CookieStoreBuilder, HeaderUpdate, Keyring, LoadError, SameSite,
    SaveError, Session, StoreError,
};

const DAY: u64 = 24 * 3600;

/// A store with no clock-skew allowance, so every expiry in these tests is
/// exact to the second.
fn builder(name: &str) -> CookieStoreBuilder {
    CookieStore::builder(name, keyring(Algorithm::Xaes256Gcm, 1)).with_clock_skew(Duration::ZERO)
}

fn store(name: &str) -> CookieStore {
    builder(name).build().unwrap()
}

/// One request: load from the jar at `now`, run the handler, save, and let
/// the browser apply the response. Returns the session and the lines sent.
fn request(
    store: &CookieStore,
    jar: &mut Jar,
    now: u64,
    handler: impl FnOnce(&mut Session),
) -> (Session, Vec<String>) {
    let mut session = store.load_at([jar.header()], now);
    handler(&mut session);
    let lines = store.save_at(&mut session, now).unwrap();
    jar.apply(&lines);
    (session, lines)
}

fn secs(t: std::time::SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).unwrap().as_secs()
}

fn logged_in(store: &CookieStore, jar: &mut Jar, now: u64) -> Session {
    request(store, jar, now, |s| s.insert("user", "alice").unwrap()).0
}

// ---- flashes -------------------------------------------------------------

#[test]
fn flashes_are_consumed_once_and_the_consumption_is_saved() {
    let store = store("session");
    let mut jar = Jar::new();
    request(&store, &mut jar, T0, |s| {
        s.insert("user", "alice").unwrap();
        s.add_flash("saved").unwrap();
        s.add_flash("and again").unwrap();
        s.add_flash_to("errors", &42u32).unwrap();
    });

    // The next request shows the default bucket's flashes...
    let (session, lines) = request(&store, &mut jar, T0 + 1, |s| {
        assert_eq!(s.flashes::<String>().unwrap(), ["saved", "and again"]);
        assert!(s.is_modified(), "consuming flashes is a change");
    });
    assert!(!written(&lines).is_empty(), "the consumption must be saved");
    assert_eq!(session.get::<String>("user").unwrap().unwrap(), "alice");

    // ...and never again (gorilla#163/#243), while the other bucket survives.
    let (_, lines) = request(&store, &mut jar, T0 + 2, |s| {
        assert!(s.flashes::<String>().unwrap().is_empty());
        assert!(!s.is_modified(), "an empty bucket read is not a change");
        assert_eq!(s.flashes_from::<u32>("errors").unwrap(), [42]);
    });
    assert_eq!(written(&lines).len(), 1);
    let (session, lines) = request(&store, &mut jar, T0 + 3, |s| {
        assert!(s.flashes_from::<u32>("errors").unwrap().is_empty());
    });
    assert!(lines.is_empty(), "nothing changed, nothing written");
    assert_eq!(session.get::<String>("user").unwrap().unwrap(), "alice");
}

#[test]
fn a_flash_only_session_is_deleted_once_its_flashes_are_read() {
    let store = store("session");
    let mut jar = Jar::new();
    request(&store, &mut jar, T0, |s| s.add_flash("hello").unwrap());
    assert_eq!(jar.names(), ["session"]);
    let (_, lines) = request(&store, &mut jar, T0 + 1, |s| {
        assert_eq!(s.flashes::<String>().unwrap(), ["hello"]);
    });
    assert_eq!(deleted(&lines), ["session", "session.1"]);
    assert!(written(&lines).is_empty());
    assert!(jar.0.is_empty());
}

#[test]
fn a_flash_of_the_wrong_type_is_still_consumed() {
    let store = store("session");
    let mut jar = Jar::new();
    request(&store, &mut jar, T0, |s| s.add_flash("text").unwrap());
    request(&store, &mut jar, T0 + 1, |s| {
        let err = s.flashes::<u32>().unwrap_err();
        assert_eq!(err.key(), crate::DEFAULT_FLASH_BUCKET);
    });
    let session = store.load_at([jar.header()], T0 + 2);
    assert!(session.is_new(), "the consumed flash emptied the session");
}

// ---- logging out ------------------------------------------------------------

#[test]
fn clear_then_save_logs_out() {
    let store = builder("session")
        .with_size_limit(16 * 1024)
        .build()
        .unwrap();
    let mut jar = Jar::new();
    // A two-chunk session, to see every chunk go.
    request(&store, &mut jar, T0, |s| {
        s.insert("user", "alice").unwrap();
        s.insert("notes", &"n".repeat(5000)).unwrap();
        s.add_flash("hi").unwrap();
    });
    assert_eq!(jar.names(), ["session", "session.1"]);

    let (session, lines) = request(&store, &mut jar, T0 + 1, Session::clear);
    assert!(written(&lines).is_empty());
    assert_eq!(
        deleted(&lines),
        (0..store.max_chunks())
            .map(|i| if i == 0 {
                "session".to_owned()
            } else {
                format!("session.{i}")
            })
            .collect::<Vec<_>>()
    );
    assert!(jar.0.is_empty(), "the browser holds no session cookie");
    assert!(session.is_empty());

    let next = store.load_at([jar.header()], T0 + 2);
    assert!(next.is_new());
    assert_eq!(next.load_error(), None);
    assert!(next.get::<String>("user").unwrap().is_none());

    // A client that kept the old cookies still holds a valid session: the
    // documented limitation of stateless sessions (no server-side revocation).
}

#[test]
fn destroy_deletes_every_cookie_and_a_later_insert_starts_a_new_session() {
    let store = store("session");
    let mut jar = Jar::new();
    let first = logged_in(&store, &mut jar, T0);

    let (session, lines) = request(&store, &mut jar, T0 + 10, |s| {
        s.destroy();
    });
    assert_eq!(deleted(&lines), ["session", "session.1"]);
    assert!(written(&lines).is_empty());
    assert_ne!(session.id(), first.id());
    assert!(jar.0.is_empty());

    // Log out with a goodbye flash: a new session, with a new id and lifetime.
    let later = T0 + 1000;
    let (session, _) = request(&store, &mut jar, later, |s| {
        s.insert("user", "alice").unwrap();
        s.destroy();
        s.add_flash("logged out").unwrap();
    });
    assert_ne!(session.id(), first.id());
    assert!(session.get::<String>("user").unwrap().is_none());
    let reloaded = store.load_at([jar.header()], later + 1);
    assert_eq!(reloaded.id(), session.id());
    assert_eq!(secs(reloaded.issued_at()), later);
    assert_eq!(secs(reloaded.expires_at()), later + 14 * DAY);
}

#[test]
fn destroying_a_session_with_a_cookie_issues_a_fresh_lifetime() {
    let store = store("session");
    let mut jar = Jar::new();
    let first = logged_in(&store, &mut jar, T0);
    let later = T0 + 5 * DAY;
    let (session, _) = request(&store, &mut jar, later, |s| {
        s.set_max_age(Duration::from_secs(3 * DAY));
        s.destroy();
        s.add_flash("bye").unwrap();
    });
    assert_ne!(session.id(), first.id());
    let reloaded = store.load_at([jar.header()], later);
    assert_eq!(
        secs(reloaded.issued_at()),
        later,
        "a new session, not the old one"
    );
    assert_eq!(
        secs(reloaded.expires_at()),
        later + 14 * DAY,
        "destroy drops the max-age override"
    );
}

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

// ---- key rotation -----------------------------------------------------------

#[test]
fn rotation_opens_with_the_old_key_and_reseals_under_the_new_primary() {
    for (old_alg, new_alg) in [
        (Algorithm::Xaes256Gcm, Algorithm::Xaes256Gcm),
        (Algorithm::HmacSha256, Algorithm::XChaCha20Poly1305),
        (Algorithm::Aes256Gcm, Algorithm::Xaes256Gcm),
    ] {
        let old_ring = keyring(old_alg, 1);
        let old_id = old_ring.primary_id();
        let old = CookieStore::builder("session", old_ring)
            .with_clock_skew(Duration::ZERO)
            .build()
            .unwrap();
        let mut jar = Jar::new();
        let sealed = request(&old, &mut jar, T0, |s| {
            s.insert("user", "alice").unwrap();
            s.set_max_age(Duration::from_secs(7 * DAY));
        })
        .0;

        // Deploy: the new key first, the old one second.
        let new_ring = Keyring::new(vec![pair(new_alg, 2), pair(old_alg, 1)]).unwrap();
        let new_id = new_ring.primary_id();
        let new = CookieStore::builder("session", new_ring)
            .with_clock_skew(Duration::ZERO)
            .build()
            .unwrap();
        let later = T0 + 3600;
        let (session, lines) = request(&new, &mut jar, later, |s| {
            assert!(!s.is_new(), "{old_alg:?} -> {new_alg:?}");
            assert_eq!(s.opened_with(), Some(old_id));
            assert!(!s.is_modified());
        });
        assert_eq!(
            written(&lines).len(),
            1,
            "an unchanged session is re-sealed"
        );
        assert_eq!(session.id(), sealed.id());

        // The new cookie is under the new primary, with the same lifetimes.
        let resealed = new.load_at([jar.header()], later + 1);
        assert_eq!(resealed.opened_with(), Some(new_id));
        assert_eq!(resealed.id(), sealed.id());
        assert_eq!(resealed.issued_at(), sealed.issued_at());
        assert_eq!(resealed.expires_at(), sealed.expires_at());
        assert_eq!(written(&lines)[0].max_age, Some(7 * DAY - 3600));
        assert_eq!(resealed.get::<String>("user").unwrap().unwrap(), "alice");
        // Once re-sealed, an unchanged session is not written again.
        let (_, lines) = request(&new, &mut jar, later + 2, |_| {});
        assert!(lines.is_empty());
        // Only the new key is needed now; the old keyring cannot open it.
        let only_new = CookieStore::new("session", keyring(new_alg, 2)).unwrap();
        assert!(!only_new.load_at([jar.header()], later + 3).is_new());
        assert_eq!(
            old.load_at([jar.header()], later + 3).load_error(),
            Some(LoadError::Invalid)
        );
    }
}

#[test]
fn a_removed_key_no_longer_opens() {
    let old = store("session");
    let mut jar = Jar::new();
    logged_in(&old, &mut jar, T0);
    let rotated = CookieStore::new("session", keyring(Algorithm::Xaes256Gcm, 2)).unwrap();
    let session = rotated.load_at([jar.header()], T0 + 1);
    assert!(session.is_new());
    assert_eq!(session.load_error(), Some(LoadError::Invalid));
}

// ---- several sessions per request (hertz's Many / DefaultMany) -------------

#[test]
fn for_name_sessions_are_isolated() {
    let auth = store("auth");
    let prefs = auth.for_name("prefs").unwrap();
    let mut jar = Jar::new();
    request(&auth, &mut jar, T0, |s| s.insert("user", "alice").unwrap());
    request(&prefs, &mut jar, T0, |s| s.insert("theme", "dark").unwrap());
    assert_eq!(jar.names(), ["auth", "prefs"]);

    // Both load from the same Cookie header, each with only its own data.
    let a = auth.load_at([jar.header()], T0 + 1);
    let p = prefs.load_at([jar.header()], T0 + 1);
    assert_eq!(a.keys().collect::<Vec<_>>(), ["user"]);
    assert_eq!(p.keys().collect::<Vec<_>>(), ["theme"]);
    assert_ne!(a.id(), p.id());

    // A value sealed for one name never opens under another, same keyring.
    let auth_value = &jar.0["auth"];
    let prefs_value = &jar.0["prefs"];
    for (store, header) in [
        (&prefs, format!("prefs={auth_value}")),
        (&auth, format!("auth={prefs_value}")),
    ] {
        let s = store.load_at([header], T0 + 1);
        assert!(s.is_new());
        assert_eq!(s.load_error(), Some(LoadError::Invalid));
    }

    // Saving one store's session with another store is refused.
    let mut a = a;
    a.insert("x", &1).unwrap();
    assert!(matches!(
        prefs.save_at(&mut a, T0 + 2),
        Err(SaveError::WrongStore { .. })
    ));
    // for_name checks the new name like the builder does.
    assert!(matches!(
        auth.for_name("bad name"),
        Err(StoreError::InvalidName(_))
    ));
}

#[test]
fn for_name_keeps_the_options() {
    let auth = builder("auth")
        .with_path("/app")
        .with_same_site(SameSite::Strict)
        .with_max_age(Duration::from_secs(60))
        .build()
        .unwrap();
    let prefs = auth.for_name("prefs").unwrap();
    let mut session = prefs.load_at(None::<&str>, T0);
    session.insert("k", &1).unwrap();
    let lines = prefs.save_at(&mut session, T0).unwrap();
    let cookie = &written(&lines)[0];
    assert_eq!(cookie.max_age, Some(60));
    assert_eq!(
        cookie.attributes_but_max_age(),
        ["Path=/app", "Secure", "HttpOnly", "SameSite=Strict"]
    );
}

// ---- attributes ---------------------------------------------------------------

#[test]
fn attributes_are_on_every_cookie_and_on_deletions() {
    let store = builder("session")
        .with_path("/app")
        .with_domain("example.com")
        .with_same_site(SameSite::None)
        .with_partitioned(true)
        .with_size_limit(16 * 1024)
        .build()
        .unwrap();
    let expected = [
        "Domain=example.com",
        "Path=/app",
        "Secure",
        "HttpOnly",
        "SameSite=None",
        "Partitioned",
    ];
    let mut jar = Jar::new();
    let (_, lines) = request(&store, &mut jar, T0, |s| {
        s.insert("notes", &"n".repeat(5000)).unwrap();
    });
    assert_eq!(lines.len(), store.max_chunks());
    for cookie in parse_all(&lines) {
        assert_eq!(cookie.attributes_but_max_age(), expected, "{}", cookie.name);
    }
    assert_eq!(written(&lines).len(), 2);

    // Deletions carry the same Path and Domain, else browsers keep the cookie.
    let (_, lines) = request(&store, &mut jar, T0 + 1, Session::clear);
    assert_eq!(deleted(&lines).len(), store.max_chunks());
    for cookie in parse_all(&lines) {
        assert!(cookie.value.is_empty());
        assert_eq!(cookie.attributes_but_max_age(), expected);
    }
}

#[test]
fn default_and_relaxed_attributes() {
    let store = store("session");
    let mut session = store.load_at(None::<&str>, T0);
    session.insert("k", &1).unwrap();
    let lines = store.save_at(&mut session, T0).unwrap();
    assert_eq!(
        parse(&lines[0]).attributes_but_max_age(),
        ["Path=/", "Secure", "HttpOnly", "SameSite=Lax"]
    );

    let dev = builder("session")
        .with_secure(false)
        .with_http_only(false)
        .with_same_site(SameSite::Strict)
        .build()
        .unwrap();
    let mut session = dev.load_at(None::<&str>, T0);
    session.insert("k", &1).unwrap();
    let lines = dev.save_at(&mut session, T0).unwrap();
    for cookie in parse_all(&lines) {
        assert_eq!(
            cookie.attributes_but_max_age(),
            ["Path=/", "SameSite=Strict"]
        );
    }
}

#[test]
fn host_prefixed_names_work_with_their_required_attributes() {
    let store = store("__Host-session");
    let mut jar = Jar::new();
    let (_, lines) = request(&store, &mut jar, T0, |s| s.insert("k", &1).unwrap());
    let cookie = &written(&lines)[0];
    assert_eq!(cookie.name, "__Host-session");
    assert_eq!(
        cookie.attributes_but_max_age(),
        ["Path=/", "Secure", "HttpOnly", "SameSite=Lax"]
    );
    assert!(!store.load_at([jar.header()], T0).is_new());
}

// ---- regenerate_id ------------------------------------------------------------

#[test]
fn regenerate_id_keeps_data_options_and_the_max_age_override() {
    let store = builder("session")
        .with_path("/app")
        .with_domain("example.com")
        .with_max_age(Duration::from_secs(3600))
        .build()
        .unwrap();
    let mut jar = Jar::new();
    let (before, before_lines) = request(&store, &mut jar, T0, |s| {
        s.insert("cart", &[1, 2, 3]).unwrap();
        s.add_flash("added").unwrap();
        s.set_max_age(Duration::from_secs(30 * DAY));
    });

    let (after, lines) = request(&store, &mut jar, T0 + 10, |s| {
        s.insert("user", "alice").unwrap();
        s.regenerate_id(); // at login, against fixation
    });
    assert_ne!(after.id(), before.id());
    let reloaded = store.load_at([jar.header()], T0 + 11);
    assert_eq!(reloaded.id(), after.id());
    assert_eq!(reloaded.get::<Vec<u8>>("cart").unwrap().unwrap(), [1, 2, 3]);
    assert_eq!(reloaded.get::<String>("user").unwrap().unwrap(), "alice");
    assert_eq!(reloaded.clone().flashes::<String>().unwrap(), ["added"]);
    assert_eq!(reloaded.expires_at(), before.expires_at());
    let cookie = &written(&lines)[0];
    assert_eq!(cookie.max_age, Some(30 * DAY - 10), "override kept");
    assert_eq!(
        cookie.attributes_but_max_age(),
        parse(&before_lines[0]).attributes_but_max_age()
    );

    // The override is still sealed in: a later save still uses it.
    let (_, lines) = request(&store, &mut jar, T0 + 7200, |s| s.insert("n", &1).unwrap());
    assert_eq!(written(&lines)[0].max_age, Some(30 * DAY - 7200));
}

#[test]
fn regenerate_id_on_an_unchanged_session_is_saved() {
    let store = store("session");
    let mut jar = Jar::new();
    let before = logged_in(&store, &mut jar, T0);
    let (after, lines) = request(&store, &mut jar, T0 + 1, |s| {
        s.regenerate_id();
    });
    assert_eq!(written(&lines).len(), 1);
    assert_eq!(store.load_at([jar.header()], T0 + 2).id(), after.id());
    assert_ne!(after.id(), before.id());
}

// ---- size budget ------------------------------------------------------------

#[test]
fn a_too_large_save_emits_nothing_and_keeps_the_old_session() {
    let store = store("session");
    let mut jar = Jar::new();
    let old = logged_in(&store, &mut jar, T0);
    let before = jar.clone();

    let mut session = store.load_at([jar.header()], T0 + 1);
    session.insert("big", &"x".repeat(10_000)).unwrap();
    let snapshot = session.clone();
    let err = store.save_at(&mut session, T0 + 1).unwrap_err();
    let SaveError::TooLarge { needed, allowed } = err else {
        panic!("{err:?}")
    };
    assert_eq!(allowed, store.size_limit());
    assert!(needed > allowed);
    assert!(err.to_string().contains(&needed.to_string()));
    assert!(err.to_string().contains(&allowed.to_string()));

    // The session is as it was before the save...
    assert!(session.is_modified());
    assert!(!session.is_new());
    assert_eq!(session.cookie_count(), snapshot.cookie_count());
    assert_eq!(session.sealed_len(), snapshot.sealed_len());
    assert_eq!(session.expires_at(), snapshot.expires_at());
    assert_eq!(session.id(), old.id());
    // ...and the client's old cookie still loads the old session.
    assert_eq!(jar, before);
    let reloaded = store.load_at([jar.header()], T0 + 2);
    assert_eq!(reloaded.id(), old.id());
    assert!(!reloaded.contains_key("big"));

    // `needed` is exact: a store with room enough writes exactly that many bytes.
    let roomy = builder("session")
        .with_size_limit(64 * 1024)
        .build()
        .unwrap();
    let mut copy = snapshot;
    let lines = roomy.save_at(&mut copy, T0 + 1).unwrap();
    let total: usize = written(&lines).iter().map(|c| c.name_value_len).sum();
    assert_eq!(total, needed);

    // Shrinking it again makes the session savable.
    session.remove("big");
    let lines = store.save_at(&mut session, T0 + 3).unwrap();
    assert_eq!(written(&lines).len(), 1);
}

#[test]
fn a_too_large_new_session_emits_nothing() {
    let store = store("session");
    let mut session = store.load_at(None::<&str>, T0);
    session.insert("big", &"x".repeat(10_000)).unwrap();
    assert!(matches!(
        store.save_at(&mut session, T0),
        Err(SaveError::TooLarge { .. })
    ));
    assert!(session.is_new());
    assert!(session.is_modified());
    assert_eq!(session.cookie_count(), 0);
}

// ---- stale chunks -------------------------------------------------------------

#[test]
fn shrinking_from_three_chunks_to_one_deletes_the_others() {
    let store = builder("session")
        .with_size_limit(16 * 1024)
        .build()
        .unwrap();
    assert_eq!(store.max_chunks(), 5);
    let mut jar = Jar::new();
    let (session, lines) = request(&store, &mut jar, T0, |s| {
        s.insert("notes", &"n".repeat(8000)).unwrap();
    });
    assert_eq!(session.cookie_count(), 3);
    assert_eq!(
        written(&lines)
            .iter()
            .map(|c| c.name.as_str())
            .collect::<Vec<_>>(),
        ["session", "session.1", "session.2"]
    );
    assert_eq!(deleted(&lines), ["session.3", "session.4"]);
    assert_eq!(jar.names(), ["session", "session.1", "session.2"]);

    let (session, lines) = request(&store, &mut jar, T0 + 1, |s| {
        assert_eq!(s.cookie_count(), 3);
        s.insert("notes", "short").unwrap();
    });
    assert_eq!(session.cookie_count(), 1);
    assert_eq!(written(&lines).len(), 1);
    assert_eq!(
        deleted(&lines),
        ["session.1", "session.2", "session.3", "session.4"]
    );
    assert_eq!(jar.names(), ["session"]);
    let reloaded = store.load_at([jar.header()], T0 + 2);
    assert_eq!(reloaded.get::<String>("notes").unwrap().unwrap(), "short");
}

#[test]
fn a_save_deletes_chunk_indices_the_request_did_not_carry() {
    // Another tab's response may have left `session.2`/`session.3` in the
    // browser although this request carried a one-chunk session.
    let store = builder("session")
        .with_size_limit(16 * 1024)
        .build()
        .unwrap();
    let mut jar = Jar::new();
    logged_in(&store, &mut jar, T0);
    let mut session = store.load_at([jar.header()], T0 + 1);
    assert_eq!(session.cookie_count(), 1);
    session.insert("n", &1).unwrap();
    let lines = store.save_at(&mut session, T0 + 1).unwrap();
    assert_eq!(
        deleted(&lines),
        ["session.1", "session.2", "session.3", "session.4"]
    );

    // The orphans go too when the browser still holds them.
    let mut browser = jar.clone();
    browser.0.insert("session.3".into(), "orphan".into());
    browser.apply(&lines);
    assert_eq!(browser.names(), ["session"]);
}

// ---- Cookie header parsing --------------------------------------------------

fn two_chunk_jar(store: &CookieStore) -> (Jar, Session) {
    let mut jar = Jar::new();
    let (session, _) = request(store, &mut jar, T0, |s| {
        s.insert("notes", &"n".repeat(5000)).unwrap();
    });
    assert_eq!(jar.names(), ["session", "session.1"]);
    (jar, session)
}

#[test]
fn cookie_headers_across_fields_with_whitespace_and_unrelated_cookies() {
    let store = builder("session")
        .with_size_limit(16 * 1024)
        .build()
        .unwrap();
    let (jar, saved) = two_chunk_jar(&store);
    let c0 = &jar.0["session"];
    let c1 = &jar.0["session.1"];
    let headers: Vec<Vec<String>> = vec![
        // One field, the usual HTTP/1.1 shape.
        vec![format!("a=1; session={c0}; b=2; session.1={c1}")],
        // Several fields, as HTTP/2 sends them (one cookie each).
        vec![
            "a=1".into(),
            format!("session.1={c1}"),
            format!("session={c0}"),
        ],
        // Odd whitespace, no space after ';', tabs, a trailing ';'.
        vec![format!(" theme=dark;session={c0} ;\tsession.1 = {c1};")],
        // Unrelated junk around it.
        vec![
            "=nameless; novalue; a==b".into(),
            format!("session={c0}; other=session.1"),
            format!("session.1={c1}; session.5x=1"),
        ],
    ];
    for header in headers {
        let session = store.load_at(&header, T0 + 1);
        assert!(!session.is_new(), "{header:?}");
        assert_eq!(session.id(), saved.id());
        assert_eq!(session.cookie_count(), 2);
    }
}

#[test]
fn names_that_merely_start_with_the_session_name_are_ignored() {
    let store = builder("session")
        .with_size_limit(16 * 1024)
        .build()
        .unwrap();
    let (jar, saved) = two_chunk_jar(&store);
    let c0 = &jar.0["session"];
    let c1 = &jar.0["session.1"];

    // Look-alikes alone: no session cookie at all, so no error to log.
    for name in [
        "session2",
        "session.x",
        "session.01",
        "session.",
        "Session",
        "sessio",
    ] {
        let s = store.load_at([format!("{name}={c0}")], T0 + 1);
        assert!(s.is_new(), "{name}");
        assert_eq!(s.load_error(), None, "{name}");
        assert_eq!(s.cookie_count(), 0, "{name}");
    }
    // Look-alikes next to the real chunks change nothing.
    let s = store.load_at(
        [format!(
            "session2={c1}; session={c0}; session.x={c1}; session.1={c1}; session.01={c0}"
        )],
        T0 + 1,
    );
    assert_eq!(s.id(), saved.id());
    // `session.01` is not chunk 1: with only it, chunk 1 is missing.
    let s = store.load_at([format!("session={c0}; session.01={c1}")], T0 + 1);
    assert_eq!(s.load_error(), Some(LoadError::Invalid));
}

#[test]
fn duplicate_cookie_names_try_every_first_chunk_and_refuse_two_sessions() {
    let store = store("session");
    let mut jar = Jar::new();
    let older = logged_in(&store, &mut jar, T0);
    let old_value = jar.0["session"].clone();
    let mut jar2 = Jar::new();
    request(&store, &mut jar2, T0 + 1, |s| {
        s.insert("user", "bob").unwrap()
    });
    let new_value = jar2.0["session"].clone();

    // A broken first occurrence (e.g. a stale cookie for another path): the next opens.
    let s = store.load_at([format!("session=garbage; session={new_value}")], T0 + 2);
    assert_eq!(s.get::<String>("user").unwrap().unwrap(), "bob");
    let s = store.load_at([format!("session={old_value}; session=garbage")], T0 + 2);
    assert_eq!(s.id(), older.id());
    // A valid cookie between two junk copies is tried too.
    let s = store.load_at(
        [format!(
            "session=junk; session={old_value}; session=garbage"
        )],
        T0 + 2,
    );
    assert_eq!(s.id(), older.id());
    // The same session twice (set for two paths) opens.
    let s = store.load_at(
        [format!("session={old_value}; session={old_value}")],
        T0 + 2,
    );
    assert_eq!(s.id(), older.id());
    // Two different authentic sessions under one name: cookie injection.
    // Neither is used, in either order and across header fields.
    let before = store.stats().injections;
    for headers in [
        vec![format!("session={old_value}; session={new_value}")],
        vec![format!("session={new_value}; session={old_value}")],
        vec![
            format!("session={old_value}"),
            format!("session={new_value}"),
        ],
    ] {
        let s = store.load_at(headers, T0 + 2);
        assert!(s.is_new());
        assert!(s.is_empty());
        assert_eq!(s.load_error(), Some(LoadError::Invalid));
    }
    assert_eq!(store.stats().injections, before + 3);
    // Neither opens: a fresh session and a reason.
    let s = store.load_at(["session=garbage; session=junk"], T0 + 2);
    assert_eq!(s.load_error(), Some(LoadError::Invalid));
}

#[test]
fn malformed_and_forged_cookies_give_a_fresh_session() {
    let store = store("session");
    let mut jar = Jar::new();
    logged_in(&store, &mut jar, T0);
    let value = jar.0["session"].clone();
    let mut flipped = value.clone().into_bytes();
    let last = flipped.len() - 1;
    flipped[last] = if flipped[last] == b'A' { b'B' } else { b'A' };
    let flipped = String::from_utf8(flipped).unwrap();
    for header in [
        "session=".to_owned(),
        "session=AAAA".to_owned(),
        "session=%%%".to_owned(),
        format!("session={value}="),
        format!("session=\"{value}\""),
        format!("session={flipped}"),
        format!("session={}", &value[..value.len() - 1]),
        format!("session.1={value}"),
    ] {
        let s = store.load_at([&header], T0 + 1);
        assert!(s.is_new(), "{header}");
        assert_eq!(s.load_error(), Some(LoadError::Invalid), "{header}");
        assert!(s.is_empty());
    }
    // A fresh session that replaced a bad cookie deletes it on save.
    let mut s = store.load_at(["session=AAAA"], T0 + 1);
    let lines = store.save_at(&mut s, T0 + 1).unwrap();
    assert_eq!(deleted(&lines), ["session", "session.1"]);
}

// ---- construction errors ----------------------------------------------------

#[test]
fn invalid_configurations_are_errors_at_construction() {
    let ring = || keyring(Algorithm::Xaes256Gcm, 1);
    let b = |name: &str| CookieStore::builder(name, ring());
    let cases: Vec<(CookieStoreBuilder, StoreError)> = vec![
        (
            b("s").with_secure(false).with_same_site(SameSite::None),
            StoreError::SameSiteNoneWithoutSecure,
        ),
        (
            b("s").with_secure(false).with_partitioned(true),
            StoreError::PartitionedWithoutSecure,
        ),
        (
            b("__Host-s").with_domain("example.com"),
            StoreError::HostPrefix,
        ),
        (b("__Host-s").with_path("/app"), StoreError::HostPrefix),
        (b("__host-s").with_path("/app"), StoreError::HostPrefix),
        (b("__Host-s").with_secure(false), StoreError::HostPrefix),
        (b("__Secure-s").with_secure(false), StoreError::SecurePrefix),
        (b("__SECURE-s").with_secure(false), StoreError::SecurePrefix),
        (b(""), StoreError::InvalidName(String::new())),
        (b("a b"), StoreError::InvalidName("a b".into())),
        (b("a;b"), StoreError::InvalidName("a;b".into())),
        (b("a=b"), StoreError::InvalidName("a=b".into())),
        (b("a,b"), StoreError::InvalidName("a,b".into())),
        (b("sé"), StoreError::InvalidName("sé".into())),
        (b("a\"b"), StoreError::InvalidName("a\"b".into())),
        (b("a\tb"), StoreError::InvalidName("a\tb".into())),
        (
            b(&"n".repeat(129)),
            StoreError::InvalidName("n".repeat(129)),
        ),
        (
            b("s").with_size_limit(0),
            StoreError::InvalidSizeLimit { limit: 0 },
        ),
        (
            b("s").with_size_limit(crate::MIN_SIZE_LIMIT - 1),
            StoreError::InvalidSizeLimit {
                limit: crate::MIN_SIZE_LIMIT - 1,
            },
        ),
        (
            b("s").with_size_limit(usize::MAX),
            StoreError::InvalidSizeLimit { limit: usize::MAX },
        ),
        (b("s").with_domain(""), StoreError::InvalidDomain),
        (
            b("s").with_domain("exa mple.com"),
            StoreError::InvalidDomain,
        ),
        (
            b("s").with_domain("a.com; Path=/x"),
            StoreError::InvalidDomain,
        ),
        (b("s").with_path("app"), StoreError::InvalidPath),
        (b("s").with_path("/a;b"), StoreError::InvalidPath),
        (b("s").with_path("/a\nb"), StoreError::InvalidPath),
        (
            b("s").with_max_age(Duration::ZERO),
            StoreError::InvalidMaxAge,
        ),
        (
            b("s").with_max_age(Duration::from_secs(401 * DAY)),
            StoreError::InvalidMaxAge,
        ),
        (
            b("s").with_idle_timeout(Duration::ZERO),
            StoreError::InvalidIdleTimeout,
        ),
        (
            b("s")
                .with_max_age(Duration::from_secs(60))
                .with_idle_timeout(Duration::from_secs(61)),
            StoreError::InvalidIdleTimeout,
        ),
        (
            b("s").with_clock_skew(Duration::from_secs(301)),
            StoreError::ClockSkewTooLarge,
        ),
        (
            b("s").with_header_transport(""),
            StoreError::InvalidHeaderName(String::new()),
        ),
        (
            b("s").with_header_transport("x session"),
            StoreError::InvalidHeaderName("x session".into()),
        ),
    ];
    for (builder, expected) in cases {
        let debug = format!("{builder:?}");
        let err = builder.build().unwrap_err();
        assert_eq!(err, expected, "{debug}");
        assert!(!err.to_string().is_empty());
    }

    // The valid neighbours of those combinations build.
    for ok in [
        b("s").with_same_site(SameSite::None),
        b("s").with_partitioned(true),
        b("__Host-s"),
        b("__Secure-s").with_domain("example.com").with_path("/app"),
        b("s").with_secure(false),
        b("s").with_size_limit(crate::MIN_SIZE_LIMIT),
        b(&"n".repeat(128)),
        b("!#$%&'*+-.^_`|~09azAZ"),
        b("s").with_max_age(Duration::from_secs(400 * DAY)),
        b("s")
            .with_max_age(Duration::from_secs(60))
            .with_idle_timeout(Duration::from_secs(60)),
        b("s").with_clock_skew(crate::MAX_CLOCK_SKEW),
        b("s").with_header_transport("x-session"),
    ] {
        let debug = format!("{ok:?}");
        assert!(ok.build().is_ok(), "{debug}");
    }
}

#[test]
fn the_smallest_budget_holds_an_empty_session_under_a_short_name() {
    let store = builder("s")
        .with_size_limit(crate::MIN_SIZE_LIMIT)
        .build()
        .unwrap();
    assert_eq!(store.max_chunks(), 1);
    let mut session = store.load_at(None::<&str>, T0);
    session.add_flash("x").unwrap();
    let lines = store.save_at(&mut session, T0).unwrap();
    assert!(written(&lines)[0].name_value_len <= crate::MIN_SIZE_LIMIT);
}

// ---- header transport (beego's EnableSidInHTTPHeader) ----------------------

#[test]
fn item8_header_transport_refuses_framing_hop_by_hop_and_cookie_names() {
    for name in [
        "content-length",
        "Content-Length",
        "CONTENT-TYPE",
        "transfer-encoding",
        "connection",
        "keep-alive",
        "te",
        "trailer",
        "upgrade",
        "host",
        "cookie",
        "Set-Cookie",
        "proxy-authorization",
        "Proxy-Connection",
        "sec-fetch-site",
        "cache-control",
        "vary",
        "via",
        "x-http-method-override",
    ] {
        let err = builder("session")
            .with_header_transport(name)
            .build()
            .unwrap_err();
        assert_eq!(err, StoreError::InvalidHeaderName(name.to_owned()));
        assert!(err.to_string().contains("reserved"), "{err}");
    }
    for name in [
        "x-session",
        "authorization-session",
        "x-content-length",
        "tee",
    ] {
        let store = builder("session").with_header_transport(name).build();
        assert_eq!(store.unwrap().header_name(), Some(name));
    }
}

#[test]
fn header_transport_round_trip() {
    let store = builder("session")
        .with_header_transport("x-session")
        .build()
        .unwrap();
    let mut session = store.load_header(None);
    assert!(session.is_new());
    assert_eq!(
        store.save_header(&mut session).unwrap(),
        HeaderUpdate::Unchanged
    );
    session.insert("user", "alice").unwrap();
    session.add_flash("hi").unwrap();
    let HeaderUpdate::Set(value) = store.save_header(&mut session).unwrap() else {
        panic!("expected a value")
    };
    assert!(value.len() <= store.size_limit());

    let mut again = store.load_header(Some(&format!("  {value} ")));
    assert!(!again.is_new());
    assert_eq!(again.id(), session.id());
    assert_eq!(again.get::<String>("user").unwrap().unwrap(), "alice");
    assert_eq!(
        store.save_header(&mut again).unwrap(),
        HeaderUpdate::Unchanged
    );
    assert_eq!(again.flashes::<String>().unwrap(), ["hi"]);
    let HeaderUpdate::Set(value) = store.save_header(&mut again).unwrap() else {
        panic!("the consumed flash must be saved")
    };

    let mut again = store.load_header(Some(&value));
    assert!(again.flashes::<String>().unwrap().is_empty());
    again.clear();
    assert_eq!(store.save_header(&mut again).unwrap(), HeaderUpdate::Clear);

    for bad in ["", "   ", "garbage"] {
        let s = store.load_header(Some(bad));
        assert!(s.is_new());
    }
    assert_eq!(
        store.load_header(Some("garbage")).load_error(),
        Some(LoadError::Invalid)
    );
    // Another name's value does not open here either.
    let other = store.for_name("other").unwrap();
    let s = other.load_header(Some(&value));
    assert_eq!(s.load_error(), Some(LoadError::Invalid));
}

#[test]
fn header_transport_respects_the_budget() {
    let store = builder("session")
        .with_header_transport("x-session")
        .build()
        .unwrap();
    let mut session = store.load_header(None);
    session.insert("big", &"x".repeat(10_000)).unwrap();
    let err = store.save_header(&mut session).unwrap_err();
    assert!(matches!(err, SaveError::TooLarge { needed, allowed } if needed > allowed));
    assert!(session.is_new());
}

// ---- dirty tracking ---------------------------------------------------------

#[test]
fn an_unchanged_session_saves_nothing() {
    let store = store("session");
    let mut jar = Jar::new();
    request(&store, &mut jar, T0, |s| {
        s.insert("user", "alice").unwrap();
        s.insert("n", &1).unwrap();
    });
    let (session, lines) = request(&store, &mut jar, T0 + 10, |s| {
        let _: Option<String> = s.get("user").unwrap();
        let _: Vec<String> = s.flashes().unwrap();
        s.insert("user", "alice").unwrap(); // the same value again
        s.remove("missing");
        assert!(!s.is_modified());
    });
    assert!(lines.is_empty());
    assert!(!session.is_modified());

    // A fresh session nobody wrote to sets no cookie.
    let mut fresh = store.load_at(None::<&str>, T0);
    assert!(store.save_at(&mut fresh, T0).unwrap().is_empty());
    fresh.insert("a", &1).unwrap();
    fresh.remove("a");
    assert!(store.save_at(&mut fresh, T0).unwrap().is_empty());
    // A second save after a successful one writes nothing either.
    let mut s = store.load_at([jar.header()], T0 + 20);
    s.insert("n", &2).unwrap();
    assert!(!store.save_at(&mut s, T0 + 20).unwrap().is_empty());
    assert!(store.save_at(&mut s, T0 + 20).unwrap().is_empty());
}

#[test]
fn values_keep_their_types_and_type_errors_name_the_key() {
    let store = store("session");
    let mut jar = Jar::new();
    request(&store, &mut jar, T0, |s| {
        s.insert("n", &-7i64).unwrap();
        s.insert("list", &vec![Some(1u8), None]).unwrap();
    });
    let s = store.load_at([jar.header()], T0 + 1);
    assert_eq!(s.get::<i64>("n").unwrap(), Some(-7));
    assert_eq!(
        s.get::<Vec<Option<u8>>>("list").unwrap().unwrap(),
        [Some(1), None]
    );
    let err = s.get::<u8>("n").unwrap_err();
    assert_eq!(err.key(), "n");
    let err = s.get::<BTreeSet<String>>("list").unwrap_err();
    assert_eq!(err.key(), "list");
    assert!(
        !err.to_string().contains('1'),
        "no stored value in the message"
    );
}

#[test]
fn edge_values_round_trip() {
    use ciborium::Value;
    use std::collections::BTreeMap;
    let store = store("session");
    let mut jar = Jar::new();
    request(&store, &mut jar, T0, |s| {
        s.insert("inf", &f64::INFINITY).unwrap();
        s.insert("-0", &-0.0f64).unwrap();
        s.insert("nan", &f64::NAN).unwrap();
        s.insert("u128", &u128::MAX).unwrap();
        s.insert("i128", &i128::MIN).unwrap();
        s.insert("int keys", &BTreeMap::from([(-1i32, "a"), (2, "b")]))
            .unwrap();
        s.insert("tuple keys", &BTreeMap::from([((1u8, 2u8), "a")]))
            .unwrap();
        s.insert("unit", &()).unwrap();
        s.insert("bytes", &Value::Bytes(vec![0, 255])).unwrap();
        s.insert("tag", &Value::Tag(1, Box::new(Value::from(5))))
            .unwrap();
        s.insert("nul", "a\0b").unwrap();
        s.insert("", "empty key").unwrap();
    });
    let s = store.load_at([jar.header()], T0 + 1);
    assert!(!s.is_new());
    assert_eq!(s.get::<f64>("inf").unwrap(), Some(f64::INFINITY));
    assert!(s.get::<f64>("-0").unwrap().unwrap().is_sign_negative());
    assert!(s.get::<f64>("nan").unwrap().unwrap().is_nan());
    assert_eq!(s.get::<u128>("u128").unwrap(), Some(u128::MAX));
    assert_eq!(s.get::<i128>("i128").unwrap(), Some(i128::MIN));
    assert_eq!(
        s.get::<BTreeMap<i32, String>>("int keys").unwrap().unwrap(),
        BTreeMap::from([(-1, "a".to_owned()), (2, "b".to_owned())])
    );
    assert_eq!(
        s.get::<BTreeMap<(u8, u8), String>>("tuple keys")
            .unwrap()
            .unwrap(),
        BTreeMap::from([((1, 2), "a".to_owned())])
    );
    assert_eq!(s.get::<()>("unit").unwrap(), Some(()));
    assert_eq!(
        s.get::<Value>("bytes").unwrap(),
        Some(Value::Bytes(vec![0, 255]))
    );
    assert_eq!(
        s.get::<Value>("tag").unwrap(),
        Some(Value::Tag(1, Box::new(Value::from(5))))
    );
    assert_eq!(s.get::<String>("nul").unwrap().unwrap(), "a\0b");
    assert_eq!(s.get::<String>("").unwrap().unwrap(), "empty key");
}

#[test]
fn values_a_cookie_could_not_carry_back_are_refused_at_insert() {
    // Values the strict decoder refuses must be refused when stored, else
    // they seal fine and never open again: a silent logout.
    use ciborium::Value;
    fn nested(levels: usize) -> Value {
        (0..levels).fold(Value::Null, |v, _| Value::Array(vec![v]))
    }
    let store = store("session");
    let mut jar = Jar::new();
    logged_in(&store, &mut jar, T0);
    let mut s = store.load_at([jar.header()], T0 + 1);
    s.insert("deep", &nested(31)).unwrap();
    s.add_flash(&nested(31)).unwrap();
    let deeper = nested(32);
    let repeated = Value::Map(vec![
        (Value::from("a"), Value::from(1)),
        (Value::from("a"), Value::from(2)),
    ]);
    for bad in [&deeper, &repeated, &Value::Array(vec![repeated.clone()])] {
        let err = s.insert("bad", bad).unwrap_err();
        assert_eq!(err.key(), "bad");
        assert!(err.to_string().contains("cannot be stored"), "{err}");
        assert_eq!(s.add_flash_to("bucket", bad).unwrap_err().key(), "bucket");
    }
    assert!(!s.contains_key("bad"));
    let lines = store.save_at(&mut s, T0 + 1).unwrap();
    jar.apply(&lines);
    let mut reloaded = store.load_at([jar.header()], T0 + 2);
    assert_eq!(reloaded.load_error(), None);
    assert_eq!(reloaded.get::<Value>("deep").unwrap(), Some(nested(31)));
    assert_eq!(reloaded.flashes::<Value>().unwrap(), [nested(31)]);
    assert!(reloaded.flashes_from::<Value>("bucket").unwrap().is_empty());
    assert_eq!(reloaded.get::<String>("user").unwrap().unwrap(), "alice");
}

#[test]
fn for_name_refuses_a_name_that_is_a_chunk_of_the_other() {
    let auth = store("auth");
    for name in ["auth.1", "auth.2", "auth.254"] {
        assert_eq!(
            auth.for_name(name).unwrap_err(),
            StoreError::NameCollision {
                name: name.to_owned(),
                other: "auth".to_owned()
            }
        );
    }
    let chunk = store("auth.1");
    assert!(matches!(
        chunk.for_name("auth"),
        Err(StoreError::NameCollision { .. })
    ));
    // Look-alikes that are never chunk names are fine.
    for name in [
        "auth.01", "auth.0", "auth.x", "auth2", "auth.1.1", "auth", "au",
    ] {
        assert!(auth.for_name(name).is_ok(), "{name}");
    }
}

#[test]
fn a_zero_max_age_override_expires_the_session_at_once() {
    let store = store("session");
    let mut jar = Jar::new();
    logged_in(&store, &mut jar, T0);
    let (_, lines) = request(&store, &mut jar, T0 + 1, |s| {
        s.set_max_age(Duration::ZERO);
    });
    let cookie = parse(&lines[0]);
    assert!(!cookie.value.is_empty(), "a sealed value...");
    assert_eq!(cookie.max_age, Some(0), "...that the browser drops at once");
    assert!(jar.0.is_empty());
    let mut replayed = Jar::new();
    replayed.0.insert("session".into(), parse(&lines[0]).value);
    assert_eq!(
        store.load_at([replayed.header()], T0 + 2).load_error(),
        Some(LoadError::Expired)
    );
}

#[test]
fn lifetimes_are_judged_only_after_authentication() {
    // No oracle: a forged cookie is `Invalid` whatever its timestamps say,
    // and only an authentic one can be `Expired`.
    let store = builder("session")
        .with_max_age(Duration::from_secs(60))
        .build()
        .unwrap();
    let mut jar = Jar::new();
    logged_in(&store, &mut jar, T0);
    let value = jar.0["session"].clone();
    let mid = value.len() / 2;
    let flipped = if &value[mid..=mid] == "A" { "B" } else { "A" };
    let forged = format!("session={}{flipped}{}", &value[..mid], &value[mid + 1..]);
    let later = T0 + 1000;
    assert_eq!(
        store.load_at([&forged], later).load_error(),
        Some(LoadError::Invalid)
    );
    assert_eq!(
        store.load_at([jar.header()], later).load_error(),
        Some(LoadError::Expired)
    );
}

#[test]
fn debug_output_never_shows_values_or_keys() {
    let store = store("session");
    let mut session = store.load_at(None::<&str>, T0);
    session.insert("token", "s3cr3t-value").unwrap();
    session.add_flash("flash-s3cr3t").unwrap();
    let debug = format!("{session:?} {store:?}");
    assert!(debug.contains("token"), "keys are shown: {debug}");
    assert!(!debug.contains("s3cr3t"), "{debug}");
    let hash_hex = hex::encode([1u8; 32]);
    assert!(!debug.contains(&hash_hex[..16]), "{debug}");
    assert!(
        !debug.contains("AQEBAQEBAQEB"),
        "no base64 key bytes: {debug}"
    );
}

#[test]
fn stores_and_sessions_cross_threads() {
    fn send_sync<T: Send + Sync + 'static>() {}
    send_sync::<CookieStore>();
    send_sync::<Session>();
    send_sync::<SaveError>();
    send_sync::<StoreError>();
    let store = store("session");
    let handles: Vec<_> = (0..4u32)
        .map(|i| {
            let store = store.clone();
            std::thread::spawn(move || {
                let mut s = store.load_at(None::<&str>, T0);
                s.insert("i", &i).unwrap();
                let lines = store.save_at(&mut s, T0).unwrap();
                let mut jar = Jar::new();
                jar.apply(&lines);
                store.load_at([jar.header()], T0).get::<u32>("i").unwrap()
            })
        })
        .collect();
    for (i, h) in handles.into_iter().enumerate() {
        assert_eq!(h.join().unwrap(), Some(u32::try_from(i).unwrap()));
    }
}
