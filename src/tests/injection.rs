//! Property tests of the reader under cookie injection (SECURITY.md,
//! "Cookie injection"): whatever an attacker adds beside the user's cookies
//! (junk under any chunk name, copies, empty-name cookies, chunks of its own
//! valid or expired sessions under the same keys, in any order and across
//! header fields), the store returns the user's session or a conflict,
//! never another session; and it agrees with the reference reader written
//! from SECURITY.md alone.

use std::sync::OnceLock;
use std::time::Duration;

use proptest::prelude::*;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::jar::{T0, key_bytes, keyring};
use super::vectors::model_reader::{Verdict as Read, model_read};
use crate::{Algorithm, CookieStore, Keyring, LoadError, Session};

const DAY: u64 = 86_400;

/// A session's cookies as `name=value` pairs, in chunk order, and its id.
struct Sealed {
    id: [u8; 16],
    cookies: Vec<(String, String)>,
}

struct Fixture {
    store: CookieStore,
    /// The user's sessions: one, two and three cookies, then an expired one.
    users: Vec<Sealed>,
    /// The attacker's own sessions under the same keys: one, two and three
    /// cookies, then an expired one.
    attackers: Vec<Sealed>,
}

fn seal(store: &CookieStore, at: u64, who: &str, filler: usize) -> Sealed {
    let mut session: Session = store.load_at(None::<&str>, at);
    session.insert("user", who).unwrap();
    session.insert("filler", &"f".repeat(filler)).unwrap();
    let cookies = store
        .save_at(&mut session, at)
        .unwrap()
        .iter()
        .filter(|line| !line.contains("Max-Age=0"))
        .map(|line| {
            let pair = line.split(';').next().unwrap();
            let (n, v) = pair.split_once('=').unwrap();
            (n.to_owned(), v.to_owned())
        })
        .collect();
    Sealed {
        id: session.id().to_bytes(),
        cookies,
    }
}

/// The fixture's keyring, as configuration text (the reference model reads
/// it, never the store's keyring).
fn keys() -> String {
    let b64 = |salt| URL_SAFE_NO_PAD.encode(key_bytes(7, salt));
    format!("xaes-256-gcm:{}:{}", b64(b'h'), b64(b'b'))
}

/// The reference model's reading of `headers` for the fixture's store.
fn reference_read<S: AsRef<str>>(store: &CookieStore, headers: &[S], now: u64) -> Read {
    model_read(&keys(), store.name(), store.size_limit(), headers, now)
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        // 12000 bytes: three cookies at most.
        let store = CookieStore::builder("session", Keyring::from_config(&keys()).unwrap())
            .allow_non_host_name()
            .with_size_limit(12_000)
            .allow_large_cookie_header()
            .with_max_age(Duration::from_secs(DAY))
            .build()
            .unwrap();
        let set = |who: &str| {
            let mut all: Vec<Sealed> = [100, 4000, 7000]
                .iter()
                .map(|filler| seal(&store, T0, who, *filler))
                .collect();
            all.push(seal(&store, T0 - 2 * DAY, &format!("{who} expired"), 100));
            all
        };
        let (users, attackers) = (set("user"), set("mallory"));
        for (i, s) in users.iter().chain(&attackers).enumerate() {
            assert_eq!(s.cookies.len(), [1, 2, 3, 1][i % 4], "fixture {i}");
        }
        Fixture {
            store,
            users,
            attackers,
        }
    })
}

/// A cookie an attacker adds.
#[derive(Clone, Debug)]
enum Added {
    /// Chunk `chunk` of the attacker's session `session`, under the name of
    /// chunk `as_index` (its own index or another).
    Chunk {
        session: usize,
        chunk: usize,
        as_index: usize,
    },
    /// Junk under chunk name `index`: short junk, the first 12 characters
    /// of a genuine value (a header that counts chunks), or a genuine value
    /// cut short.
    Junk { index: usize, kind: usize },
    /// A copy of one of the user's own cookies (the same name set for
    /// another path).
    Copy { chunk: usize },
    /// A cookie with an empty name whose value is `session=junkN`.
    EmptyName { n: u8 },
    /// Junk of `len` characters under chunk name `index` whose first 12
    /// are a genuine one-chunk header: lengths around the longest text
    /// (12288 here) and the work bound (2 × 12000) reach both limits.
    Long { index: usize, len: usize },
}

