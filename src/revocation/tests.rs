//! The local copy against a plain model (random histories of sign-outs,
//! denials and checks, time injected), and the in-process backend through
//! the public API with a real store.

use std::time::{Duration, SystemTime};

use proptest::prelude::*;

use super::copy::{Change, LocalCopy};
use super::{RevocationError, RevocationList, RevocationOptions};
use crate::{CookieStore, Keyring, LoadError, SessionId};

const T0: u64 = 1_800_000_000;
const LIFETIME: u64 = 3600;

fn expiry(at: u64) -> u64 {
    at + LIFETIME
}

#[derive(Clone, Debug)]
enum Op {
    SignOut {
        user: u8,
        at: u64,
    },
    Deny {
        id: u8,
        until: u64,
    },
    Check {
        id: u8,
        user: Option<u8>,
        issued_at: u64,
        now: u64,
    },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0u8..4, 0u64..3 * LIFETIME).prop_map(|(user, dt)| Op::SignOut { user, at: T0 + dt }),
        (0u8..4, 0u64..3 * LIFETIME).prop_map(|(id, dt)| Op::Deny { id, until: T0 + dt }),
        (
            0u8..4,
            proptest::option::of(0u8..4),
            0u64..3 * LIFETIME,
            0u64..3 * LIFETIME
        )
            .prop_map(|(id, user, issued, now)| Op::Check {
                id,
                user,
                issued_at: T0 + issued,
                now: T0 + now,
            }),
    ]
}

proptest! {
    /// Whatever the order (writes late, duplicated, out of time order),
    /// the copy answers as the model: revoked iff some sign-out of the
    /// user after the session's issue time is still within its window, or
    /// some denial of the id is still running. The model never expires a
    /// sign-out early, so a copy that dropped one too soon fails.
    #[test]
    fn the_copy_answers_like_the_model(ops in proptest::collection::vec(op(), 1..60)) {
        let copy = LocalCopy::default();
        let mut sign_outs: Vec<(u8, u64)> = Vec::new();
        let mut denials: Vec<(u8, u64)> = Vec::new();
        // Writes are applied at T0 (as an instance that received them
        // then); the checks ask at any time.
        for op in ops {
            match op {
                Op::SignOut { user, at } => {
                    copy.apply(Change::ValidFrom { user: user.to_string().into(), valid_from: at }, expiry, T0);
                    sign_outs.push((user, at));
                }
                Op::Deny { id, until } => {
                    copy.apply(Change::Deny { id: SessionId([id; 16]), until }, expiry, T0);
                    denials.push((id, until));
                }
                Op::Check { id, user, issued_at, now } => {
                    // A session is live only until issued_at + LIFETIME;
                    // the copy owes an answer for live sessions only.
                    if now >= issued_at + LIFETIME || issued_at > now {
                        continue;
                    }
                    let denied = denials.iter().any(|&(d, until)| d == id && now < until);
                    let signed_out = user.is_some_and(|u| {
                        sign_outs.iter().any(|&(s, at)| s == u && issued_at < at)
                    });
                    let name = user.map(|u| u.to_string());
                    prop_assert_eq!(
                        copy.is_revoked(SessionId([id; 16]), name.as_deref(), issued_at, now),
                        denied || signed_out
                    );
                }
            }
        }
    }

    /// A reload (all changes at once, in any order) gives the same state as
    /// the changes one by one, and never forgets what the copy held.
    #[test]
    fn a_reload_merges(ops in proptest::collection::vec(op(), 1..40), split in 0usize..40) {
        let changes: Vec<Change> = ops.iter().filter_map(|op| match *op {
            Op::SignOut { user, at } => Some(Change::ValidFrom { user: user.to_string().into(), valid_from: at }),
            Op::Deny { id, until } => Some(Change::Deny { id: SessionId([id; 16]), until }),
            Op::Check { .. } => None,
        }).collect();
        let one_by_one = LocalCopy::default();
        for c in &changes {
            one_by_one.apply(c.clone(), expiry, T0);
        }
        let merged = LocalCopy::default();
        let split = split.min(changes.len());
        for c in &changes[..split] {
            merged.apply(c.clone(), expiry, T0);
        }
        // The reload carries only the rest, reversed.
        merged.apply_all(changes[split..].iter().rev().cloned(), expiry, T0);
        for user in 0u8..4 {
            prop_assert_eq!(one_by_one.valid_from(&user.to_string()), merged.valid_from(&user.to_string()));
        }
        for id in 0u8..4 {
            for issued in [T0, T0 + LIFETIME, T0 + 2 * LIFETIME] {
                prop_assert_eq!(
                    one_by_one.is_revoked(SessionId([id; 16]), None, issued, T0 + 1),
                    merged.is_revoked(SessionId([id; 16]), None, issued, T0 + 1)
                );
            }
        }
    }
}

#[test]
fn expired_entries_are_dropped_from_the_copy() {
    let copy = LocalCopy::default();
    copy.apply(
        Change::ValidFrom {
            user: "a".into(),
            valid_from: T0,
        },
        expiry,
        T0,
    );
    copy.apply(
        Change::Deny {
            id: SessionId([1; 16]),
            until: T0 + 10,
        },
        expiry,
        T0,
    );
    assert_eq!(copy.len(), 2);
    // Already expired when it arrives: not added.
    copy.apply(
        Change::ValidFrom {
            user: "old".into(),
            valid_from: T0 - LIFETIME,
        },
        expiry,
        T0,
    );
    assert_eq!(copy.valid_from("old"), None);
    // A reload after the window sweeps both.
    copy.apply_all([], expiry, T0 + LIFETIME);
    assert_eq!(copy.len(), 0);
}

