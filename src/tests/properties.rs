//! Property tests: arbitrary sessions round-trip through `save` and `load`
//! under every algorithm; every size up to past three chunks round-trips
//! with each cookie within 4096 bytes; any tampering with the chunks gives a
//! fresh session.

use std::collections::BTreeMap;

use proptest::prelude::*;
use proptest::sample::select;
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use super::jar::{Jar, T0, deleted, keyring, written};
use crate::{
    Algorithm, CookieStore, DEFAULT_SIZE_LIMIT as DEFAULT_BUDGET, LoadError, MAX_COOKIE_LEN,
    SaveError, Session,
};

/// The budget of the size and tamper properties: room for four full chunks.
const BUDGET: usize = 16 * 1024;

fn store(name: &str, alg: Algorithm, budget: usize) -> CookieStore {
    CookieStore::builder(name, keyring(alg, 7))
        .allow_non_host_name()
        .with_size_limit(budget)
        .allow_large_cookie_header()
        .build()
        .unwrap()
}

/// The `Cookie` header a browser sends back after `lines`.
fn cookie_header(lines: &[String]) -> String {
    written(lines)
        .iter()
        .map(|c| format!("{}={}", c.name, c.value))
        .collect::<Vec<_>>()
        .join("; ")
}

fn chunk_name(name: &str, index: usize) -> String {
    if index == 0 {
        name.to_owned()
    } else {
        format!("{name}.{index}")
    }
}

// ---- arbitrary sessions -------------------------------------------------------

/// Arbitrary nested serde values: null, bools, integers across the whole
/// i64/u64 range, finite floats, any Unicode text, arrays and maps.
fn json() -> impl Strategy<Value = Json> {
    let leaf = prop_oneof![
        Just(Json::Null),
        any::<bool>().prop_map(Json::Bool),
        any::<i64>().prop_map(Json::from),
        any::<u64>().prop_map(Json::from),
        (prop::num::f64::NORMAL
            | prop::num::f64::SUBNORMAL
            | prop::num::f64::ZERO
            | prop::num::f64::NEGATIVE
            | prop::num::f64::POSITIVE)
            .prop_map(Json::from),
        "(?s).{0,16}".prop_map(Json::String),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Json::Array),
            prop::collection::btree_map("(?s).{0,8}", inner, 0..4)
                .prop_map(|m| Json::Object(m.into_iter().collect())),
        ]
    })
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
enum Role {
    Guest,
    User(u32),
    Admin { level: u8, scopes: Vec<String> },
}

/// A typed value with the shapes applications store: options, vectors,
/// maps, enums, tuples, floats, chars.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Profile {
    id: u64,
    name: String,
    admin: bool,
    score: Option<i32>,
    ratio: f32,
    tags: Vec<String>,
    prefs: BTreeMap<String, Option<u16>>,
    role: Role,
    pair: (i8, char),
    bytes: Vec<u8>,
}

fn role() -> impl Strategy<Value = Role> {
    prop_oneof![
        Just(Role::Guest),
        any::<u32>().prop_map(Role::User),
        (any::<u8>(), prop::collection::vec("\\PC{0,8}", 0..3))
            .prop_map(|(level, scopes)| Role::Admin { level, scopes }),
    ]
}

fn profile() -> impl Strategy<Value = Profile> {
    (
        any::<u64>(),
        "(?s).{0,16}",
        any::<bool>(),
        any::<Option<i32>>(),
        prop::num::f32::NORMAL | prop::num::f32::ZERO,
        prop::collection::vec("(?s).{0,8}", 0..4),
        prop::collection::btree_map("(?s).{0,8}", any::<Option<u16>>(), 0..4),
        role(),
        (any::<i8>(), any::<char>()),
        prop::collection::vec(any::<u8>(), 0..16),
    )
        .prop_map(
            |(id, name, admin, score, ratio, tags, prefs, role, pair, bytes)| Profile {
                id,
                name,
                admin,
                score,
                ratio,
                tags,
                prefs,
                role,
                pair,
                bytes,
            },
        )
}

#[derive(Clone, Debug)]
struct Spec {
    data: BTreeMap<String, Json>,
    profile: Option<(String, Profile)>,
    flashes: BTreeMap<String, Vec<Json>>,
}

fn spec() -> impl Strategy<Value = Spec> {
    (
        prop::collection::btree_map("(?s).{0,12}", json(), 0..6),
        prop::option::of(("(?s).{0,12}", profile())),
        prop::collection::btree_map("(?s).{0,8}", prop::collection::vec(json(), 1..3), 0..3),
    )
        .prop_map(|(mut data, profile, flashes)| {
            if let Some((key, _)) = &profile {
                data.remove(key);
            }
            Spec {
                data,
                profile,
                flashes,
            }
        })
}