fn added() -> impl Strategy<Value = Added> {
    prop_oneof![
        3 => (0..4usize, 0..3usize, 0..4usize).prop_map(|(session, chunk, as_index)| Added::Chunk {
            session,
            chunk,
            as_index,
        }),
        3 => (0..4usize, 0..4usize).prop_map(|(index, kind)| Added::Junk { index, kind }),
        2 => (0..3usize).prop_map(|chunk| Added::Copy { chunk }),
        1 => any::<u8>().prop_map(|n| Added::EmptyName { n }),
        2 => (0..3usize, 13..13_000usize).prop_map(|(index, len)| Added::Long { index, len }),
    ]
}

fn chunk_name(index: usize) -> String {
    match index {
        0 => "session".to_owned(),
        i => format!("session.{i}"),
    }
}

/// The pairs of one arrangement, before ordering.
fn pairs(user: &Sealed, additions: &[Added]) -> Vec<String> {
    let f = fixture();
    let mut out: Vec<String> = user
        .cookies
        .iter()
        .map(|(n, v)| format!("{n}={v}"))
        .collect();
    for add in additions {
        let pair = match add {
            Added::Chunk {
                session,
                chunk,
                as_index,
            } => {
                let cookies = &f.attackers[*session].cookies;
                let (_, value) = &cookies[chunk % cookies.len()];
                format!("{}={value}", chunk_name(*as_index))
            }
            Added::Junk { index, kind } => {
                let genuine = &f.attackers[*kind % 3].cookies[0].1;
                let value = match kind {
                    0 => "x".to_owned(),
                    1 => genuine[..12].to_owned(),
                    2 => genuine[..genuine.len() / 2].to_owned(),
                    _ => format!("junk{index}"),
                };
                format!("{}={value}", chunk_name(*index))
            }
            Added::Copy { chunk } => {
                let (n, v) = &user.cookies[chunk % user.cookies.len()];
                format!("{n}={v}")
            }
            Added::EmptyName { n } => format!("session=junk{n}"),
            Added::Long { index, len } => {
                let genuine = &f.attackers[0].cookies[0].1;
                let pad = "A".repeat(len - 12);
                format!("{}={}{pad}", chunk_name(*index), &genuine[..12])
            }
        };
        out.push(pair);
    }
    out
}

/// `pairs` in the given order, split into header fields at `cuts`.
fn headers(pairs: &[String], order: &[usize], cuts: &[usize]) -> Vec<String> {
    let mut headers = vec![Vec::new()];
    for (position, &i) in order.iter().enumerate() {
        if cuts.contains(&position) && position > 0 {
            headers.push(Vec::new());
        }
        headers.last_mut().unwrap().push(pairs[i].as_str());
    }
    headers.iter().map(|h| h.join("; ")).collect()
}