fn store(list: &RevocationList) -> CookieStore {
    let config = Keyring::generate_entry(crate::Algorithm::default()).unwrap();
    CookieStore::builder("__Host-s", Keyring::from_config(&config).unwrap())
        .with_revocation_check(list.check(|s| s.get::<String>("user").ok().flatten()))
        .build()
        .unwrap()
}

fn cookie(store: &CookieStore, session: &mut crate::Session) -> String {
    store.save(session).unwrap()[0]
        .split(';')
        .next()
        .unwrap()
        .to_owned()
}

#[test]
fn in_process_sign_out_and_deny_through_a_store() {
    let list = RevocationList::in_process(RevocationOptions::new(Duration::from_secs(LIFETIME)));
    let store = store(&list);
    let mut alice = store.load(None::<&str>);
    alice.insert("user", "alice").unwrap();
    let alice_cookie = cookie(&store, &mut alice);
    let mut bob = store.load(None::<&str>);
    bob.insert("user", "bob").unwrap();
    let bob_cookie = cookie(&store, &mut bob);
    let mut anon = store.load(None::<&str>);
    anon.insert("cart", &3).unwrap();
    let anon_cookie = cookie(&store, &mut anon);

    let later = SystemTime::now() + Duration::from_secs(1);
    pollster::block_on(list.sign_out_everywhere("alice", later)).unwrap();
    assert_eq!(
        store.load(Some(alice_cookie.as_str())).load_error(),
        Some(LoadError::Invalid)
    );
    assert_eq!(store.load(Some(bob_cookie.as_str())).load_error(), None);
    assert_eq!(store.load(Some(anon_cookie.as_str())).load_error(), None);
    // An earlier sign-out does not move the time back.
    pollster::block_on(list.sign_out_everywhere("alice", SystemTime::UNIX_EPOCH)).unwrap();
    assert_eq!(
        store.load(Some(alice_cookie.as_str())).load_error(),
        Some(LoadError::Invalid)
    );

    // Denying one session (the id `destroy` returns) refuses its copies only.
    let until = anon.expires_at();
    let old = anon.destroy();
    pollster::block_on(list.deny(old, until)).unwrap();
    assert_eq!(
        store.load(Some(anon_cookie.as_str())).load_error(),
        Some(LoadError::Invalid)
    );
    assert_eq!(store.load(Some(bob_cookie.as_str())).load_error(), None);
    assert_eq!(list.status().entries, 2);
    assert_eq!(store.stats().revoked, 3);
}

#[test]
fn a_sign_out_at_now_keeps_sessions_of_the_same_second_and_later() {
    let list = RevocationList::in_process(RevocationOptions::default());
    let store = store(&list);
    pollster::block_on(list.sign_out_everywhere("alice", SystemTime::now())).unwrap();
    // A fresh login right after the sign-out works.
    let mut again = store.load(None::<&str>);
    again.insert("user", "alice").unwrap();
    let c = cookie(&store, &mut again);
    assert_eq!(store.load(Some(c.as_str())).load_error(), None);
}

#[test]
fn one_time_tokens_are_consumed_once() {
    let list = RevocationList::in_process(RevocationOptions::default());
    let ttl = Duration::from_secs(60);
    assert_eq!(pollster::block_on(list.consume_once("t1", ttl)), Ok(true));
    assert_eq!(pollster::block_on(list.consume_once("t1", ttl)), Ok(false));
    assert_eq!(pollster::block_on(list.consume_once("t2", ttl)), Ok(true));
    // A clone shares the state.
    assert_eq!(
        pollster::block_on(list.clone().consume_once("t2", ttl)),
        Ok(false)
    );
    assert_eq!(
        pollster::block_on(list.consume_once("", ttl)),
        Err(RevocationError::EmptyKey)
    );
    assert_eq!(
        pollster::block_on(list.consume_once("t3", Duration::ZERO)),
        Err(RevocationError::ZeroTtl)
    );
    let long = "x".repeat(super::MAX_KEY_LEN + 1);
    assert_eq!(
        pollster::block_on(list.consume_once(&long, ttl)),
        Err(RevocationError::InvalidKey)
    );
}

#[test]
fn bad_user_names_are_refused_and_record_nothing() {
    let list = RevocationList::in_process(RevocationOptions::default());
    let now = SystemTime::now();
    for (user, err) in [
        ("", RevocationError::EmptyKey),
        ("a\nb", RevocationError::InvalidKey),
        (
            &*"u".repeat(super::MAX_KEY_LEN + 1),
            RevocationError::InvalidKey,
        ),
    ] {
        assert_eq!(
            pollster::block_on(list.sign_out_everywhere(user, now)),
            Err(err)
        );
    }
    assert_eq!(list.status().entries, 0);
    // Spaces and non-ASCII are fine.
    pollster::block_on(list.sign_out_everywhere("Zoë Smith", now)).unwrap();
    assert!(list.valid_from("Zoë Smith").is_some());
}

#[test]
fn debug_shows_the_backend_and_status() {
    let list = RevocationList::in_process(RevocationOptions::default());
    let text = format!("{list:?}");
    assert!(text.contains("in process"), "{text}");
}
