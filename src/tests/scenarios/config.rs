//! Key rotation, several sessions per request, and construction errors.

use super::*;

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
            .allow_non_host_name()
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
            .allow_non_host_name()
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
        let only_new = CookieStore::builder("session", keyring(new_alg, 2))
            .allow_non_host_name()
            .build()
            .unwrap();
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
    let rotated = CookieStore::builder("session", keyring(Algorithm::Xaes256Gcm, 2))
        .allow_non_host_name()
        .build()
        .unwrap();
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

// ---- construction errors ----------------------------------------------------

/// Issue 19: a `Secure` store's name must carry `__Host-` unless the
/// builder opts out by name; plain-HTTP development stays one line.
#[test]
fn secure_names_without_host_prefix_need_the_explicit_opt_out() {
    let ring = || keyring(Algorithm::Xaes256Gcm, 1);
    let refused = |name: &str| StoreError::NonHostName(name.to_owned());
    for name in [
        "session",
        "s",
        "__Secure-session",
        "__Host",
        "_Host-s",
        "x__Host-s",
    ] {
        assert_eq!(
            CookieStore::builder(name, ring()).build().unwrap_err(),
            refused(name),
            "{name}"
        );
        assert_eq!(
            CookieStore::new(name, ring()).unwrap_err(),
            refused(name),
            "{name}"
        );
        let err = refused(name).to_string();
        assert!(
            err.contains("__Host-") && err.contains("allow_non_host_name"),
            "{err}"
        );
        // The opt-out, or plain HTTP, accepts the name.
        let opted = CookieStore::builder(name, ring())
            .allow_non_host_name()
            .build()
            .unwrap();
        assert_eq!(opted.name(), name);
        let dev = CookieStore::builder(name, ring()).with_secure(false);
        let dev = dev.build();
        if name.to_ascii_lowercase().starts_with("__secure-") {
            assert_eq!(dev.unwrap_err(), StoreError::SecurePrefix);
        } else {
            assert_eq!(dev.unwrap().name(), name);
        }
    }
    for name in ["__Host-session", "__host-s", "__HOST-s"] {
        assert!(CookieStore::new(name, ring()).is_ok(), "{name}");
    }
    // Every option that rules out the prefix still needs the opt-out.
    let needs_opt_out = [
        CookieStore::builder("s", ring()).with_domain("example.com"),
        CookieStore::builder("s", ring()).with_path("/app"),
        CookieStore::builder("s", ring()).with_same_site(SameSite::None),
    ];
    for builder in needs_opt_out {
        assert_eq!(builder.clone().build().unwrap_err(), refused("s"));
        assert!(builder.allow_non_host_name().build().is_ok());
    }
    // `for_name` keeps the choice: a prefixed store's sibling needs the
    // prefix too, an opted-out store's sibling is opted out as well.
    let host = CookieStore::new("__Host-auth", ring()).unwrap();
    assert_eq!(host.for_name("prefs").unwrap_err(), refused("prefs"));
    assert_eq!(
        host.for_name("__Host-prefs").unwrap().name(),
        "__Host-prefs"
    );
    let plain = CookieStore::builder("auth", ring())
        .allow_non_host_name()
        .build()
        .unwrap();
    assert_eq!(plain.for_name("prefs").unwrap().name(), "prefs");
}

#[test]
fn invalid_configurations_are_errors_at_construction() {
    let ring = || keyring(Algorithm::Xaes256Gcm, 1);
    let b = |name: &str| CookieStore::builder(name, ring()).allow_non_host_name();
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

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

    /// For random token names (with and without a prefix in any case) and
    /// any combination of `Secure` and the opt-out: a store builds exactly
    /// when the prefix rules hold and the name is `__Host-`, or the store is
    /// not `Secure`, or it opted out; a refusal for the name alone is
    /// `NonHostName`.
    #[test]
    fn a_secure_name_without_host_prefix_builds_only_with_the_opt_out(
        prefix in proptest::sample::select(vec!["", "__Host-", "__host-", "__HOST-", "__Secure-", "__Host", "_Host-", "Host-"]),
        rest in "[A-Za-z0-9_.-]{1,12}",
        secure: bool,
        opt_out: bool,
    ) {
        let name = format!("{prefix}{rest}");
        let mut builder = CookieStore::builder(name.as_str(), keyring(Algorithm::Xaes256Gcm, 1))
            .with_secure(secure);
        if opt_out {
            builder = builder.allow_non_host_name();
        }
        let lower = name.to_ascii_lowercase();
        let host = lower.starts_with("__host-");
        let expected = if !secure && host {
            Err(StoreError::HostPrefix)
        } else if !secure && lower.starts_with("__secure-") {
            Err(StoreError::SecurePrefix)
        } else if secure && !host && !opt_out {
            Err(StoreError::NonHostName(name.clone()))
        } else {
            Ok(name.clone())
        };
        proptest::prop_assert_eq!(builder.build().map(|s| s.name().to_owned()), expected);
    }
}
