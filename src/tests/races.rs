//! Racing responses: two requests of one client start from the same
//! cookies and the browser applies their responses in either order. A save
//! deletes only the store's cookies its request carried, so the extra
//! chunks of the longer response can outlive a shorter one that arrives
//! later. Such orphans must never open (the session is always the one the
//! last writing response sealed, with no load error), must not accumulate
//! (after a round the browser holds only that round's chunks), and go with
//! the next write from a request that carries them.

use std::collections::BTreeSet;

use proptest::collection::vec;
use proptest::prelude::*;

use super::jar::{Jar, T0, keyring, written};
use crate::{Algorithm, CookieStore, SaveError, Session};

/// Room for five chunks under `session`.
const BUDGET: usize = 20 * 1024;

fn store() -> CookieStore {
    CookieStore::builder("session", keyring(Algorithm::Xaes256Gcm, 3))
        .allow_non_host_name()
        .with_size_limit(BUDGET)
        .allow_large_cookie_header()
        .build()
        .unwrap()
}

/// One tab's request: `Some(len)` writes a note of `len` characters
/// (`fill` repeated), `None` leaves the session alone. Returns the lines
/// sent and the chunk count written (0: nothing written).
fn tab(
    store: &CookieStore,
    header: &str,
    now: u64,
    note: Option<(char, usize)>,
) -> (Vec<String>, usize) {
    let mut session = store.load_at([header], now);
    assert_eq!(session.load_error(), None, "{header:.80}");
    let Some((fill, len)) = note else {
        return (store.save_at(&mut session, now).unwrap(), 0);
    };
    session
        .insert("note", &fill.to_string().repeat(len))
        .unwrap();
    match store.save_at(&mut session, now) {
        Ok(lines) => {
            let n = written(&lines).len();
            (lines, n)
        }
        // Too large: the response carries no Set-Cookie at all.
        Err(SaveError::TooLarge { .. }) => (Vec::new(), 0),
        Err(e) => panic!("{e}"),
    }
}

fn names(n: usize) -> BTreeSet<String> {
    (0..n)
        .map(|i| {
            if i == 0 {
                "session".to_owned()
            } else {
                format!("session.{i}")
            }
        })
        .collect()
}

fn note_of(session: &Session) -> Option<String> {
    session.get::<String>("note").unwrap()
}

fn round() -> impl Strategy<Value = (Option<usize>, Option<usize>, bool)> {
    let note = prop_oneof![1 => Just(None), 4 => (1usize..16_000).prop_map(Some)];
    (note.clone(), note, any::<bool>())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn orphans_of_racing_responses_never_open_or_accumulate(rounds in vec(round(), 1..6)) {
        let store = store();
        let mut jar = Jar::new();
        let mut expected_note: Option<String> = None;
        for (k, (a, b, a_first)) in rounds.into_iter().enumerate() {
            let now = T0 + 10 * k as u64;
            let header = jar.header();
            let (lines_a, n_a) = tab(&store, &header, now, a.map(|l| ('a', l)));
            let (lines_b, n_b) = tab(&store, &header, now, b.map(|l| ('b', l)));
            let ((first, n_first, first_fill), (last, n_last, last_fill)) = if a_first {
                ((lines_a, n_a, 'a'), (lines_b, n_b, 'b'))
            } else {
                ((lines_b, n_b, 'b'), (lines_a, n_a, 'a'))
            };
            let len_of = |fill| if fill == 'a' { a } else { b };
            jar.apply(&first);
            jar.apply(&last);

            // The session is the last writing response's, and opens cleanly.
            let winner = if n_last > 0 { Some(last_fill) } else if n_first > 0 { Some(first_fill) } else { None };
            if let Some(fill) = winner {
                expected_note = len_of(fill).map(|len| fill.to_string().repeat(len));
            }
            let loaded = store.load_at([jar.header()], now + 1);
            prop_assert_eq!(loaded.load_error(), None);
            prop_assert_eq!(note_of(&loaded), expected_note.clone());

            // Each writer wrote its chunks and deleted the others its request
            // carried: what is left beyond the last writer's chunks is the
            // other response's, never anything older than this round.
            let held: BTreeSet<String> = jar.0.keys().cloned().collect();
            let before: BTreeSet<String> = header
                .split("; ")
                .filter_map(|p| p.split_once('=').map(|(n, _)| n.to_owned()))
                .collect();
            let after_first = if n_first > 0 { names(n_first) } else { before.clone() };
            let model = if n_last > 0 {
                let orphans = after_first.difference(&before).cloned();
                names(n_last).into_iter().chain(orphans).collect()
            } else {
                after_first
            };
            prop_assert_eq!(&held, &model);
            if n_first > 0 || n_last > 0 {
                prop_assert!(held.is_subset(&names(n_first.max(n_last))));
            }
        }
        // One write from a request that carries the orphans removes them.
        let header = jar.header();
        let (lines, n) = tab(&store, &header, T0 + 1000, Some(('z', 10)));
        jar.apply(&lines);
        prop_assert_eq!(jar.0.keys().cloned().collect::<BTreeSet<_>>(), names(n));
    }
}
