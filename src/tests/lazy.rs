//! The lazy data path through the store: values opened as bytes and read on
//! demand, untouched values saved as they arrived, new lifetimes committed
//! only after a successful seal.

use std::time::Duration;

use ciborium::Value;
use serde::ser::{Serialize, SerializeSeq, Serializer};

use super::jar::{Jar, T0, keyring};
use crate::{Algorithm, CookieStore, SaveError, Session};

fn store() -> CookieStore {
    CookieStore::builder("s", keyring(Algorithm::Xaes256Gcm, 7))
        .allow_non_host_name()
        .with_clock_skew(Duration::ZERO)
        .build()
        .unwrap()
}

fn reload(store: &CookieStore, session: &mut Session, jar: &mut Jar, now: u64) -> Session {
    jar.apply(&store.save_at(session, now).unwrap());
    store.load_at([jar.header()], now)
}

/// A sequence that does not say its length up front (as `collect_seq` of a
/// filtered iterator does): `ciborium` writes it with an indefinite length,
/// which the payload format refuses, so it is stored with a definite one.
struct Unsized(Vec<u32>);

impl Serialize for Unsized {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(None)?;
        for v in &self.0 {
            seq.serialize_element(v)?;
        }
        seq.end()
    }
}

#[test]
fn values_without_a_length_up_front_are_stored_definite() {
    let store = store();
    let mut jar = Jar::new();
    let mut s = store.load_at([jar.header()], T0);
    s.insert("seq", &Unsized(vec![1, 2, 3])).unwrap();
    s.add_flash(&Unsized(vec![4])).unwrap();
    let mut again = reload(&store, &mut s, &mut jar, T0);
    assert!(!again.is_new());
    assert_eq!(again.get::<Vec<u32>>("seq").unwrap(), Some(vec![1, 2, 3]));
    assert_eq!(again.flashes::<Vec<u32>>().unwrap(), [vec![4]]);
}

#[test]
fn untouched_values_are_saved_as_the_bytes_they_arrived_as() {
    let store = store();
    let mut jar = Jar::new();
    let mut s = store.load_at([jar.header()], T0);
    s.insert("user", "alice").unwrap();
    s.insert("nan", &f64::NAN).unwrap();
    s.insert("tag", &Value::Tag(1, Box::new(Value::from(5))))
        .unwrap();
    s.add_flash("hello").unwrap();
    let mut opened = reload(&store, &mut s, &mut jar, T0);
    let before: Vec<(String, Vec<u8>)> = opened
        .payload
        .entries()
        .map(|(k, v)| (k.to_owned(), v.to_vec()))
        .collect();
    // The same values again: nothing changed, nothing to write.
    opened.insert("user", "alice").unwrap();
    opened.insert("nan", &f64::NAN).unwrap();
    assert!(!opened.is_modified());
    assert!(store.save_at(&mut opened, T0 + 1).unwrap().is_empty());
    // Another key: the others travel as they were.
    opened.insert("new", &1u8).unwrap();
    assert!(opened.is_modified());
    let again = reload(&store, &mut opened, &mut jar, T0 + 1);
    let after: Vec<(String, Vec<u8>)> = again
        .payload
        .entries()
        .filter(|(k, _)| *k != "new")
        .map(|(k, v)| (k.to_owned(), v.to_vec()))
        .collect();
    assert_eq!(after, before);
    assert_eq!(
        again.keys().collect::<Vec<_>>(),
        ["nan", "new", "tag", "user"]
    );
    assert_eq!(
        again.get::<Value>("tag").unwrap(),
        Some(Value::Tag(1, Box::new(Value::from(5))))
    );
    // Read errors name the stored kind from the value's head.
    let err = again.get::<u8>("user").unwrap_err();
    assert_eq!(
        err.to_string(),
        "session value \"user\": a stored text cannot be read as u8"
    );
    let err = again.get::<String>("nan").unwrap_err();
    assert!(err.to_string().contains("a stored float"), "{err}");
}

#[test]
fn a_loaded_session_reads_and_changes_independently_of_its_clone() {
    let store = store();
    let mut jar = Jar::new();
    let mut s = store.load_at([jar.header()], T0);
    s.insert("a", &1u8).unwrap();
    s.add_flash_to("b", "x").unwrap();
    let opened = reload(&store, &mut s, &mut jar, T0);
    let mut copy = opened.clone();
    copy.insert("a", &2u8).unwrap();
    copy.add_flash_to("b", "y").unwrap();
    assert!(copy.remove("a"));
    assert_eq!(opened.get::<u8>("a").unwrap(), Some(1));
    let mut reader = opened.clone();
    assert_eq!(reader.flashes_from::<String>("b").unwrap(), ["x"]);
    assert_eq!(copy.flashes_from::<String>("b").unwrap(), ["x", "y"]);
    // Debug shows keys, never values.
    let debug = format!("{opened:?}");
    assert!(
        debug.contains("\"a\"") && !debug.contains("\"x\""),
        "{debug}"
    );
}

#[test]
fn a_failed_seal_commits_no_lifetimes() {
    let store = CookieStore::builder("s", keyring(Algorithm::Xaes256Gcm, 7))
        .allow_non_host_name()
        .with_clock_skew(Duration::ZERO)
        .with_idle_timeout(Duration::from_secs(3600))
        .build()
        .unwrap();
    let mut jar = Jar::new();
    let mut s = store.load_at([jar.header()], T0);
    s.insert("a", &1u8).unwrap();
    let mut opened = reload(&store, &mut s, &mut jar, T0);
    let (issued, expires, idle) = (
        opened.issued_at(),
        opened.expires_at(),
        opened.idle_deadline(),
    );
    opened.insert("big", &"x".repeat(20_000)).unwrap();
    let err = store.save_at(&mut opened, T0 + 100).unwrap_err();
    assert!(matches!(err, SaveError::TooLarge { .. }), "{err}");
    assert_eq!(opened.issued_at(), issued);
    assert_eq!(opened.expires_at(), expires);
    assert_eq!(opened.idle_deadline(), idle);
    assert!(opened.is_modified());
    // Once it fits again, the new lifetimes are sealed and committed.
    assert!(opened.remove("big"));
    let lines = store.save_at(&mut opened, T0 + 100).unwrap();
    assert!(!lines.is_empty());
    assert_ne!(opened.idle_deadline(), idle);
    jar.apply(&lines);
    let again = store.load_at([jar.header()], T0 + 100);
    assert_eq!(again.idle_deadline(), opened.idle_deadline());
}