fn fill(session: &mut Session, spec: &Spec) {
    for (key, value) in &spec.data {
        session.insert(key, value).unwrap();
    }
    if let Some((key, profile)) = &spec.profile {
        session.insert(key, profile).unwrap();
    }
    for (bucket, values) in &spec.flashes {
        for value in values {
            session.add_flash_to(bucket, value).unwrap();
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Whatever is stored comes back equal, under every algorithm, and a
    /// session loaded and not changed saves nothing.
    #[test]
    fn arbitrary_sessions_round_trip_under_every_algorithm(spec in spec()) {
        for alg in Algorithm::ALL {
            let store = store("session", alg, 64 * 1024);
            let mut session = store.load_at(None::<&str>, T0);
            fill(&mut session, &spec);
            let lines = store.save_at(&mut session, T0).unwrap();
            if spec.data.is_empty() && spec.profile.is_none() && spec.flashes.is_empty() {
                prop_assert!(lines.is_empty(), "an empty new session sets no cookie");
                continue;
            }
            for cookie in written(&lines) {
                prop_assert!(cookie.name_value_len <= MAX_COOKIE_LEN);
            }
            let header = cookie_header(&lines);

            let mut loaded = store.load_at([&header], T0 + 1);
            prop_assert!(!loaded.is_new(), "{:?}", alg);
            prop_assert_eq!(loaded.load_error(), None);
            prop_assert_eq!(loaded.id(), session.id());
            prop_assert_eq!(loaded.issued_at(), session.issued_at());
            prop_assert_eq!(loaded.expires_at(), session.expires_at());
            prop_assert_eq!(loaded.cookie_count(), written(&lines).len());
            let mut keys: Vec<&str> = spec.data.keys().map(String::as_str).collect();
            if let Some((key, _)) = &spec.profile {
                keys.push(key);
                keys.sort_unstable();
            }
            prop_assert_eq!(&loaded.keys().collect::<Vec<_>>(), &keys);
            for (key, value) in &spec.data {
                prop_assert_eq!(&loaded.get::<Json>(key).unwrap(), &Some(value.clone()));
            }
            if let Some((key, profile)) = &spec.profile {
                prop_assert_eq!(&loaded.get::<Profile>(key).unwrap(), &Some(profile.clone()));
            }

            // Loaded and untouched: nothing to write.
            let mut untouched = loaded.clone();
            prop_assert!(store.save_at(&mut untouched, T0 + 2).unwrap().is_empty());

            // Flashes come back per bucket, in order, once.
            for (bucket, values) in &spec.flashes {
                prop_assert_eq!(&loaded.flashes_from::<Json>(bucket).unwrap(), values);
                prop_assert!(loaded.flashes_from::<Json>(bucket).unwrap().is_empty());
            }
            let after = store.save_at(&mut loaded, T0 + 2).unwrap();
            let mut jar = Jar::new();
            jar.apply(&lines);
            jar.apply(&after);
            let next = store.load_at([jar.header()], T0 + 3);
            if keys.is_empty() {
                prop_assert!(next.is_new(), "only flashes: the session is gone");
                prop_assert!(written(&after).is_empty());
            } else {
                prop_assert!(!next.is_new());
                prop_assert_eq!(next.id(), session.id());
                prop_assert_eq!(&next.keys().collect::<Vec<_>>(), &keys);
                let mut next = next;
                for bucket in spec.flashes.keys() {
                    prop_assert!(next.flashes_from::<Json>(bucket).unwrap().is_empty());
                }
            }
        }
    }
}

// ---- sizes ------------------------------------------------------------------

/// Saves a session holding `len` bytes of text under `store` and checks
/// every cookie-size invariant; returns the chunk count, or `None` if the
/// session is over the budget.
fn check_size(store: &CookieStore, len: usize) -> Result<Option<usize>, TestCaseError> {
    let value = "x".repeat(len);
    let mut session = store.load_at(None::<&str>, T0);
    session.insert("v", &value).unwrap();
    let lines = match store.save_at(&mut session, T0) {
        Ok(lines) => lines,
        Err(SaveError::TooLarge { needed, allowed }) => {
            prop_assert_eq!(allowed, store.size_limit());
            prop_assert!(needed > allowed);
            prop_assert!(session.is_new(), "a failed save changes nothing");
            return Ok(None);
        }
        Err(e) => return Err(TestCaseError::fail(format!("{e}"))),
    };
    let name = store.name();
    let cookies = written(&lines);
    let count = cookies.len();
    prop_assert!(count >= 1);
    prop_assert_eq!(count, session.cookie_count());
    let mut total = 0;
    let mut value_len = 0;
    for (index, cookie) in cookies.iter().enumerate() {
        prop_assert_eq!(&cookie.name, &chunk_name(name, index));
        // The exact bytes of `name=value` as sent, never over 4096.
        prop_assert!(
            cookie.name_value_len <= MAX_COOKIE_LEN,
            "{}",
            cookie.name_value_len
        );
        if index + 1 < count {
            prop_assert_eq!(cookie.name_value_len, MAX_COOKIE_LEN, "chunks are filled");
        }
        prop_assert!(!cookie.value.is_empty());
        total += cookie.name_value_len;
        value_len += cookie.value.len();
    }
    prop_assert!(total <= store.size_limit());
    prop_assert_eq!(value_len, session.sealed_len());
    // A fresh session: the request carried none of the store's cookies,
    // so there is nothing to delete.
    prop_assert!(deleted(&lines).is_empty());

    let loaded = store.load_at([cookie_header(&lines)], T0 + 1);
    prop_assert_eq!(loaded.load_error(), None);
    prop_assert_eq!(loaded.cookie_count(), count);
    prop_assert_eq!(loaded.get::<String>("v").unwrap(), Some(value));
    Ok(Some(count))
}

/// The chunk count a session of `len` bytes needs (`None`: over budget),
/// with every size invariant checked on the way.
fn count(store: &CookieStore, len: usize) -> Option<usize> {
    check_size(store, len).unwrap()
}

/// The smallest length in `lo..hi` whose count differs from `count(lo)`
/// (counts grow with the length).
fn next_boundary(store: &CookieStore, mut lo: usize, mut hi: usize) -> usize {
    let at_lo = count(store, lo);
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if count(store, mid) == at_lo {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    hi
}

#[test]
fn every_size_from_empty_to_past_three_chunks_round_trips() {
    // Checking all 12 400 lengths one by one takes minutes in a debug
    // build, so: every length near each chunk boundary and the budget's
    // edge, found by bisection, and a stride through the rest.
    let store = store("session", Algorithm::Xaes256Gcm, BUDGET);
    let top = 12_400;
    assert_eq!(count(&store, 0), Some(1));
    assert_eq!(
        count(&store, top),
        None,
        "the range reaches past the budget"
    );
    let mut boundaries = Vec::new();
    let mut lo = 0;
    while count(&store, lo).is_some() {
        let b = next_boundary(&store, lo, top);
        boundaries.push(b);
        lo = b;
    }
    // One chunk to two, two to three, three to four, four to over budget.
    assert_eq!(boundaries.len(), 4, "{boundaries:?}");
    assert_eq!(
        count(&store, boundaries[2]),
        Some(4),
        "past three chunks fits"
    );
    for (k, &b) in boundaries.iter().enumerate() {
        for len in b - 24..b + 24 {
            let expected = if len < b {
                Some(k + 1)
            } else if k < 3 {
                Some(k + 2)
            } else {
                None
            };
            assert_eq!(count(&store, len), expected, "length {len}");
        }
    }
    for len in (1..top).step_by(101) {
        let c = count(&store, len);
        let expected = boundaries.iter().filter(|&&b| len >= b).count() + 1;
        assert_eq!(c, (expected <= 4).then_some(expected), "length {len}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// The same invariants for any algorithm and any cookie name (names
    /// shorten the room per chunk).
    #[test]
    fn any_size_name_and_algorithm_stays_within_4096_per_cookie(
        len in 0usize..13_000,
        name in "[A-Za-z0-9_~!-]{1,64}",
        alg in select(Algorithm::ALL.to_vec()),
    ) {
        let store = store(&name, alg, BUDGET);
        let fits = check_size(&store, len)?;
        // Three full chunks' worth of text always fits this budget.
        if len <= 9_000 - name.len() * 3 {
            prop_assert!(fits.is_some(), "{} bytes did not fit", len);
        }
    }
}

// ---- tampering with chunks ----------------------------------------------------

#[derive(Clone, Debug)]
enum Tamper {
    /// Leave chunk `i` out; the rest keep their names (a gap, or fewer chunks).
    Drop(usize),
    /// Leave chunk `i` out and renumber the rest contiguously.
    DropRenumber(usize),
    /// Insert a copy of chunk `i` at position `j` (one chunk too many).
    Duplicate(usize, usize),
    /// Exchange two chunks' values.
    Swap(usize, usize),
    /// Any other order of the values.
    Reorder(Vec<usize>),
    /// Replace chunk `i` with chunk `i` of another session of the same store.
    Foreign(usize),
    /// Append chunk `i` as an extra, last chunk.
    Append(usize),
}

const CHUNKS: usize = 3;

fn tamper() -> impl Strategy<Value = Tamper> {
    let i = 0..CHUNKS;
    prop_oneof![
        i.clone().prop_map(Tamper::Drop),
        i.clone().prop_map(Tamper::DropRenumber),
        (i.clone(), 0..=CHUNKS).prop_map(|(i, j)| Tamper::Duplicate(i, j)),
        (i.clone(), 1..CHUNKS).prop_map(|(i, d)| Tamper::Swap(i, (i + d) % CHUNKS)),
        Just((0..CHUNKS).collect::<Vec<_>>())
            .prop_shuffle()
            .prop_filter("not the identity", |p| p
                .iter()
                .enumerate()
                .any(|(k, &v)| k != v))
            .prop_map(Tamper::Reorder),
        i.clone().prop_map(Tamper::Foreign),
        i.prop_map(Tamper::Append),
    ]
}

fn apply(tamper: &Tamper, name: &str, ours: &[String], theirs: &[String]) -> String {
    let pairs: Vec<(String, String)> = match tamper {
        Tamper::Drop(i) => ours
            .iter()
            .enumerate()
            .filter(|(k, _)| k != i)
            .map(|(k, v)| (chunk_name(name, k), v.clone()))
            .collect(),
        Tamper::DropRenumber(i) => ours
            .iter()
            .enumerate()
            .filter(|(k, _)| k != i)
            .enumerate()
            .map(|(k, (_, v))| (chunk_name(name, k), v.clone()))
            .collect(),
        Tamper::Duplicate(i, j) => {
            let mut values = ours.to_vec();
            values.insert(*j, ours[*i].clone());
            values
                .into_iter()
                .enumerate()
                .map(|(k, v)| (chunk_name(name, k), v))
                .collect()
        }
        Tamper::Swap(i, j) => {
            let mut values = ours.to_vec();
            values.swap(*i, *j);
            values
                .into_iter()
                .enumerate()
                .map(|(k, v)| (chunk_name(name, k), v))
                .collect()
        }
        Tamper::Reorder(order) => order
            .iter()
            .enumerate()
            .map(|(k, &from)| (chunk_name(name, k), ours[from].clone()))
            .collect(),
        Tamper::Foreign(i) => ours
            .iter()
            .enumerate()
            .map(|(k, v)| {
                let v = if k == *i { &theirs[k] } else { v };
                (chunk_name(name, k), v.clone())
            })
            .collect(),
        Tamper::Append(i) => ours
            .iter()
            .chain([&ours[*i]])
            .enumerate()
            .map(|(k, v)| (chunk_name(name, k), v.clone()))
            .collect(),
    };
    pairs
        .iter()
        .map(|(n, v)| format!("{n}={v}"))
        .collect::<Vec<_>>()
        .join("; ")
}

fn sealed_chunks(store: &CookieStore, fill: char, len: usize) -> Vec<String> {
    let mut session = store.load_at(None::<&str>, T0);
    session.insert("v", &fill.to_string().repeat(len)).unwrap();
    let lines = store.save_at(&mut session, T0).unwrap();
    written(&lines).into_iter().map(|c| c.value).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// A load with any chunk dropped, duplicated, reordered, or swapped with
    /// another session's gives a fresh session and `Invalid`; chunks
    /// appended after the intact ones are ignored and the session opens as
    /// it was sealed. Never anything else.
    #[test]
    fn tampered_chunks_never_open(
        tamper in tamper(),
        len in 7_000usize..9_000,
        alg in select(Algorithm::ALL.to_vec()),
    ) {
        let store = store("session", alg, BUDGET);
        let ours = sealed_chunks(&store, 'a', len);
        let theirs = sealed_chunks(&store, 'b', len);
        prop_assert_eq!(ours.len(), CHUNKS);
        prop_assert_eq!(theirs.len(), CHUNKS);

        let intact = apply(&Tamper::Reorder(vec![0, 1, 2]), "session", &ours, &theirs);
        prop_assert!(!store.load_at([&intact], T0 + 1).is_new(), "the intact chunks open");

        let header = apply(&tamper, "session", &ours, &theirs);
        let session = store.load_at([&header], T0 + 1);
        // Chunk 0's header says how many chunks to read: a copy appended
        // after the intact chunks is an index the reader never looks at.
        let extra_after_intact = header.starts_with(&format!("{intact}; "));
        if extra_after_intact {
            prop_assert!(!session.is_new(), "{:?}: the intact chunks open", tamper);
            prop_assert_eq!(session.get::<String>("v").unwrap(), Some("a".repeat(len)));
        } else {
            prop_assert!(session.is_new(), "{:?} opened", tamper);
            prop_assert_eq!(session.load_error(), Some(LoadError::Invalid));
            prop_assert!(session.is_empty());
            prop_assert!(session.get::<String>("v").unwrap().is_none());
        }
    }
}

// ---- request sequences against a model ----------------------------------------

#[derive(Clone, Debug)]
enum Op {
    Insert(u8, i64),
    Remove(u8),
    AddFlash(String),
    TakeFlashes,
    Clear,
    RegenerateId,
    Destroy,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0u8..4, -2i64..3).prop_map(|(k, v)| Op::Insert(k, v)),
        2 => (0u8..4).prop_map(Op::Remove),
        2 => "[a-z]{0,6}".prop_map(Op::AddFlash),
        2 => Just(Op::TakeFlashes),
        1 => Just(Op::Clear),
        1 => Just(Op::RegenerateId),
        1 => Just(Op::Destroy),
    ]
}

/// What the session should hold, tracked independently of the crate.
#[derive(Default)]
struct Model {
    data: BTreeMap<String, i64>,
    flashes: Vec<String>,
}

impl Model {
    fn is_empty(&self) -> bool {
        self.data.is_empty() && self.flashes.is_empty()
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Requests that change the session in arbitrary ways, each loading
    /// what the previous response left in the browser: every change is
    /// saved, nothing unchanged is written, flashes come back exactly once,
    /// and an emptied session leaves no cookie behind.
    #[test]
    fn request_sequences_match_a_model(
        requests in prop::collection::vec(prop::collection::vec(op(), 0..5), 1..10),
    ) {
        let store = store("session", Algorithm::Xaes256Gcm, DEFAULT_BUDGET);
        let mut jar = Jar::new();
        let mut model = Model::default();
        let mut saved_id = None;
        for (n, ops) in requests.iter().enumerate() {
            let now = T0 + 10 * n as u64;
            let mut session = store.load_at([jar.header()], now);
            prop_assert_eq!(session.load_error(), None);
            prop_assert_eq!(session.is_new(), model.is_empty());
            if !model.is_empty() {
                prop_assert_eq!(Some(session.id()), saved_id);
            }
            let data: BTreeMap<String, i64> = session
                .keys()
                .map(|k| (k.to_owned(), session.get(k).unwrap().unwrap()))
                .collect();
            prop_assert_eq!(&data, &model.data);

            let mut changed = false;
            for op in ops {
                match op {
                    Op::Insert(k, v) => {
                        let key = format!("k{k}");
                        changed |= model.data.insert(key.clone(), *v) != Some(*v);
                        session.insert(&key, v).unwrap();
                    }
                    Op::Remove(k) => {
                        let key = format!("k{k}");
                        let was = model.data.remove(&key).is_some();
                        changed |= was;
                        prop_assert_eq!(session.remove(&key), was);
                    }
                    Op::AddFlash(text) => {
                        model.flashes.push(text.clone());
                        changed = true;
                        session.add_flash(text).unwrap();
                    }
                    Op::TakeFlashes => {
                        let expected = std::mem::take(&mut model.flashes);
                        changed |= !expected.is_empty();
                        prop_assert_eq!(session.flashes::<String>().unwrap(), expected);
                    }
                    Op::Clear => {
                        changed |= !model.is_empty();
                        model = Model::default();
                        session.clear();
                    }
                    Op::RegenerateId | Op::Destroy => {
                        let before = session.id();
                        if matches!(op, Op::Destroy) {
                            model = Model::default();
                            session.destroy();
                        } else {
                            session.regenerate_id();
                        }
                        prop_assert_ne!(session.id(), before);
                        changed = true;
                    }
                }
            }
            prop_assert_eq!(session.is_modified(), changed);

            let had_cookie = !jar.0.is_empty();
            let lines = store.save_at(&mut session, now).unwrap();
            jar.apply(&lines);
            if model.is_empty() {
                prop_assert!(jar.0.is_empty(), "an empty session leaves no cookie");
                prop_assert_eq!(lines.is_empty(), !had_cookie);
            } else if changed {
                prop_assert!(!written(&lines).is_empty(), "a change must be written");
                saved_id = Some(session.id());
            } else {
                prop_assert!(lines.is_empty(), "nothing changed, nothing written");
            }
        }
    }
}