fn arrangement() -> impl Strategy<Value = (usize, Vec<Added>, Vec<usize>, Vec<usize>)> {
    (0..4usize, prop::collection::vec(added(), 0..12)).prop_flat_map(|(user, additions)| {
        let len = fixture().users[user].cookies.len() + additions.len();
        (
            Just(user),
            Just(additions),
            Just((0..len).collect::<Vec<_>>()).prop_shuffle(),
            prop::collection::vec(0..len, 0..3),
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// The user's session or a conflict, never another session; and the
    /// store agrees with the reference reader.
    #[test]
    fn injected_cookies_never_open_another_session(
        (which, additions, order, cuts) in arrangement()
    ) {
        let f = fixture();
        let user = &f.users[which];
        let headers = headers(&pairs(user, &additions), &order, &cuts);
        let session = f.store.load_at(headers.iter(), T0 + 60);
        let got = match session.load_error() {
            None => Read::Ok(session.id().to_bytes()),
            Some(LoadError::Invalid) => Read::Invalid,
            Some(LoadError::Expired) => Read::Expired,
            Some(LoadError::Conflict) => Read::Conflict,
        };
        if let Read::Ok(id) = got {
            prop_assert_eq!(id, user.id, "another session opened: {:?}", headers);
        }
        prop_assert_eq!(got, reference_read(&f.store, &headers, T0 + 60), "{:?}", headers);
        // Copies and a few cookies an attacker cannot make into a session
        // of its own change nothing for a valid user session.
        let harmless = additions.iter().all(|a| matches!(a, Added::Copy { .. }))
            || (additions.len() <= 2
                && additions.iter().all(|a| matches!(a, Added::Junk { index: 1.., kind: 0 })));
        // (users[0]: one cookie, valid.)
        if harmless && which == 0 {
            prop_assert_eq!(got, Read::Ok(user.id), "{:?}", headers);
        }
    }
}

/// The attacks of the adversarial review, at store level, against the
/// reference reader too.
#[test]
fn the_reviews_arrangements_are_conflicts() {
    let f = fixture();
    let user = &f.users[0];
    let two = &f.users[1];
    let mallory = &f.attackers[0].cookies[0].1;
    let own = format!("session={}", user.cookies[0].1);
    // Nine occurrences: seven junk values and the attacker's session first.
    let junk: Vec<String> = (0..7).map(|i| format!("session=junk{i}")).collect();
    let nine = format!("{}; session={mallory}; {own}", junk.join("; "));
    // Junk tail copies around the user's two-chunk session.
    let tail = format!(
        "session.1=junkA; session={mallory}; session={}; session.1={}; session.1=junkB",
        two.cookies[0].1, two.cookies[1].1
    );
    for header in [nine, tail] {
        let session = f.store.load_at([&header], T0 + 60);
        assert_eq!(session.load_error(), Some(LoadError::Conflict), "{header}");
        assert_eq!(
            reference_read(&f.store, &[&header], T0 + 60),
            Read::Conflict
        );
    }
    // Presence is checked before variation: a chunk 0 whose index 2 is
    // missing fails, whatever index 1 carries (three values here), so only
    // the one-cookie session is a candidate, and it opens.
    let three = &f.users[2].cookies;
    let header = format!(
        "session={}; session.1=a; session.1=b; session.1={}; session={mallory}",
        three[0].1, three[1].1
    );
    let session = f.store.load_at([&header], T0 + 60);
    let attacker = Read::Ok(f.attackers[0].id);
    assert_eq!(Read::Ok(session.id().to_bytes()), attacker);
    assert_eq!(reference_read(&f.store, &[&header], T0 + 60), attacker);
}

/// A bound store: a session opens only beside the primary session it was
/// saved with; a plain `load` of a bound store opens nothing; binding a
/// store to itself or to a missing primary is a configuration error.
#[test]
fn bound_sessions_open_only_beside_their_primary_session() {
    let ring = || keyring(Algorithm::Xaes256Gcm, 9);
    let auth = CookieStore::builder("auth", ring())
        .allow_non_host_name()
        .build()
        .unwrap();
    let flow = CookieStore::builder("flow", ring())
        .allow_non_host_name()
        .with_bound_to("auth")
        .build()
        .unwrap();
    let pair = |lines: Vec<String>| lines[0].split(';').next().unwrap().to_owned();
    let mut mine = auth.load_at(None::<&str>, T0);
    let mut state = flow.load_bound(None::<&str>, &mine);
    state.insert("state", "s1").unwrap();
    flow.bind(&mut state, &mut mine).unwrap();
    // The empty primary got the anchor, so its id is written.
    assert!(mine.contains_key(crate::ANCHOR_KEY));
    let mine_cookie = pair(auth.save(&mut mine).unwrap());
    let state_cookie = pair(flow.save(&mut state).unwrap());

    let mine = auth.load(Some(mine_cookie.as_str()));
    let opened = flow.load_bound(Some(state_cookie.as_str()), &mine);
    assert_eq!(
        opened.get::<String>("state").unwrap().as_deref(),
        Some("s1")
    );
    // Beside another primary session, or none, or through a plain load.
    let before = flow.stats().injections;
    let other = auth.load(None::<&str>);
    for session in [
        flow.load_bound(Some(state_cookie.as_str()), &other),
        flow.load(Some(state_cookie.as_str())),
    ] {
        assert!(session.is_new());
        assert_eq!(session.load_error(), Some(LoadError::Conflict));
    }
    assert_eq!(flow.stats().injections, before + 2);
    // A session holding nothing but the binding is emptied, and deleted.
    let mut emptied = flow.load_bound(Some(state_cookie.as_str()), &mine);
    emptied.remove("state");
    let mut primary = mine.clone();
    flow.bind(&mut emptied, &mut primary).unwrap();
    assert!(emptied.is_empty());
    assert!(flow.save(&mut emptied).unwrap()[0].contains("Max-Age=0"));

    let itself = CookieStore::builder("flow", ring())
        .allow_non_host_name()
        .with_bound_to("flow")
        .build();
    assert!(matches!(
        itself,
        Err(crate::StoreError::InvalidBinding { .. })
    ));
    let chunk = CookieStore::builder("flow", ring())
        .allow_non_host_name()
        .with_bound_to("flow.1")
        .build();
    assert!(matches!(
        chunk,
        Err(crate::StoreError::InvalidBinding { .. })
    ));
}

/// Two browsers' primary sessions and flow sessions (the victim's and the
/// attacker's), and a flow sealed without any binding.
struct BoundFixture {
    auth: CookieStore,
    flow: CookieStore,
    /// `auth` cookie values: victim, attacker.
    primaries: [String; 2],
    /// `flow` cookie values: the victim's, the attacker's, one unbound.
    flows: [String; 3],
}

fn bound_fixture() -> &'static BoundFixture {
    static FIXTURE: OnceLock<BoundFixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let ring = || keyring(Algorithm::Xaes256Gcm, 11);
        let auth = CookieStore::builder("auth", ring())
            .allow_non_host_name()
            .build()
            .unwrap();
        let flow = CookieStore::builder("flow", ring())
            .allow_non_host_name()
            .with_bound_to("auth")
            .build()
            .unwrap();
        let plain = CookieStore::builder("flow", ring())
            .allow_non_host_name()
            .build()
            .unwrap();
        let value = |lines: Vec<String>| {
            let pair = lines[0].split(';').next().unwrap().to_owned();
            pair.split_once('=').unwrap().1.to_owned()
        };
        let browser = |who: &str| {
            let mut primary = auth.load_at(None::<&str>, T0);
            primary.insert("user", who).unwrap();
            let mut state = flow.load_bound(None::<&str>, &primary);
            state.insert("state", who).unwrap();
            flow.bind(&mut state, &mut primary).unwrap();
            (
                value(auth.save(&mut primary).unwrap()),
                value(flow.save(&mut state).unwrap()),
            )
        };
        let (victim, victim_flow) = browser("victim");
        let (attacker, attacker_flow) = browser("mallory");
        let mut unbound = plain.load_at(None::<&str>, T0);
        unbound.insert("state", "mallory").unwrap();
        let unbound = value(plain.save(&mut unbound).unwrap());
        BoundFixture {
            auth,
            flow,
            primaries: [victim, attacker],
            flows: [victim_flow, attacker_flow, unbound],
        }
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Beside the victim's primary session, a bound store returns the
    /// victim's own flow session, a fresh one, or a conflict: never the
    /// attacker's, whatever flow cookies are added (the attacker's bound to
    /// its own primary, unbound ones, copies) and in whatever order.
    #[test]
    fn tossed_bound_sessions_never_open_beside_the_victims_primary(
        victim_has_flow in any::<bool>(),
        tossed in prop::collection::vec(0..3usize, 0..4),
        order in Just((0..5usize).collect::<Vec<_>>()).prop_shuffle(),
    ) {
        let f = bound_fixture();
        let primary = f.auth.load(Some(format!("auth={}", f.primaries[0])));
        prop_assert_eq!(primary.load_error(), None);
        let mut pairs: Vec<String> = tossed.iter().map(|i| format!("flow={}", f.flows[*i])).collect();
        if victim_has_flow {
            pairs.push(format!("flow={}", f.flows[0]));
        }
        let ordered: Vec<&String> = order.iter().filter_map(|i| pairs.get(*i)).collect();
        let header = ordered.iter().map(|s| s.as_str()).collect::<Vec<_>>().join("; ");
        let session = f.flow.load_bound(Some(header.as_str()), &primary);
        let state: Option<String> = session.get("state").unwrap();
        prop_assert_ne!(state.as_deref(), Some("mallory"), "{}", header);
        let only_victims = tossed.iter().all(|i| *i == 0);
        if victim_has_flow && only_victims {
            prop_assert_eq!(state.as_deref(), Some("victim"));
        }
        if tossed.iter().any(|i| *i != 0) {
            prop_assert_eq!(session.load_error(), Some(LoadError::Conflict), "{}", header);
        }
    }
}
