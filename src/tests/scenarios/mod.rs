//! Scenario tests: the behaviours users of gorilla/sessions, gin-contrib and
//! hertz-contrib rely on (and the bugs they keep filing), replayed request by
//! request against a simulated browser jar with injected time.

use std::collections::BTreeSet;
use std::time::{Duration, UNIX_EPOCH};

use super::jar::{Jar, T0, deleted, key_bytes, keyring, pair, parse, parse_all, written};
use crate::{
    Algorithm, CookieStore, CookieStoreBuilder, HeaderUpdate, Keyring, LoadError, SameSite,
    SaveError, Session, StoreError,
};

const DAY: u64 = 24 * 3600;

/// A store with no clock-skew allowance, so every expiry in these tests is
/// exact to the second.
fn builder(name: &str) -> CookieStoreBuilder {
    CookieStore::builder(name, keyring(Algorithm::Xaes256Gcm, 1))
        .allow_non_host_name()
        .with_clock_skew(Duration::ZERO)
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

mod config;
mod cookies;
mod lifetimes;
mod session_life;
