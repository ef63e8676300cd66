//! Arbitrary bytes straight into the strict CBOR payload decoder, as if a
//! key had leaked: never panics, never allocates more than the stated
//! multiple of the input, never accepts nesting beyond the depth limit, and
//! what it accepts is canonical (re-encoding gives the input back).
//!
//! Differentially: the lazy path (one strict pass recording where each
//! value is) and the full decoder that builds a `ciborium::Value` tree
//! (kept for fuzzing and tests only) accept exactly the same inputs and
//! find the same keys and value bytes; and each value read from its own
//! bytes, as `Session::get` does, is the value `ciborium` reads from the
//! whole payload.
#![no_main]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

use ciborium::Value;
use libfuzzer_sys::fuzz_target;
use sealed_session::__private;

/// Counts live heap bytes and their peak. A `realloc` is counted as the new
/// block allocated before the old one is freed (the worst case).
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grow(n: usize) {
    let live = LIVE.fetch_add(n, Relaxed) + n;
    PEAK.fetch_max(live, Relaxed);
}

// SAFETY: every call is forwarded unchanged to `System`; only counters are added.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            grow(layout.size());
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Relaxed);
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            grow(new_size);
            LIVE.fetch_sub(layout.size(), Relaxed);
        }
        p
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// The decoder's allocation bound in bytes per input byte, the same one
/// `tests/resource_bounds.rs` asserts (derivation there): the entry index
/// (24), the shared list of key spans of large maps (24) and the
/// repeated-key check's hash table (12).
const PER_BYTE: usize = 60;
/// Fixed overhead: empty containers, the index of short inputs.
const FIXED: usize = 16 * 1024;

fuzz_target!(|data: &[u8]| {
    let base = LIVE.load(Relaxed);
    PEAK.store(base, Relaxed);
    let accepted = __private::decode_payload(data);
    let peak = PEAK.load(Relaxed) - base;
    assert!(
        peak <= PER_BYTE * data.len() + FIXED,
        "decoding {} bytes peaked at {peak} bytes",
        data.len()
    );
    if accepted {
        let depth = __private::payload_depth(data).expect("accepted once, accepted again");
        assert!(depth <= __private::MAX_DEPTH, "depth {depth} accepted");
        let again = __private::reencode_payload(data).expect("re-encodes");
        assert_eq!(again, data, "accepted a non-canonical encoding");
    }
    let lazy = __private::lazy_values(data);
    let tree = __private::tree_values(data);
    assert_eq!(accepted, lazy.is_some());
    assert_eq!(
        accepted,
        tree.is_some(),
        "lazy pass and full decoder disagree"
    );
    let (Some(lazy), Some(tree)) = (lazy, tree) else {
        return;
    };
    // The lazy path holds exactly each value's bytes (the tree keeps every
    // tag and width, so its encoding is the input's).
    assert_eq!(lazy.len(), tree.len());
    for ((lk, lv), (tk, tv)) in lazy.iter().zip(&tree) {
        assert_eq!(lk, tk);
        assert_eq!(lv, &cbor(tv), "bytes of {lk:?}");
    }
    // Each value read from its own bytes (as `Session::get::<Value>` does)
    // is the value `ciborium` reads from the whole payload, compared through
    // their encodings (NaN != NaN as a `Value`). `ciborium` refuses some
    // valid CBOR as a `Value` (a bignum tag beyond 128 bits): then the
    // whole payload and that value alone both fail to read.
    let reads: Vec<Option<Value>> = lazy
        .iter()
        .map(|(_, bytes)| __private::get_value::<Value>(bytes))
        .collect();
    let Ok(whole) = ciborium::from_reader::<Value, _>(data) else {
        assert!(
            reads.iter().any(Option::is_none),
            "only the whole payload fails to read"
        );
        return;
    };
    let read_whole = values_of(&whole);
    assert_eq!(read_whole.len(), lazy.len());
    for (((key, _), read), (wk, wv)) in lazy.iter().zip(reads).zip(read_whole) {
        assert_eq!(key, wk);
        let read = read.expect("reads alone when the whole payload reads");
        assert_eq!(cbor(&read), cbor(wv), "value of {key:?}");
    }
});

/// Data values by key, then flash values by bucket, of a payload that
/// `ciborium` decoded whole.
fn values_of(payload: &Value) -> Vec<(&str, &Value)> {
    let mut out = Vec::new();
    let Value::Map(fields) = payload else {
        return out;
    };
    for (k, v) in fields {
        match (k.as_integer().map(i128::from), v) {
            (Some(5), Value::Map(entries)) => {
                for (k, v) in entries {
                    out.push((k.as_text().unwrap_or_default(), v));
                }
            }
            (Some(6), Value::Map(buckets)) => {
                for (name, items) in buckets {
                    for item in items.as_array().into_iter().flatten() {
                        out.push((name.as_text().unwrap_or_default(), item));
                    }
                }
            }
            _ => {}
        }
    }
    out
}

fn cbor(v: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    ciborium::into_writer(v, &mut out).expect("a decoded value encodes");
    out
}
