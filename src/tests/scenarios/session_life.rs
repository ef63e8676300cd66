//! Flashes, logging out, `regenerate_id` and dirty tracking.

use super::*;

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
    assert_eq!(deleted(&lines), ["session"]);
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
        .allow_large_cookie_header()
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
    // Exactly the chunks the request carried.
    assert_eq!(deleted(&lines), ["session", "session.1"]);
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
    assert_eq!(deleted(&lines), ["session"]);
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

#[test]
fn values_stored_after_a_destroy_was_saved_start_a_new_session() {
    // destroy, a save (deletions), then new values and a second save in the
    // same request: the second write is a new session's, issued now.
    let store = store("session");
    let mut jar = Jar::new();
    let first = logged_in(&store, &mut jar, T0);
    let later = T0 + 5 * DAY;
    let mut session = store.load_at([jar.header()], later);
    assert_eq!(session.id(), first.id());
    session.destroy();
    let lines = store.save_at(&mut session, later).unwrap();
    assert!(lines.iter().all(|l| l.contains("Max-Age=0")), "{lines:?}");
    session.add_flash("bye").unwrap();
    let lines = store.save_at(&mut session, later + 1).unwrap();
    let header: Vec<&str> = lines
        .iter()
        .filter(|l| !l.contains("Max-Age=0"))
        .map(|l| l.split(';').next().unwrap())
        .collect();
    let reloaded = store.load_at([header.join("; ")], later + 1);
    assert_eq!(reloaded.id(), session.id());
    assert_ne!(reloaded.id(), first.id());
    assert_eq!(secs(reloaded.issued_at()), later + 1);
    assert_eq!(secs(reloaded.expires_at()), later + 1 + 14 * DAY);
    // An emptied session saved again emits nothing: it has no cookies now.
    let mut cleared = store.load_at([header.join("; ")], later + 2);
    cleared.clear();
    assert!(!store.save_at(&mut cleared, later + 2).unwrap().is_empty());
    assert!(store.save_at(&mut cleared, later + 3).unwrap().is_empty());
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
    use base64::Engine as _;
    for key in [key_bytes(1, b'h'), key_bytes(1, b'b')] {
        let hash_hex = hex::encode(key);
        assert!(!debug.contains(&hash_hex[..16]), "{debug}");
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(key);
        assert!(!debug.contains(&b64[..12]), "no base64 key bytes: {debug}");
    }
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
