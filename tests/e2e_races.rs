//! Two requests of one browser that race (two tabs, a double submit): both
//! carry the same cookies, each response replaces the whole session, so the
//! response that arrives last decides and the other write is lost. What can
//! never happen is a session torn between the two: chunks of one response
//! mixed with chunks of another do not open as anything but a fresh session.
//! Over real HTTP: the demo on loopback, the racing POSTs sent at once.

// Test code: a failed expectation is a panic with a message.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod e2e_support;

use e2e_support::race::{Snapshot, State, race, two_chunk_session};
use e2e_support::{Demo, DemoOptions};

#[test]
fn the_response_that_arrives_last_decides_and_the_other_write_is_lost() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let demo = Demo::start(&DemoOptions::default(), dir.path());
    let (client, before) = two_chunk_session(&demo, "race-last");
    let snapshot = Snapshot::of(&client);
    let [a, b] = race(
        &snapshot,
        &[("/notes", "from tab A"), ("/notes", "from tab B")],
    );
    let with = |note: &str| {
        let mut notes = before.notes.clone();
        notes.push(note.to_owned());
        State {
            notes,
            ..before.clone()
        }
    };
    // Either order of arrival: the later response's cookies are the
    // session; the earlier write is gone, the session id stays.
    assert_eq!(snapshot.apply(&[&a, &b]).state(), with("from tab B"));
    assert_eq!(snapshot.apply(&[&b, &a]).state(), with("from tab A"));
    // Each alone is a complete write.
    assert_eq!(snapshot.apply(&[&a]).state(), with("from tab A"));
    assert_eq!(snapshot.apply(&[]).state(), before);
}

#[test]
fn chunks_of_two_racing_responses_never_open_as_one_session() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let demo = Demo::start(&DemoOptions::default(), dir.path());
    let (client, before) = two_chunk_session(&demo, "race-mix");
    let snapshot = Snapshot::of(&client);
    assert_eq!(snapshot.chunks.len(), 2, "a two-chunk session to start");
    let [a, b] = race(
        &snapshot,
        &[("/notes", "from tab A"), ("/notes", "from tab B")],
    );
    let (a, b) = (a.session_values(), b.session_values());
    assert_eq!(a.len(), 2, "response A writes two chunks: {a:?}");
    assert_eq!(b.len(), 2, "response B writes two chunks: {b:?}");
    let old: Vec<&str> = snapshot.chunks.iter().map(|(_, v)| v.as_str()).collect();
    // Every pairing of chunk 0 and chunk 1 taken from different sealings
    // (the two responses and the cookies before them).
    let sources = [("before", &old[..]), ("A", &a[..]), ("B", &b[..])];
    let mut mixes = 0;
    for (name0, chunk0) in sources {
        for (name1, chunk1) in sources {
            if name0 == name1 {
                continue;
            }
            let jar = snapshot.with_chunks(&[chunk0[0], chunk1[1]]);
            let state = jar.state();
            assert!(
                state.is_fresh() && state.load_error.is_some(),
                "chunk 0 of {name0} with chunk 1 of {name1} opened: {state:?}"
            );
            mixes += 1;
        }
    }
    assert_eq!(mixes, 6);
    // Control: the same jar built from one response's own chunks opens.
    assert_eq!(
        snapshot.with_chunks(&[a[0], a[1]]).state().notes.len(),
        before.notes.len() + 1
    );
}
