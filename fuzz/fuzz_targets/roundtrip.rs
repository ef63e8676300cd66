//! Arbitrary sessions through save then load, under each algorithm: the
//! loaded session is exactly the saved one (times, id, data, flashes,
//! max-age). A value the session accepts and a save seals must load back.
#![no_main]

use std::sync::LazyLock;
use std::time::Duration;

use arbitrary::Arbitrary;
use ciborium::Value;
use libfuzzer_sys::fuzz_target;
use sealed_session::{__private, Algorithm, CookieStore, SaveError};

mod common;

/// One store per algorithm, with a budget of several chunks.
static STORES: LazyLock<Vec<CookieStore>> = LazyLock::new(|| {
    Algorithm::ALL
        .iter()
        .map(|alg| {
            CookieStore::builder(common::NAME, common::keyring(*alg)).allow_non_host_name()
                .with_size_limit(24 * 1024).allow_large_cookie_header()
                .build()
                .expect("store")
        })
        .collect()
});

#[derive(Arbitrary, Debug)]
enum V {
    Null,
    Bool(bool),
    U(u64),
    I(i64),
    F(f64),
    F32(f32),
    Text(String),
    Bytes(Vec<u8>),
    Array(Vec<V>),
    Map(Vec<(V, V)>),
    Tag(u64, Box<V>),
}

impl V {
    fn value(&self) -> Value {
        match self {
            V::Null => Value::Null,
            V::Bool(b) => Value::Bool(*b),
            V::U(n) => Value::Integer((*n).into()),
            V::I(n) => Value::Integer((*n).into()),
            V::F(f) => Value::Float(*f),
            V::F32(f) => Value::Float(f64::from(*f)),
            V::Text(s) => Value::Text(s.clone()),
            V::Bytes(b) => Value::Bytes(b.clone()),
            V::Array(items) => Value::Array(items.iter().map(V::value).collect()),
            V::Map(entries) => Value::Map(
                entries
                    .iter()
                    .map(|(k, v)| (k.value(), v.value()))
                    .collect(),
            ),
            V::Tag(t, v) => Value::Tag(*t, Box::new(v.value())),
        }
    }
}

#[derive(Arbitrary, Debug)]
struct Input {
    algorithm: u8,
    data: Vec<(String, V)>,
    flashes: Vec<(String, V)>,
    remove: Vec<String>,
    max_age_secs: Option<u32>,
    regenerate_id: bool,
    /// Seconds after `NOW` at which the cookie comes back.
    later: u16,
}

fuzz_target!(|input: Input| {
    let store = &STORES[usize::from(input.algorithm) % STORES.len()];
    let mut session = __private::load_at(store, None::<&str>, common::NOW);
    for (key, v) in &input.data {
        // Whatever `insert` accepts must round-trip; refusing is allowed.
        let _ = session.insert(key, &v.value());
    }
    for (bucket, v) in &input.flashes {
        let _ = session.add_flash_to(bucket, &v.value());
    }
    for key in &input.remove {
        session.remove(key);
    }
    if let Some(secs) = input.max_age_secs {
        session.set_max_age(Duration::from_secs(u64::from(secs)));
    }
    if input.regenerate_id {
        session.regenerate_id();
    }
    let lines = match __private::save_at(store, &mut session, common::NOW) {
        Ok(lines) => lines,
        Err(SaveError::TooLarge { needed, allowed }) => {
            assert!(needed > allowed);
            return;
        }
        Err(e) => panic!("save failed: {e}"),
    };
    let cookies: Vec<&str> = lines
        .iter()
        .filter_map(|l| l.split(';').next())
        .filter(|p| !p.ends_with('='))
        .collect();
    let header = cookies.join("; ");
    let now = common::NOW + u64::from(input.later);
    let loaded = __private::load_at(store, [header.as_str()], now);
    if session.is_empty() {
        assert!(cookies.is_empty() && common::is_fresh(&loaded));
        return;
    }
    let expired =
        session.expires_at() < std::time::UNIX_EPOCH + Duration::from_secs(now.saturating_sub(60));
    if expired {
        assert!(loaded.is_new(), "an expired session loaded");
        return;
    }
    assert!(
        !loaded.is_new(),
        "a saved session did not load: {:?}",
        loaded.load_error()
    );
    assert_eq!(
        __private::session_state(&loaded),
        __private::session_state(&session)
    );
    assert_eq!(loaded.id(), session.id());
    assert_eq!(loaded.cookie_count(), cookies.len());
});
