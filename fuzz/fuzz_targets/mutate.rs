//! A valid sealed cookie with fuzzer-chosen edits (on its text or on the
//! binary envelope under it), under each algorithm: it opens to exactly the
//! original session or not at all.
#![no_main]

use std::sync::LazyLock;

use arbitrary::Arbitrary;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use libfuzzer_sys::fuzz_target;
use sealed_session::{__private, Algorithm, CookieStore};

mod common;
use common::Sealed;

static WORLD: LazyLock<Vec<(CookieStore, Sealed)>> = LazyLock::new(|| {
    Algorithm::ALL
        .iter()
        .map(|alg| {
            let store = common::store(common::keyring(*alg));
            let sealed = Sealed::new(&store, "alice", 40);
            assert_eq!(sealed.pairs.len(), 1);
            (store, sealed)
        })
        .collect()
});

#[derive(Arbitrary, Debug)]
enum Edit {
    Flip {
        at: u16,
        bit: u8,
    },
    Set {
        at: u16,
        byte: u8,
    },
    Insert {
        at: u16,
        byte: u8,
    },
    Remove {
        at: u16,
        len: u8,
    },
    Truncate {
        len: u16,
    },
    Swap {
        a: u16,
        b: u16,
    },
    /// Copies a range of the value to another place (repeating a block).
    Repeat {
        from: u16,
        len: u8,
        to: u16,
    },
}

#[derive(Arbitrary, Debug)]
struct Input {
    algorithm: u8,
    /// Edit the decoded envelope bytes rather than the base64url text.
    binary: bool,
    edits: Vec<Edit>,
    /// The chunk count the value arrives in: 1, or split over 2 cookies.
    split: bool,
}

fn at(i: u16, len: usize) -> usize {
    if len == 0 { 0 } else { usize::from(i) % len }
}

fn apply(bytes: &mut Vec<u8>, edit: &Edit) {
    let n = bytes.len();
    match *edit {
        Edit::Flip { at: i, bit } if n > 0 => bytes[at(i, n)] ^= 1 << (bit % 8),
        Edit::Set { at: i, byte } if n > 0 => bytes[at(i, n)] = byte,
        Edit::Insert { at: i, byte } => bytes.insert(at(i, n + 1), byte),
        Edit::Remove { at: i, len } if n > 0 => {
            let start = at(i, n);
            let end = (start + usize::from(len)).min(n);
            bytes.drain(start..end);
        }
        Edit::Truncate { len } => bytes.truncate(usize::from(len)),
        Edit::Swap { a, b } if n > 0 => bytes.swap(at(a, n), at(b, n)),
        Edit::Repeat { from, len, to } if n > 0 => {
            let start = at(from, n);
            let end = (start + usize::from(len)).min(n);
            let block = bytes[start..end].to_vec();
            let to = at(to, n + 1);
            bytes.splice(to..to, block);
        }
        _ => {}
    }
}

fuzz_target!(|input: Input| {
    let (store, sealed) = &WORLD[usize::from(input.algorithm) % WORLD.len()];
    let original = sealed.text();
    let text = if input.binary {
        let mut raw = URL_SAFE_NO_PAD
            .decode(&original)
            .expect("own output decodes");
        input.edits.iter().for_each(|e| apply(&mut raw, e));
        URL_SAFE_NO_PAD.encode(raw)
    } else {
        let mut raw = original.clone().into_bytes();
        input.edits.iter().for_each(|e| apply(&mut raw, e));
        String::from_utf8_lossy(&raw).into_owned()
    };
    let chunks = if input.split { 2 } else { 1 };
    if let Ok(payload) = __private::open_envelope(store, &text, chunks) {
        assert_eq!(text, original, "an edited value authenticated");
        assert!(__private::decode_payload(&payload));
    }
    let header = if input.split {
        let mid = text.len() / 2;
        match (text.get(..mid), text.get(mid..)) {
            (Some(a), Some(b)) => format!("s={a}; s.1={b}"),
            _ => return,
        }
    } else {
        format!("s={text}")
    };
    let session = __private::load_at(store, [header.as_str()], common::NOW);
    // Cookie syntax may make an edited header carry the original value
    // (a `;` or OWS appended after it): what loads must be the original.
    if !common::is_fresh(&session) {
        assert_eq!(
            __private::session_state(&session),
            sealed.state,
            "opened to another session"
        );
    }
});
