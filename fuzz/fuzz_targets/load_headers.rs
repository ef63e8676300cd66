//! Arbitrary `Cookie` header values, mixed with the real chunks of two real
//! sessions, into `CookieStore::load`: never panics, and the session is one
//! of the two real ones (exactly) or a fresh one, never anything else.
#![no_main]

use std::sync::LazyLock;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use sealed_session::{__private, CookieStore};

mod common;
use common::Sealed;

struct World {
    store: CookieStore,
    /// Two real two-chunk sessions of the store.
    sessions: [Sealed; 2],
}

static WORLD: LazyLock<World> = LazyLock::new(|| {
    let store = common::store(common::keyring(sealed_session::Algorithm::Xaes256Gcm));
    let sessions = [
        Sealed::new(&store, "alice", 4000),
        Sealed::new(&store, "bob", 4100),
    ];
    assert!(sessions.iter().all(|s| s.pairs.len() == 2));
    World { store, sessions }
});

/// Names worth trying: ours, near-misses of ours, and others.
const NAMES: &[&str] = &[
    "s", "s.1", "s.2", "S", "s.0", "s.01", "s.+1", "s ", " s.1", "s\t", "s.1.", "x", "",
];
/// Header bytes built per field before the rest of the input is ignored.
const MAX_HEADER: usize = 32 * 1024;
const SEPARATORS: &[&str] = &["; ", ";", "", " ", ", ", ";;", "=", "\t;"];

#[derive(Arbitrary, Debug)]
enum Value {
    /// The value of chunk `index` of real session `session`.
    Chunk { session: bool, index: bool },
    /// A prefix of such a value.
    Prefix {
        session: bool,
        index: bool,
        len: u16,
    },
    /// Anything.
    Raw(String),
}

#[derive(Arbitrary, Debug)]
enum Part {
    /// A real cookie of a real session, unchanged.
    Real { session: bool, index: bool },
    /// A name from `NAMES` with a value.
    Pair { name: u8, value: Value },
    /// Anything at all.
    Raw(String),
}

#[derive(Arbitrary, Debug)]
struct Header {
    parts: Vec<(Part, u8)>,
}

fn value(v: &Value, w: &World) -> String {
    let chunk = |s: bool, i: bool| {
        let pair = &w.sessions[usize::from(s)].pairs[usize::from(i)];
        pair.split_once('=').map_or("", |(_, v)| v).to_owned()
    };
    match v {
        Value::Chunk { session, index } => chunk(*session, *index),
        Value::Prefix {
            session,
            index,
            len,
        } => {
            let c = chunk(*session, *index);
            c.get(..usize::from(*len).min(c.len()))
                .unwrap_or_default()
                .to_owned()
        }
        Value::Raw(s) => s.clone(),
    }
}

fuzz_target!(|headers: Vec<Header>| {
    let w = &*WORLD;
    let texts: Vec<String> = headers
        .iter()
        .map(|h| {
            let mut out = String::new();
            for (part, sep) in &h.parts {
                match part {
                    Part::Real { session, index } => {
                        out.push_str(&w.sessions[usize::from(*session)].pairs[usize::from(*index)]);
                    }
                    Part::Pair { name, value: v } => {
                        out.push_str(NAMES[usize::from(*name) % NAMES.len()]);
                        out.push('=');
                        out.push_str(&value(v, w));
                    }
                    Part::Raw(s) => out.push_str(s),
                }
                out.push_str(SEPARATORS[usize::from(*sep) % SEPARATORS.len()]);
                // Past a few copies of every chunk, a longer header adds no
                // new case, only time (a 4-byte input can name a 4 KB chunk).
                if out.len() > MAX_HEADER {
                    break;
                }
            }
            out
        })
        .collect();
    let session = __private::load_at(&w.store, &texts, common::NOW);
    if common::is_fresh(&session) {
        return;
    }
    let state = __private::session_state(&session);
    assert!(
        w.sessions.iter().any(|s| s.state == state),
        "loaded a session that is neither real one nor fresh"
    );
    assert!(session.load_error().is_none() && !session.is_new());
});
