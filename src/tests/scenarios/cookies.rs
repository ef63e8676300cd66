//! Cookie attributes, the size budget, stale chunks, `Cookie` header
//! parsing and the header transport.

use super::*;

// ---- attributes ---------------------------------------------------------------

#[test]
fn attributes_are_on_every_cookie_and_on_deletions() {
    let store = builder("session")
        .with_path("/app")
        .with_domain("example.com")
        .with_same_site(SameSite::None)
        .with_partitioned(true)
        .with_size_limit(16 * 1024)
        .allow_large_cookie_header()
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
    assert_eq!(lines.len(), 2);
    for cookie in parse_all(&lines) {
        assert_eq!(cookie.attributes_but_max_age(), expected, "{}", cookie.name);
    }
    assert_eq!(written(&lines).len(), 2);

    // Deletions carry the same Path and Domain, else browsers keep the cookie.
    let (_, lines) = request(&store, &mut jar, T0 + 1, Session::clear);
    assert_eq!(deleted(&lines), ["session", "session.1"]);
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
        .allow_large_cookie_header()
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
        .allow_large_cookie_header()
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
    assert!(deleted(&lines).is_empty(), "the request carried no cookie");
    assert_eq!(jar.names(), ["session", "session.1", "session.2"]);

    let (session, lines) = request(&store, &mut jar, T0 + 1, |s| {
        assert_eq!(s.cookie_count(), 3);
        s.insert("notes", "short").unwrap();
    });
    assert_eq!(session.cookie_count(), 1);
    assert_eq!(written(&lines).len(), 1);
    assert_eq!(deleted(&lines), ["session.1", "session.2"]);
    assert_eq!(jar.names(), ["session"]);
    let reloaded = store.load_at([jar.header()], T0 + 2);
    assert_eq!(reloaded.get::<String>("notes").unwrap().unwrap(), "short");
}

#[test]
fn a_save_deletes_only_the_chunks_the_request_carried() {
    // Another tab's response may have left `session.2`/`session.3` in the
    // browser after this request was sent: they never open with this
    // session's chunk 0 (its chunk count is authenticated), and the next
    // write from a request that carries them deletes them.
    let store = builder("session")
        .with_size_limit(16 * 1024)
        .allow_large_cookie_header()
        .build()
        .unwrap();
    let mut jar = Jar::new();
    logged_in(&store, &mut jar, T0);
    let mut session = store.load_at([jar.header()], T0 + 1);
    assert_eq!(session.cookie_count(), 1);
    session.insert("n", &1).unwrap();
    let lines = store.save_at(&mut session, T0 + 1).unwrap();
    assert!(deleted(&lines).is_empty(), "{lines:?}");

    let mut browser = jar.clone();
    browser.0.insert("session.2".into(), "orphan".into());
    browser.0.insert("session.3".into(), "orphan".into());
    browser.apply(&lines);
    assert_eq!(browser.names(), ["session", "session.2", "session.3"]);
    let mut session = store.load_at([browser.header()], T0 + 2);
    assert_eq!(session.load_error(), None);
    assert_eq!(session.get::<u32>("n").unwrap(), Some(1));
    session.insert("n", &2).unwrap();
    let lines = store.save_at(&mut session, T0 + 2).unwrap();
    assert_eq!(deleted(&lines), ["session.2", "session.3"]);
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
        .allow_large_cookie_header()
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
        .allow_large_cookie_header()
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
        assert_eq!(s.load_error(), Some(LoadError::Conflict));
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
    let mut s = store.load_at(["session=AAAA; session.1=BBBB"], T0 + 1);
    let lines = store.save_at(&mut s, T0 + 1).unwrap();
    assert_eq!(deleted(&lines), ["session", "session.1"]);
    let mut s = store.load_at(["session=AAAA"], T0 + 1);
    let lines = store.save_at(&mut s, T0 + 1).unwrap();
    assert_eq!(deleted(&lines), ["session"]);
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
        "Location",
        "www-authenticate",
        "Strict-Transport-Security",
        "authorization",
        "forwarded",
        "X-Forwarded-For",
        "x-forwarded-proto",
        "X-CSRF-Token",
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
